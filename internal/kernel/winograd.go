package kernel

import (
	"fmt"
	"slices"
)

// The input and output transforms of Winograd's F(2×2, 3×3) (Lavin and
// Gray 2016), over runs of tiles: with
//
//	Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  Aᵀ = [1 1 1 0; 0 1 −1 −1],
//
// a 3×3 stride-1 convolution's 2×2 output tile is Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A
// for d the 4×4 input patch under it. Each entry of Bᵀ d B and of Aᵀ m A
// is a few sums and differences, computed here in one order on every path.

// WinogradInput sets dst[ξ·ldd + j] to entry ξ = 4a+b of Bᵀ d B for each
// tile j < n, where d's entry u = 4r+c is src[off[u] + j]: the patches
// are shifted views of an input laid out by PadBand.
func WinogradInput(n int, dst []float32, ldd int, src []float32, off *[16]int) {
	if n <= 0 {
		return
	}
	if ldd < n || len(dst) < 15*ldd+n || slices.Min(off[:]) < 0 || slices.Max(off[:])+n > len(src) {
		panic(fmt.Sprintf("kernel: WinogradInput of %d tiles: dst %d floats, rows %d apart; src %d floats, offsets %v",
			n, len(dst), ldd, len(src), *off))
	}
	winogradInput(n, dst, ldd, src, off)
}

// WinogradInputPanels is WinogradInput with each row of dst laid out as
// panels of B for SgemmPanels: tile j's entry ξ goes to
// dst[ξ·ldd + (j/nr)·panel + j%nr], nr being PanelWidth(), and the columns
// of the last panel past n are zero. With panel = C·nr and dst offset by
// ch·nr for channel ch of C, the C channels' transforms make B.
func WinogradInputPanels(n int, dst []float32, ldd, panel int, src []float32, off *[16]int) {
	if n <= 0 {
		return
	}
	nr := PanelWidth()
	last := (ceilDiv(n, nr)-1)*panel + nr // of each row
	if panel < nr || ldd < last || len(dst) < 15*ldd+last || slices.Min(off[:]) < 0 || slices.Max(off[:])+n > len(src) {
		panic(fmt.Sprintf("kernel: WinogradInputPanels of %d tiles: dst %d floats, rows %d apart, panels %d; src %d floats, offsets %v",
			n, len(dst), ldd, panel, len(src), *off))
	}
	for j := 0; j < n; j += nr {
		w := min(nr, n-j)
		d := dst[j/nr*panel:]
		winogradInput(w, d, ldd, src[j:], off)
		if w < nr {
			for xi := 0; xi < 16; xi++ {
				clear(d[xi*ldd+w : xi*ldd+nr])
			}
		}
	}
}

// winogradInput is WinogradInput without its checks.
func winogradInput(n int, dst []float32, ldd int, src []float32, off *[16]int) {
	done := winogradInputArch(n, dst, ldd, src, off)
	var d, t [16]float32
	for j := done; j < n; j++ {
		for u := range d {
			d[u] = src[off[u]+j]
		}
		for c := 0; c < 4; c++ {
			t[c], t[4+c], t[8+c], t[12+c] = d[c]-d[8+c], d[4+c]+d[8+c], d[8+c]-d[4+c], d[4+c]-d[12+c]
		}
		for a := 0; a < 16; a += 4 {
			dst[a*ldd+j] = t[a] - t[a+2]
			dst[(a+1)*ldd+j] = t[a+1] + t[a+2]
			dst[(a+2)*ldd+j] = t[a+2] - t[a+1]
			dst[(a+3)*ldd+j] = t[a+1] - t[a+3]
		}
	}
}

// WinogradOutputRows computes Aᵀ m A for a row of n tiles, m's entry ξ
// (= 4a+b) of tile j at src[ξ·lds + j], and writes tile j's 2×2 outputs to
// columns 2j and 2j+1 of the output rows dst0 (the tile's top row) and
// dst1, or with acc adds them there. dst0 and dst1 are as long, 2n
// columns or 2n−1 (an odd width, whose last tile's right column falls
// outside).
func WinogradOutputRows(n int, dst0, dst1 []float32, src []float32, lds int, acc bool) {
	if n <= 0 {
		return
	}
	w := len(dst0)
	if (w != 2*n && w != 2*n-1) || len(dst1) != w || lds < n || len(src) < 15*lds+n {
		panic(fmt.Sprintf("kernel: WinogradOutputRows of %d tiles: rows of %d and %d floats, src %d floats with rows %d apart",
			n, w, len(dst1), len(src), lds))
	}
	if winogradOutputRowsArch(n, dst0, dst1, src, lds, acc) {
		return
	}
	var s [8]float32
	for j := 0; j < n; j++ {
		for b := 0; b < 4; b++ {
			m0, m1, m2, m3 := src[b*lds+j], src[(4+b)*lds+j], src[(8+b)*lds+j], src[(12+b)*lds+j]
			s[b] = m0 + m1 + m2
			s[4+b] = m1 - m2 - m3
		}
		for i, d := range [2][]float32{dst0, dst1} {
			y0 := s[4*i] + s[4*i+1] + s[4*i+2]
			y1 := s[4*i+1] - s[4*i+2] - s[4*i+3]
			if acc {
				d[2*j] += y0
				if 2*j+1 < w {
					d[2*j+1] += y1
				}
				continue
			}
			d[2*j] = y0
			if 2*j+1 < w {
				d[2*j+1] = y1
			}
		}
	}
}
