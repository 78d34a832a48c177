package reference

import "math"

// PoolParams are the window of a pooling op, all explicit: kernel ≥ 1,
// stride ≥ 1, padding ≥ 0, dilation ≥ 1 (max pooling only).
type PoolParams struct {
	Kernel, Stride, Padding, Dilation [2]int
	CeilMode                          bool
	CountIncludePad                   bool // avg_pool2d only
	DivisorOverride                   int  // avg_pool2d only; 0 means none
}

// PoolOutSize is torch's pooling_output_shape: the conv rule, rounding up
// with ceilMode, except that the last window must start inside the input or
// the left padding (never in the right padding).
func PoolOutSize(in, kernel, stride, padding, dilation int, ceilMode bool) int {
	num := in + 2*padding - dilation*(kernel-1) - 1
	var out int
	if ceilMode {
		out = int(math.Ceil(float64(num)/float64(stride))) + 1
		if (out-1)*stride >= in+padding {
			out--
		}
	} else {
		out = int(math.Floor(float64(num)/float64(stride))) + 1
	}
	return out
}

func poolOut(x *Array, p PoolParams, dilation [2]int) (n, c, h, w, oh, ow int) {
	n, c, h, w = x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	oh = PoolOutSize(h, p.Kernel[0], p.Stride[0], p.Padding[0], dilation[0], p.CeilMode)
	ow = PoolOutSize(w, p.Kernel[1], p.Stride[1], p.Padding[1], dilation[1], p.CeilMode)
	return
}

// MaxPool2d is torch's max_pool2d: the maximum over the taps of each window
// that fall inside the input (padding is −∞ and never wins).
func MaxPool2d(x *Array, p PoolParams) *Array {
	n, c, h, w, oh, ow := poolOut(x, p, p.Dilation)
	out := New(n, c, oh, ow)
	for b := 0; b < n; b++ {
		for ch := 0; ch < c; ch++ {
			for y := 0; y < oh; y++ {
				for xx := 0; xx < ow; xx++ {
					best := math.Inf(-1)
					for i := 0; i < p.Kernel[0]; i++ {
						ih := y*p.Stride[0] - p.Padding[0] + i*p.Dilation[0]
						for j := 0; j < p.Kernel[1]; j++ {
							iw := xx*p.Stride[1] - p.Padding[1] + j*p.Dilation[1]
							if ih >= 0 && ih < h && iw >= 0 && iw < w {
								best = math.Max(best, x.At(b, ch, ih, iw))
							}
						}
					}
					out.Set(best, b, ch, y, xx)
				}
			}
		}
	}
	return out
}

// AvgPool2d is torch's avg_pool2d (no dilation), with its exact divisor
// rule from the CPU kernel (aten/src/ATen/native/cpu/AvgPoolKernel.cpp):
//
//	hstart = oh·stride − pad;  hend = min(hstart + k, H + pad)
//	poolSize = (hend − hstart)·(wend − wstart)     // before clipping
//	hstart, hend = max(hstart, 0), min(hend, H)   // then clip to the input
//	divisor = override, else poolSize with count_include_pad, else the
//	clipped (hend − hstart)·(wend − wstart)
func AvgPool2d(x *Array, p PoolParams) *Array {
	n, c, h, w, oh, ow := poolOut(x, p, [2]int{1, 1})
	out := New(n, c, oh, ow)
	for b := 0; b < n; b++ {
		for ch := 0; ch < c; ch++ {
			for y := 0; y < oh; y++ {
				for xx := 0; xx < ow; xx++ {
					hs := y*p.Stride[0] - p.Padding[0]
					ws := xx*p.Stride[1] - p.Padding[1]
					he := min(hs+p.Kernel[0], h+p.Padding[0])
					we := min(ws+p.Kernel[1], w+p.Padding[1])
					poolSize := (he - hs) * (we - ws)
					hs, ws = max(hs, 0), max(ws, 0)
					he, we = min(he, h), min(we, w)
					if hs >= he || ws >= we {
						continue // torch writes 0 for an empty window
					}
					var s float64
					for ih := hs; ih < he; ih++ {
						for iw := ws; iw < we; iw++ {
							s += x.At(b, ch, ih, iw)
						}
					}
					var div int
					switch {
					case p.DivisorOverride > 0:
						div = p.DivisorOverride
					case p.CountIncludePad:
						div = poolSize
					default:
						div = (he - hs) * (we - ws)
					}
					out.Set(s/float64(div), b, ch, y, xx)
				}
			}
		}
	}
	return out
}

// AdaptiveAvgPool2d is torch's adaptive_avg_pool2d: output cell i along an
// axis averages input rows [⌊i·in/out⌋, ⌈(i+1)·in/out⌉).
func AdaptiveAvgPool2d(x *Array, oh, ow int) *Array {
	n, c, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	start := func(i, in, out int) int { return int(math.Floor(float64(i*in) / float64(out))) }
	end := func(i, in, out int) int { return int(math.Ceil(float64((i+1)*in) / float64(out))) }
	out := New(n, c, oh, ow)
	for b := 0; b < n; b++ {
		for ch := 0; ch < c; ch++ {
			for y := 0; y < oh; y++ {
				for xx := 0; xx < ow; xx++ {
					hs, he := start(y, h, oh), end(y, h, oh)
					ws, we := start(xx, w, ow), end(xx, w, ow)
					var s float64
					for ih := hs; ih < he; ih++ {
						for iw := ws; iw < we; iw++ {
							s += x.At(b, ch, ih, iw)
						}
					}
					out.Set(s/float64((he-hs)*(we-ws)), b, ch, y, xx)
				}
			}
		}
	}
	return out
}
