package summary

import (
	"fmt"
	"strings"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

// InputTooSmallError is the error of Summarize for an input too small for
// the network: the window of a convolution or pooling layer does not fit
// the map it receives, so the output-size rule
//
//	out = ⌊(in − kernel + 2·padding)/stride⌋ + 1
//
// (tensor.OutputSize) gives less than 1.
type InputTooSmallError struct {
	Input      []int  // the input asked for, N, C, H, W
	Path       string // the layer's state-dict prefix
	Type       string // "Conv2d", "MaxPool2d", "AvgPool2d"
	LayerInput []int  // the shape the layer received, batch first
	Axis       string // "height" or "width", the first that does not fit
	In         int    // the size along Axis

	// The layer's window, and what the rule gives (less than 1).
	Kernel, Stride, Padding, Dilation int
	CeilMode                          bool
	Out                               int
}

func (e *InputTooSmallError) Error() string {
	return fmt.Sprintf("summary: input %s is too small: %s (%s, %s) receives %s, and along the %s %s < 1",
		imageShape(e.Input), pathName(e.Path), e.Type, e.window(), imageShape(e.LayerInput), e.Axis, e.Formula())
}

// window describes the layer's window: "kernel 2, stride 2".
func (e *InputTooSmallError) window() string {
	s := fmt.Sprintf("kernel %d, stride %d", e.Kernel, e.Stride)
	if e.Padding != 0 {
		s += fmt.Sprintf(", padding %d", e.Padding)
	}
	if e.Dilation != 1 {
		s += fmt.Sprintf(", dilation %d", e.Dilation)
	}
	if e.CeilMode {
		s += ", ceil mode"
	}
	return s
}

// Formula shows the output-size rule with the layer's numbers:
// "out = ⌊(1 − 2 + 2·0)/2⌋ + 1 = 0".
func (e *InputTooSmallError) Formula() string {
	open, close := "⌊", "⌋"
	if e.CeilMode {
		open, close = "⌈", "⌉"
	}
	span := fmt.Sprintf("%d − %d + 2·%d", e.In, e.Kernel, e.Padding)
	if e.Dilation != 1 {
		span = fmt.Sprintf("%d + 2·%d − %d·(%d − 1) − 1", e.In, e.Padding, e.Dilation, e.Kernel)
	}
	return fmt.Sprintf("out = %s(%s)/%d%s + 1 = %s", open, span, e.Stride, close, signed(e.Out))
}

// ForwardError is the error of Summarize when the forward pass fails for
// another reason than a window too large for its map: a Linear layer given
// the wrong number of features, an input with the wrong number of channels.
type ForwardError struct {
	Input      []int  // the input asked for, N, C, H, W
	Path       string // the module in progress when it failed ("" for the network itself)
	Type       string
	LayerInput []int  // the shape that module received, batch first
	Msg        string // what the layer or op said
}

func (e *ForwardError) Error() string {
	if e.Type == "" {
		return fmt.Sprintf("summary: input %s: %s", imageShape(e.Input), e.Msg)
	}
	return fmt.Sprintf("summary: input %s: %s (%s) failed on an input of shape %s: %s",
		imageShape(e.Input), pathName(e.Path), e.Type, bracketShape(e.LayerInput), e.Msg)
}

// checkWindow panics with an *InputTooSmallError, which Summarize recovers,
// when m is a convolution or a pooling layer whose window does not fit an
// input of the given shape, before the layer itself would panic.
func checkWindow(path string, m nn.Module, in []int) {
	var e InputTooSmallError
	switch l := m.(type) {
	case *nn.Conv2d:
		o := l.Options()
		e = InputTooSmallError{Type: "Conv2d", Kernel: l.Config.Kernel, Stride: o.Stride[0], Padding: o.Padding[0], Dilation: o.Dilation[0]}
	case *nn.MaxPool2d:
		o := l.Options()
		e = InputTooSmallError{Type: "MaxPool2d", Kernel: o.Kernel[0], Stride: o.Stride[0], Padding: o.Padding[0],
			Dilation: o.Dilation[0], CeilMode: o.CeilMode}
	case *nn.AvgPool2d:
		o := l.Options()
		e = InputTooSmallError{Type: "AvgPool2d", Kernel: o.Kernel[0], Stride: o.Stride[0], Padding: o.Padding[0],
			Dilation: 1, CeilMode: o.CeilMode}
	default:
		return
	}
	if len(in) != 4 {
		return // the layer reports a wrong rank itself
	}
	if e.Stride == 0 {
		e.Stride = e.Kernel // pooling's default, as tensor.PoolOptions
	}
	if e.Dilation == 0 {
		e.Dilation = 1
	}
	if e.Stride < 1 {
		return // an invalid layer, which reports itself
	}
	for i, axis := range []string{"height", "width"} {
		size := in[2+i]
		if tensor.OutputSize(size, e.Kernel, e.Stride, e.Padding, e.Dilation, e.CeilMode) >= 1 {
			continue
		}
		e.Path, e.LayerInput, e.Axis, e.In = path, in, axis, size
		// The rule's value: the division rounds towards −∞ (or +∞ in ceil
		// mode); the span is negative here, which is why it is too small.
		span := size + 2*e.Padding - e.Dilation*(e.Kernel-1) - 1
		e.Out = floorDiv(span, e.Stride) + 1
		if e.CeilMode {
			e.Out = -floorDiv(-span, e.Stride) + 1
		}
		panic(&e)
	}
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// signed writes n with a true minus sign.
func signed(n int) string {
	if n < 0 {
		return fmt.Sprintf("−%d", -n)
	}
	return fmt.Sprint(n)
}

func pathName(path string) string {
	if path == "" {
		return "the network"
	}
	return path
}

// imageShape writes N, C, H, W as "3×16×16" for one image and
// "8×3×16×16" for more; other shapes as shapeString.
func imageShape(s []int) string {
	if len(s) == 4 && s[0] == 1 {
		s = s[1:]
	}
	return shapeString(s)
}

// shapeString writes a shape as "512×1×1".
func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "×")
}
