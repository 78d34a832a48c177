package tensor

import (
	"fmt"

	"github.com/convnet/convnet/internal/kernel"
)

type binaryKind int

const (
	kindAdd binaryKind = iota
	kindSub
	kindMul
	kindDiv
)

var (
	opAdd = registerOp("add")
	opSub = registerOp("sub")
	opMul = registerOp("mul")
	opDiv = registerOp("div")
)

var binaryOpNames = [...]string{kindAdd: opAdd, kindSub: opSub, kindMul: opMul, kindDiv: opDiv}

// Add returns a + b, broadcasting as torch does.
func Add(a, b *Tensor) *Tensor { return binary(kindAdd, a, b) }

// Sub returns a − b, broadcasting as torch does.
func Sub(a, b *Tensor) *Tensor { return binary(kindSub, a, b) }

// Mul returns a ⊙ b (element-wise), broadcasting as torch does.
func Mul(a, b *Tensor) *Tensor { return binary(kindMul, a, b) }

// Div returns a ⊘ b (element-wise), broadcasting as torch does.
func Div(a, b *Tensor) *Tensor { return binary(kindDiv, a, b) }

func apply(k binaryKind, x, y float32) float32 {
	switch k {
	case kindAdd:
		return x + y
	case kindSub:
		return x - y
	case kindMul:
		return x * y
	default:
		return x / y
	}
}

func binary(k binaryKind, a, b *Tensor) *Tensor {
	name := binaryOpNames[k]
	same := sameShape(a.shape, b.shape)
	var outShape []int
	if same {
		outShape = cloneInts(a.shape)
	} else {
		outShape = broadcastShape(name, a.shape, b.shape)
	}
	out := result(outShape, a, b)
	o, x, y := out.data, a.data, b.data
	if same {
		kernel.Parallel(len(o), elementGrain, func(lo, hi int) {
			o, x, y := o[lo:hi], x[lo:hi], y[lo:hi]
			switch k {
			case kindAdd: // the residual additions of ResNets
				kernel.Add(o, x, y)
			case kindSub:
				for i := range o {
					o[i] = x[i] - y[i]
				}
			case kindMul:
				for i := range o {
					o[i] = x[i] * y[i]
				}
			case kindDiv:
				for i := range o {
					o[i] = x[i] / y[i]
				}
			}
		})
	} else {
		forEachBroadcast(outShape, a.shape, b.shape, func(i, ia, ib int) { o[i] = apply(k, x[ia], y[ib]) })
	}
	return record(out, name, func(out *Tensor) { binaryBackward(k, a, b, out) }, a, b)
}

func binaryBackward(k binaryKind, a, b, out *Tensor) {
	g := out.grad.data
	if (k == kindAdd || k == kindSub) && sameShape(a.shape, b.shape) {
		// The residual additions of ResNets: no broadcast to undo, and
		// large enough to share between the workers. An input whose
		// gradient the sum's is, unchanged, takes it without a copy.
		sign := float32(1)
		if k == kindSub {
			sign = -1
		}
		tookA := takeGradient(a, out)
		tookB := !tookA && sign == 1 && takeGradient(b, out)
		ga, betaA := gradSlot(a)
		gb, betaB := gradSlot(b)
		if tookA {
			ga = nil // a + a: b's part is then added to a's
		}
		if tookB {
			gb = nil
		}
		kernel.Parallel(len(g), 1<<14, func(lo, hi int) {
			if ga != nil {
				passGradient(ga[lo:hi], g[lo:hi], betaA != 0, 1)
			}
			if gb != nil {
				passGradient(gb[lo:hi], g[lo:hi], betaB != 0, sign)
			}
		})
		return
	}
	ga, betaA := gradSlot(a)
	gb, betaB := gradSlot(b)
	if ga != nil && betaA == 0 {
		clear(ga)
	}
	if gb != nil && betaB == 0 {
		clear(gb)
	}
	x, y := a.data, b.data
	forEachBroadcast(out.shape, a.shape, b.shape, func(i, ia, ib int) {
		gi := g[i]
		switch k {
		case kindAdd:
			if ga != nil {
				ga[ia] += gi
			}
			if gb != nil {
				gb[ib] += gi
			}
		case kindSub:
			if ga != nil {
				ga[ia] += gi
			}
			if gb != nil {
				gb[ib] -= gi
			}
		case kindMul:
			if ga != nil {
				ga[ia] += gi * y[ib]
			}
			if gb != nil {
				gb[ib] += gi * x[ia]
			}
		case kindDiv:
			if ga != nil {
				ga[ia] += gi / y[ib]
			}
			if gb != nil {
				gb[ib] -= gi * x[ia] / (y[ib] * y[ib])
			}
		}
	})
}

var (
	opAddScalar = registerOp("add_scalar")
	opMulScalar = registerOp("mul_scalar")
	opReLU      = registerOp("relu")
	opAddReLU   = registerOp("add_relu")
)

// AddScalar returns t + s.
func AddScalar(t *Tensor, s float32) *Tensor {
	out := result(cloneInts(t.shape), t)
	for i, v := range t.data {
		out.data[i] = v + s
	}
	return record(out, opAddScalar, func(out *Tensor) { accumulate(t, out.grad.data) }, t)
}

// MulScalar returns t · s.
func MulScalar(t *Tensor, s float32) *Tensor {
	out := result(cloneInts(t.shape), t)
	for i, v := range t.data {
		out.data[i] = v * s
	}
	return record(out, opMulScalar, func(out *Tensor) {
		dst, beta := gradSlot(t)
		if beta == 0 {
			clear(dst)
		}
		for i, g := range out.grad.data {
			dst[i] += g * s
		}
	}, t)
}

// ReLU returns max(t, 0) element-wise (NaN stays NaN, as in torch).
func ReLU(t *Tensor) *Tensor {
	out := result(cloneInts(t.shape), t)
	kernel.Parallel(len(t.data), elementGrain, func(lo, hi int) { kernel.ReLU(out.data[lo:hi], t.data[lo:hi]) })
	return record(out, opReLU, func(out *Tensor) { reluBackward(t, out) }, t)
}

// AddReLU returns ReLU(a + b) for a and b of one shape (the end of a
// residual block), equal to it bit for bit, in one pass instead of two.
// Its backward pass masks the gradient in place and hands it to a as
// Add's does (takeGradient), so that it costs what ReLU's and Add's did.
func AddReLU(a, b *Tensor) *Tensor {
	if !sameShape(a.shape, b.shape) {
		panic(fmt.Sprintf("tensor: AddReLU of %v and %v, which are not of one shape", a.shape, b.shape))
	}
	out := result(cloneInts(a.shape), a, b)
	kernel.Parallel(len(out.data), elementGrain, func(lo, hi int) {
		kernel.AddReLU(out.data[lo:hi], a.data[lo:hi], b.data[lo:hi])
	})
	return record(out, opAddReLU, func(out *Tensor) {
		g, y := out.grad.data, out.data
		// out's gradient is released once this returns: mask it in place.
		kernel.Parallel(len(g), elementGrain, func(lo, hi int) { kernel.ReLUBackward(g[lo:hi], g[lo:hi], y[lo:hi], false) })
		binaryBackward(kindAdd, a, b, out)
	}, a, b)
}

// elementGrain is the number of elements of an element-wise op worth a
// task of its own.
const elementGrain = 1 << 15

// reluBackward passes the gradient where the output is positive, as torch's
// threshold_backward does (the gradient at exactly 0 is 0).
func reluBackward(in, out *Tensor) {
	dst, beta := gradSlot(in)
	g, y := out.grad.data, out.data
	kernel.Parallel(len(y), elementGrain, func(lo, hi int) {
		kernel.ReLUBackward(dst[lo:hi], g[lo:hi], y[lo:hi], beta != 0)
	})
}

// Neg returns −t.
func Neg(t *Tensor) *Tensor { return MulScalar(t, -1) }

// passGradient sets dst to sign·g, or with accumulate adds sign·g to it.
func passGradient(dst, g []float32, accumulate bool, sign float32) {
	switch {
	case !accumulate && sign == 1:
		copy(dst, g)
	case sign == 1:
		kernel.AddTo(dst, g)
	case !accumulate:
		for i, v := range g {
			dst[i] = -v
		}
	default:
		for i, v := range g {
			dst[i] -= v
		}
	}
}
