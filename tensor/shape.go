package tensor

import "fmt"

var (
	opReshape   = registerOp("reshape")
	opTranspose = registerOp("transpose")
	opNarrow    = registerOp("narrow")
)

// Reshape returns a tensor with the same data and a new shape; one dimension
// may be −1 and is then inferred. The data is shared, not copied.
func Reshape(t *Tensor, shape ...int) *Tensor {
	shape = inferShape(t, shape)
	out := &Tensor{shape: shape, data: t.data, arena: t.arena}
	return record(out, opReshape, func(out *Tensor) { accumulate(t, out.grad.data) }, t)
}

// View is Reshape: a new shape over the same data.
func View(t *Tensor, shape ...int) *Tensor { return Reshape(t, shape...) }

// Flatten keeps the first dimension and merges the rest, as nn.Flatten does.
func Flatten(t *Tensor) *Tensor {
	if len(t.shape) == 0 {
		return Reshape(t, 1)
	}
	return Reshape(t, t.shape[0], -1)
}

func inferShape(t *Tensor, shape []int) []int {
	shape = cloneInts(shape)
	known, infer := 1, -1
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			panic(fmt.Sprintf("tensor: Reshape %v to invalid shape %v", t.shape, shape))
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if known == 0 || len(t.data)%known != 0 {
			panic(fmt.Sprintf("tensor: Reshape %v to %v: sizes do not divide", t.shape, shape))
		}
		shape[infer] = len(t.data) / known
	} else if known != len(t.data) {
		panic(fmt.Sprintf("tensor: Reshape %v (%d elements) to %v", t.shape, len(t.data), shape))
	}
	return shape
}

// Transpose returns the transpose of a 2-D tensor, copied.
func Transpose(t *Tensor) *Tensor {
	if len(t.shape) != 2 {
		panic(fmt.Sprintf("tensor: Transpose needs a 2-D tensor, got %v", t.shape))
	}
	r, c := t.shape[0], t.shape[1]
	out := result([]int{c, r}, t)
	transpose2D(out.data, t.data, r, c)
	return record(out, opTranspose, func(out *Tensor) {
		dst, beta := gradSlot(t)
		g := out.grad.data
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				v := g[j*r+i]
				if beta != 0 {
					v += dst[i*c+j]
				}
				dst[i*c+j] = v
			}
		}
	}, t)
}

// transpose2D writes the c×r transpose of the r×c matrix src into dst.
func transpose2D(dst, src []float32, r, c int) {
	const blk = 32
	for i0 := 0; i0 < r; i0 += blk {
		for j0 := 0; j0 < c; j0 += blk {
			for i := i0; i < min(i0+blk, r); i++ {
				for j := j0; j < min(j0+blk, c); j++ {
					dst[j*r+i] = src[i*c+j]
				}
			}
		}
	}
}

// Narrow returns the slice [start, start+length) along the first (batch)
// dimension. The data is shared, not copied.
func Narrow(t *Tensor, start, length int) *Tensor {
	if len(t.shape) == 0 || start < 0 || length < 0 || start+length > t.shape[0] {
		panic(fmt.Sprintf("tensor: Narrow [%d, %d) of shape %v", start, start+length, t.shape))
	}
	per := 1
	for _, d := range t.shape[1:] {
		per *= d
	}
	shape := cloneInts(t.shape)
	shape[0] = length
	out := &Tensor{shape: shape, data: t.data[start*per : (start+length)*per : (start+length)*per], arena: t.arena}
	return record(out, opNarrow, func(out *Tensor) {
		dst, beta := gradSlot(t)
		if beta == 0 {
			clear(dst)
		}
		d := dst[start*per:]
		for i, v := range out.grad.data {
			d[i] += v
		}
	}, t)
}
