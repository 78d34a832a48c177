package reference

import "fmt"

// ConvParams are conv2d's hyper-parameters, all explicit ([0] is height,
// [1] width): stride ≥ 1, padding ≥ 0, dilation ≥ 1, groups ≥ 1.
type ConvParams struct {
	Stride, Padding, Dilation [2]int
	Groups                    int
}

// ConvOutSize is torch's conv2d output size:
// ⌊(in + 2·padding − dilation·(kernel − 1) − 1)/stride⌋ + 1.
func ConvOutSize(in, kernel, stride, padding, dilation int) int {
	return (in+2*padding-dilation*(kernel-1)-1)/stride + 1
}

// Conv2d is torch.nn.functional.conv2d: the cross-correlation of x
// (N×C×H×W) with w (Cout×C/groups×KH×KW) plus bias (Cout, may be nil).
// Input channel c of group g is c = g·C/groups + ci; output channel o
// belongs to group o / (Cout/groups). Taps in the zero padding add nothing.
func Conv2d(x, w, bias *Array, p ConvParams) *Array {
	n, c, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	cout, cinG, kh, kw := w.Shape[0], w.Shape[1], w.Shape[2], w.Shape[3]
	g := p.Groups
	if g < 1 || c%g != 0 || cout%g != 0 || cinG*g != c {
		panic(fmt.Sprintf("reference: conv2d input %v weight %v groups %d", x.Shape, w.Shape, g))
	}
	oh := ConvOutSize(h, kh, p.Stride[0], p.Padding[0], p.Dilation[0])
	ow := ConvOutSize(wd, kw, p.Stride[1], p.Padding[1], p.Dilation[1])
	coutG := cout / g
	out := New(n, cout, oh, ow)
	for b := 0; b < n; b++ {
		for o := 0; o < cout; o++ {
			grp := o / coutG
			for y := 0; y < oh; y++ {
				for xx := 0; xx < ow; xx++ {
					var s float64
					if bias != nil {
						s = bias.Data[o]
					}
					for ci := 0; ci < cinG; ci++ {
						ch := grp*cinG + ci
						for i := 0; i < kh; i++ {
							ih := y*p.Stride[0] - p.Padding[0] + i*p.Dilation[0]
							if ih < 0 || ih >= h {
								continue
							}
							for j := 0; j < kw; j++ {
								iw := xx*p.Stride[1] - p.Padding[1] + j*p.Dilation[1]
								if iw < 0 || iw >= wd {
									continue
								}
								s += x.At(b, ch, ih, iw) * w.At(o, ci, i, j)
							}
						}
					}
					out.Set(s, b, o, y, xx)
				}
			}
		}
	}
	return out
}

// Conv2dGrads returns the gradients of Conv2d with respect to x and w for
// the output gradient gy, by the definition: each output's gradient times
// the weight (for x) or the input (for w) under each of its taps.
func Conv2dGrads(x, w, gy *Array, p ConvParams) (dx, dw *Array) {
	n, c, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	cout, cinG, kh, kw := w.Shape[0], w.Shape[1], w.Shape[2], w.Shape[3]
	oh, ow := gy.Shape[2], gy.Shape[3]
	coutG := cout / p.Groups
	dx, dw = New(x.Shape...), New(w.Shape...)
	for b := 0; b < n; b++ {
		for o := 0; o < cout; o++ {
			ch0 := o / coutG * cinG
			for ci := 0; ci < cinG; ci++ {
				for i := 0; i < kh; i++ {
					for j := 0; j < kw; j++ {
						wi := ((o*cinG+ci)*kh+i)*kw + j
						for y := 0; y < oh; y++ {
							ih := y*p.Stride[0] - p.Padding[0] + i*p.Dilation[0]
							if ih < 0 || ih >= h {
								continue
							}
							for xx := 0; xx < ow; xx++ {
								iw := xx*p.Stride[1] - p.Padding[1] + j*p.Dilation[1]
								if iw < 0 || iw >= wd {
									continue
								}
								g := gy.Data[((b*cout+o)*oh+y)*ow+xx]
								xi := ((b*c+ch0+ci)*h+ih)*wd + iw
								dw.Data[wi] += g * x.Data[xi]
								dx.Data[xi] += g * w.Data[wi]
							}
						}
					}
				}
			}
		}
	}
	return dx, dw
}
