package tensor

import (
	"fmt"
	"math"
)

var (
	opSoftmax      = registerOp("softmax")
	opLogSoftmax   = registerOp("log_softmax")
	opCrossEntropy = registerOp("cross_entropy")
)

// Softmax returns exp(x)/Σexp(x) along axis (negative counts from the end).
func Softmax(x *Tensor, axis int) *Tensor { return softmax(x, axis, false) }

// LogSoftmax returns x − log Σexp(x) along axis, computed stably.
func LogSoftmax(x *Tensor, axis int) *Tensor { return softmax(x, axis, true) }

func softmax(x *Tensor, axis int, logForm bool) *Tensor {
	if axis < 0 {
		axis += len(x.shape)
	}
	if axis < 0 || axis >= len(x.shape) {
		panic(fmt.Sprintf("tensor: softmax axis %d for shape %v", axis, x.shape))
	}
	outer, n, inner := splitAt(x.shape, axis)
	out := result(cloneInts(x.shape), x)
	for o := 0; o < outer; o++ {
		for j := 0; j < inner; j++ {
			base := o*n*inner + j
			m := float32(math.Inf(-1))
			for k := 0; k < n; k++ {
				m = max(m, x.data[base+k*inner])
			}
			var s float64
			for k := 0; k < n; k++ {
				s += math.Exp(float64(x.data[base+k*inner] - m))
			}
			ls := float32(math.Log(s))
			for k := 0; k < n; k++ {
				v := x.data[base+k*inner] - m - ls
				if !logForm {
					v = float32(math.Exp(float64(v)))
				}
				out.data[base+k*inner] = v
			}
		}
	}
	name := opSoftmax
	if logForm {
		name = opLogSoftmax
	}
	return record(out, name, func(out *Tensor) {
		dst, beta := gradSlot(x)
		g, y := out.grad.data, out.data
		for o := 0; o < outer; o++ {
			for j := 0; j < inner; j++ {
				base := o*n*inner + j
				// softmax: dx = y·(g − Σg·y); log_softmax: dx = g − exp(y)·Σg
				var s float64
				for k := 0; k < n; k++ {
					i := base + k*inner
					if logForm {
						s += float64(g[i])
					} else {
						s += float64(g[i]) * float64(y[i])
					}
				}
				for k := 0; k < n; k++ {
					i := base + k*inner
					var v float32
					if logForm {
						v = g[i] - float32(math.Exp(float64(y[i])))*float32(s)
					} else {
						v = y[i] * (g[i] - float32(s))
					}
					dst[i] = accum(dst[i], beta, v)
				}
			}
		}
	}, x)
}

// Reduction says how a loss combines its per-example values.
type Reduction int

const (
	ReduceMean Reduction = iota // the average over the batch (torch's default)
	ReduceSum                   // the sum over the batch
)

// CrossEntropyOptions are torch's cross_entropy options that we support.
type CrossEntropyOptions struct {
	Reduction      Reduction
	LabelSmoothing float64 // in [0, 1]: the target mixes in ε/C of every class
}

// LabelError reports a target class outside [0, classes).
type LabelError struct {
	Index, Label, Classes int
}

func (e *LabelError) Error() string {
	return fmt.Sprintf("tensor: cross-entropy target %d at index %d is outside [0, %d)", e.Label, e.Index, e.Classes)
}

// CrossEntropy returns the cross-entropy loss between logits (N×C) and
// target classes, as torch's cross_entropy: log-softmax then negative
// log-likelihood, with optional label smoothing. A target out of range is an
// error, never ignored.
func CrossEntropy(logits *Tensor, targets []int, o CrossEntropyOptions) (*Tensor, error) {
	if len(logits.shape) != 2 || logits.shape[0] != len(targets) {
		panic(fmt.Sprintf("tensor: CrossEntropy logits %v for %d targets", logits.shape, len(targets)))
	}
	if o.LabelSmoothing < 0 || o.LabelSmoothing > 1 {
		panic(fmt.Sprintf("tensor: label smoothing %v outside [0, 1]", o.LabelSmoothing))
	}
	n, c := logits.shape[0], logits.shape[1]
	for i, t := range targets {
		if t < 0 || t >= c {
			return nil, &LabelError{Index: i, Label: t, Classes: c}
		}
	}
	targets = append([]int(nil), targets...) // the caller may reuse its slice before Backward
	eps := o.LabelSmoothing
	prob := logits.arena.buffer(n * c) // softmax, kept for backward
	var total float64
	for i := 0; i < n; i++ {
		row, p := logits.data[i*c:(i+1)*c], prob[i*c:(i+1)*c]
		m := float32(math.Inf(-1))
		for _, v := range row {
			m = max(m, v)
		}
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v - m))
		}
		lse := float64(m) + math.Log(s)
		var sumNeg float64 // Σ_c −log p_c
		for k, v := range row {
			lp := float64(v) - lse
			p[k] = float32(math.Exp(lp))
			sumNeg -= lp
		}
		nll := lse - float64(row[targets[i]])
		total += (1-eps)*nll + eps/float64(c)*sumNeg
	}
	scale := 1.0
	if o.Reduction == ReduceMean {
		scale = 1 / float64(n)
	}
	out := result([]int{}, logits)
	out.data[0] = float32(total * scale)
	return record(out, opCrossEntropy, func(out *Tensor) {
		dst, beta := gradSlot(logits)
		g := out.grad.data[0] * float32(scale)
		off, on := float32(eps/float64(c)), float32(1-eps)
		for i := 0; i < n; i++ {
			for k := 0; k < c; k++ {
				j := i*c + k
				v := prob[j] - off
				if k == targets[i] {
					v -= on
				}
				dst[j] = accum(dst[j], beta, g*v)
			}
		}
	}, logits), nil
}
