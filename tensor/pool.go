package tensor

import (
	"fmt"

	"github.com/convnet/convnet/internal/kernel"
)

var (
	opMaxPool2d         = registerOp("max_pool2d")
	opAvgPool2d         = registerOp("avg_pool2d")
	opAdaptiveAvgPool2d = registerOp("adaptive_avg_pool2d")
)

// PoolOptions are the window of a pooling op. A zero Stride means the
// kernel size, zero Dilation means 1, as torch's defaults.
type PoolOptions struct {
	Kernel   [2]int
	Stride   [2]int
	Padding  [2]int
	Dilation [2]int
	CeilMode bool
	// For average pooling only.
	CountIncludePad bool
	DivisorOverride int
}

func poolGeom(op string, x *Tensor, o PoolOptions) (kernel.ConvGeom, int) {
	if len(x.shape) != 4 {
		panic(fmt.Sprintf("tensor: %s needs a 4-D input, got %v", op, x.shape))
	}
	for i := 0; i < 2; i++ {
		if o.Stride[i] == 0 {
			o.Stride[i] = o.Kernel[i]
		}
		if o.Dilation[i] == 0 {
			o.Dilation[i] = 1
		}
		if o.Kernel[i] < 1 || o.Stride[i] < 1 || o.Padding[i] < 0 {
			panic(fmt.Sprintf("tensor: %s invalid window %+v", op, o))
		}
		// torch: "pad should be at most half of effective kernel size"
		if 2*o.Padding[i] > (o.Kernel[i]-1)*o.Dilation[i]+1 {
			panic(fmt.Sprintf("tensor: %s padding %v is more than half the kernel %v", op, o.Padding, o.Kernel))
		}
	}
	n, c, h, w := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	g := kernel.ConvGeom{C: 1, H: h, W: w, KH: o.Kernel[0], KW: o.Kernel[1], SH: o.Stride[0], SW: o.Stride[1],
		PH: o.Padding[0], PW: o.Padding[1], DH: o.Dilation[0], DW: o.Dilation[1]}
	g.OH = OutputSize(h, g.KH, g.SH, g.PH, g.DH, o.CeilMode)
	g.OW = OutputSize(w, g.KW, g.SW, g.PW, g.DW, o.CeilMode)
	if g.OH <= 0 || g.OW <= 0 {
		panic(fmt.Sprintf("tensor: %s input %v too small for window %+v", op, x.shape, o))
	}
	return g, n * c
}

// planeGrain is how many planes of the given size make a task worth
// handing to another core.
func planeGrain(size int) int { return max(1, 16384/max(1, size)) }

// clearPlanes zeroes planes [lo, hi) of size floats each in dst. A
// backward pass that adds into its planes clears them in its own parallel
// chunk rather than all at once before: cleared on one core, the planes
// another core then writes are pulled over from the first line by line,
// which on a machine whose two CPUs sit far apart made LeNet-5's
// pooling's input gradient and whatever reuses its memory several times
// slower.
func clearPlanes(dst []float32, lo, hi, size int) { clear(dst[lo*size : hi*size]) }

// MaxPool2d returns max pooling of x (N×C×H×W), as torch's max_pool2d.
func MaxPool2d(x *Tensor, o PoolOptions) *Tensor {
	g, planes := poolGeom("MaxPool2d", x, o)
	out := result([]int{x.shape[0], x.shape[1], g.OH, g.OW}, x)
	in, op := g.H*g.W, g.OH*g.OW
	arg := x.arena.ints(planes * op)
	kernel.Parallel(planes, planeGrain(in), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			kernel.MaxPoolPlane(&g, x.data[p*in:(p+1)*in], out.data[p*op:(p+1)*op], arg[p*op:(p+1)*op])
		}
	})
	return record(out, opMaxPool2d, func(out *Tensor) {
		dst, beta := gradSlot(x)
		gy := out.grad.data
		kernel.Parallel(planes, planeGrain(in), func(lo, hi int) {
			if beta == 0 {
				clearPlanes(dst, lo, hi, in)
			}
			for p := lo; p < hi; p++ {
				kernel.MaxPoolPlaneBackward(gy[p*op:(p+1)*op], arg[p*op:(p+1)*op], dst[p*in:(p+1)*in])
			}
		})
	}, x)
}

// AvgPool2d returns average pooling of x, as torch's avg_pool2d.
func AvgPool2d(x *Tensor, o PoolOptions) *Tensor {
	o.Dilation = [2]int{1, 1}
	g, planes := poolGeom("AvgPool2d", x, o)
	out := result([]int{x.shape[0], x.shape[1], g.OH, g.OW}, x)
	in, op := g.H*g.W, g.OH*g.OW
	kernel.Parallel(planes, planeGrain(in), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			kernel.AvgPoolPlane(&g, o.CountIncludePad, o.DivisorOverride, x.data[p*in:(p+1)*in], out.data[p*op:(p+1)*op])
		}
	})
	return record(out, opAvgPool2d, func(out *Tensor) {
		dst, beta := gradSlot(x)
		gy := out.grad.data
		kernel.Parallel(planes, planeGrain(in), func(lo, hi int) {
			if beta == 0 {
				clearPlanes(dst, lo, hi, in)
			}
			for p := lo; p < hi; p++ {
				kernel.AvgPoolPlaneBackward(&g, o.CountIncludePad, o.DivisorOverride, gy[p*op:(p+1)*op], dst[p*in:(p+1)*in])
			}
		})
	}, x)
}

// AdaptiveAvgPool2d averages x (N×C×H×W) into N×C×oh×ow cells, as torch's
// adaptive_avg_pool2d.
func AdaptiveAvgPool2d(x *Tensor, oh, ow int) *Tensor {
	if len(x.shape) != 4 || oh < 1 || ow < 1 {
		panic(fmt.Sprintf("tensor: AdaptiveAvgPool2d of %v to %dx%d", x.shape, oh, ow))
	}
	n, c, h, w := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	out := result([]int{n, c, oh, ow}, x)
	in, op := h*w, oh*ow
	kernel.Parallel(n*c, planeGrain(in), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			kernel.AdaptiveAvgPoolPlane(h, w, oh, ow, x.data[p*in:(p+1)*in], out.data[p*op:(p+1)*op])
		}
	})
	return record(out, opAdaptiveAvgPool2d, func(out *Tensor) {
		dst, beta := gradSlot(x)
		gy := out.grad.data
		kernel.Parallel(n*c, planeGrain(in), func(lo, hi int) {
			if beta == 0 {
				clearPlanes(dst, lo, hi, in)
			}
			for p := lo; p < hi; p++ {
				kernel.AdaptiveAvgPoolPlaneBackward(h, w, oh, ow, gy[p*op:(p+1)*op], dst[p*in:(p+1)*in])
			}
		})
	}, x)
}
