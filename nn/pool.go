package nn

import "github.com/convnet/convnet/tensor"

// MaxPool2d is torch.nn.MaxPool2d with a square window. Zero Stride means
// the kernel size.
type MaxPool2d struct {
	Base
	Kernel, Stride, Padding, Dilation int
	CeilMode                          bool
}

// NewMaxPool2d returns a max pooling layer; stride 0 means the kernel size.
func NewMaxPool2d(kernel, stride, padding int, ceilMode bool) *MaxPool2d {
	return &MaxPool2d{Kernel: kernel, Stride: stride, Padding: padding, Dilation: 1, CeilMode: ceilMode}
}

// Options returns the tensor-level window.
func (m *MaxPool2d) Options() tensor.PoolOptions {
	return tensor.PoolOptions{Kernel: sq(m.Kernel), Stride: sq(m.Stride), Padding: sq(m.Padding),
		Dilation: sq(max(1, m.Dilation)), CeilMode: m.CeilMode}
}

// Forward pools x (N×C×H×W).
func (m *MaxPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	m.enter(x)
	return m.exit(x, tensor.MaxPool2d(x, m.Options()))
}

func sq(v int) [2]int { return [2]int{v, v} }

// AvgPool2d is torch.nn.AvgPool2d with a square window.
type AvgPool2d struct {
	Base
	Kernel, Stride, Padding int
	CeilMode                bool
	CountIncludePad         bool // torch's default is true
	DivisorOverride         int
}

// NewAvgPool2d returns an average pooling layer with torch's defaults
// (count_include_pad true); stride 0 means the kernel size.
func NewAvgPool2d(kernel, stride, padding int) *AvgPool2d {
	return &AvgPool2d{Kernel: kernel, Stride: stride, Padding: padding, CountIncludePad: true}
}

// Options returns the tensor-level window.
func (m *AvgPool2d) Options() tensor.PoolOptions {
	return tensor.PoolOptions{Kernel: sq(m.Kernel), Stride: sq(m.Stride), Padding: sq(m.Padding),
		CeilMode: m.CeilMode, CountIncludePad: m.CountIncludePad, DivisorOverride: m.DivisorOverride}
}

// Forward pools x (N×C×H×W).
func (m *AvgPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	m.enter(x)
	return m.exit(x, tensor.AvgPool2d(x, m.Options()))
}

// AdaptiveAvgPool2d is torch.nn.AdaptiveAvgPool2d: any input size to H×W.
type AdaptiveAvgPool2d struct {
	Base
	H, W int
}

// NewAdaptiveAvgPool2d returns a layer that averages to h×w cells.
func NewAdaptiveAvgPool2d(h, w int) *AdaptiveAvgPool2d { return &AdaptiveAvgPool2d{H: h, W: w} }

// Forward pools x (N×C×H×W) to N×C×h×w.
func (m *AdaptiveAvgPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	m.enter(x)
	return m.exit(x, tensor.AdaptiveAvgPool2d(x, m.H, m.W))
}
