package tensor

import (
	"fmt"
	"math"

	"github.com/convnet/convnet/internal/kernel"
)

var (
	opBatchNorm     = registerOp("batch_norm")
	opBatchNormReLU = registerOp("batch_norm_relu")
)

// BatchNormOptions hold batch normalisation's mode and constants.
type BatchNormOptions struct {
	Training bool
	Momentum float64 // weight of the new batch in the running statistics (torch: 0.1)
	Eps      float64 // added to the variance (torch: 1e-5)
}

// BatchNorm normalises x (N×C×…) per channel, as torch's batch_norm. In
// training it uses the batch's statistics and, when runningMean and
// runningVar are given, updates them in place with momentum (the variance
// unbiased, as torch); in evaluation it uses the running statistics. weight
// and bias (the affine transform) may be nil.
func BatchNorm(x, weight, bias, runningMean, runningVar *Tensor, o BatchNormOptions) *Tensor {
	return batchNorm(x, weight, bias, runningMean, runningVar, o, false)
}

// BatchNormReLU is ReLU(BatchNorm(x, …)), equal to it bit for bit, in
// one pass over x and one over the gradient: the batch norm's output is
// never stored, and the backward pass finds where the ReLU passed its
// input by recomputing that output from x (kernel.BatchNormGradReLU)
// rather than reading it.
func BatchNormReLU(x, weight, bias, runningMean, runningVar *Tensor, o BatchNormOptions) *Tensor {
	return batchNorm(x, weight, bias, runningMean, runningVar, o, true)
}

func batchNorm(x, weight, bias, runningMean, runningVar *Tensor, o BatchNormOptions, relu bool) *Tensor {
	if len(x.shape) < 2 {
		panic(fmt.Sprintf("tensor: BatchNorm of %v needs N×C×…", x.shape))
	}
	n, c := x.shape[0], x.shape[1]
	for _, p := range []*Tensor{weight, bias, runningMean, runningVar} {
		if p != nil && len(p.data) != c {
			panic(fmt.Sprintf("tensor: BatchNorm parameter %v for %d channels", p.shape, c))
		}
	}
	if (runningMean == nil) != (runningVar == nil) {
		panic("tensor: BatchNorm needs both running statistics or neither")
	}
	if !o.Training && runningMean == nil {
		panic("tensor: BatchNorm in evaluation needs running statistics")
	}
	plane := len(x.data) / max(1, n*c)
	count := n * plane
	if o.Training && count <= 1 {
		panic(fmt.Sprintf("tensor: BatchNorm in training needs more than one value per channel, got input %v", x.shape))
	}
	mean := make([]float32, c)
	invStd := make([]float32, c)
	var affine *channelAffine // the map the ReLU's mask is recomputed with
	if relu {
		affine = &channelAffine{scale: make([]float32, c), shift: make([]float32, c)}
	}
	out := result(cloneInts(x.shape), x, weight, bias)
	kernel.Parallel(c, 1, func(c0, c1 int) {
		for ch := c0; ch < c1; ch++ {
			var m, v float64
			if o.Training {
				m, v = channelStats(x.data, n, c, plane, ch)
				if runningMean != nil {
					mom := o.Momentum
					runningMean.data[ch] = float32((1-mom)*float64(runningMean.data[ch]) + mom*m)
					unbiased := v * float64(count) / float64(count-1)
					runningVar.data[ch] = float32((1-mom)*float64(runningVar.data[ch]) + mom*unbiased)
				}
			} else {
				m, v = float64(runningMean.data[ch]), float64(runningVar.data[ch])
			}
			mean[ch], invStd[ch] = float32(m), float32(1/math.Sqrt(v+o.Eps))
			scale, shift := bnEvalAffine(weight, bias, m, v, o.Eps, ch)
			if affine != nil {
				affine.scale[ch], affine.shift[ch] = scale, shift
			}
			for b := 0; b < n; b++ {
				off := (b*c + ch) * plane
				if relu {
					kernel.AffineReLU(out.data[off:off+plane], x.data[off:off+plane], scale, shift)
				} else {
					kernel.Affine(out.data[off:off+plane], x.data[off:off+plane], scale, shift)
				}
			}
		}
	})
	op := opBatchNorm
	if relu {
		op = opBatchNormReLU
	}
	return record(out, op, func(out *Tensor) {
		batchNormBackward(x, weight, bias, out.grad.data, mean, invStd, o.Training, affine)
	}, x, weight, bias)
}

// channelAffine is the per-channel map x·scale + shift that a batch norm
// applied to its input, kept for the fused ReLU's backward pass.
type channelAffine struct{ scale, shift []float32 }

// channelStats returns the mean and biased variance of one channel in two
// passes (the second over x − mean, which does not cancel), each plane
// summed in float32 and the planes in float64.
func channelStats(x []float32, n, c, plane, ch int) (mean, variance float64) {
	var s float64
	for b := 0; b < n; b++ {
		s += float64(kernel.Sum(x[(b*c+ch)*plane : (b*c+ch+1)*plane]))
	}
	count := float64(n * plane)
	mean = s / count
	var ss float64
	for b := 0; b < n; b++ {
		ss += float64(kernel.SumSquaredDeviations(x[(b*c+ch)*plane:(b*c+ch+1)*plane], float32(mean)))
	}
	return mean, ss / count
}

// batchNormBackward propagates g through the batch norm, and through the
// ReLU after it when relu holds the map the forward pass applied.
func batchNormBackward(x, weight, bias *Tensor, g, mean, invStd []float32, training bool, relu *channelAffine) {
	n, c := x.shape[0], x.shape[1]
	plane := len(x.data) / max(1, n*c)
	dx, betaX := gradSlot(x)
	dw, betaW := gradSlot(weight)
	db, betaB := gradSlot(bias)
	kernel.Parallel(c, 1, func(c0, c1 int) {
		for ch := c0; ch < c1; ch++ {
			// Σg and Σg·x̂ over the channel, x̂ = (x − mean)·σ⁻¹.
			var sg, sgx float64
			m, is := mean[ch], invStd[ch]
			for b := 0; b < n; b++ {
				off := (b*c + ch) * plane
				var pg, pgx float32
				if relu != nil {
					pg, pgx = kernel.SumAndCenteredDotReLU(g[off:off+plane], x.data[off:off+plane], m, relu.scale[ch], relu.shift[ch])
				} else {
					pg, pgx = kernel.SumAndCenteredDot(g[off:off+plane], x.data[off:off+plane], m)
				}
				sg += float64(pg)
				sgx += float64(pgx)
			}
			sgx *= float64(is)
			if dw != nil {
				dw[ch] = accum(dw[ch], betaW, float32(sgx))
			}
			if db != nil {
				db[ch] = accum(db[ch], betaB, float32(sg))
			}
			if dx == nil {
				continue
			}
			w := float32(1)
			if weight != nil {
				w = weight.data[ch]
			}
			k := w * is
			// training: dx = w·σ⁻¹·(g − mean(g) − x̂·mean(g·x̂)); eval: dx = w·σ⁻¹·g
			var mg, mgx float32
			if training {
				cnt := float64(n * plane)
				mg, mgx = float32(sg/cnt), float32(sgx/cnt)
			}
			for b := 0; b < n; b++ {
				off := (b*c + ch) * plane
				if relu != nil {
					kernel.BatchNormGradReLU(dx[off:off+plane], g[off:off+plane], x.data[off:off+plane],
						k, -k*is*mgx, -k*mg, m, relu.scale[ch], relu.shift[ch], betaX != 0)
					continue
				}
				kernel.BatchNormGrad(dx[off:off+plane], g[off:off+plane], x.data[off:off+plane],
					k, -k*is*mgx, -k*mg, m, betaX != 0)
			}
		}
	})
}
