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
//
// A convolution of stride S is one of stride 1 over the input split into
// its S·S phases (the rows ≡ ry and columns ≡ rx modulo S, each phase a
// plane of its own): tap (ky, kx) reads input row oy·S + ky·DH − PH =
// (oy+qy)·S + ry, that is row oy+qy of phase ry, and likewise for columns.
// Each channel's band then holds SH·SW phase planes, each tap reads one of
// them shifted by (qy, qx), and the column matrix is again a set of views.

// tapShift splits the input offset of tap k along an axis, k·d − p, into
// the phase r of stride s it falls in and its shift q in that phase's
// rows: k·d − p = q·s + r with 0 ≤ r < s.
func tapShift(k, d, p, s int) (q, r int) {
	v := k*d - p
	q = v / s
	if v < 0 && q*s != v {
		q-- // round towards −∞
	}
	return q, v - q*s
}

// phaseLeft is how many zeros start each padded row: the columns that
// the first tap reads left of the input, −qx of kx = 0.
func (g *ConvGeom) phaseLeft() int {
	q, _ := tapShift(0, g.DW, g.PW, g.SW)
	return max(0, -q)
}

// phaseTop is the shift of the first tap's rows, qy of ky = 0: band rows
// start that many phase rows above their first output row.
func (g *ConvGeom) phaseTop() int {
	q, _ := tapShift(0, g.DH, g.PH, g.SH)
	return q
}

// PaddedWidth is the width of the rows of a padded band: W + PW at
// stride 1. It holds the left zeros and the widest phase, and reaches as
// far as the last output column's last tap, less the left zeros of the
// next row, which that tap reads as its right padding.
func (g *ConvGeom) PaddedWidth() int {
	qLast, _ := tapShift(g.KW-1, g.DW, g.PW, g.SW)
	return max(g.phaseLeft()+ceilDiv(g.W, g.SW), g.OW+qLast)
}

// BandHalo is how many more rows than output rows a band of an implicit
// convolution reads in each phase: (KH−1)·DH at stride 1.
func (g *ConvGeom) BandHalo() int {
	qLast, _ := tapShift(g.KH-1, g.DH, g.PH, g.SH)
	return qLast - g.phaseTop()
}

// Phases is how many phase planes each channel's band holds: SH·SW.
func (g *ConvGeom) Phases() int { return g.SH * g.SW }

// BandFloats is how many floats PadBand needs for the band of channels
// channels, each phase plane plane floats: the planes and the zeros that
// end the last.
func (g *ConvGeom) BandFloats(channels, plane int) int {
	return channels*g.Phases()*plane + g.phaseLeft()
}

// PhasesCovered reports whether every phase holds a tap, so that none is
// laid out for nothing: a 1×1 convolution of stride 2 reads one phase in
// four, and gathering the other three would cost it more than im2col.
func (g *ConvGeom) PhasesCovered() bool {
	covered := func(k, d, p, s int) bool {
		seen := 0
		for i := 0; i < k && i < s*s; i++ { // residues repeat with period s
			_, r := tapShift(i, d, p, s)
			seen |= 1 << r
		}
		return seen == 1<<s-1
	}
	return g.SH < 32 && g.SW < 32 && covered(g.KH, g.DH, g.PH, g.SH) && covered(g.KW, g.DW, g.PW, g.SW)
}

// PadBand copies the input that output rows [oh0, oh1) of a convolution
// read, from images consecutive images in x (each C×H×W), into xp with
// its padding as zeros, each channel as its Phases() phase planes, plane
// floats apart. The images lie side by side, each in PaddedWidth columns
// of rows ld floats apart (ld ≥ images·PaddedWidth), so that one GEMM
// covers them all, as if they were one wide image: each phase plane holds
// oh1−oh0+BandHalo such rows, and the last is followed by the zeros that
// are its right padding. xp must have phaseLeft floats more than all the
// planes.
func PadBand(g *ConvGeom, x []float32, images int, xp []float32, ld, plane, oh0, oh1 int) {
	wp, rows, left := g.PaddedWidth(), oh1-oh0+g.BandHalo(), g.phaseLeft()
	planes := g.C * g.Phases()
	if images < 1 || ld < images*wp || rows*ld > plane || len(xp) < (planes-1)*plane+rows*ld+left || g.SH < 1 || g.SW < 1 ||
		len(x) < images*g.C*g.H*g.W {
		panic("kernel: PadBand needs a buffer that holds the band")
	}
	inPlane := g.C * g.H * g.W
	top := oh0 + g.phaseTop() // the phase row of band row 0
	for c := 0; c < g.C; c++ {
		for ry := 0; ry < g.SH; ry++ {
			// Band rows [r0, r1) hold input rows (top+r)·SH + ry inside the
			// image: phase rows from 0 to ⌈(H−ry)/SH⌉.
			r0, r1 := max(0, -top), min(rows, ceilDiv(g.H-ry, g.SH)-top)
			for rx := 0; rx < g.SW; rx++ {
				pc := xp[((c*g.SH+ry)*g.SW+rx)*plane:]
				pc = pc[:rows*ld+left]
				clear(pc)
				if r1 <= r0 {
					continue
				}
				src := x[c*g.H*g.W+((top+r0)*g.SH+ry)*g.W+rx:]
				if g.SH == 1 && g.SW == 1 {
					for i := 0; i < images; i++ {
						CopyRows(pc[r0*ld+i*wp+left:], ld, src[i*inPlane:], g.W, r1-r0, g.W)
					}
					continue
				}
				cols := ceilDiv(g.W-rx, g.SW)
				if cols <= 0 {
					continue
				}
				for i := 0; i < images; i++ {
					for r := r0; r < r1; r++ {
						s := src[i*inPlane+(r-r0)*g.SH*g.W:]
						// s runs on past the row, so that the vector loop may read
						// a whole last block (16 at stride 2 from a 32-wide row).
						gatherStrided(pc[r*ld+i*wp+left:][:cols], s, g.SW)
					}
				}
			}
		}
	}
}

// TapOffsets fills off (channels·KH·KW long) with where tap (c, ky, kx)
// starts in bands that PadBand laid out in rows ld apart and plane floats
// apart: the rows of B for SgemmRows, in the column matrix's order.
func TapOffsets(g *ConvGeom, channels, ld, plane int, off []int) {
	left, top := g.phaseLeft(), g.phaseTop()
	i := 0
	for c := 0; c < channels; c++ {
		for ky := 0; ky < g.KH; ky++ {
			qy, ry := tapShift(ky, g.DH, g.PH, g.SH)
			for kx := 0; kx < g.KW; kx++ {
				qx, rx := tapShift(kx, g.DW, g.PW, g.SW)
				off[i] = ((c*g.SH+ry)*g.SW+rx)*plane + (qy-top)*ld + qx + left
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
