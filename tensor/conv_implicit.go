package tensor

import (
	"os"

	"github.com/convnet/convnet/internal/kernel"
)

// implicitBudget bounds (in floats) the padded input of one band of
// forwardImplicit, which every panel of the GEMM reads: 256 KB, in its
// core's L2 cache beside the block of weights.
const implicitBudget = 1 << 16

// implicitWeights is the most weights (per group) forwardImplicit takes:
// what SgemmRows keeps in L2 as one block. Past it the weights are split
// into blocks and every panel of the input is gathered once per block;
// the explicit column matrix then did as well or better (VGG's 128→256
// channel 3×3 layer on 56×56: 3% faster with im2col, Zen 4).
const implicitWeights = 1 << 16

// implicitTiling is how forwardImplicit cuts a batch into tiles, each one
// GEMM on one core: the images in groups of images, side by side, and
// each group's output rows in bands. A map too small to fill the GEMM's
// tiles on its own (CIFAR's 8×8) shares a band with others; a large one
// takes bands of its own.
type implicitTiling struct{ bands, images int }

// ok reports whether the convolution runs as an implicit GEMM at all.
func (t implicitTiling) ok() bool { return t.bands > 0 }

// groups is how many groups of images the batch of n makes.
func (t implicitTiling) groups(n int) int { return ceilDiv(n, t.images) }

// maxMosaicWaste bounds, as 1/maxMosaicWaste of a wide row, the columns
// that images side by side waste: with more (LeNet-5's unpadded 5×5 on
// 14×14 wastes 4 of 14), im2col does better.
const maxMosaicWaste = 8

// implicitTiling returns how forwardImplicit tiles the batch, or the zero
// tiling when the convolution does not suit it: a 1×1 one is a plain GEMM
// already, a strided one with a phase that no tap reads (1×1 of stride 2)
// would lay out input for nothing, and weights past implicitWeights or
// maps whose tiles would make GEMMs too narrow run better as im2col. Bands are as tall as
// implicitBudget allows, and their number over the batch a multiple of the
// workers where the rows allow, so that every worker gets the same number
// of rows.
func (p *convPlan) implicitTiling() implicitTiling {
	g := &p.geom
	strided := g.SH != 1 || g.SW != 1
	if p.pointwise || p.coutG*p.rowsG > implicitWeights || (strided && !g.PhasesCovered()) ||
		(!strided && g.PW > (g.KW-1)*g.DW) { // rows sharing their padding need it no wider than the kernel's reach
		return implicitTiling{}
	}
	oh, wp := g.OH, g.PaddedWidth()
	rows := max(1, implicitBudget/(g.C*g.Phases()*wp)-g.BandHalo())
	bands := ceilDiv(oh, rows)
	if bands == 1 {
		if t := p.mosaic(); t.images > 1 {
			return t
		}
	}
	workers := kernel.Workers()
	for b := bands; b <= oh && b < 2*bands+workers; b++ {
		if p.n*b%workers == 0 {
			bands = b
			break
		}
	}
	if (ceilDiv(oh, bands)-1)*wp+g.OW < minBandColumns {
		return implicitTiling{} // too narrow for the GEMM's tiles, as in forwardBands
	}
	return implicitTiling{bands: bands, images: 1}
}

// mosaic returns the tiling of whole images side by side, as many to a
// tile as implicitBudget holds (for the padded input and for the output)
// and the workers each get one: a wider GEMM wastes less of its last
// 32-column tile, and the weight gradient's dot products run over longer
// rows, each of which ends in a costly sum across its vector (CIFAR ResNet's 32-channel layer on 16×16 at batch
// 128: 5.4 ms one image a tile, 3.6 ms six, Zen 4). It returns the zero
// tiling when no tile can hold an image, too many columns would go to
// waste, or the tiles would be too narrow or not go round the workers.
func (p *convPlan) mosaic() implicitTiling {
	g := &p.geom
	wp := g.PaddedWidth()
	if (wp-g.OW)*maxMosaicWaste > wp {
		return implicitTiling{}
	}
	workers := kernel.Workers()
	// The tile's padded input and its GEMM's output both stay in L2.
	most := min(implicitBudget/(g.C*g.Phases()*(g.OH+g.BandHalo())*wp), implicitBudget/(p.cout*g.OH*wp), ceilDiv(p.n, workers))
	// A tile of k images is (OH−1)·k·wp + (k−1)·wp + OW columns wide.
	fewest := ceilDiv(minBandColumns-g.OW+wp, g.OH*wp)
	if most < fewest || ceilDiv(p.n, most) < workers {
		return implicitTiling{}
	}
	// As few tiles as that allows, in a multiple of the workers, and the
	// images spread evenly over them.
	perWorker := ceilDiv(p.n, workers*most)
	return implicitTiling{bands: 1, images: ceilDiv(p.n, workers*perWorker)}
}

// tile returns tile it of tiling t: its first image, how many images it
// holds, and its output rows [oh0, oh1).
func (p *convPlan) tile(t implicitTiling, it int) (img, images, oh0, oh1 int) {
	img = it / t.bands * t.images
	oh0, oh1 = bandRange(it%t.bands, t.bands, p.geom.OH)
	return img, min(t.images, p.n-img), oh0, oh1
}

// bandRange returns the output rows [lo, hi) of band b of bands: as equal
// as they can be.
func bandRange(b, bands, oh int) (lo, hi int) { return b * oh / bands, (b + 1) * oh / bands }

// bands is how forwardImplicit and weightGradImplicit lay out the tiles of
// a tiling t: the padded width of an image's rows and of a tile's rows,
// the most output rows in a band, the floats of a tile's padded channel,
// where each tap of a group's kernel starts in it, and whether the GEMMs
// compute the output columns alone (tileRuns).
type bands struct {
	wp, ld, maxRows, plane int
	off                    []int
	runs                   bool
}

func (p *convPlan) bandLayout(t implicitTiling) bands {
	g := &p.geom
	b := bands{wp: g.PaddedWidth(), maxRows: ceilDiv(g.OH, t.bands)}
	b.ld = t.images * b.wp
	b.plane = (b.maxRows + g.BandHalo()) * b.ld
	b.off = make([]int, p.rowsG)
	kernel.TapOffsets(g, p.cinG, b.ld, b.plane, b.off)
	// Where the padding takes a twentieth of the wide rows or more (CIFAR's
	// 16×16 and 8×8 maps), the GEMMs skip it.
	b.runs = implicitRuns && kernel.RowRunsSuit() && g.OW%8 == 0 && 20*(b.wp-g.OW) >= b.wp
	return b
}

// wideColumns is how many columns the GEMM of a tile of images images and
// rows output rows computes: every wide row but the last whole, and the
// last up to its last image's output.
func (p *convPlan) wideColumns(b *bands, images, rows int) int {
	return (rows-1)*b.ld + (images-1)*b.wp + p.geom.OW
}

// packTransposed returns the weights of p's transposed convolution (w
// transposed, see transposeWeights) as pack packs them, in scratch that
// the caller releases. The transposed weights stay with the form: a
// portable kernel's RowsA reads them where they lie.
func (p *convPlan) packTransposed(w []float32, pack func(wt []float32, pw *packedWeights)) packedWeights {
	pw := packedWeights{scratch: true}
	wt := pw.buffer(len(w))
	p.transposeWeights(w, wt)
	pack(wt, &pw)
	return pw
}

// packWeights fills pw with each group's weights packed for
// kernel.SgemmRowsPacked.
func (p *convPlan) packWeights(w []float32, pw *packedWeights) {
	size := p.coutG * p.rowsG
	buf := pw.buffer(p.groups * size)
	pw.rows = make([]kernel.RowsA, p.groups)
	for g := range pw.rows {
		pw.rows[g] = kernel.PackRowsAInto(buf[g*size:], p.coutG, p.rowsG, w[g*size:], p.rowsG)
	}
}

// forwardImplicit is forward as an implicit GEMM (kernel.SgemmRowsPacked),
// band by band of output rows, each band on one core: its input rows are
// copied once into a padded band, and the GEMM reads the rows of the
// column matrix as shifted views of it, so that no column matrix (9× the
// input for a 3×3 kernel) is written or read. The weights are packed once
// for all bands. The GEMM's output rows are PaddedWidth wide; the first OW
// columns of each are copied into y and finished by ep, or with accumulate
// added to y. Where the padding is a large share of those rows, the GEMM
// computes the output columns alone instead (tileRuns).
func (p *convPlan) forwardImplicit(x, w []float32, keep bool, ep *epilogue, y []float32, t implicitTiling, accumulate bool) {
	b := p.bandLayout(t)
	pw := packedFor(w, keep, p.weightForm(formImplicit), func(pw *packedWeights) { p.packWeights(w, pw) })
	defer pw.release()
	packed := pw.rows
	kernel.Parallel(t.groups(p.n)*t.bands, 1, func(lo, hi int) {
		xp := kernel.GetScratch(p.geom.BandFloats(p.geom.C, b.plane))
		wide := kernel.GetScratch(p.cout * b.maxRows * b.ld)
		defer kernel.PutScratch(xp)
		defer kernel.PutScratch(wide)
		var at []int // where each run of 8 output columns starts in a band
		for it := lo; it < hi; it++ {
			img, images, oh0, oh1 := p.tile(t, it)
			kernel.PadBand(&p.geom, x[img*p.inPlane():], images, xp, b.ld, b.plane, oh0, oh1)
			at = p.forwardTile(&b, packed, xp, wide, at, y, ep, img, images, oh0, oh1, accumulate)
		}
	})
}

// forwardTile computes the output rows [oh0, oh1) of images images from
// img on from their padded band xp, through the scratch rows wide. It
// returns at, the runs of the output columns (tileRuns), for the next
// tile to reuse.
func (p *convPlan) forwardTile(b *bands, packed []kernel.RowsA, xp, wide []float32, at []int, y []float32, ep *epilogue,
	img, images, oh0, oh1 int, accumulate bool) []int {
	ow, phases := p.geom.OW, p.geom.Phases()
	outPlane := p.cout * p.hw
	if b.runs {
		at = p.outputRuns(at[:0], b.wp, b.ld, images, oh1-oh0)
		p.tileRuns(packed, xp, b.plane, b.off, at, y[img*outPlane:], ep, wide, images, oh0, oh1, accumulate)
		return at
	}
	n := p.wideColumns(b, images, oh1-oh0)
	for g := range packed {
		kernel.SgemmRowsPacked(&packed[g], n, 1, xp[g*p.cinG*phases*b.plane:], b.off, 0, wide[g*p.coutG*n:], n)
	}
	for i := 0; i < images; i++ {
		yb := y[(img+i)*outPlane:]
		for ch := 0; ch < p.cout; ch++ {
			dst := yb[ch*p.hw+oh0*ow : ch*p.hw+oh1*ow]
			if accumulate {
				kernel.AddRows(dst, ow, wide[ch*n+i*b.wp:], b.ld, oh1-oh0, ow)
				continue
			}
			kernel.CopyRows(dst, ow, wide[ch*n+i*b.wp:], b.ld, oh1-oh0, ow)
			ep.apply(dst, ch)
		}
	}
	return at
}

// implicitRuns lets forwardImplicit's GEMMs skip the padding columns when
// output rows are a multiple of 8 wide; CONVNET_IMPLICIT_RUNS=0 turns it
// off, to compare.
var implicitRuns = os.Getenv("CONVNET_IMPLICIT_RUNS") != "0"

// outputRuns appends to at where each run of 8 output columns of a tile
// of images images and rows rows starts in its padded band: image by
// image, row by row, as the output lies in y.
func (p *convPlan) outputRuns(at []int, wp, ld, images, rows int) []int {
	for i := 0; i < images; i++ {
		for r := 0; r < rows; r++ {
			for c := 0; c < p.geom.OW; c += 8 {
				at = append(at, r*ld+i*wp+c)
			}
		}
	}
	return at
}

// tileRuns computes one tile of forwardImplicit over its output
// columns only (kernel.SgemmRowsPackedRuns): a tile of one image straight
// into y (added with accumulate), finished there by ep; a tile of several
// images into wide, then copied out image by image.
func (p *convPlan) tileRuns(packed []kernel.RowsA, xp []float32, plane int, off, at []int, y []float32, ep *epilogue, wide []float32, images, oh0, oh1 int, accumulate bool) {
	ow, phases := p.geom.OW, p.geom.Phases()
	outPlane := p.cout * p.hw
	beta := float32(0)
	if accumulate {
		beta = 1
	}
	if images == 1 {
		yb := y[oh0*ow:]
		for g := range packed {
			kernel.SgemmRowsPackedRuns(&packed[g], len(at)*8, 1, xp[g*p.cinG*phases*plane:], off, at, beta,
				yb[g*p.coutG*p.hw:], p.hw)
		}
		if !accumulate {
			for ch := 0; ch < p.cout; ch++ {
				ep.apply(yb[ch*p.hw:ch*p.hw+(oh1-oh0)*ow], ch)
			}
		}
		return
	}
	n, block := len(at)*8, (oh1-oh0)*ow
	for g := range packed {
		kernel.SgemmRowsPackedRuns(&packed[g], n, 1, xp[g*p.cinG*phases*plane:], off, at, 0, wide[g*p.coutG*n:], n)
	}
	for i := 0; i < images; i++ {
		yb := y[i*outPlane:]
		for ch := 0; ch < p.cout; ch++ {
			dst, src := yb[ch*p.hw+oh0*ow:ch*p.hw+oh1*ow], wide[ch*n+i*block:ch*n+(i+1)*block]
			if accumulate {
				kernel.AddTo(dst, src)
				continue
			}
			copy(dst, src)
			ep.apply(dst, ch)
		}
	}
}

// backwardImplicit does what it can of backward for plans that
// forwardImplicit suits: the weight gradient as dot products of dY with
// the shifted views of each padded band of x (kernel.SgemmDotRows), and
// the input gradient, where it suits too, as the transposed convolution,
// itself a stride-1 convolution of dY run by forwardImplicit. It reports
// which of the two it computed, for the other paths to do the rest: a
// strided convolution's input gradient needs no column matrix from x
// there, only col2im of Wᵀ·dY.
func (p *convPlan) backwardImplicit(x, w, gy, dw []float32, betaW float32, dx []float32, betaX float32) (didW, didX bool) {
	t := p.implicitTiling()
	if !t.ok() {
		return false, false
	}
	pt, transposes := p.transposed()
	if dw != nil && dx != nil && transposes && p.sharesBands(&pt, t) {
		p.backwardShared(&pt, x, w, gy, dw, betaW, dx, betaX, t)
		return true, true
	}
	if dw != nil {
		p.weightGradImplicit(x, gy, dw, betaW, t)
	}
	if dx == nil {
		return true, true
	}
	if !transposes {
		return true, false
	}
	tT := pt.implicitTiling()
	if !tT.ok() {
		return true, false
	}
	wt := kernel.GetScratch(len(w))
	defer kernel.PutScratch(wt)
	p.transposeWeights(w, wt)
	pt.forwardImplicit(gy, wt, false, &epilogue{}, dx, tT, betaX != 0)
	return true, true
}

// weightGradImplicit sets dw to betaW·dw + dY·colᵀ, band by band: each
// worker pads its bands of x as forwardImplicit does, lays dY's band out
// in the same wide rows (zeros past OW), and adds the dot products of the
// two into its own partial gradient; the partials are summed in worker
// order. Workers take fixed shares of the bands, so that the result does
// not depend on timing.
func (p *convPlan) weightGradImplicit(x, gy, dw []float32, betaW float32, t implicitTiling) {
	ow := p.geom.OW
	b := p.bandLayout(t)
	outPlane := p.cout * p.hw
	p.eachWorkerShare(t, dw, betaW, func(dwPart []float32, lo, hi int) {
		xp := kernel.GetScratch(p.geom.BandFloats(p.geom.C, b.plane))
		gw := kernel.GetScratch(p.cout * b.maxRows * b.ld)
		defer kernel.PutScratch(xp)
		defer kernel.PutScratch(gw)
		for it := lo; it < hi; it++ {
			img, images, oh0, oh1 := p.tile(t, it)
			kernel.PadBand(&p.geom, x[img*p.inPlane():], images, xp, b.ld, b.plane, oh0, oh1)
			n := p.wideColumns(&b, images, oh1-oh0)
			for ch := 0; ch < p.cout; ch++ {
				rows := gw[ch*n : (ch+1)*n]
				clear(rows)
				for i := 0; i < images; i++ {
					kernel.CopyRows(rows[i*b.wp:], b.ld, gy[(img+i)*outPlane+ch*p.hw+oh0*ow:], ow, oh1-oh0, ow)
				}
			}
			p.weightGradTile(&b, xp, gw, n, n, dwPart)
		}
	})
}

// eachWorkerShare runs work on every worker with its own partial
// gradient, zeroed, and its fixed share [lo, hi) of the tiles of t, then
// sets dw to betaW·dw plus the partials summed in worker order: the result
// does not depend on timing.
func (p *convPlan) eachWorkerShare(t implicitTiling, dw []float32, betaW float32, work func(dwPart []float32, lo, hi int)) {
	workers := kernel.Workers()
	items := t.groups(p.n) * t.bands
	partial := kernel.GetScratch(workers * len(dw))
	defer kernel.PutScratch(partial)
	kernel.Parallel(workers, 1, func(w0, w1 int) {
		for wk := w0; wk < w1; wk++ {
			dwPart := partial[wk*len(dw) : (wk+1)*len(dw)]
			clear(dwPart)
			lo, hi := workerShare(items, wk, workers)
			work(dwPart, lo, hi)
		}
	})
	sumPartials(dw, betaW, partial, workers)
}

// weightGradTile adds to dwPart the dot products of dY's wide rows (n
// columns of a, its channels lda apart) with the shifted views of x's
// padded band xp: one tile's share of dY·colᵀ.
func (p *convPlan) weightGradTile(b *bands, xp, a []float32, lda, n int, dwPart []float32) {
	phases := p.geom.Phases()
	for g := 0; g < p.groups; g++ {
		kernel.SgemmDotRows(p.coutG, p.rowsG, n, 1, a[g*p.coutG*lda:], lda,
			xp[g*p.cinG*phases*b.plane:], b.off, 1, dwPart[g*p.coutG*p.rowsG:], p.rowsG)
	}
}

// sharesBands reports whether backwardShared can compute both gradients
// in one pass over the tiles of t: the convolution keeps its maps' size
// (a "same" padding, PH = (KH−1)·DH/2), so that its transposed one pt has
// the same padding, tiles and padded rows, and dY's padded band, which pt
// reads, holds dY's wide rows PH rows and PW columns in, the zeros between
// images included, as the weight gradient reads them.
func (p *convPlan) sharesBands(pt *convPlan, t implicitTiling) bool {
	g, gt := &p.geom, &pt.geom
	return g.OH == g.H && g.OW == g.W && gt.PH == g.PH && gt.PW == g.PW && gt.PaddedWidth() == g.PaddedWidth() &&
		gt.BandHalo() == g.BandHalo() && pt.implicitTiling() == t
}

// backwardShared computes both gradients of a plan that sharesBands with
// its transposed pt, tile by tile, with one padded band of dY for both:
// the input gradient as pt's forward tile (forwardTile), then the weight
// gradient's dot products with the band of x. It saves laying dY out in
// wide rows a second time, and reads the band while it is in cache.
func (p *convPlan) backwardShared(pt *convPlan, x, w, gy, dw []float32, betaW float32, dx []float32, betaX float32, t implicitTiling) {
	b, bt := p.bandLayout(t), pt.bandLayout(t)
	pw := p.packTransposed(w, pt.packWeights)
	defer pw.release()
	packed := pw.rows
	rowsIn := p.geom.PH*bt.ld + p.geom.PW // where dY's first wide row starts in its band
	noEpilogue := &epilogue{}
	p.eachWorkerShare(t, dw, betaW, func(dwPart []float32, lo, hi int) {
		xp := kernel.GetScratch(p.geom.BandFloats(p.geom.C, b.plane))
		gp := kernel.GetScratch(pt.geom.BandFloats(pt.geom.C, bt.plane))
		wide := kernel.GetScratch(pt.cout * bt.maxRows * bt.ld)
		defer kernel.PutScratch(xp)
		defer kernel.PutScratch(gp)
		defer kernel.PutScratch(wide)
		var at []int
		for it := lo; it < hi; it++ {
			img, images, oh0, oh1 := p.tile(t, it)
			kernel.PadBand(&pt.geom, gy[img*pt.inPlane():], images, gp, bt.ld, bt.plane, oh0, oh1)
			at = pt.forwardTile(&bt, packed, gp, wide, at, dx, noEpilogue, img, images, oh0, oh1, betaX != 0)
			kernel.PadBand(&p.geom, x[img*p.inPlane():], images, xp, b.ld, b.plane, oh0, oh1)
			p.weightGradTile(&b, xp, gp[rowsIn:], bt.plane, p.wideColumns(&b, images, oh1-oh0), dwPart)
		}
	})
}

// transposed returns the plan of the input gradient of a stride-1
// convolution as a convolution of dY: the same kernel, flipped, from the
// output channels to the input channels, with padding (KH−1)·DH−PH and
// (KW−1)·DW−PW, which brings OH×OW back to H×W. It reports false when
// that padding would be negative (a padding wider than the kernel).
func (p *convPlan) transposed() (convPlan, bool) {
	g := p.geom
	ph, pw := (g.KH-1)*g.DH-g.PH, (g.KW-1)*g.DW-g.PW
	if g.SH != 1 || g.SW != 1 || ph < 0 || pw < 0 {
		return convPlan{}, false
	}
	gt := kernel.ConvGeom{C: p.cout, H: g.OH, W: g.OW, KH: g.KH, KW: g.KW, SH: 1, SW: 1,
		PH: ph, PW: pw, DH: g.DH, DW: g.DW, OH: g.H, OW: g.W}
	return convPlan{geom: gt, n: p.n, cout: g.C, groups: p.groups, cinG: p.coutG, coutG: p.cinG,
		rowsG: p.coutG * g.KH * g.KW, hw: g.H * g.W, chunk: p.n}, true
}

// transposeWeights writes into wt the weights of the transposed plan:
// wt[g·cinG+c][co][KH−1−ky][KW−1−kx] = w[g·coutG+co][c][ky][kx].
func (p *convPlan) transposeWeights(w, wt []float32) {
	kh, kw := p.geom.KH, p.geom.KW
	taps := kh * kw
	for g := 0; g < p.groups; g++ {
		for co := 0; co < p.coutG; co++ {
			for c := 0; c < p.cinG; c++ {
				src := w[((g*p.coutG+co)*p.cinG+c)*taps:]
				dst := wt[((g*p.cinG+c)*p.coutG+co)*taps:]
				for t := 0; t < taps; t++ {
					dst[taps-1-t] = src[t]
				}
			}
		}
	}
}

// implicitEnabled is whether stride-1 convolutions may take
// forwardImplicit; CONVNET_IMPLICIT=0 turns it off, to time a whole
// program with and without it, as CONVNET_SGEMM picks the GEMM.
var implicitEnabled = os.Getenv("CONVNET_IMPLICIT") != "0"
