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

// implicitBands returns how many bands of output rows forwardImplicit
// splits each image into, or 0 when the convolution does not suit it: only
// stride-1 convolutions read their input as shifted views, and a 1×1 one
// is a plain GEMM already; nor do small maps, whose bands would make GEMMs
// too narrow to run well, nor weights past implicitWeights. Bands are as tall as implicitBudget allows, and
// their number over the batch a multiple of the workers where the rows
// allow, so that every worker gets the same number of rows.
func (p *convPlan) implicitBands() int {
	if p.pointwise || p.geom.SH != 1 || p.geom.SW != 1 || p.coutG*p.rowsG > implicitWeights {
		return 0
	}
	oh := p.geom.OH
	rows := max(1, implicitBudget/(p.geom.C*p.geom.PaddedWidth())-p.geom.BandHalo())
	bands := ceilDiv(oh, rows)
	workers := kernel.Workers()
	for b := bands; b <= oh && b < 2*bands+workers; b++ {
		if p.n*b%workers == 0 {
			bands = b
			break
		}
	}
	if (ceilDiv(oh, bands)-1)*p.geom.PaddedWidth()+p.geom.OW < minBandColumns {
		return 0 // too narrow for the GEMM's tiles, as in forwardBands
	}
	return bands
}

// bandRange returns the output rows [lo, hi) of band b of bands: as equal
// as they can be.
func bandRange(b, bands, oh int) (lo, hi int) { return b * oh / bands, (b + 1) * oh / bands }

// forwardImplicit is forward as an implicit GEMM (kernel.SgemmRowsPacked),
// band by band of output rows, each band on one core: its input rows are
// copied once into a padded band, and the GEMM reads the rows of the
// column matrix as shifted views of it, so that no column matrix (9× the
// input for a 3×3 kernel) is written or read. The weights are packed once
// for all bands. The GEMM's output rows are PaddedWidth wide; the first OW
// columns of each are copied into y, with the bias added.
func (p *convPlan) forwardImplicit(x, w, bias, y []float32, bands int) {
	oh, ow := p.geom.OH, p.geom.OW
	wp := p.geom.PaddedWidth()
	maxRows := ceilDiv(oh, bands)
	plane := (maxRows + p.geom.BandHalo()) * wp
	outPlane := p.cout * p.hw
	off := make([]int, p.rowsG)
	kernel.TapOffsets(&p.geom, p.cinG, plane, off)
	packed := make([]kernel.RowsA, p.groups)
	for g := range packed {
		packed[g] = kernel.PackRowsA(p.coutG, p.rowsG, w[g*p.coutG*p.rowsG:], p.rowsG)
		defer packed[g].Release()
	}
	kernel.Parallel(p.n*bands, 1, func(lo, hi int) {
		xp := kernel.GetScratch(p.geom.C * plane)
		wide := kernel.GetScratch(p.cout * maxRows * wp)
		defer kernel.PutScratch(xp)
		defer kernel.PutScratch(wide)
		for it := lo; it < hi; it++ {
			img := it / bands
			oh0, oh1 := bandRange(it%bands, bands, oh)
			kernel.PadBand(&p.geom, x[img*p.inPlane():], xp, plane, oh0, oh1)
			n := (oh1-oh0-1)*wp + ow
			for g := range packed {
				kernel.SgemmRowsPacked(&packed[g], n, 1, xp[g*p.cinG*plane:], off, 0, wide[g*p.coutG*n:], n)
			}
			yb := y[img*outPlane:]
			for ch := 0; ch < p.cout; ch++ {
				for r := 0; r < oh1-oh0; r++ {
					dst := yb[ch*p.hw+(oh0+r)*ow : ch*p.hw+(oh0+r+1)*ow]
					src := wide[ch*n+r*wp : ch*n+r*wp+ow]
					if bias == nil {
						copy(dst, src)
					} else {
						kernel.Affine(dst, src, 1, bias[ch])
					}
				}
			}
		}
	})
}

// implicitEnabled is whether stride-1 convolutions may take
// forwardImplicit; CONVNET_IMPLICIT=0 turns it off, to time a whole
// program with and without it, as CONVNET_SGEMM picks the GEMM.
var implicitEnabled = os.Getenv("CONVNET_IMPLICIT") != "0"
