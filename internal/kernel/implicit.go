package kernel

// A stride-1 convolution needs no column matrix: in the input padded with
// zeros, output (oy, ox) of tap (c, ky, kx) reads the element at
// c·plane + (oy+ky·DH)·wp + ox + kx·DW, wp being the padded rows' width,
// so row (c, ky, kx) of the column matrix is the padded input itself,
// shifted by its tap's offset, read over "wide" output rows of wp columns
// of which the first OW are the output. SgemmRows multiplies the weights
// by these shifted views directly. The rows share their padding: each is
// PW zeros then the W inputs, and a row's right padding is the next row's
// left, so wp is W+PW and each wide row wastes (KW−1)·DW−PW columns, not
// (KW−1)·DW. Small images go several to a band, side by side, each in wp
// columns of the band's longer rows, and waste no more: the columns that
// straddle two images are the ones a single image's rows waste.

// PaddedWidth is the width of the rows of a padded band: W + PW.
func (g *ConvGeom) PaddedWidth() int { return g.W + g.PW }

// BandHalo is how many more input rows than output rows a band of a
// stride-1 convolution reads: (KH−1)·DH.
func (g *ConvGeom) BandHalo() int { return (g.KH - 1) * g.DH }

// PadBand copies the input rows that output rows [oh0, oh1) of a stride-1
// convolution read, from images consecutive images in x (each C×H×W),
// into xp with their padding as zeros. The images lie side by side, each
// in PaddedWidth columns of rows ld floats apart (ld ≥ images·PaddedWidth),
// so that one GEMM covers them all, as if they were one wide image: for
// channel c, oh1−oh0+BandHalo such rows at c·plane, followed by the PW
// zeros that are the last image's right padding. xp must have PW floats
// more than C planes.
func PadBand(g *ConvGeom, x []float32, images int, xp []float32, ld, plane, oh0, oh1 int) {
	wp, rows := g.PaddedWidth(), oh1-oh0+g.BandHalo()
	if g.SH != 1 || g.SW != 1 || images < 1 || ld < images*wp || rows*ld > plane ||
		len(xp) < (g.C-1)*plane+rows*ld+g.PW || len(x) < images*g.C*g.H*g.W {
		panic("kernel: PadBand needs a stride-1 convolution and a buffer that holds the band")
	}
	// Input rows oh0−PH+r for r in [r0, r1) lie inside the image.
	r0, r1 := max(0, g.PH-oh0), min(rows, g.H+g.PH-oh0)
	inPlane := g.C * g.H * g.W
	for c := 0; c < g.C; c++ {
		pc := xp[c*plane : c*plane+rows*ld+g.PW]
		clear(pc)
		if r1 <= r0 {
			continue
		}
		for i := 0; i < images; i++ {
			CopyRows(pc[r0*ld+i*wp+g.PW:], ld, x[i*inPlane+c*g.H*g.W+(oh0-g.PH+r0)*g.W:], g.W, r1-r0, g.W)
		}
	}
}

// TapOffsets fills off (channels·KH·KW long) with where tap (c, ky, kx)
// starts in bands that PadBand laid out in rows ld apart and plane floats
// apart: the rows of B for SgemmRows, in the column matrix's order.
func TapOffsets(g *ConvGeom, channels, ld, plane int, off []int) {
	i := 0
	for c := 0; c < channels; c++ {
		for ky := 0; ky < g.KH; ky++ {
			for kx := 0; kx < g.KW; kx++ {
				off[i] = c*plane + ky*g.DH*ld + kx*g.DW
				i++
			}
		}
	}
}

// CopyRows sets d[r·ldd : r·ldd+w] = s[r·lds : r·lds+w] for r < rows: one
// call for a whole plane of short rows, such as a band's rows into their
// padded places.
func CopyRows(d []float32, ldd int, s []float32, lds, rows, w int) {
	if rowsWideArch(false, d, ldd, s, lds, rows, w) {
		return
	}
	copyRowsGo(d, ldd, s, lds, rows, w)
}

// AddRows adds s[r·lds : r·lds+w] onto d[r·ldd : r·ldd+w] for r < rows.
func AddRows(d []float32, ldd int, s []float32, lds, rows, w int) {
	if rowsWideArch(true, d, ldd, s, lds, rows, w) {
		return
	}
	for r := 0; r < rows; r++ {
		AddTo(d[r*ldd:r*ldd+w], s[r*lds:r*lds+w])
	}
}
