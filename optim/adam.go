package optim

import (
	"fmt"
	"math"

	"github.com/convnet/convnet/tensor"
)

// AdamConfig holds torch.optim.Adam's (and AdamW's) hyper-parameters. Zero
// Beta1, Beta2 and Eps mean torch's defaults 0.9, 0.999 and 1e-8.
type AdamConfig struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	AMSGrad                            bool
}

func (c AdamConfig) withDefaults() AdamConfig {
	if c.Beta1 == 0 {
		c.Beta1 = 0.9
	}
	if c.Beta2 == 0 {
		c.Beta2 = 0.999
	}
	if c.Eps == 0 {
		c.Eps = 1e-8
	}
	return c
}

// Adam is torch.optim.Adam (decoupled is false) and AdamW (true):
//
//	AdamW: p = p·(1 − lr·wd);  Adam: g = g + wd·p
//	m = β₁m + (1−β₁)g;  v = β₂v + (1−β₂)g²
//	p = p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)
type Adam struct {
	cfg       AdamConfig
	decoupled bool
	params    []*tensor.Tensor
	step      []int
	m, v, vm  [][]float32
}

// NewAdam returns Adam with L2 weight decay added to the gradient.
func NewAdam(params []*tensor.Tensor, cfg AdamConfig) *Adam { return newAdam(params, cfg, false) }

// NewAdamW returns AdamW: weight decay applied to the weights directly.
// torch's AdamW default weight decay is 0.01; pass it explicitly.
func NewAdamW(params []*tensor.Tensor, cfg AdamConfig) *Adam { return newAdam(params, cfg, true) }

func newAdam(params []*tensor.Tensor, cfg AdamConfig, decoupled bool) *Adam {
	cfg = cfg.withDefaults()
	if cfg.LR < 0 || cfg.Beta1 < 0 || cfg.Beta1 >= 1 || cfg.Beta2 < 0 || cfg.Beta2 >= 1 || cfg.Eps < 0 || cfg.WeightDecay < 0 {
		panic(fmt.Sprintf("optim: invalid Adam config %+v", cfg))
	}
	n := len(params)
	return &Adam{cfg: cfg, decoupled: decoupled, params: params, step: make([]int, n),
		m: make([][]float32, n), v: make([][]float32, n), vm: make([][]float32, n)}
}

func (o *Adam) kind() string {
	if o.decoupled {
		return "adamw"
	}
	return "adam"
}

// Step updates every parameter that has a gradient.
func (o *Adam) Step() {
	c := o.cfg
	// The scalars are rounded to float32 from float64 as torch passes them.
	b1, b2 := float32(c.Beta1), float32(c.Beta2)
	a1, a2 := float32(1-c.Beta1), float32(1-c.Beta2)
	for i, p := range o.params {
		g := p.Grad()
		if g == nil {
			continue
		}
		pd, gd := p.Data(), g.Data()
		if o.m[i] == nil {
			o.m[i], o.v[i] = make([]float32, len(pd)), make([]float32, len(pd))
			if c.AMSGrad {
				o.vm[i] = make([]float32, len(pd))
			}
		}
		o.step[i]++
		t := float64(o.step[i])
		bc1 := 1 - math.Pow(c.Beta1, t)
		bc2 := 1 - math.Pow(c.Beta2, t)
		stepSize := float32(c.LR / bc1)
		bc2Sqrt := float32(math.Sqrt(bc2))
		eps := float32(c.Eps)
		decay := float32(1 - c.LR*c.WeightDecay)
		wd := float32(c.WeightDecay)
		m, v, vm := o.m[i], o.v[i], o.vm[i]
		for j, gv := range gd {
			if c.WeightDecay != 0 {
				if o.decoupled {
					pd[j] *= decay
				} else {
					gv += wd * pd[j]
				}
			}
			m[j] = m[j]*b1 + gv*a1
			v[j] = v[j]*b2 + a2*gv*gv
			vv := v[j]
			if vm != nil {
				vm[j] = max(vm[j], vv)
				vv = vm[j]
			}
			denom := float32(math.Sqrt(float64(vv)))/bc2Sqrt + eps
			pd[j] -= stepSize * (m[j] / denom)
		}
	}
}

// ZeroGrad zeroes the gradients in place.
func (o *Adam) ZeroGrad() { zeroGrads(o.params) }

// LR returns the learning rate.
func (o *Adam) LR() float64 { return o.cfg.LR }

// SetLR sets the learning rate.
func (o *Adam) SetLR(lr float64) { o.cfg.LR = lr }

// SetMomentum sets β₁.
func (o *Adam) SetMomentum(m float64) { o.cfg.Beta1 = m }

// State returns a copy of the moments, step counts and hyper-parameters.
func (o *Adam) State() State {
	st := State{Kind: o.kind(), Scalars: map[string]float64{"lr": o.cfg.LR, "beta1": o.cfg.Beta1}, Buffers: map[string]*tensor.Tensor{}}
	for i, s := range o.step {
		if s > 0 {
			st.Scalars[bufferName(i, "step")] = float64(s)
		}
	}
	saveBuffers(st, "exp_avg", o.m, o.params)
	saveBuffers(st, "exp_avg_sq", o.v, o.params)
	saveBuffers(st, "max_exp_avg_sq", o.vm, o.params)
	return st
}

// LoadState restores a State from State.
func (o *Adam) LoadState(st State) error {
	if err := checkKind(st, o.kind()); err != nil {
		return err
	}
	if err := checkKeys(st, len(o.params), []string{"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}, []string{"lr", "beta1"}, []string{"step"}); err != nil {
		return err
	}
	var err error
	var m, v, vm [][]float32
	if m, err = loadBuffers(st, "exp_avg", o.params); err != nil {
		return err
	}
	if v, err = loadBuffers(st, "exp_avg_sq", o.params); err != nil {
		return err
	}
	if vm, err = loadBuffers(st, "max_exp_avg_sq", o.params); err != nil {
		return err
	}
	steps := make([]int, len(o.params))
	for i := range steps {
		s := st.Scalars[bufferName(i, "step")]
		if s < 0 || s != math.Trunc(s) || s > 1<<53 {
			return &StateError{fmt.Sprintf("parameter %d: step count %v", i, s)}
		}
		steps[i] = int(s)
		if (steps[i] > 0) != (m[i] != nil && v[i] != nil) {
			return &StateError{fmt.Sprintf("parameter %d: step count and moments disagree", i)}
		}
		if o.cfg.AMSGrad && steps[i] > 0 && vm[i] == nil {
			return &StateError{fmt.Sprintf("parameter %d: AMSGrad state lacks %s", i, bufferName(i, "max_exp_avg_sq"))}
		}
		if !o.cfg.AMSGrad && vm[i] != nil {
			// Step would apply AMSGrad wherever the buffer exists.
			return &StateError{fmt.Sprintf("parameter %d: %s given to %s without AMSGrad", i, bufferName(i, "max_exp_avg_sq"), o.kind())}
		}
	}
	o.m, o.v, o.vm, o.step = m, v, vm, steps
	o.cfg.LR, o.cfg.Beta1 = st.Scalars["lr"], st.Scalars["beta1"]
	return nil
}
