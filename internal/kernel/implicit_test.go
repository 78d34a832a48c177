package kernel

import (
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

// TestPadBand checks a band's padded rows element by element: the input
// where the rows and columns fall inside an image, zeros in the padding,
// for one image and for several side by side, in rows as long as they
// need or longer.
func TestPadBand(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, g := range []ConvGeom{
		{C: 3, H: 7, W: 5, KH: 3, KW: 3, SH: 1, SW: 1, PH: 2, PW: 1, DH: 1, DW: 1},
		{C: 2, H: 4, W: 6, KH: 2, KW: 3, SH: 1, SW: 1, PH: 3, PW: 2, DH: 1, DW: 1}, // padding past the kernel's reach
	} {
		g.OH, g.OW = g.H+2*g.PH-(g.KH-1)*g.DH, g.W+2*g.PW-(g.KW-1)*g.DW
		wp, inPlane := g.PaddedWidth(), g.C*g.H*g.W
		for _, images := range []int{1, 3} {
			x := randMatrix(images*inPlane, rng)
			for _, spare := range []int{0, 2} {
				ld := images*wp + spare
				for _, band := range [][2]int{{0, g.OH}, {0, 1}, {0, 2}, {3, 6}, {g.OH - 1, g.OH}} {
					oh0, oh1 := band[0], band[1]
					rows := oh1 - oh0 + g.BandHalo()
					plane := rows*ld + 3
					xp := randMatrix(g.C*plane+g.PW, rng) // stale values that must be overwritten
					PadBand(&g, x, images, xp, ld, plane, oh0, oh1)
					for c := 0; c < g.C; c++ {
						// Row r holds, for each image, PW zeros then its input
						// row oh0−PH+r (zeros outside the image); zeros fill
						// the rest, and PW zeros follow the last row.
						for i := 0; i < rows*ld+g.PW; i++ {
							r, j := i/ld, i%ld
							img, jj := j/wp, j%wp
							iy, ix := oh0-g.PH+r, jj-g.PW
							var want float32
							if r < rows && img < images && iy >= 0 && iy < g.H && ix >= 0 && ix < g.W {
								want = x[img*inPlane+(c*g.H+iy)*g.W+ix]
							}
							if got := xp[c*plane+i]; got != want {
								t.Fatalf("%+v %d images, ld %d, band %v: channel %d row %d column %d = %v, want %v",
									g, images, ld, band, c, r, j, got, want)
							}
						}
					}
				}
			}
		}
	}
}
