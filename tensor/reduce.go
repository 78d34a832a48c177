package tensor

import "fmt"

var (
	opSum     = registerOp("sum")
	opSumAxis = registerOp("sum_axis")
)

// Sum returns the sum of all elements as a scalar tensor. It accumulates in
// float64 so that large tensors do not lose precision.
func Sum(t *Tensor) *Tensor { return sumScaled(t, 1) }

// Mean returns the mean of all elements as a scalar tensor.
func Mean(t *Tensor) *Tensor {
	if len(t.data) == 0 {
		panic("tensor: Mean of an empty tensor")
	}
	return sumScaled(t, 1/float32(len(t.data)))
}

func sumScaled(t *Tensor, scale float32) *Tensor {
	var s float64
	for _, v := range t.data {
		s += float64(v)
	}
	out := result([]int{}, t)
	out.data[0] = float32(s) * scale
	return record(out, opSum, func(out *Tensor) {
		g := out.grad.data[0] * scale
		dst, beta := gradSlot(t)
		for i := range dst {
			if beta == 0 {
				dst[i] = g
			} else {
				dst[i] += g
			}
		}
	}, t)
}

// SumAxis sums along one axis (negative counts from the end); with keepDim
// the axis stays with size 1, as torch's sum(dim, keepdim).
func SumAxis(t *Tensor, axis int, keepDim bool) *Tensor { return sumAxis(t, axis, keepDim, false) }

// MeanAxis averages along one axis, as torch's mean(dim, keepdim).
func MeanAxis(t *Tensor, axis int, keepDim bool) *Tensor { return sumAxis(t, axis, keepDim, true) }

func sumAxis(t *Tensor, axis int, keepDim, mean bool) *Tensor {
	if axis < 0 {
		axis += len(t.shape)
	}
	if axis < 0 || axis >= len(t.shape) {
		panic(fmt.Sprintf("tensor: axis %d out of range for shape %v", axis, t.shape))
	}
	outer, n, inner := splitAt(t.shape, axis)
	scale := float32(1)
	if mean {
		if n == 0 {
			panic(fmt.Sprintf("tensor: MeanAxis over an empty axis of %v", t.shape))
		}
		scale = 1 / float32(n)
	}
	var shape []int
	for i, d := range t.shape {
		switch {
		case i != axis:
			shape = append(shape, d)
		case keepDim:
			shape = append(shape, 1)
		}
	}
	if shape == nil {
		shape = []int{}
	}
	out := result(shape, t)
	for o := 0; o < outer; o++ {
		for j := 0; j < inner; j++ {
			var s float64
			for k := 0; k < n; k++ {
				s += float64(t.data[(o*n+k)*inner+j])
			}
			out.data[o*inner+j] = float32(s) * scale
		}
	}
	return record(out, opSumAxis, func(out *Tensor) {
		dst, beta := gradSlot(t)
		g := out.grad.data
		for o := 0; o < outer; o++ {
			for k := 0; k < n; k++ {
				for j := 0; j < inner; j++ {
					v := g[o*inner+j] * scale
					i := (o*n+k)*inner + j
					if beta != 0 {
						v += dst[i]
					}
					dst[i] = v
				}
			}
		}
	}, t)
}

// splitAt returns the product of the dimensions before axis, the axis's
// size, and the product of those after it.
func splitAt(shape []int, axis int) (outer, n, inner int) {
	outer, inner = 1, 1
	for i, d := range shape {
		switch {
		case i < axis:
			outer *= d
		case i > axis:
			inner *= d
		}
	}
	return outer, shape[axis], inner
}
