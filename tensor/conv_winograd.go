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
// and kernel.WinogradOutput transform them and the products, and the
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
// transforms cost the same for few channels as for many.
const winogradMinChannels = 32

// winogradMinTiles is the fewest 2×2 tiles an output map needs for the
// Winograd path: the weights' transform costs as much for a small map as
// for a large one (ResNet-18's 512-channel layer on 7×7 took 1.7× as long
// as an implicit GEMM), and a band of a small map makes narrow GEMMs.
const winogradMinTiles = 100

// winogradBudget bounds (in floats) what a band of tiles keeps between its
// transforms: the input and the products in the 16 points of the
// transform domain.
const winogradBudget = 1 << 20

// winogradMinColumns is the fewest tiles a band's GEMMs should have when
// the map allows: fewer make GEMMs too narrow to run at speed.
const winogradMinColumns = 96

// winogradBands returns how many bands of tile rows each image's map of
// th rows of tw tiles (laid out ld apart) is cut into, for n images over
// workers: the cut whose GEMMs waste least, counting both the unused
// columns of their last 32-wide panel (VGG-16's 224×224 layers made 225
// columns of two rows) and the workers left idle at the end, among the
// bands of at least winogradMinColumns tiles (or a whole map) and at most
// maxColumns (or one row).
func winogradBands(n, ld, tw, th, maxColumns, workers int) int {
	maxColumns = max(maxColumns, 2*winogradMinColumns) // wide channels get the GEMMs' minimum all the same
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
// a 3×3 kernel of stride 1, no dilation, one group, padding no wider than
// the kernel's reach, enough channels and a large enough map.
func (p *convPlan) winograd() bool {
	g := &p.geom
	return winogradEnabled && g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.DH == 1 && g.DW == 1 &&
		p.groups == 1 && g.PH <= 2 && g.PW <= 2 && g.OH >= 2 && g.OW >= 2 &&
		g.C >= winogradMinChannels && p.cout >= winogradMinChannels && ceilDiv(g.OH, 2)*ceilDiv(g.OW, 2) >= winogradMinTiles
}

// winogradGeom is the geometry of the 4×4 input patches of the output's
// 2×2 tiles: a 4×4 "kernel" of stride 2 whose output is the tiles.
func (p *convPlan) winogradGeom() kernel.ConvGeom {
	g := p.geom
	return kernel.ConvGeom{C: g.C, H: g.H, W: g.W, KH: 4, KW: 4, SH: 2, SW: 2, PH: g.PH, PW: g.PW, DH: 1, DW: 1,
		OH: ceilDiv(g.OH, 2), OW: ceilDiv(g.OW, 2)}
}

// forwardWinograd writes the convolution of x with w into y (N×Cout×OH×OW),
// finished by ep, band of tile rows by band in parallel.
func (p *convPlan) forwardWinograd(x, w []float32, ep *epilogue, y []float32) {
	c, cout := p.geom.C, p.cout
	pg := p.winogradGeom()
	ld := pg.PaddedWidth() // tiles of a band row, the last ones past OW junk
	bands := winogradBands(p.n, ld, pg.OW, pg.OH, max(1, winogradBudget/(16*(c+cout)+4*cout)), kernel.Workers())
	rows := ceilDiv(pg.OH, bands)
	plane := (rows + pg.BandHalo()) * ld
	n := (rows-1)*ld + pg.OW // columns of a full band's GEMMs

	// U[ξ] = (G g Gᵀ)[ξ] for every pair of channels: 16 matrices Cout×C.
	u := kernel.GetScratch(16 * cout * c)
	defer kernel.PutScratch(u)
	kernel.Sgemm(false, true, 16, cout*c, 9, 1, winogradWeight, 9, w, 9, 0, u, cout*c)
	packed := make([]kernel.RowsA, 16)
	for xi := range packed {
		packed[xi] = kernel.PackRowsA(cout, c, u[xi*cout*c:], c)
		defer packed[xi].Release()
	}
	var off [16]int
	kernel.TapOffsets(&pg, 1, ld, plane, off[:])
	outPlane := cout * p.hw

	kernel.Parallel(p.n*bands, 1, func(lo, hi int) {
		xp := kernel.GetScratch(pg.BandFloats(c, plane))
		v := kernel.GetScratch(16 * c * n)
		m := kernel.GetScratch(16 * cout * n)
		t := kernel.GetScratch(4 * cout * n)
		defer kernel.PutScratch(xp)
		defer kernel.PutScratch(v)
		defer kernel.PutScratch(m)
		defer kernel.PutScratch(t)
		vRows := make([]int, c) // where row ch of V[ξ] starts in V[ξ]
		for task := lo; task < hi; task++ {
			img := task / bands
			t0, t1 := bandRange(task%bands, bands, pg.OH)
			cols := (t1-t0-1)*ld + pg.OW // the last row's junk tiles left out
			kernel.PadBand(&pg, x[img*p.inPlane():], 1, xp, ld, plane, t0, t1)
			// V[ξ][ch] = (Bᵀ d B)[ξ] for every patch of each channel.
			for ch := 0; ch < c; ch++ {
				kernel.WinogradInput(cols, v[ch*cols:], c*cols, xp[ch*4*plane:], &off)
			}
			// M[ξ] = U[ξ]·V[ξ], summing over the input channels.
			for ch := range vRows {
				vRows[ch] = ch * cols
			}
			for xi := range packed {
				kernel.SgemmRowsPacked(&packed[xi], cols, 1, v[xi*c*cols:], vRows, 0, m[xi*cout*cols:], cols)
			}
			// T[(i, j)] = (Aᵀ M A)[(i, j)]: the four outputs of each tile.
			kernel.WinogradOutput(cout*cols, t, cout*cols, m, cout*cols)
			p.winogradScatter(t, cols, y[img*outPlane:], ep, t0, t1, ld)
		}
	})
}

// winogradScatter writes the tiles of band rows [t0, t1) from t into the
// output image y and finishes the rows by ep. t holds four rows, one per
// position (i, j) of a tile, each Cout runs of cols tiles, a band row
// every ld.
func (p *convPlan) winogradScatter(t []float32, cols int, y []float32, ep *epilogue, t0, t1, ld int) {
	oh, ow := p.geom.OH, p.geom.OW
	ldt := p.cout * cols
	pairs := ow / 2 // tiles whose both columns are in the output
	for ch := 0; ch < p.cout; ch++ {
		yc := y[ch*p.hw:]
		for r := t0; r < t1; r++ {
			src := ch*cols + (r-t0)*ld
			for i := 0; i < 2 && 2*r+i < oh; i++ {
				dst := yc[(2*r+i)*ow : (2*r+i+1)*ow]
				even, odd := t[2*i*ldt+src:][:ceilDiv(ow, 2)], t[(2*i+1)*ldt+src:][:pairs]
				for j, v := range odd {
					dst[2*j] = even[j]
					dst[2*j+1] = v
				}
				if ow%2 == 1 {
					dst[ow-1] = even[pairs]
				}
			}
		}
		if !ep.empty() {
			ep.apply(yc[2*t0*ow:min(oh, 2*t1)*ow], ch)
		}
	}
}
