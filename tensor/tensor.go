package tensor

import (
	"fmt"
	"strings"
)

// Tensor is an n-dimensional float32 array, contiguous in row-major (NCHW)
// order, with the bookkeeping that reverse-mode autograd needs.
type Tensor struct {
	shape []int
	data  []float32

	requiresGrad bool
	grad         *Tensor
	node         *node  // the op that made this tensor; nil for leaves
	arena        *Arena // where results derived from this tensor are allocated
}

// New returns a zero-filled tensor of the given shape.
func New(shape ...int) *Tensor {
	n := checkShape(shape)
	return &Tensor{shape: cloneInts(shape), data: make([]float32, n)}
}

// Zeros is New: a zero-filled tensor.
func Zeros(shape ...int) *Tensor { return New(shape...) }

// Ones returns a tensor filled with ones.
func Ones(shape ...int) *Tensor { return Full(1, shape...) }

// Full returns a tensor with every element set to v.
func Full(v float32, shape ...int) *Tensor {
	t := New(shape...)
	for i := range t.data {
		t.data[i] = v
	}
	return t
}

// FromSlice returns a tensor viewing data with the given shape; data is not
// copied. It panics when len(data) differs from the shape's size.
func FromSlice(data []float32, shape ...int) *Tensor {
	n := checkShape(shape)
	if n != len(data) {
		panic(fmt.Sprintf("tensor: FromSlice shape %v needs %d elements, got %d", shape, n, len(data)))
	}
	return &Tensor{shape: cloneInts(shape), data: data}
}

// Scalar returns a 0-dimensional tensor holding v.
func Scalar(v float32) *Tensor { return &Tensor{shape: []int{}, data: []float32{v}} }

func checkShape(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("tensor: negative dimension in shape %v", shape))
		}
		n *= d
	}
	return n
}

func cloneInts(s []int) []int { return append(make([]int, 0, len(s)), s...) }

// Shape returns the tensor's dimensions. The caller must not modify it.
func (t *Tensor) Shape() []int { return t.shape }

// Dim returns the size of dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.shape)
	}
	return t.shape[i]
}

// Rank returns the number of dimensions.
func (t *Tensor) Rank() int { return len(t.shape) }

// Len returns the number of elements.
func (t *Tensor) Len() int { return len(t.data) }

// Data returns the underlying storage. Writing to it changes the tensor.
func (t *Tensor) Data() []float32 { return t.data }

// Item returns the value of a one-element tensor.
func (t *Tensor) Item() float32 {
	if len(t.data) != 1 {
		panic(fmt.Sprintf("tensor: Item on a tensor of shape %v", t.shape))
	}
	return t.data[0]
}

// RequiresGrad reports whether gradients flow to this tensor.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// SetRequiresGrad marks a leaf tensor as needing gradients (a parameter) or
// not (a frozen one). It returns t.
func (t *Tensor) SetRequiresGrad(v bool) *Tensor {
	if t.node != nil && !v {
		panic("tensor: SetRequiresGrad(false) on a tensor computed by an op; use Detach")
	}
	t.requiresGrad = v
	return t
}

// Grad returns the accumulated gradient of a leaf, or nil before any.
func (t *Tensor) Grad() *Tensor { return t.grad }

// ZeroGrad drops the accumulated gradient, as torch's zero_grad(set_to_none=True).
func (t *Tensor) ZeroGrad() { t.grad = nil }

// SetGrad replaces the accumulated gradient (nil clears it).
func (t *Tensor) SetGrad(g *Tensor) {
	if g != nil && !sameShape(g.shape, t.shape) {
		panic(fmt.Sprintf("tensor: SetGrad of shape %v on a tensor of shape %v", g.shape, t.shape))
	}
	t.grad = g
}

// IsLeaf reports whether t was made by the program rather than by an op
// that recorded a backward.
func (t *Tensor) IsLeaf() bool { return t.node == nil }

// Detach returns a tensor sharing t's data, with no graph and no gradient.
func (t *Tensor) Detach() *Tensor {
	return &Tensor{shape: t.shape, data: t.data, arena: t.arena}
}

// Clone returns a copy of t's data, detached from any graph and any arena.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{shape: cloneInts(t.shape), data: append([]float32(nil), t.data...)}
}

// CopyFrom copies src's data into t; the shapes must hold the same number of
// elements. It records nothing: it is for loading weights and state.
func (t *Tensor) CopyFrom(src *Tensor) {
	if len(src.data) != len(t.data) {
		panic(fmt.Sprintf("tensor: CopyFrom shape %v into %v", src.shape, t.shape))
	}
	copy(t.data, src.data)
}

// Fill sets every element to v without recording anything.
func (t *Tensor) Fill(v float32) {
	for i := range t.data {
		t.data[i] = v
	}
}

// At returns the element at the given index.
func (t *Tensor) At(idx ...int) float32 { return t.data[t.offset(idx)] }

// Set writes the element at the given index.
func (t *Tensor) Set(v float32, idx ...int) { t.data[t.offset(idx)] = v }

func (t *Tensor) offset(idx []int) int {
	if len(idx) != len(t.shape) {
		panic(fmt.Sprintf("tensor: index %v into shape %v", idx, t.shape))
	}
	off := 0
	for i, v := range idx {
		if v < 0 || v >= t.shape[i] {
			panic(fmt.Sprintf("tensor: index %v out of range for shape %v", idx, t.shape))
		}
		off = off*t.shape[i] + v
	}
	return off
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// String prints the shape and, for small tensors, the values.
func (t *Tensor) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Tensor%v", t.shape)
	if len(t.data) <= 16 {
		fmt.Fprintf(&b, " %v", t.data)
	}
	return b.String()
}
