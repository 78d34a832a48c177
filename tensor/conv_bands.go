package tensor

import "github.com/convnet/convnet/internal/kernel"

// minBandColumns is the narrowest band forwardBands makes: narrower, its
// GEMMs waste the micro-kernel's 32-column tiles, and one parallel GEMM
// over the whole matrix does better.
const minBandColumns = 256

// bandRows returns how many output rows each band of forwardBands holds,
// or 0 when the convolution is better done as one parallel GEMM: a band's
// column matrix fits workerColBudget, and there are enough bands for
// every worker.
func (p *convPlan) bandRows() int {
	if p.pointwise {
		return 0
	}
	ow := p.geom.OW
	rows := p.balancedRows(workerColBudget / max(1, p.geom.ColRows()*ow))
	if rows*ow < minBandColumns {
		return 0
	}
	return rows
}

// balancedRows returns the rows of output per band, at most rows (at
// least 1), with enough bands over the batch for every worker: when there
// are few, their number is made a multiple of the workers, so that none
// waits on another. It returns 0 when the bands cannot go round.
func (p *convPlan) balancedRows(rows int) int {
	oh := p.geom.OH
	rows = max(1, min(oh, rows))
	bands := ceilDiv(oh, rows)
	if workers := kernel.Workers(); p.n*bands < 4*workers {
		per := ceilDiv(workers, p.n)
		bands = min(oh, ceilDiv(bands, per)*per)
		rows = ceilDiv(oh, bands)
		bands = ceilDiv(oh, rows)
		if p.n*bands < workers {
			return 0
		}
	}
	return rows
}

// forwardBands is forward computed band by band: each worker builds the
// column matrix of a few output rows of one image, small enough to stay in
// its cache, and multiplies it on its own core straight into y, finishing
// it with ep (the bias, and what else ep holds) while the band is in
// cache. Built whole, the matrix of a 3×3
// convolution with 64 channels on 56×56 is 7 MB, written to memory and
// read back.
func (p *convPlan) forwardBands(x, w []float32, ep *epilogue, y []float32, bandRows int) {
	oh, ow := p.geom.OH, p.geom.OW
	bands := ceilDiv(oh, bandRows)
	outPlane := p.cout * p.hw
	kernel.Parallel(p.n*bands, 1, func(lo, hi int) {
		col := kernel.GetScratch(p.geom.ColRows() * bandRows * ow)
		defer kernel.PutScratch(col)
		for it := lo; it < hi; it++ {
			img, b := it/bands, it%bands
			oh0, oh1 := b*bandRows, min(oh, (b+1)*bandRows)
			ld := (oh1 - oh0) * ow
			kernel.Im2colBand(&p.geom, x[img*p.inPlane():], col, ld, oh0, oh1)
			yb := y[img*outPlane+oh0*ow:]
			for g := 0; g < p.groups; g++ {
				kernel.SgemmSerial(false, false, p.coutG, ld, p.rowsG, 1, w[g*p.coutG*p.rowsG:], p.rowsG,
					col[g*p.rowsG*ld:], ld, 0, yb[g*p.coutG*p.hw:], p.hw)
			}
			if !ep.empty() {
				for ch := 0; ch < p.cout; ch++ {
					ep.apply(yb[ch*p.hw:ch*p.hw+ld], ch)
				}
			}
		}
	})
}

// bandsApart reports whether bands of bandRows output rows two apart read
// disjoint input rows, so that their input gradients can be added in
// parallel: the window's reach, (KH−1)·DH rows, is shorter than the
// (bandRows+1)·SH rows between them.
func (p *convPlan) bandsApart(bandRows int) bool {
	return (p.geom.KH-1)*p.geom.DH < (bandRows+1)*p.geom.SH
}

// backwardBands is the weight and input gradients of backward band by
// band, as forwardBands computes the output: each worker rebuilds a band's
// column matrix, adds dY·colᵀ into its own partial weight gradient and
// adds col2im(Wᵀ·dY) into the input gradient. Neighbouring bands add onto
// shared input rows, so the even bands go first, then the odd ones; the
// partial weight gradients are summed in worker order.
func (p *convPlan) backwardBands(x, w, gy, dw []float32, betaW float32, dx []float32, betaX float32, bandRows int) {
	oh, ow := p.geom.OH, p.geom.OW
	bands := ceilDiv(oh, bandRows)
	workers := kernel.Workers()
	outPlane := p.cout * p.hw
	if dx != nil && betaX == 0 {
		clear(dx)
	}
	var partial []float32
	if dw != nil {
		partial = kernel.GetScratch(workers * len(dw))
		defer kernel.PutScratch(partial)
		clear(partial[:workers*len(dw)])
	}
	step, phases := 1, 1 // every band at once, when no input gradient can collide
	if dx != nil {
		step, phases = 2, 2
	}
	for phase := 0; phase < phases; phase++ {
		perImage := (bands - phase + step - 1) / step // bands phase, phase+step, …
		items := p.n * perImage
		kernel.Parallel(workers, 1, func(w0, w1 int) {
			col := kernel.GetScratch(p.geom.ColRows() * bandRows * ow)
			defer kernel.PutScratch(col)
			for wk := w0; wk < w1; wk++ {
				lo, hi := workerShare(items, wk, workers)
				for it := lo; it < hi; it++ {
					img, b := it/perImage, phase+step*(it%perImage)
					oh0, oh1 := b*bandRows, min(oh, (b+1)*bandRows)
					ld := (oh1 - oh0) * ow
					gb := gy[img*outPlane+oh0*ow:] // channel ch of the band at ch·hw, ld long
					if dw != nil {
						kernel.Im2colBand(&p.geom, x[img*p.inPlane():], col, ld, oh0, oh1)
						dwPart := partial[wk*len(dw) : (wk+1)*len(dw)]
						for g := 0; g < p.groups; g++ { // dW_g += dY_g · col_gᵀ
							kernel.SgemmSerial(false, true, p.coutG, p.rowsG, ld, 1, gb[g*p.coutG*p.hw:], p.hw,
								col[g*p.rowsG*ld:], ld, 1, dwPart[g*p.coutG*p.rowsG:], p.rowsG)
						}
					}
					if dx != nil {
						for g := 0; g < p.groups; g++ { // dcol_g = W_gᵀ · dY_g
							kernel.SgemmSerial(true, false, p.rowsG, ld, p.coutG, 1, w[g*p.coutG*p.rowsG:], p.rowsG,
								gb[g*p.coutG*p.hw:], p.hw, 0, col[g*p.rowsG*ld:], ld)
						}
						kernel.Col2imBand(&p.geom, col, ld, dx[img*p.inPlane():], oh0, oh1)
					}
				}
			}
		})
	}
	if dw != nil {
		sumPartials(dw, betaW, partial, workers)
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
