package reference

import "fmt"

// Array is an n-dimensional float64 array in row-major order.
type Array struct {
	Shape []int
	Data  []float64
}

// New returns a zero-filled array of the given shape.
func New(shape ...int) *Array {
	return &Array{Shape: append([]int{}, shape...), Data: make([]float64, size(shape))}
}

// FromFloat32 returns an array holding data, widened to float64.
func FromFloat32(data []float32, shape ...int) *Array {
	if len(data) != size(shape) {
		panic(fmt.Sprintf("reference: %d values for shape %v", len(data), shape))
	}
	a := New(shape...)
	for i, v := range data {
		a.Data[i] = float64(v)
	}
	return a
}

// Clone returns a deep copy of a.
func (a *Array) Clone() *Array {
	return &Array{Shape: append([]int{}, a.Shape...), Data: append([]float64{}, a.Data...)}
}

// Len returns the number of elements.
func (a *Array) Len() int { return len(a.Data) }

// At returns the element at the given multi-index.
func (a *Array) At(idx ...int) float64 { return a.Data[flat(a.Shape, idx)] }

// Set writes v at the given multi-index.
func (a *Array) Set(v float64, idx ...int) { a.Data[flat(a.Shape, idx)] = v }

func size(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("reference: negative dimension in %v", shape))
		}
		n *= d
	}
	return n
}

// flat returns the row-major offset of idx in shape.
func flat(shape, idx []int) int {
	if len(idx) != len(shape) {
		badIndex(shape, append([]int(nil), idx...))
	}
	off := 0
	for i, v := range idx {
		if v < 0 || v >= shape[i] {
			badIndex(shape, append([]int(nil), idx...))
		}
		off = off*shape[i] + v
	}
	return off
}

// badIndex panics; flat hands it a copy of the index so that the variadic
// index of At and Set does not escape to the heap on every call.
func badIndex(shape, idx []int) {
	panic(fmt.Sprintf("reference: index %v out of shape %v", idx, shape))
}

// unflat returns the multi-index of row-major offset off in shape.
func unflat(shape []int, off int) []int {
	idx := make([]int, len(shape))
	for i := len(shape) - 1; i >= 0; i-- {
		idx[i] = off % shape[i]
		off /= shape[i]
	}
	return idx
}

// BroadcastShape is numpy's rule: align trailing dimensions; each pair must
// be equal or one of them 1.
func BroadcastShape(a, b []int) []int {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := range out {
		da, db := 1, 1
		if j := i - (n - len(a)); j >= 0 {
			da = a[j]
		}
		if j := i - (n - len(b)); j >= 0 {
			db = b[j]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			panic(fmt.Sprintf("reference: cannot broadcast %v and %v", a, b))
		}
	}
	return out
}

// broadcastIndex maps an index of the broadcast shape onto an operand of
// shape s: leading dimensions are dropped, size-1 dimensions pinned to 0.
func broadcastIndex(s, outIdx []int) []int {
	idx := make([]int, len(s))
	lead := len(outIdx) - len(s)
	for i := range s {
		if s[i] != 1 {
			idx[i] = outIdx[lead+i]
		}
	}
	return idx
}

func elementwise(a, b *Array, f func(x, y float64) float64) *Array {
	out := New(BroadcastShape(a.Shape, b.Shape)...)
	for i := range out.Data {
		idx := unflat(out.Shape, i)
		out.Data[i] = f(a.At(broadcastIndex(a.Shape, idx)...), b.At(broadcastIndex(b.Shape, idx)...))
	}
	return out
}

// Add returns a + b with broadcasting.
func Add(a, b *Array) *Array { return elementwise(a, b, func(x, y float64) float64 { return x + y }) }

// Sub returns a − b with broadcasting.
func Sub(a, b *Array) *Array { return elementwise(a, b, func(x, y float64) float64 { return x - y }) }

// Mul returns a ⊙ b with broadcasting.
func Mul(a, b *Array) *Array { return elementwise(a, b, func(x, y float64) float64 { return x * y }) }

// Div returns a ⊘ b with broadcasting.
func Div(a, b *Array) *Array { return elementwise(a, b, func(x, y float64) float64 { return x / y }) }

func unary(a *Array, f func(float64) float64) *Array {
	out := New(a.Shape...)
	for i, v := range a.Data {
		out.Data[i] = f(v)
	}
	return out
}

// AddScalar returns a + s.
func AddScalar(a *Array, s float64) *Array { return unary(a, func(v float64) float64 { return v + s }) }

// MulScalar returns a · s.
func MulScalar(a *Array, s float64) *Array { return unary(a, func(v float64) float64 { return v * s }) }

// ReLU returns max(a, 0).
func ReLU(a *Array) *Array {
	return unary(a, func(v float64) float64 {
		if v > 0 {
			return v
		}
		return 0
	})
}

// Reshape returns a copy of a with a new shape of the same size (no −1).
func Reshape(a *Array, shape ...int) *Array {
	if size(shape) != a.Len() {
		panic(fmt.Sprintf("reference: reshape %v to %v", a.Shape, shape))
	}
	out := New(shape...)
	copy(out.Data, a.Data)
	return out
}

// Transpose returns the transpose of a 2-D array.
func Transpose(a *Array) *Array {
	if len(a.Shape) != 2 {
		panic(fmt.Sprintf("reference: transpose of %v", a.Shape))
	}
	out := New(a.Shape[1], a.Shape[0])
	for i := 0; i < a.Shape[0]; i++ {
		for j := 0; j < a.Shape[1]; j++ {
			out.Set(a.At(i, j), j, i)
		}
	}
	return out
}

// Narrow returns rows [start, start+length) of the first dimension.
func Narrow(a *Array, start, length int) *Array {
	shape := append([]int{}, a.Shape...)
	shape[0] = length
	out := New(shape...)
	for i := range out.Data {
		idx := unflat(shape, i)
		idx[0] += start
		out.Data[i] = a.At(idx...)
	}
	return out
}

// Sum returns the sum of all elements as a 0-dimensional array.
func Sum(a *Array) *Array {
	out := New()
	for _, v := range a.Data {
		out.Data[0] += v
	}
	return out
}

// Mean returns the mean of all elements as a 0-dimensional array.
func Mean(a *Array) *Array {
	out := Sum(a)
	out.Data[0] /= float64(a.Len())
	return out
}

// SumAxis sums over one axis (negative counts from the end), keeping it
// with size 1 when keepDim is set.
func SumAxis(a *Array, axis int, keepDim bool) *Array { return reduceAxis(a, axis, keepDim, false) }

// MeanAxis averages over one axis.
func MeanAxis(a *Array, axis int, keepDim bool) *Array { return reduceAxis(a, axis, keepDim, true) }

func reduceAxis(a *Array, axis int, keepDim, mean bool) *Array {
	if axis < 0 {
		axis += len(a.Shape)
	}
	kept := append([]int{}, a.Shape...)
	kept[axis] = 1
	acc := New(kept...)
	for i, v := range a.Data {
		idx := unflat(a.Shape, i)
		idx[axis] = 0
		acc.Data[flat(kept, idx)] += v
	}
	if mean {
		for i := range acc.Data {
			acc.Data[i] /= float64(a.Shape[axis])
		}
	}
	if keepDim {
		return acc
	}
	return Reshape(acc, append(append([]int{}, a.Shape[:axis]...), a.Shape[axis+1:]...)...)
}

// Concat joins arrays along axis; the other dimensions must agree.
func Concat(as []*Array, axis int) *Array {
	if axis < 0 {
		axis += len(as[0].Shape)
	}
	shape := append([]int{}, as[0].Shape...)
	shape[axis] = 0
	for _, a := range as {
		shape[axis] += a.Shape[axis]
	}
	out := New(shape...)
	off := 0
	for _, a := range as {
		for i, v := range a.Data {
			idx := unflat(a.Shape, i)
			idx[axis] += off
			out.Set(v, idx...)
		}
		off += a.Shape[axis]
	}
	return out
}

// Dropout returns x with the dropped elements zeroed and the kept ones
// scaled by 1/(1−p), as torch's dropout in training, for a given mask.
func Dropout(x *Array, keep []bool, p float64) *Array {
	out := New(x.Shape...)
	for i, v := range x.Data {
		if keep[i] {
			out.Data[i] = v / (1 - p)
		}
	}
	return out
}
