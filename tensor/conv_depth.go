package tensor

import "github.com/convnet/convnet/internal/kernel"

// A convolution with few output columns and many input channels (ResNet's
// 3×3 layers on 14×14 and 7×7 maps at batch 1: 196 or 49 columns, k of
// 2,304 or 4,608) makes a GEMM too narrow to split by columns: every
// worker then packs the whole column matrix, which the workers had built
// half each, so that each reads the other's half from its cache, and each
// call's rebuild invalidates the copies the last one left in both. When
// the host placed the two CPUs far apart (a 330 ns round trip against 55),
// that ran ResNet-18's 14×14 layer at 3.2 ms instead of 1.6. Split by
// depth instead: each worker builds the rows of the column matrix for its
// share of the input channels and taps, and multiplies them with the same
// share of the weights' columns into a product of its own; only the
// products, Cout × columns each, cross between cores, and they are summed
// in order, so that the result does not depend on timing.

// depthSplitMaxColumns is the widest output (columns of the GEMM) split by
// depth, per worker: wider ones split by columns as well as any.
const depthSplitMaxColumns = 256

// depthSplitMinDepth is the least depth (rows of the column matrix) each
// worker's share must have.
const depthSplitMinDepth = 256

// depthParts returns how many shares of depth the GEMM of nb images' ld
// columns is split into, or 0 when it is better split by columns.
func (p *convPlan) depthParts(ld int) int {
	workers := kernel.Workers()
	if workers < 2 || p.groups != 1 || p.pointwise || ld >= workers*depthSplitMaxColumns ||
		p.rowsG < workers*depthSplitMinDepth {
		return 0
	}
	return workers
}

// forwardDepthSplit writes the convolution of nb images of x (without
// bias) into y, in parts shares of depth, building their column matrix
// (ld = nb·HW columns) in col.
func (p *convPlan) forwardDepthSplit(x, w, y, col []float32, nb, ld, parts int) {
	rows, cout := p.rowsG, p.cout
	// Each share's product is transposed, columns × Cout: Cout is a
	// multiple of the micro-kernel's tile width where the columns (49,
	// 196) are not.
	prod := kernel.GetScratch(parts * ld * cout)
	defer kernel.PutScratch(prod)
	kernel.Parallel(parts, 1, func(lo, hi int) {
		for part := lo; part < hi; part++ {
			r0, r1 := part*rows/parts, (part+1)*rows/parts
			for i := 0; i < nb; i++ {
				kernel.Im2colRows(&p.geom, x[i*p.inPlane():], col[i*p.hw:], ld, r0, r1)
			}
			kernel.SgemmSerial(true, true, ld, cout, r1-r0, 1, col[r0*ld:], ld, w[r0:], rows, 0, prod[part*ld*cout:], cout)
		}
	})
	sum := prod[:ld*cout]
	for part := 1; part < parts; part++ {
		kernel.AddTo(sum, prod[part*ld*cout:(part+1)*ld*cout])
	}
	outPlane := cout * p.hw
	for i := 0; i < nb; i++ { // image i's columns, HW × Cout, into its Cout × HW
		kernel.Transpose(y[i*outPlane:], p.hw, sum[i*p.hw*cout:], cout, p.hw, cout)
	}
}
