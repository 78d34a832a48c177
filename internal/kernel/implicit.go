package kernel

// A stride-1 convolution needs no column matrix: in the input padded with
// zeros to rows of W+2·PW floats, output (oy, ox) of tap (c, ky, kx) reads
// the element at c·plane + (oy+ky·DH)·(W+2·PW) + ox + kx·DW, so row
// (c, ky, kx) of the column matrix is the padded input itself, shifted by
// its tap's offset, read over "wide" output rows of W+2·PW columns of
// which the first OW are the output. SgemmRows multiplies the weights by
// these shifted views directly.

// PaddedWidth is the width of the rows of a padded band: W + 2·PW.
func (g *ConvGeom) PaddedWidth() int { return g.W + 2*g.PW }

// BandHalo is how many more input rows than output rows a band of a
// stride-1 convolution reads: (KH−1)·DH.
func (g *ConvGeom) BandHalo() int { return (g.KH - 1) * g.DH }

// PadBand copies the input rows that output rows [oh0, oh1) of a stride-1
// convolution read, from x (C×H×W), into xp with their padding as zeros:
// channel c's oh1−oh0+BandHalo rows of PaddedWidth floats at c·plane.
func PadBand(g *ConvGeom, x, xp []float32, plane, oh0, oh1 int) {
	wp, rows := g.PaddedWidth(), oh1-oh0+g.BandHalo()
	if g.SH != 1 || g.SW != 1 || rows*wp > plane {
		panic("kernel: PadBand needs a stride-1 convolution and a plane that holds the band")
	}
	for c := 0; c < g.C; c++ {
		xc, pc := x[c*g.H*g.W:(c+1)*g.H*g.W], xp[c*plane:c*plane+rows*wp]
		for r := 0; r < rows; r++ {
			dst := pc[r*wp : (r+1)*wp]
			iy := oh0 - g.PH + r
			if iy < 0 || iy >= g.H {
				clear(dst)
				continue
			}
			clear(dst[:g.PW])
			copy(dst[g.PW:g.PW+g.W], xc[iy*g.W:(iy+1)*g.W])
			clear(dst[g.PW+g.W:])
		}
	}
}

// TapOffsets fills off (channels·KH·KW long) with where tap (c, ky, kx)
// starts in bands that PadBand laid out plane floats apart: the rows of
// B for SgemmRows, in the column matrix's order.
func TapOffsets(g *ConvGeom, channels, plane int, off []int) {
	wp := g.PaddedWidth()
	i := 0
	for c := 0; c < channels; c++ {
		for ky := 0; ky < g.KH; ky++ {
			for kx := 0; kx < g.KW; kx++ {
				off[i] = c*plane + ky*g.DH*wp + kx*g.DW
				i++
			}
		}
	}
}
