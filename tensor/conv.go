package tensor

import (
	"fmt"

	"github.com/convnet/convnet/internal/kernel"
)

var opConv2d = registerOp("conv2d")

// OutputSize is the output-size rule of convolution and pooling:
//
//	out = ⌊(in + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1
//
// which for dilation 1 is ⌊(in − kernel + 2·padding)/stride⌋ + 1. With
// ceilMode the division rounds up, except that a window may not start in the
// right padding, as torch's pooling does. It may return 0 or less when the
// input is too small.
func OutputSize(in, kernel, stride, padding, dilation int, ceilMode bool) int {
	span := in + 2*padding - dilation*(kernel-1) - 1
	if span < 0 {
		return 0
	}
	if !ceilMode {
		return span/stride + 1
	}
	out := (span+stride-1)/stride + 1
	if (out-1)*stride >= in+padding {
		out--
	}
	return out
}

// ConvOptions are the hyper-parameters of Conv2d beyond its weights. Zero
// values mean torch's defaults: stride 1, padding 0, dilation 1, groups 1.
type ConvOptions struct {
	Stride   [2]int
	Padding  [2]int
	Dilation [2]int
	Groups   int
}

func (o ConvOptions) normalized() ConvOptions {
	for i := 0; i < 2; i++ {
		if o.Stride[i] == 0 {
			o.Stride[i] = 1
		}
		if o.Dilation[i] == 0 {
			o.Dilation[i] = 1
		}
	}
	if o.Groups == 0 {
		o.Groups = 1
	}
	return o
}

// colBudget bounds the im2col matrix (in elements) that one pass of the
// batch builds; images are grouped up to it so that small convolutions run
// as one large GEMM.
const colBudget = 1 << 23

// convPlan holds the sizes that forward and backward share.
type convPlan struct {
	geom               kernel.ConvGeom
	n, cout, groups    int
	cinG, coutG, rowsG int // per group: input channels, output channels, im2col rows
	hw, chunk          int // output plane size, images per pass
	pointwise          bool
}

func newConvPlan(x, w *Tensor, o ConvOptions) convPlan {
	if len(x.shape) != 4 || len(w.shape) != 4 {
		panic(fmt.Sprintf("tensor: Conv2d needs 4-D input and weight, got %v and %v", x.shape, w.shape))
	}
	n, c, h, wd := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	cout, cinG, kh, kw := w.shape[0], w.shape[1], w.shape[2], w.shape[3]
	g := o.Groups
	if g < 1 || c%g != 0 || cout%g != 0 || cinG != c/g {
		panic(fmt.Sprintf("tensor: Conv2d input %v, weight %v and groups %d do not match", x.shape, w.shape, g))
	}
	for i := 0; i < 2; i++ {
		if o.Stride[i] < 1 || o.Padding[i] < 0 || o.Dilation[i] < 1 {
			panic(fmt.Sprintf("tensor: Conv2d invalid options %+v", o))
		}
	}
	geom := kernel.ConvGeom{C: c, H: h, W: wd, KH: kh, KW: kw,
		SH: o.Stride[0], SW: o.Stride[1], PH: o.Padding[0], PW: o.Padding[1], DH: o.Dilation[0], DW: o.Dilation[1]}
	geom.OH = OutputSize(h, kh, geom.SH, geom.PH, geom.DH, false)
	geom.OW = OutputSize(wd, kw, geom.SW, geom.PW, geom.DW, false)
	if geom.OH <= 0 || geom.OW <= 0 {
		panic(fmt.Sprintf("tensor: Conv2d input %v too small for kernel %dx%d (stride %v, padding %v, dilation %v)",
			x.shape, kh, kw, o.Stride, o.Padding, o.Dilation))
	}
	p := convPlan{geom: geom, n: n, cout: cout, groups: g, cinG: cinG, coutG: cout / g,
		rowsG: cinG * kh * kw, hw: geom.OH * geom.OW}
	p.pointwise = kh == 1 && kw == 1 && geom.SH == 1 && geom.SW == 1 && geom.PH == 0 && geom.PW == 0
	p.chunk = max(1, min(n, colBudget/max(1, geom.ColRows()*p.hw)))
	return p
}

// Conv2d returns the 2-D cross-correlation of x (N×C×H×W) with w
// (Cout×C/groups×KH×KW) plus an optional bias (Cout), as
// torch.nn.functional.conv2d. 3×3 stride-1 convolutions with at least 64
// channels in and out on maps of 14×14 or more (20×20 for a single
// image) run as Winograd's F(2×2, 3×3), 16 GEMMs over the channels that
// do 4 multiply-adds where the direct convolution does 9, and so does the
// input gradient of one whose transposed convolution suits it
// (conv_winograd.go); so do strided ones whose input's phases make a
// 3×3 convolution, such as AlexNet's 11×11 stride-4 first layer
// (conv_winograd_phases.go). Convolutions with up to implicitWeights weights and
// outputs wide enough run as implicit GEMMs, band by band (or
// small images several to a band), strided ones over their input's
// phases, with no column matrix, and so do their weight gradients and
// the input gradients of stride-1 ones (conv_implicit.go). The others
// are computed as im2col + GEMM, in one of three ways chosen by size so
// that the column matrix stays in cache where it can: image by image on
// each core for small convolutions (conv_batched.go), in bands of output
// rows for large ones (conv_bands.go), or as one parallel GEMM over the
// batch (1×1 convolutions, and narrow outputs that would waste the GEMM's
// tiles).
func Conv2d(x, w, bias *Tensor, opts ConvOptions) *Tensor {
	o := opts.normalized()
	p := newConvPlan(x, w, o)
	ep := epilogue{}
	if bias != nil {
		ep.bias = bias.data
	}
	return conv2dForward(x, w, bias, p, ep)
}

// conv2dForward runs the forward pass of plan p with epilogue ep and
// records its backward (which assumes ep holds at most the bias).
func conv2dForward(x, w, bias *Tensor, p convPlan, ep epilogue) *Tensor {
	if bias != nil && (len(bias.shape) != 1 || bias.shape[0] != p.cout) {
		panic(fmt.Sprintf("tensor: Conv2d bias %v for %d output channels", bias.shape, p.cout))
	}
	out := result([]int{p.n, p.cout, p.geom.OH, p.geom.OW}, x, w, bias)
	var col []float32
	// Weights that take no gradient (inference) keep their packed forms
	// between calls (packedFor).
	keep := !w.requiresGrad
	split, phased := p.phasedWinograd()
	switch rows, tiling := p.bandRows(), p.implicitTiling(); {
	case p.winograd():
		pw := packedFor(w.data, keep, p.weightForm(formWinograd), func(pw *packedWeights) { p.winogradWeights(w.data, pw) })
		p.forwardWinograd(x.data, pw.rows, &ep, out.data, p.winogradTiling(), false, nil)
		pw.release()
	case phased:
		p.forwardPhased(split, x.data, w.data, keep, &ep, out.data)
	case implicitEnabled && tiling.ok():
		p.forwardImplicit(x.data, w.data, keep, &ep, out.data, tiling, false)
	case p.batched():
		p.forwardBatched(x.data, w.data, &ep, out.data)
	case rows > 0 && !(w.requiresGrad && p.chunk == p.n):
		p.forwardBands(x.data, w.data, &ep, out.data, rows)
	default:
		// When the whole batch's column matrix fits one pass and the
		// weight needs a gradient, keep the matrix for the backward pass
		// rather than build it twice.
		if w.requiresGrad && !p.pointwise && p.chunk == p.n {
			col = arenaOf(x, w).buffer(p.geom.ColRows() * p.n * p.hw)
		}
		p.forward(x.data, w.data, out.data, col)
		if !ep.empty() {
			kernel.Parallel(p.n*p.cout, max(1, 4096/max(1, p.hw)), func(lo, hi int) {
				for i := lo; i < hi; i++ {
					ep.apply(out.data[i*p.hw:(i+1)*p.hw], i%p.cout)
				}
			})
		}
	}
	return record(out, opConv2d, func(out *Tensor) { p.backward(x, w, bias, out.grad.data, col) }, x, w, bias)
}

func (p *convPlan) inPlane() int { return p.geom.C * p.geom.H * p.geom.W }

// forward writes the convolution without bias into y (N×Cout×OH×OW).
// keep, if not nil, receives the whole batch's column matrix.
func (p *convPlan) forward(x, w, y, keep []float32) {
	outPlane := p.cout * p.hw
	if p.pointwise {
		for i := 0; i < p.n; i++ {
			xi, yi := x[i*p.inPlane():], y[i*outPlane:]
			for g := 0; g < p.groups; g++ {
				kernel.Sgemm(false, false, p.coutG, p.hw, p.cinG, 1, w[g*p.coutG*p.cinG:], p.cinG,
					xi[g*p.cinG*p.hw:], p.hw, 0, yi[g*p.coutG*p.hw:], p.hw)
			}
		}
		return
	}
	rows := p.geom.ColRows()
	col := keep
	if col == nil {
		col = kernel.GetScratch(rows * p.chunk * p.hw)
		defer kernel.PutScratch(col)
	}
	var tmp []float32
	if p.chunk > 1 {
		tmp = kernel.GetScratch(p.cout * p.chunk * p.hw)
		defer kernel.PutScratch(tmp)
	}
	for i0 := 0; i0 < p.n; i0 += p.chunk {
		nb := min(p.chunk, p.n-i0)
		ld := nb * p.hw
		if parts := p.depthParts(ld); parts > 1 {
			p.forwardDepthSplit(x[i0*p.inPlane():], w, y[i0*outPlane:], col, nb, ld, parts)
			continue
		}
		p.im2col(x[i0*p.inPlane():], nb, col, ld)
		dst, ldy := y[i0*outPlane:], ld
		if nb > 1 {
			dst = tmp
		}
		for g := 0; g < p.groups; g++ {
			kernel.Sgemm(false, false, p.coutG, ld, p.rowsG, 1, w[g*p.coutG*p.rowsG:], p.rowsG,
				col[g*p.rowsG*ld:], ld, 0, dst[g*p.coutG*ldy:], ldy)
		}
		if nb > 1 { // tmp is Cout×(nb·HW); y wants nb×Cout×HW
			scatterColumns(tmp, y[i0*outPlane:], nb, p.cout, p.hw)
		}
	}
}

// im2col fills col (rows × ld) with the column matrices of nb images side
// by side, in parallel over the images, or over the channels when there are
// fewer images than cores.
func (p *convPlan) im2col(x []float32, nb int, col []float32, ld int) {
	if nb >= kernel.Workers() {
		kernel.Parallel(nb, 1, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				kernel.Im2col(&p.geom, x[i*p.inPlane():], col[i*p.hw:], ld)
			}
		})
		return
	}
	for i := 0; i < nb; i++ {
		xi, ci := x[i*p.inPlane():], col[i*p.hw:]
		kernel.Parallel(p.geom.ColRows(), 1, func(r0, r1 int) { kernel.Im2colRows(&p.geom, xi, ci, ld, r0, r1) })
	}
}

// col2im adds the column matrices of nb images (side by side in col) onto
// their inputs in dx, in parallel like im2col.
func (p *convPlan) col2im(col []float32, ld, nb int, dx []float32) {
	if nb >= kernel.Workers() {
		kernel.Parallel(nb, 1, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				kernel.Col2im(&p.geom, col[i*p.hw:], ld, dx[i*p.inPlane():])
			}
		})
		return
	}
	for i := 0; i < nb; i++ {
		ci, di := col[i*p.hw:], dx[i*p.inPlane():]
		kernel.Parallel(p.geom.C, 1, func(c0, c1 int) { kernel.Col2imChannels(&p.geom, ci, ld, di, c0, c1) })
	}
}

// scatterColumns copies m (c × nb·hw) into y (nb × c × hw), in parallel
// over the images.
func scatterColumns(m, y []float32, nb, c, hw int) {
	kernel.Parallel(nb, 1, func(lo, hi int) { scatterImages(m, y, nb, c, hw, lo, hi) })
}

// scatterImages is scatterColumns for the images [lo, hi), on the calling
// goroutine.
func scatterImages(m, y []float32, nb, c, hw, lo, hi int) {
	for i := lo; i < hi; i++ {
		for ch := 0; ch < c; ch++ {
			copy(y[(i*c+ch)*hw:(i*c+ch+1)*hw], m[ch*nb*hw+i*hw:])
		}
	}
}

// gatherColumns copies y (nb × c × hw) into m (c × nb·hw), in parallel over
// the channels.
func gatherColumns(y, m []float32, nb, c, hw int) {
	kernel.Parallel(c, 1, func(lo, hi int) { gatherChannels(y, m, nb, c, hw, lo, hi) })
}

// gatherChannels is gatherColumns for the channels [c0, c1), on the
// calling goroutine.
func gatherChannels(y, m []float32, nb, c, hw, c0, c1 int) {
	for ch := c0; ch < c1; ch++ {
		for i := 0; i < nb; i++ {
			copy(m[ch*nb*hw+i*hw:ch*nb*hw+(i+1)*hw], y[(i*c+ch)*hw:])
		}
	}
}

// backward accumulates the gradients of x, w and bias from gy; kept is the
// column matrix that forward kept, or nil.
func (p *convPlan) backward(x, w, bias *Tensor, gy, kept []float32) {
	outPlane := p.cout * p.hw
	if db, beta := gradSlot(bias); db != nil {
		if beta == 0 {
			clear(db)
		}
		for i := 0; i < p.n; i++ {
			for ch := 0; ch < p.cout; ch++ {
				db[ch] += kernel.Sum(gy[i*outPlane+ch*p.hw : i*outPlane+(ch+1)*p.hw])
			}
		}
	}
	dw, betaW := gradSlot(w)
	dx, betaX := gradSlot(x)
	if dw == nil && dx == nil {
		return
	}
	if dx != nil && p.inputGradWinograd(w.data, gy, dx, betaX) {
		if dw == nil {
			return
		}
		dx = nil
	}
	if implicitEnabled && kept == nil {
		didW, didX := p.backwardImplicit(x.data, w.data, gy, dw, betaW, dx, betaX)
		if didX {
			return
		}
		if didW { // the input gradient alone is left
			dw = nil
		}
	}
	if p.batched() {
		p.backwardBatched(x.data, w.data, gy, dw, betaW, dx, betaX)
		return
	}
	if rows := p.bandRows(); rows > 0 && kept == nil && p.bandsApart(rows) {
		p.backwardBands(x.data, w.data, gy, dw, betaW, dx, betaX, rows)
		return
	}
	if dx != nil && betaX == 0 {
		clear(dx)
	}
	if p.pointwise {
		for i := 0; i < p.n; i++ {
			xi, gi := x.data[i*p.inPlane():], gy[i*outPlane:]
			for g := 0; g < p.groups; g++ {
				wg, gg := w.data[g*p.coutG*p.cinG:], gi[g*p.coutG*p.hw:]
				if dw != nil { // dW_g += dY_g · X_gᵀ
					kernel.Sgemm(false, true, p.coutG, p.cinG, p.hw, 1, gg, p.hw, xi[g*p.cinG*p.hw:], p.hw, betaW, dw[g*p.coutG*p.cinG:], p.cinG)
				}
				if dx != nil { // dX_g += W_gᵀ · dY_g
					kernel.Sgemm(true, false, p.cinG, p.hw, p.coutG, 1, wg, p.cinG, gg, p.hw, 1, dx[i*p.inPlane()+g*p.cinG*p.hw:], p.hw)
				}
			}
			betaW = 1
		}
		return
	}
	rows := p.geom.ColRows()
	col := kernel.GetScratch(rows * p.chunk * p.hw)
	defer kernel.PutScratch(col)
	var dcol []float32 // where dX's columns go: col, unless col is the kept matrix
	if kept != nil {
		dcol = col
		col = kept
	}
	var gt []float32
	if p.chunk > 1 {
		gt = kernel.GetScratch(p.cout * p.chunk * p.hw)
		defer kernel.PutScratch(gt)
	}
	for i0 := 0; i0 < p.n; i0 += p.chunk {
		nb := min(p.chunk, p.n-i0)
		ld := nb * p.hw
		g0 := gy[i0*outPlane:]
		if nb > 1 {
			gatherColumns(g0, gt, nb, p.cout, p.hw)
			g0 = gt
		}
		if dw != nil {
			if kept == nil {
				p.im2col(x.data[i0*p.inPlane():], nb, col, ld)
			}
			for g := 0; g < p.groups; g++ { // dW_g += dY_g · col_gᵀ
				kernel.Sgemm(false, true, p.coutG, p.rowsG, ld, 1, g0[g*p.coutG*ld:], ld,
					col[g*p.rowsG*ld:], ld, betaW, dw[g*p.coutG*p.rowsG:], p.rowsG)
			}
			betaW = 1
		}
		if dx != nil {
			dc := col
			if dcol != nil {
				dc = dcol
			}
			for g := 0; g < p.groups; g++ { // dcol_g = W_gᵀ · dY_g
				kernel.Sgemm(true, false, p.rowsG, ld, p.coutG, 1, w.data[g*p.coutG*p.rowsG:], p.rowsG,
					g0[g*p.coutG*ld:], ld, 0, dc[g*p.rowsG*ld:], ld)
			}
			p.col2im(dc, ld, nb, dx[i0*p.inPlane():])
		}
	}
}
