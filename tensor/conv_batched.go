package tensor

import "github.com/convnet/convnet/internal/kernel"

// workerColBudget bounds (in elements) the column matrix that one worker
// builds at a time, in the batched path and in bands: about one core's L2
// cache and its share of L3, so that the matrix is still there when its
// GEMM reads it back. Built for a whole batch at once, the matrix of a
// CIFAR ResNet's first stage is 75 MB: writing it and reading it back from
// memory, twice per training step, took a third of the step
// (train/resnet20/b128, Zen 4). Budgets of 1, 2 and 4 MB measured alike;
// 0.5 MB is too small for that first stage.
const workerColBudget = 1 << 19

// batchedMinColumns is the narrowest GEMM the batched path makes: a
// narrower one (ResNet-18's 7×7 maps, one image at a time) wastes most of
// its micro-kernel's 32-column tiles, and the whole batch as one parallel
// GEMM runs faster despite the traffic.
const batchedMinColumns = 512

// batched reports whether the convolution runs image by image, each worker
// taking its own share of the batch with serial GEMMs, rather than as one
// parallel GEMM over a large column matrix.
func (p *convPlan) batched() bool {
	if p.pointwise || p.n < kernel.Workers() || p.geom.ColRows()*p.hw > workerColBudget {
		return false
	}
	return p.imagesPerPass()*p.hw >= min(batchedMinColumns, p.n/kernel.Workers()*p.hw)
}

// imagesPerPass is how many images of its share a worker puts side by side
// in one column matrix: as many as fit workerColBudget, so that small
// convolutions still make GEMMs wide enough to run well.
func (p *convPlan) imagesPerPass() int {
	return max(1, min(p.n/kernel.Workers(), workerColBudget/max(1, p.geom.ColRows()*p.hw)))
}

// workerShare returns the images [lo, hi) of worker wk of workers: fixed
// shares, so that results do not depend on timing.
func workerShare(n, wk, workers int) (lo, hi int) { return wk * n / workers, (wk + 1) * n / workers }

// forwardBatched is forward for batched plans: each worker builds the
// column matrices of its images in passes of imagesPerPass and multiplies
// them on its own core, finishing the output (bias and what else ep holds)
// while it is in cache.
func (p *convPlan) forwardBatched(x, w []float32, ep *epilogue, y []float32) {
	workers, nbMax := kernel.Workers(), p.imagesPerPass()
	outPlane := p.cout * p.hw
	kernel.Parallel(workers, 1, func(w0, w1 int) {
		col, tmp := p.passBuffers(nbMax)
		defer kernel.PutScratch(col)
		defer kernel.PutScratch(tmp) // a no-op when nil
		for wk := w0; wk < w1; wk++ {
			lo, hi := workerShare(p.n, wk, workers)
			for i0 := lo; i0 < hi; i0 += nbMax {
				nb := min(nbMax, hi-i0)
				ld := nb * p.hw
				for i := 0; i < nb; i++ {
					kernel.Im2col(&p.geom, x[(i0+i)*p.inPlane():], col[i*p.hw:], ld)
				}
				dst := y[i0*outPlane:]
				if nb > 1 {
					dst = tmp
				}
				for g := 0; g < p.groups; g++ {
					kernel.SgemmSerial(false, false, p.coutG, ld, p.rowsG, 1, w[g*p.coutG*p.rowsG:], p.rowsG,
						col[g*p.rowsG*ld:], ld, 0, dst[g*p.coutG*ld:], ld)
				}
				if nb > 1 {
					scatterImages(tmp, y[i0*outPlane:], nb, p.cout, p.hw, 0, nb)
				}
				ep.applyImages(y[i0*outPlane:(i0+nb)*outPlane], p.cout, p.hw)
			}
		}
	})
}

// backwardBatched is the weight and input gradients of backward for batched
// plans. Each worker rebuilds the column matrices of its images (cheap
// while they stay in cache), adds dY·colᵀ into its own partial weight
// gradient, and writes col2im(Wᵀ·dY) into its images' input gradients;
// the partial weight gradients are then summed in worker order.
func (p *convPlan) backwardBatched(x, w, gy, dw []float32, betaW float32, dx []float32, betaX float32) {
	workers, nbMax := kernel.Workers(), p.imagesPerPass()
	outPlane := p.cout * p.hw
	var partial []float32
	if dw != nil {
		partial = kernel.GetScratch(workers * len(dw))
		defer kernel.PutScratch(partial)
	}
	kernel.Parallel(workers, 1, func(w0, w1 int) {
		col, gt := p.passBuffers(nbMax)
		defer kernel.PutScratch(col)
		defer kernel.PutScratch(gt) // a no-op when nil
		for wk := w0; wk < w1; wk++ {
			lo, hi := workerShare(p.n, wk, workers)
			var dwPart []float32
			if dw != nil {
				dwPart = partial[wk*len(dw) : (wk+1)*len(dw)]
				clear(dwPart)
			}
			for i0 := lo; i0 < hi; i0 += nbMax {
				nb := min(nbMax, hi-i0)
				ld := nb * p.hw
				g0 := gy[i0*outPlane:]
				if nb > 1 {
					gatherChannels(g0, gt, nb, p.cout, p.hw, 0, p.cout)
					g0 = gt
				}
				if dw != nil {
					for i := 0; i < nb; i++ {
						kernel.Im2col(&p.geom, x[(i0+i)*p.inPlane():], col[i*p.hw:], ld)
					}
					for g := 0; g < p.groups; g++ { // dW_g += dY_g · col_gᵀ
						kernel.SgemmSerial(false, true, p.coutG, p.rowsG, ld, 1, g0[g*p.coutG*ld:], ld,
							col[g*p.rowsG*ld:], ld, 1, dwPart[g*p.coutG*p.rowsG:], p.rowsG)
					}
				}
				if dx != nil {
					for g := 0; g < p.groups; g++ { // dcol_g = W_gᵀ · dY_g
						kernel.SgemmSerial(true, false, p.rowsG, ld, p.coutG, 1, w[g*p.coutG*p.rowsG:], p.rowsG,
							g0[g*p.coutG*ld:], ld, 0, col[g*p.rowsG*ld:], ld)
					}
					if betaX == 0 { // Col2im adds; the gradient starts from zero
						clear(dx[i0*p.inPlane() : (i0+nb)*p.inPlane()])
					}
					for i := 0; i < nb; i++ {
						kernel.Col2im(&p.geom, col[i*p.hw:], ld, dx[(i0+i)*p.inPlane():])
					}
				}
			}
		}
	})
	if dw != nil {
		sumPartials(dw, betaW, partial, workers)
	}
}

// sumPartials sets dw to betaW·dw plus the workers' partial gradients,
// added in worker order.
func sumPartials(dw []float32, betaW float32, partial []float32, workers int) {
	kernel.Parallel(len(dw), 1024, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			s := float32(0)
			if betaW != 0 {
				s = dw[i]
			}
			for wk := 0; wk < workers; wk++ {
				s += partial[wk*len(dw)+i]
			}
			dw[i] = s
		}
	})
}

// passBuffers returns a worker's scratch for passes of up to nbMax images:
// the column matrix and, when a pass holds several images, the output (or
// its gradient) with their columns side by side.
func (p *convPlan) passBuffers(nbMax int) (col, sideBySide []float32) {
	col = kernel.GetScratch(p.geom.ColRows() * nbMax * p.hw)
	if nbMax > 1 {
		sideBySide = kernel.GetScratch(p.cout * p.hw * nbMax)
	}
	return col, sideBySide
}
