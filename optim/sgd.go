package optim

import (
	"fmt"

	"github.com/convnet/convnet/tensor"
)

// SGDConfig holds torch.optim.SGD's hyper-parameters.
type SGDConfig struct {
	LR, Momentum, Dampening, WeightDecay float64
	Nesterov                             bool
}

// SGD is stochastic gradient descent with torch's update:
//
//	d = g + wd·p;  buf = μ·buf + (1−τ)·d (buf = d at the first step)
//	d = d + μ·buf if Nesterov, else buf;  p = p − lr·d
type SGD struct {
	cfg    SGDConfig
	params []*tensor.Tensor
	bufs   [][]float32
}

// NewSGD returns an SGD optimizer over params.
func NewSGD(params []*tensor.Tensor, cfg SGDConfig) *SGD {
	if cfg.LR < 0 || cfg.Momentum < 0 || cfg.WeightDecay < 0 || (cfg.Nesterov && (cfg.Momentum <= 0 || cfg.Dampening != 0)) {
		panic(fmt.Sprintf("optim: invalid SGD config %+v (Nesterov needs momentum and no dampening)", cfg))
	}
	return &SGD{cfg: cfg, params: params, bufs: make([][]float32, len(params))}
}

// Step updates every parameter that has a gradient.
func (o *SGD) Step() {
	lr, mu := float32(o.cfg.LR), float32(o.cfg.Momentum)
	wd, damp := float32(o.cfg.WeightDecay), float32(1-o.cfg.Dampening)
	for i, p := range o.params {
		g := p.Grad()
		if g == nil {
			continue
		}
		pd, gd := p.Data(), g.Data()
		if mu == 0 {
			for j, gv := range gd {
				if wd != 0 {
					gv += wd * pd[j]
				}
				pd[j] -= lr * gv
			}
			continue
		}
		buf := o.bufs[i]
		first := buf == nil
		if first {
			buf = make([]float32, len(pd))
			o.bufs[i] = buf
		}
		for j, gv := range gd {
			if wd != 0 {
				gv += wd * pd[j]
			}
			if first {
				buf[j] = gv
			} else {
				buf[j] = mu*buf[j] + damp*gv
			}
			d := buf[j]
			if o.cfg.Nesterov {
				d = gv + mu*buf[j]
			}
			pd[j] -= lr * d
		}
	}
}

// ZeroGrad zeroes the gradients in place.
func (o *SGD) ZeroGrad() { zeroGrads(o.params) }

// LR returns the learning rate.
func (o *SGD) LR() float64 { return o.cfg.LR }

// SetLR sets the learning rate.
func (o *SGD) SetLR(lr float64) { o.cfg.LR = lr }

// SetMomentum sets the momentum.
func (o *SGD) SetMomentum(m float64) { o.cfg.Momentum = m }

// State returns a copy of the momentum buffers and hyper-parameters.
func (o *SGD) State() State {
	st := State{Kind: "sgd", Scalars: map[string]float64{"lr": o.cfg.LR, "momentum": o.cfg.Momentum}, Buffers: map[string]*tensor.Tensor{}}
	saveBuffers(st, "momentum_buffer", o.bufs, o.params)
	return st
}

// LoadState restores a State from State.
func (o *SGD) LoadState(st State) error {
	if err := checkKind(st, "sgd"); err != nil {
		return err
	}
	if err := checkKeys(st, len(o.params), []string{"momentum_buffer"}, []string{"lr", "momentum"}, nil); err != nil {
		return err
	}
	bufs, err := loadBuffers(st, "momentum_buffer", o.params)
	if err != nil {
		return err
	}
	o.bufs = bufs
	o.cfg.LR, o.cfg.Momentum = st.Scalars["lr"], st.Scalars["momentum"]
	return nil
}
