package tensor

import (
	"fmt"
	"math"

	"github.com/convnet/convnet/internal/kernel"
)

// epilogue is what a convolution's forward pass applies to each output
// channel while its rows are still in cache: the bias, then a per-channel
// scale and shift (an evaluation-mode batch norm folded in), then a ReLU.
// The steps are the separate ops' own, in their order, so that a fused
// result equals the unfused one exactly.
type epilogue struct {
	bias, scale, shift []float32
	relu               bool
}

func (e *epilogue) empty() bool { return e.bias == nil && e.scale == nil && !e.relu }

// apply finishes row, a run of output channel ch.
func (e *epilogue) apply(row []float32, ch int) {
	if e.bias != nil {
		kernel.Affine(row, row, 1, e.bias[ch])
	}
	if e.scale != nil {
		kernel.Affine(row, row, e.scale[ch], e.shift[ch])
	}
	if e.relu {
		kernel.ReLU(row, row)
	}
}

// applyImages finishes whole images y (each c planes of hw).
func (e *epilogue) applyImages(y []float32, c, hw int) {
	if e.empty() {
		return
	}
	for i := 0; i < len(y)/hw; i++ {
		e.apply(y[i*hw:(i+1)*hw], i%c)
	}
}

// Conv2dBatchNorm is relu(bn(Conv2d(x, w, bias, opts))) for inference, in
// one pass: bn, if scale is not nil, is an evaluation-mode batch norm as
// BatchNormEvalAffine folds it, and the ReLU is applied when relu is set,
// each while the convolution's output is in cache, instead of as two more
// passes over it. The result equals the three ops' exactly. It records no
// gradient, so it panics when x, w or bias requires one.
func Conv2dBatchNorm(x, w, bias *Tensor, opts ConvOptions, scale, shift []float32, relu bool) *Tensor {
	for _, t := range []*Tensor{x, w, bias} {
		if t != nil && t.requiresGrad {
			panic("tensor: Conv2dBatchNorm is for inference; an input requires a gradient")
		}
	}
	o := opts.normalized()
	p := newConvPlan(x, w, o)
	if len(scale) != len(shift) || (scale != nil && len(scale) != p.cout) {
		panic(fmt.Sprintf("tensor: Conv2dBatchNorm scale %d and shift %d for %d output channels", len(scale), len(shift), p.cout))
	}
	ep := epilogue{scale: scale, shift: shift, relu: relu}
	if bias != nil {
		ep.bias = bias.data
	}
	return conv2dForward(x, w, bias, p, ep)
}

// BatchNormEvalAffine returns the per-channel scale and shift that
// BatchNorm in evaluation applies: x·scale + shift, with scale =
// weight/√(var+eps) and shift = bias − mean·scale, computed as BatchNorm
// computes them. weight and bias may be nil.
func BatchNormEvalAffine(weight, bias, runningMean, runningVar *Tensor, eps float64) (scale, shift []float32) {
	c := len(runningMean.data)
	scale, shift = make([]float32, c), make([]float32, c)
	for ch := range scale {
		scale[ch], shift[ch] = bnEvalAffine(weight, bias, float64(runningMean.data[ch]), float64(runningVar.data[ch]), eps, ch)
	}
	return scale, shift
}

// bnEvalAffine is one channel's scale and shift of batch norm given its
// mean m and variance v.
func bnEvalAffine(weight, bias *Tensor, m, v, eps float64, ch int) (scale, shift float32) {
	is := 1 / math.Sqrt(v+eps)
	scale, shift = float32(is), float32(-m*is)
	if weight != nil {
		scale *= weight.data[ch]
		shift *= weight.data[ch]
	}
	if bias != nil {
		shift += bias.data[ch]
	}
	return scale, shift
}
