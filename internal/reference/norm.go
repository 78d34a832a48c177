package reference

import "math"

// LocalResponseNorm is torch's local_response_norm over the channels of x
// (N×C×…):
//
//	b_c = a_c / (k + α/n · Σ_{c'=c−⌊n/2⌋}^{c+⌊(n−1)/2⌋} a_{c'}²)^β
//
// where channels outside [0, C) count as zero (torch pads them).
func LocalResponseNorm(x *Array, size int, alpha, beta, k float64) *Array {
	n, c := x.Shape[0], x.Shape[1]
	plane := x.Len() / (n * c)
	at := func(b, ch, i int) float64 { return x.Data[(b*c+ch)*plane+i] }
	out := New(x.Shape...)
	for b := 0; b < n; b++ {
		for ch := 0; ch < c; ch++ {
			for i := 0; i < plane; i++ {
				var s float64
				for cc := ch - size/2; cc <= ch+(size-1)/2; cc++ {
					if cc >= 0 && cc < c {
						s += at(b, cc, i) * at(b, cc, i)
					}
				}
				out.Data[(b*c+ch)*plane+i] = at(b, ch, i) / math.Pow(k+alpha/float64(size)*s, beta)
			}
		}
	}
	return out
}

// BatchNormParams are batch_norm's mode and constants.
type BatchNormParams struct {
	Training bool
	Momentum float64
	Eps      float64
}

// BatchNorm is torch's batch_norm over x (N×C×…), per channel:
//
//	y = (x − μ)/√(σ² + eps) · weight + bias
//
// In training μ and σ² are the batch's mean and biased variance, and the
// returned running statistics are (1 − m)·running + m·batch with the
// unbiased variance; in evaluation μ and σ² are the running statistics,
// returned unchanged. weight and bias may be nil (no affine transform);
// the running statistics may be nil in training.
func BatchNorm(x, weight, bias, runningMean, runningVar *Array, p BatchNormParams) (y, newMean, newVar *Array) {
	n, c := x.Shape[0], x.Shape[1]
	plane := x.Len() / (n * c)
	count := float64(n * plane)
	y = New(x.Shape...)
	if runningMean != nil {
		newMean, newVar = runningMean.Clone(), runningVar.Clone()
	}
	for ch := 0; ch < c; ch++ {
		var mu, variance float64
		if p.Training {
			for b := 0; b < n; b++ {
				for i := 0; i < plane; i++ {
					mu += x.Data[(b*c+ch)*plane+i]
				}
			}
			mu /= count
			for b := 0; b < n; b++ {
				for i := 0; i < plane; i++ {
					d := x.Data[(b*c+ch)*plane+i] - mu
					variance += d * d
				}
			}
			variance /= count
			if newMean != nil {
				newMean.Data[ch] = (1-p.Momentum)*runningMean.Data[ch] + p.Momentum*mu
				newVar.Data[ch] = (1-p.Momentum)*runningVar.Data[ch] + p.Momentum*variance*count/(count-1)
			}
		} else {
			mu, variance = runningMean.Data[ch], runningVar.Data[ch]
		}
		for b := 0; b < n; b++ {
			for i := 0; i < plane; i++ {
				j := (b*c+ch)*plane + i
				v := (x.Data[j] - mu) / math.Sqrt(variance+p.Eps)
				if weight != nil {
					v *= weight.Data[ch]
				}
				if bias != nil {
					v += bias.Data[ch]
				}
				y.Data[j] = v
			}
		}
	}
	return y, newMean, newVar
}
