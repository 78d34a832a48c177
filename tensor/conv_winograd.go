package tensor

import (
	"os"

	"github.com/convnet/convnet/internal/kernel"
)

// Winograd's minimal filtering F(2×2, 3×3) (Lavin and Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016): each 2×2 tile of
// a 3×3 stride-1 convolution's output comes from the 4×4 patch d of input
// under it as Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, so that, summed over the input
// channels, the 36 multiply-adds a tile takes per pair of channels become
// 16, and the products at each of the 16 points ξ of the transform domain
// are one GEMM over the channels, (Cout × C)·(C × tiles). The patches are
// shifted views of the input split into its four stride-2 phases
// (kernel.PadBand, as for a strided implicit GEMM); kernel.WinogradInput
// and kernel.WinogradOutputRows transform them and the products, and the
// weights' transform is a GEMM with G⊗G.

// winogradG is G: the weights' transform, U = G g Gᵀ.
var winogradG = [][]float32{{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}}

// winogradWeight is G⊗G (16×9), row ξ = (a, b) and column (k, l) holding
// G[a][k]·G[b][l]: U[ξ] = Σ winogradWeight[ξ][(k, l)]·g[k][l].
var winogradWeight = kronSquare(winogradG)

// kronSquare returns m⊗m, row (a, b) and column (u, v) holding
// m[a][u]·m[b][v].
func kronSquare(m [][]float32) []float32 {
	var out []float32
	for _, ra := range m {
		for _, rb := range m {
			for _, x := range ra {
				for _, y := range rb {
					out = append(out, x*y)
				}
			}
		}
	}
	return out
}

// winogradEnabled lets 3×3 convolutions take the Winograd path;
// CONVNET_WINOGRAD=0 turns it off, to compare.
var winogradEnabled = os.Getenv("CONVNET_WINOGRAD") != "0"

// winogradMinChannels is the fewest input and output channels for which
// the Winograd path pays: its GEMMs run over the input channels, and the
// transforms cost the same for few channels as for many (CIFAR ResNet's
// 32-channel layer on 16×16 at batch 128 took 4.0 ms against 3.6 as an
// implicit GEMM).
const winogradMinChannels = 64

// winogradMinTiles is the fewest 2×2 tiles a batch's output needs for the
// Winograd path, and winogradMinImageTiles the fewest one image's map
// needs: the weights' transform costs as much for a small batch of small
// maps as for a large one (ResNet-18 at batch 1 took 1.66× as long with
// its 14×14 and 7×7 layers on this path), and the tiles of a small map
// waste more of their columns and rows (512 channels on 7×7 at batch 8:
// 1.15×).
const winogradMinTiles, winogradMinImageTiles = 100, 49

// winogradBudget bounds (in floats) what a band of tiles keeps between its
// transforms: the input and the products in the 16 points of the
// transform domain.
const winogradBudget = 1 << 20

// winogradMinColumns is the fewest tiles a band's GEMMs should have when
// the map allows: fewer make GEMMs too narrow to run at speed.
const winogradMinColumns = 96

// winogradTiling cuts a batch for forwardWinograd: each image's rows of
// tiles into bands, or, where one image's map makes too narrow a GEMM
// (CIFAR's 16×16), whole images side by side in groups of images.
func (p *convPlan) winogradTiling() implicitTiling {
	pg := p.winogradGeom()
	wp := pg.PaddedWidth()
	maxColumns := max(winogradBudget/(16*(p.geom.C+p.cout)), 2*winogradMinColumns)
	workers := kernel.Workers()
	if whole := (pg.OH-1)*wp + pg.OW; whole < winogradMinColumns && p.n > 1 {
		// k images side by side make (OH−1)·k·wp + (k−1)·wp + OW columns.
		most := max(1, min((maxColumns-pg.OW+wp)/(pg.OH*wp), ceilDiv(p.n, workers)))
		perWorker := ceilDiv(p.n, workers*most)
		return implicitTiling{bands: 1, images: ceilDiv(p.n, workers*perWorker)}
	}
	return implicitTiling{bands: winogradBands(p.n, wp, pg.OW, pg.OH, maxColumns, workers), images: 1}
}

// winogradBands returns how many bands of tile rows each image's map of
// th rows of tw tiles (laid out ld apart) is cut into, for n images over
// workers: the cut whose GEMMs waste least, counting both the unused
// columns of their last 32-wide panel (VGG-16's 224×224 layers made 225
// columns of two rows) and the workers left idle at the end, among the
// bands of at least winogradMinColumns tiles (or a whole map) and at most
// maxColumns (or one row).
func winogradBands(n, ld, tw, th, maxColumns, workers int) int {
	best, bestUse := 1, 0.0
	for bands := 1; bands <= th; bands++ {
		rows := ceilDiv(th, bands)
		cols := (rows-1)*ld + tw
		if (cols < winogradMinColumns && bands > 1) || (cols > maxColumns && rows > 1) {
			continue
		}
		tasks := n * bands
		use := float64(cols) / float64(ceilDiv(cols, 32)*32) * float64(tasks) / float64(ceilDiv(tasks, workers)*workers)
		if use > bestUse+1e-9 {
			best, bestUse = bands, use
		}
	}
	return best
}

// winograd reports whether the convolution runs as Winograd's F(2×2, 3×3):
// a shape that suits it (winogradShape) and enough channels in and out.
func (p *convPlan) winograd() bool {
	return p.winogradShape() && p.geom.C >= winogradMinChannels && p.cout >= winogradMinChannels
}

// winogradShape reports whether the convolution could run as Winograd's
// F(2×2, 3×3): a 3×3 kernel of stride 1, no dilation, one group, padding
// no wider than the kernel's reach, not too many pairs of channels, and
// enough tiles.
func (p *convPlan) winogradShape() bool {
	g := &p.geom
	tiles := ceilDiv(g.OH, 2) * ceilDiv(g.OW, 2)
	return winogradEnabled && g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.DH == 1 && g.DW == 1 &&
		p.groups == 1 && g.PH <= 2 && g.PW <= 2 && g.OH >= 2 && g.OW >= 2 && p.cout*g.C <= winogradMaxPairs &&
		tiles >= winogradMinImageTiles && p.n*tiles >= winogradMinTiles
}

// winogradMaxPairs bounds the pairs of channels of a Winograd convolution:
// its transformed weights take 16 floats a pair, twice over (as computed
// and as packed), 128 MB at this bound (VGG's 512×512 layers take 32).
const winogradMaxPairs = 1 << 20

// winogradGeom is the geometry of the 4×4 input patches of the output's
// 2×2 tiles: a 4×4 "kernel" of stride 2 whose output is the tiles.
func (p *convPlan) winogradGeom() kernel.ConvGeom {
	g := p.geom
	return kernel.ConvGeom{C: g.C, H: g.H, W: g.W, KH: 4, KW: 4, SH: 2, SW: 2, PH: g.PH, PW: g.PW, DH: 1, DW: 1,
		OH: ceilDiv(g.OH, 2), OW: ceilDiv(g.OW, 2)}
}

// bandLayout writes into xp the input of the tile rows [t0, t1) of one
// image, img, as PadBand lays out a band: each channel's four stride-2
// phase planes, plane floats apart, from the band's first row.
type bandLayout func(xp []float32, img, t0, t1, plane int)

// winogradWeights fills pw with the weights of the 16 GEMMs from w (Cout×C
// 3×3 kernels): U[ξ] = (G g Gᵀ)[ξ] for every pair of channels, 16 matrices
// Cout×C, packed.
func (p *convPlan) winogradWeights(w []float32, pw *packedWeights) {
	c, cout := p.geom.C, p.cout
	u := kernel.GetScratch(16 * cout * c)
	kernel.Sgemm(false, true, 16, cout*c, 9, 1, winogradWeight, 9, w, 9, 0, u, cout*c)
	// All 16 packed into one buffer: one scratch buffer each would be
	// more of one size class than the free lists keep.
	pu := pw.buffer(16 * cout * c)
	pw.rows = make([]kernel.RowsA, 16)
	for xi := range pw.rows {
		pw.rows[xi] = kernel.PackRowsAInto(pu[xi*cout*c:], cout, c, u[xi*cout*c:], c)
	}
	if pw.rows[0].Packed() {
		kernel.PutScratch(u)
	} else {
		pw.bufs = append(pw.bufs, u) // read where it lies
	}
}

// forwardWinograd writes the convolution with the weights packed (by
// winogradWeights) of x into y (N×Cout×OH×OW),
// finished by ep, or with accumulate adds it to y; tile by tile of t in
// parallel. Each band's input is laid out by the worker that transforms
// it, so that it stays in that core's cache: from x by PadBand, or by
// layout when that is not nil (t must then tile one image at a time).
func (p *convPlan) forwardWinograd(x []float32, packed []kernel.RowsA, ep *epilogue, y []float32, t implicitTiling, accumulate bool, layout bandLayout) {
	c, cout := p.geom.C, p.cout
	pg := p.winogradGeom()
	wp := pg.PaddedWidth() // tiles of an image's row, the last ones past OW junk
	ld := t.images * wp    // of a tile's row
	rows := ceilDiv(pg.OH, t.bands)
	plane := (rows + pg.BandHalo()) * ld
	n := (rows-1)*ld + (t.images-1)*wp + pg.OW // columns of a full tile's GEMMs

	inPlane := p.inPlane()
	if layout != nil && t.images != 1 {
		panic("tensor: forwardWinograd with a band layout of images side by side")
	}
	var off [16]int
	kernel.TapOffsets(&pg, 1, ld, plane, off[:])
	outPlane := cout * p.hw

	kernel.Parallel(t.groups(p.n)*t.bands, 1, func(lo, hi int) {
		xp := kernel.GetScratch(pg.BandFloats(c, plane))
		defer kernel.PutScratch(xp)
		nr := kernel.PanelWidth()
		v := kernel.GetScratch(16 * c * ceilDiv(n, nr) * nr)
		m := kernel.GetScratch(16 * cout * n)
		spare := kernel.GetScratch(p.geom.OW) // the bottom row of tiles past an odd OH
		defer kernel.PutScratch(v)
		defer kernel.PutScratch(m)
		defer kernel.PutScratch(spare)
		for it := lo; it < hi; it++ {
			img := it / t.bands * t.images
			images := min(t.images, p.n-img)
			t0, t1 := bandRange(it%t.bands, t.bands, pg.OH)
			cols := (t1-t0-1)*ld + (images-1)*wp + pg.OW // the last row's junk tiles left out
			if layout != nil {
				layout(xp, img, t0, t1, plane)
			} else {
				kernel.PadBand(&pg, x[img*inPlane:], images, xp, ld, plane, t0, t1)
			}
			// V[ξ][ch] = (Bᵀ d B)[ξ] for every patch of each channel, written
			// as the GEMMs' packed panels of B, C rows of nr tiles each.
			vld := c * ceilDiv(cols, nr) * nr
			for ch := 0; ch < c; ch++ {
				kernel.WinogradInputPanels(cols, v[ch*nr:], vld, c*nr, xp[ch*4*plane:], &off)
			}
			// M[ξ] = U[ξ]·V[ξ], summing over the input channels.
			for xi := range packed {
				kernel.SgemmPanels(&packed[xi], cols, v[xi*vld:], m[xi*cout*cols:], cols)
			}
			// Aᵀ M A: each tile's four outputs, into the output rows.
			for i := 0; i < images; i++ {
				p.winogradOutput(m[i*wp:], cols, y[(img+i)*outPlane:], spare, ep, t0, t1, ld, accumulate)
			}
		}
	})
}

// winogradOutput writes the tiles of band rows [t0, t1) of one image into
// its output y, from m (the 16 points of each tile, Cout runs of cols
// columns a point, the image's tiles of a band row ld apart), and finishes
// the rows by ep, or with accumulate adds them to y. spare takes the
// bottom row of tiles that reach past an odd OH.
func (p *convPlan) winogradOutput(m []float32, cols int, y, spare []float32, ep *epilogue, t0, t1, ld int, accumulate bool) {
	oh, ow := p.geom.OH, p.geom.OW
	tw := ceilDiv(ow, 2)
	for ch := 0; ch < p.cout; ch++ {
		yc := y[ch*p.hw:]
		for r := t0; r < t1; r++ {
			top, bottom := yc[2*r*ow:(2*r+1)*ow], spare[:ow]
			if 2*r+1 < oh {
				bottom = yc[(2*r+1)*ow : (2*r+2)*ow]
			}
			kernel.WinogradOutputRows(tw, top, bottom, m[ch*cols+(r-t0)*ld:], p.cout*cols, accumulate)
		}
		if !ep.empty() && !accumulate {
			ep.apply(yc[2*t0*ow:min(oh, 2*t1)*ow], ch)
		}
	}
}

// inputGradWinograd sets dx to betaX·dx + the input gradient from gy, as
// Winograd's F(2×2, 3×3) over the transposed convolution, and reports
// whether that convolution suits it (see winograd); it leaves dx alone
// when not.
func (p *convPlan) inputGradWinograd(w, gy, dx []float32, betaX float32) bool {
	pt, ok := p.transposed()
	if !ok || !pt.winograd() {
		return false
	}
	pw := p.packTransposed(w, pt.winogradWeights)
	defer pw.release()
	pt.forwardWinograd(gy, pw.rows, &epilogue{}, dx, pt.winogradTiling(), betaX != 0, nil)
	return true
}
