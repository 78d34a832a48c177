package kernel

// ConvGeom describes a 2-D convolution (or pooling) window over one image:
// the input planes, kernel, stride, padding, dilation and the output size.
type ConvGeom struct {
	C, H, W int // input channels and spatial size
	KH, KW  int // kernel
	SH, SW  int // stride
	PH, PW  int // padding (both sides)
	DH, DW  int // dilation
	OH, OW  int // output size
}

// ColRows is the number of rows of the im2col matrix: C·KH·KW.
func (g *ConvGeom) ColRows() int { return g.C * g.KH * g.KW }

// outRange returns the output columns [lo, hi) whose input column
// ow·stride − pad + off lies inside [0, size).
func outRange(off, stride, pad, size, outSize int) (lo, hi int) {
	// need 0 <= ow*stride - pad + off < size
	lo = 0
	if s := pad - off; s > 0 {
		lo = (s + stride - 1) / stride
	}
	hi = outSize
	if lim := size + pad - off; lim <= 0 {
		hi = 0
	} else if h := (lim + stride - 1) / stride; h < hi {
		hi = h
	}
	if lo > hi {
		lo = hi
	}
	return lo, hi
}

// Im2col writes the column matrix of one image src (C×H×W) into col: row
// (c·KH+i)·KW+j, column oh·OW+ow holds the input under kernel tap (i, j) for
// output (oh, ow), or 0 in the padding. Rows are ld elements apart, so the
// columns of several images can sit side by side in one matrix.
func Im2col(g *ConvGeom, src, col []float32, ld int) { Im2colRows(g, src, col, ld, 0, g.ColRows()) }

// Im2colRows is Im2col for the rows [r0, r1) of the matrix only, so that
// one image's matrix can be built in parallel.
func Im2colRows(g *ConvGeom, src, col []float32, ld, r0, r1 int) {
	im2colBlock(g, src, col, ld, r0, r1, 0, g.OH)
}

// Im2colBand is Im2col for the outputs of rows [oh0, oh1) only: the
// matrix has (oh1−oh0)·OW columns, output (oh, ow) in column
// (oh−oh0)·OW+ow. A convolution computed band by band needs only a band's
// matrix at a time, small enough to stay in cache.
func Im2colBand(g *ConvGeom, src, col []float32, ld, oh0, oh1 int) {
	im2colBlock(g, src, col, ld, 0, g.ColRows(), oh0, oh1)
}

// im2colBlock writes the rows [r0, r1) of the column matrix of the
// outputs of rows [oh0, oh1).
func im2colBlock(g *ConvGeom, src, col []float32, ld, r0, r1, oh0, oh1 int) {
	plane := g.H * g.W
	kk := g.KH * g.KW
	width := (oh1 - oh0) * g.OW
	for row := r0; row < r1; row++ {
		c, i, j := row/kk, row%kk/g.KW, row%g.KW
		s := src[c*plane : (c+1)*plane]
		hOff, wOff := i*g.DH, j*g.DW
		ohLo, ohHi := outRange(hOff, g.SH, g.PH, g.H, g.OH)
		ohLo, ohHi = max(ohLo, oh0), min(ohHi, oh1)
		owLo, owHi := outRange(wOff, g.SW, g.PW, g.W, g.OW)
		dst := col[row*ld : row*ld+width]
		if owLo >= owHi || ohLo >= ohHi { // every window of this tap lies in the padding
			clear(dst)
			continue
		}
		dst = dst[(ohLo-oh0)*g.OW:]
		clear(col[row*ld : row*ld+(ohLo-oh0)*g.OW])
		clear(dst[(ohHi-ohLo)*g.OW:])
		n := owHi - owLo
		if g.SW == 1 {
			// Short rows (small images) in masked vector moves, padding and
			// all (BenchmarkIm2col, LeNet-5's layers at batch 64 on Zen 4:
			// 0.68–0.88 ms → 0.17 ms and 0.77–0.94 ms → 0.43–0.59 ms).
			iw := (ohLo*g.SH-g.PH+hOff)*g.W + owLo - g.PW + wOff
			if im2colRowsArch(dst[:(ohHi-ohLo)*g.OW], g.OW, owLo, n, s[iw:], g.SH*g.W, ohHi-ohLo) {
				continue
			}
		}
		for oh := ohLo; oh < ohHi; oh++ {
			d := dst[(oh-ohLo)*g.OW : (oh-ohLo+1)*g.OW]
			clear(d[:owLo])
			clear(d[owHi:])
			iw := (oh*g.SH-g.PH+hOff)*g.W + owLo*g.SW - g.PW + wOff
			if g.SW == 1 {
				copyShort(d[owLo:owHi], s[iw:iw+n])
				continue
			}
			gatherStrided(d[owLo:owHi], s[iw:iw+(n-1)*g.SW+1], g.SW)
		}
	}
}

// gatherStrided sets dst[k] = src[k·stride].
func gatherStrided(dst, src []float32, stride int) {
	if n := gatherStridedArch(dst, src, stride); n == len(dst) {
		return
	} else if n > 0 {
		dst, src = dst[n:], src[n*stride:]
	}
	for k := range dst {
		dst[k] = src[k*stride]
	}
}

// Col2im is the adjoint of Im2col: it adds each entry of col back onto the
// input position it was read from, accumulating into dst (C×H×W).
func Col2im(g *ConvGeom, col []float32, ld int, dst []float32) {
	Col2imChannels(g, col, ld, dst, 0, g.C)
}

// Col2imChannels is Col2im for the input channels [c0, c1) only; distinct
// channels write distinct planes, so ranges can run in parallel.
func Col2imChannels(g *ConvGeom, col []float32, ld int, dst []float32, c0, c1 int) {
	col2imBlock(g, col, ld, dst, c0, c1, 0, g.OH)
}

// Col2imBand is Col2im for the matrix of the outputs of rows [oh0, oh1)
// only, as Im2colBand builds it. Bands whose windows share input rows add
// onto the same elements of dst, so only bands far enough apart may run
// in parallel.
func Col2imBand(g *ConvGeom, col []float32, ld int, dst []float32, oh0, oh1 int) {
	col2imBlock(g, col, ld, dst, 0, g.C, oh0, oh1)
}

func col2imBlock(g *ConvGeom, col []float32, ld int, dst []float32, c0, c1, oh0, oh1 int) {
	for c := c0; c < c1; c++ {
		for i := 0; i < g.KH; i++ {
			for j := 0; j < g.KW; j++ {
				col2imTap(g, col, ld, dst, c, i, j, oh0, oh1)
			}
		}
	}
}

// col2imTap adds the row of col for kernel tap (i, j) of channel c, which
// holds the outputs of rows [oh0, oh1), onto the input positions it was
// read from.
func col2imTap(g *ConvGeom, col []float32, ld int, dst []float32, c, i, j, oh0, oh1 int) {
	plane := g.H * g.W
	s := dst[c*plane : (c+1)*plane]
	hOff, wOff := i*g.DH, j*g.DW
	ohLo, ohHi := outRange(hOff, g.SH, g.PH, g.H, g.OH)
	ohLo, ohHi = max(ohLo, oh0), min(ohHi, oh1)
	owLo, owHi := outRange(wOff, g.SW, g.PW, g.W, g.OW)
	if owLo >= owHi || ohLo >= ohHi {
		return
	}
	row := (c*g.KH+i)*g.KW + j
	src := col[row*ld : row*ld+(oh1-oh0)*g.OW]
	if g.SW == 1 { // BenchmarkCol2im on Zen 4: 1.3 ms in Go, 0.38–0.46 ms
		i0 := (ohLo*g.SH-g.PH+hOff)*g.W + owLo - g.PW + wOff
		if addRowsArch(s[i0:], g.SH*g.W, src[(ohLo-oh0)*g.OW+owLo:], g.OW, ohHi-ohLo, owHi-owLo) {
			return
		}
	}
	for oh := ohLo; oh < ohHi; oh++ {
		d := src[(oh-oh0)*g.OW : (oh-oh0+1)*g.OW]
		ih := oh*g.SH - g.PH + hOff
		sr := s[ih*g.W:]
		iw := owLo*g.SW - g.PW + wOff
		if g.SW == 1 {
			addShort(sr[iw:iw+owHi-owLo], d[owLo:owHi])
			continue
		}
		for ow := owLo; ow < owHi; ow++ {
			sr[iw] += d[ow]
			iw += g.SW
		}
	}
}

// copyShort is copy for the short rows of small images, where the call to
// memmove costs more than the copy itself.
func copyShort(dst, src []float32) {
	if len(dst) > 32 {
		copy(dst, src)
		return
	}
	src = src[:len(dst)]
	//lint:ignore S1001 a loop, because copy calls memmove
	for i, v := range src {
		dst[i] = v
	}
}

// addShort is AddTo without a call, for short rows.
func addShort(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}
