package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestCopyAndAddRows checks CopyRows and AddRows against their loops for
// widths around the 16-float vector, so that the masked tail and the full
// vectors are both covered, and that nothing outside the rows changes.
func TestCopyAndAddRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, w := range []int{1, 5, 15, 16, 17, 31, 32, 33, 34, 56, 58, 100} {
		for _, rows := range []int{1, 2, 7} {
			lds, ldd := w+3, w+5
			s := randMatrix(rows*lds, rng)
			d := randMatrix(rows*ldd+7, rng)
			wantCopy, wantAdd := append([]float32(nil), d...), append([]float32(nil), d...)
			for r := 0; r < rows; r++ {
				for i := 0; i < w; i++ {
					wantCopy[r*ldd+i] = s[r*lds+i]
					wantAdd[r*ldd+i] += s[r*lds+i]
				}
			}
			got := append([]float32(nil), d...)
			CopyRows(got, ldd, s, lds, rows, w)
			for i := range got {
				if got[i] != wantCopy[i] {
					t.Fatalf("CopyRows w=%d rows=%d: d[%d] = %v, want %v", w, rows, i, got[i], wantCopy[i])
				}
			}
			got = append(got[:0], d...)
			AddRows(got, ldd, s, lds, rows, w)
			for i := range got {
				if got[i] != wantAdd[i] {
					t.Fatalf("AddRows w=%d rows=%d: d[%d] = %v, want %v", w, rows, i, got[i], wantAdd[i])
				}
			}
		}
	}
}

// TestPadBand checks a band's padded phase planes element by element:
// the input where the rows and columns fall inside an image, zeros in the
// padding, for one image and for several side by side, in rows as long as
// they need or longer, at stride 1 and with strides whose phases are
// de-interleaved.
func TestPadBand(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, g := range []ConvGeom{
		{C: 3, H: 7, W: 5, KH: 3, KW: 3, SH: 1, SW: 1, PH: 2, PW: 1, DH: 1, DW: 1},
		{C: 2, H: 4, W: 6, KH: 2, KW: 3, SH: 1, SW: 1, PH: 3, PW: 2, DH: 1, DW: 1}, // padding past the kernel's reach
		{C: 2, H: 9, W: 8, KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1, DH: 1, DW: 1},
		{C: 3, H: 23, W: 21, KH: 11, KW: 11, SH: 4, SW: 4, PH: 2, PW: 2, DH: 1, DW: 1},
		{C: 1, H: 13, W: 10, KH: 7, KW: 5, SH: 2, SW: 3, PH: 3, PW: 0, DH: 1, DW: 1},
		{C: 2, H: 11, W: 12, KH: 3, KW: 3, SH: 2, SW: 2, PH: 2, PW: 1, DH: 2, DW: 1},
	} {
		g = withOutputSize(g)
		wp, inPlane, left, top := g.PaddedWidth(), g.C*g.H*g.W, g.phaseLeft(), g.phaseTop()
		for _, images := range []int{1, 3} {
			x := randMatrix(images*inPlane, rng)
			for _, spare := range []int{0, 2} {
				ld := images*wp + spare
				for _, band := range [][2]int{{0, g.OH}, {0, 1}, {0, 2}, {1, 3}, {g.OH - 1, g.OH}} {
					oh0, oh1 := band[0], band[1]
					rows := oh1 - oh0 + g.BandHalo()
					plane := rows*ld + 3
					xp := randMatrix(g.BandFloats(g.C, plane), rng) // stale values that must be overwritten
					PadBand(&g, x, images, xp, ld, plane, oh0, oh1)
					for c := 0; c < g.C; c++ {
						for ry := 0; ry < g.SH; ry++ {
							for rx := 0; rx < g.SW; rx++ {
								// Row r of phase (ry, rx) holds, for each image,
								// left zeros then phase row oh0+top+r, input
								// row (oh0+top+r)·SH+ry at columns j·SW+rx (zeros
								// outside the image); zeros fill the rest.
								base := ((c*g.SH+ry)*g.SW + rx) * plane
								for i := 0; i < rows*ld+left; i++ {
									r, col := i/ld, i%ld
									img, j := col/wp, col%wp-left
									iy, ix := (oh0+top+r)*g.SH+ry, j*g.SW+rx
									var want float32
									if r < rows && img < images && j >= 0 && iy >= 0 && iy < g.H && ix < g.W {
										want = x[img*inPlane+(c*g.H+iy)*g.W+ix]
									}
									if got := xp[base+i]; got != want {
										t.Fatalf("%+v %d images, ld %d, band %v: channel %d phase (%d,%d) row %d column %d = %v, want %v",
											g, images, ld, band, c, ry, rx, r, col, got, want)
									}
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestTapOffsets checks that each tap's view of a padded band reads, for
// every output position, the input element the convolution's definition
// names (or zero in the padding): the contract of the implicit GEMM.
func TestTapOffsets(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, g := range []ConvGeom{
		{C: 2, H: 7, W: 6, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, DH: 1, DW: 1},
		{C: 2, H: 9, W: 8, KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1, DH: 1, DW: 1},
		{C: 3, H: 27, W: 25, KH: 11, KW: 11, SH: 4, SW: 4, PH: 2, PW: 2, DH: 1, DW: 1},
		{C: 1, H: 13, W: 10, KH: 7, KW: 5, SH: 2, SW: 3, PH: 3, PW: 0, DH: 1, DW: 1},
		{C: 2, H: 11, W: 12, KH: 3, KW: 3, SH: 2, SW: 2, PH: 2, PW: 1, DH: 2, DW: 1},
		{C: 1, H: 10, W: 10, KH: 2, KW: 2, SH: 3, SW: 3, PH: 0, PW: 1, DH: 2, DW: 2},
	} {
		g = withOutputSize(g)
		wp := g.PaddedWidth()
		if wp < g.OW {
			t.Fatalf("%+v: padded width %d < output width %d", g, wp, g.OW)
		}
		x := randMatrix(g.C*g.H*g.W, rng)
		for _, band := range [][2]int{{0, g.OH}, {1, g.OH - 1}} {
			oh0, oh1 := band[0], band[1]
			rows := oh1 - oh0 + g.BandHalo()
			plane := rows * wp
			xp := make([]float32, g.BandFloats(g.C, plane))
			PadBand(&g, x, 1, xp, wp, plane, oh0, oh1)
			off := make([]int, g.ColRows())
			TapOffsets(&g, g.C, wp, plane, off)
			for c := 0; c < g.C; c++ {
				for ky := 0; ky < g.KH; ky++ {
					for kx := 0; kx < g.KW; kx++ {
						o := off[(c*g.KH+ky)*g.KW+kx]
						for oy := oh0; oy < oh1; oy++ {
							for ox := 0; ox < g.OW; ox++ {
								iy, ix := oy*g.SH+ky*g.DH-g.PH, ox*g.SW+kx*g.DW-g.PW
								var want float32
								if iy >= 0 && iy < g.H && ix >= 0 && ix < g.W {
									want = x[(c*g.H+iy)*g.W+ix]
								}
								if got := xp[o+(oy-oh0)*wp+ox]; got != want {
									t.Fatalf("%+v band %v: tap (%d,%d,%d) at (%d,%d) reads %v, want %v", g, band, c, ky, kx, oy, ox, got, want)
								}
							}
						}
					}
				}
			}
		}
	}
}

// withOutputSize returns g with its output size filled in from the rest.
func withOutputSize(g ConvGeom) ConvGeom {
	g.OH = (g.H+2*g.PH-(g.KH-1)*g.DH-1)/g.SH + 1
	g.OW = (g.W+2*g.PW-(g.KW-1)*g.DW-1)/g.SW + 1
	return g
}

// BenchmarkPadBand times PadBand on CIFAR ResNet's stride-1 bands at batch
// 128: 16 channels of a 32×32 image, and 64 channels of 8×8 with 16
// images side by side.
func BenchmarkPadBand(b *testing.B) {
	for _, c := range []struct {
		c, hw, images int
	}{{16, 32, 1}, {64, 8, 16}} {
		g := withOutputSize(ConvGeom{C: c.c, H: c.hw, W: c.hw, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, DH: 1, DW: 1})
		ld := c.images * g.PaddedWidth()
		plane := (g.OH + g.BandHalo()) * ld
		x := make([]float32, c.images*g.C*g.H*g.W)
		xp := make([]float32, g.BandFloats(g.C, plane))
		b.Run(fmt.Sprintf("%dx%dx%d/images=%d", c.c, c.hw, c.hw, c.images), func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			for i := 0; i < b.N; i++ {
				PadBand(&g, x, c.images, xp, ld, plane, 0, g.OH)
			}
		})
	}
}
