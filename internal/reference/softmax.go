package reference

import (
	"fmt"
	"math"
)

// Softmax returns exp(x_i)/Σ_j exp(x_j) along axis (negative counts from
// the end).
func Softmax(x *Array, axis int) *Array {
	ls := LogSoftmax(x, axis)
	return unary(ls, math.Exp)
}

// LogSoftmax returns x_i − log Σ_j exp(x_j) along axis, with the maximum
// subtracted first so that exp cannot overflow.
func LogSoftmax(x *Array, axis int) *Array {
	if axis < 0 {
		axis += len(x.Shape)
	}
	out := New(x.Shape...)
	for i := range x.Data {
		idx := unflat(x.Shape, i)
		m := math.Inf(-1)
		for k := 0; k < x.Shape[axis]; k++ {
			idx[axis] = k
			m = math.Max(m, x.At(idx...))
		}
		var s float64
		for k := 0; k < x.Shape[axis]; k++ {
			idx[axis] = k
			s += math.Exp(x.At(idx...) - m)
		}
		out.Data[i] = x.Data[i] - m - math.Log(s)
	}
	return out
}

// CrossEntropy is torch's cross_entropy of logits (N×C) against class
// indexes, with label smoothing ε as torch defines it: per example
//
//	loss = (1 − ε)·(−log p_target) + ε/C · Σ_c (−log p_c)
//
// then the mean over the batch (mean) or the sum.
func CrossEntropy(logits *Array, targets []int, mean bool, smoothing float64) *Array {
	n, c := logits.Shape[0], logits.Shape[1]
	if len(targets) != n {
		panic(fmt.Sprintf("reference: %d targets for logits %v", len(targets), logits.Shape))
	}
	lp := LogSoftmax(logits, 1)
	out := New()
	for i := 0; i < n; i++ {
		var all float64
		for k := 0; k < c; k++ {
			all -= lp.At(i, k)
		}
		out.Data[0] += (1-smoothing)*(-lp.At(i, targets[i])) + smoothing/float64(c)*all
	}
	if mean {
		out.Data[0] /= float64(n)
	}
	return out
}
