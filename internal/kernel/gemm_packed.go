package kernel

import (
	"sync"
	"unsafe"
)

// The packed SGEMM follows GotoBLAS and BLIS (Goto & van de Geijn, "Anatomy of
// High-Performance Matrix Multiplication", TOMS 2008; Van Zee & van de Geijn,
// "BLIS", TOMS 2015). For each nc-wide slab of columns and kc-deep slice of k,
// a kc×nc block of op(B) is packed into nr-column panels (kept in L3, each
// panel in L1 while used); for each mc-high slab of rows, an mc×kc block of
// op(A) is packed into mr-row panels (kept in L2). A micro-kernel then
// computes each mr×nr tile of C from one panel of each in registers. Packing
// reads A and B in whatever layout they have, so the four transpose
// combinations all run the same micro-kernel at the same speed.

// gemmKernel is one register-blocked micro-kernel and the cache blocking
// tuned for it.
type gemmKernel struct {
	mr, nr     int // tile of C held in registers
	mc, kc, nc int // blocks of A (mc×kc, in L2) and B (kc×nc, in L3); mc a multiple of mr, nc of nr
	// directB is the most rows of C (per goroutine) for which the
	// micro-kernel reads a B stored k×n in place rather than packed (see
	// serial).
	directB int
	// micro sets the rows×nr tile at c (rows ldc apart) to alpha·A·B + beta·C
	// from a, k steps of rows floats, and b, k rows of nr floats ldb apart,
	// for any 1 ≤ rows ≤ mr (see sgemmMicroRef). It reads C only when
	// beta != 0, and needs k ≥ 1.
	micro func(rows, k int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)
	// dot, if not nil, computes a 4×6 tile of dot products of k floats
	// (see sgemmDot).
	dot func(k int, rows *[10]*float32, out *[24]float32)
}

// gemmWork is one goroutine's packing buffers, reused across calls so that a
// steady-state Sgemm allocates nothing.
type gemmWork struct {
	a, b, tile []float32
	split      []float32 // C of the later slices of a split-k product
}

// gemmWorks keeps the packing buffers between calls, on free lists by CPU
// (localLists). It is a plain free list rather than a sync.Pool because a
// pool is emptied by every other garbage collection, after which the next
// call would allocate and zero megabytes again; each CPU's list is capped
// so that a burst of concurrent callers does not pin memory for good.
var gemmWorks localLists[*gemmWork]

func getGemmWork() *gemmWork {
	if w, ok := gemmWorks.get(); ok {
		return w
	}
	return new(gemmWork)
}

func putGemmWork(w *gemmWork) { gemmWorks.put(w, 2) }

// gemmCall carries one Sgemm's arguments to the workers of parallelFor.
type gemmCall struct {
	kern           *gemmKernel
	transA, transB bool
	byRows         bool // split C by rows rather than columns (in units of nr)
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	parts          int       // for splitK: slices of k
	tmp            []float32 // for splitK: C of all slices but the first
}

var gemmCalls = sync.Pool{New: func() any { return new(gemmCall) }}

// gemmSerialWork is the m·n·k below which an Sgemm runs on one goroutine:
// under it, waking a worker costs more than it saves.
const gemmSerialWork = 1 << 18

// sgemm is the packed SGEMM with kern as its micro-kernel.
func (kern *gemmKernel) sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		// As BLAS does: op(A)·op(B) does not contribute, and is not read.
		scaleMatrix(m, n, beta, c, ldc)
		return
	}
	if kern.dot != nil && m <= dotRowsA && !transA && transB && k >= 256 && m*n*k >= gemmSerialWork {
		kern.fewRows(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if beta == 0 && kern.narrow(m, n) && m*n*k >= gemmSerialWork {
		// Cᵀ = op(B)ᵀ·op(A)ᵀ, computed into scratch and transposed into C.
		t := GetScratch(n * m)
		kern.sgemm(!transB, !transA, n, m, k, alpha, b, ldb, a, lda, 0, t, m)
		Transpose(c, ldc, t, m, n, m)
		PutScratch(t)
		return
	}
	// Split C between the goroutines along its longer side: by rows, at
	// any row (the micro-kernels take panels of any height), or by columns,
	// at whole panels of nr.
	byRows := m >= n
	units := (n + kern.nr - 1) / kern.nr
	if byRows {
		units = m
	}
	if m*n*k < gemmSerialWork || Workers() < 2 {
		units = 1
	}
	if units < Workers() && m*n*k >= gemmSerialWork {
		// Too few rows and columns to go round: split k instead.
		if parts := min(Workers(), k/(splitKDepth*kern.kc)); parts >= 2 {
			kern.splitK(parts, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
			return
		}
	}
	if units < 2 {
		w := getGemmWork()
		kern.serial(w, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		putGemmWork(w)
		return
	}
	g := gemmCalls.Get().(*gemmCall)
	*g = gemmCall{kern: kern, transA: transA, transB: transB, byRows: byRows, m: m, n: n, k: k, alpha: alpha, beta: beta, a: a, b: b, c: c, lda: lda, ldb: ldb, ldc: ldc}
	parallelFor(units, 1, g, gemmChunk)
	*g = gemmCall{} // drop the caller's slices
	gemmCalls.Put(g)
}

// fewRows computes a C of at most dotRowsA rows from A (m×k) and B stored
// n×k, both with k contiguous, as dot products, six rows of B at a time
// over the workers: a fully connected layer at batch 1, whose product
// reads each weight once, so that its time is the time to stream the
// weights from memory, where packing them would read and write them once
// more (VGG-16's 25088→4096 layer holds 411 MB).
func (kern *gemmKernel) fewRows(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	Parallel(ceilDiv(n, dotRowsB), 1, func(lo, hi int) {
		j0, j1 := lo*dotRowsB, min(n, hi*dotRowsB)
		sgemmDot(kern.dot, m, j1-j0, k, alpha, a, lda, b[j0*ldb:], ldb, beta, c[j0:], ldc)
	})
}

// narrow reports whether an m×n C is better computed transposed: when its
// n columns fill the last nr-wide panel so little that more of the
// micro-kernel's work goes to waste than with its m rows as columns. A
// 3×3 convolution on 7×7 at batch 1 (ResNet's last stage, 49 columns)
// wasted 15 of every 64 columns.
func (kern *gemmKernel) narrow(m, n int) bool {
	return 16*roundUp(n, kern.nr)*m > 17*roundUp(m, kern.nr)*n
}

// splitKDepth is the fewest blocks of k (kc deep) that a slice of a
// split-k product gets.
const splitKDepth = 4

// splitK computes C as parts products over equal slices of k, in parallel:
// the first into C itself, the others into scratch, which is then added
// in, in order, so that the result does not depend on the timing. This is
// how a product with a tiny C and a huge k keeps every core busy, such as
// the weight gradient dY·colᵀ of a convolution, 6×25 over k = 50,176 for
// LeNet-5's first layer at batch 64, which otherwise ran on one core (2
// cores: 0.42 ms before, 0.25 ms after on Zen 4, BenchmarkSgemmLeNet).
func (kern *gemmKernel) splitK(parts int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sw := getGemmWork()
	sw.split = alignedGrow(sw.split, (parts-1)*m*n)
	tmp := sw.split
	g := gemmCalls.Get().(*gemmCall)
	*g = gemmCall{kern: kern, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta, a: a, b: b, c: c, lda: lda, ldb: ldb, ldc: ldc}
	g.parts, g.tmp = parts, tmp
	parallelFor(parts, 1, g, gemmSplitChunk)
	*g = gemmCall{} // drop the caller's slices
	gemmCalls.Put(g)
	for p := 0; p < parts-1; p++ {
		t := tmp[p*m*n : (p+1)*m*n]
		for i := 0; i < m; i++ {
			addShort(c[i*ldc:i*ldc+n], t[i*n:(i+1)*n])
		}
	}
	putGemmWork(sw)
}

// gemmSplitChunk computes the slices [lo, hi) of k of the split-k product
// in ctx.
func gemmSplitChunk(ctx any, lo, hi int) {
	g := ctx.(*gemmCall)
	w := getGemmWork()
	for p := lo; p < hi; p++ {
		k0, k1 := p*g.k/g.parts, (p+1)*g.k/g.parts
		var a, b []float32
		if g.transA { // A is stored k×m
			a = g.a[k0*g.lda:]
		} else {
			a = g.a[k0:]
		}
		if g.transB { // B is stored n×k
			b = g.b[k0:]
		} else {
			b = g.b[k0*g.ldb:]
		}
		c, ldc, beta := g.c, g.ldc, g.beta
		if p > 0 {
			c, ldc, beta = g.tmp[(p-1)*g.m*g.n:], g.n, 0
		}
		g.kern.serial(w, g.transA, g.transB, g.m, g.n, k1-k0, g.alpha, a, g.lda, b, g.ldb, beta, c, ldc)
	}
	putGemmWork(w)
}

// gemmChunk computes rows [lo, hi) of C, or its columns in panels [lo, hi),
// for the call in ctx, as an independent smaller Sgemm with its own packing.
func gemmChunk(ctx any, lo, hi int) {
	g := ctx.(*gemmCall)
	a, b, c := g.a, g.b, g.c
	m, n := g.m, g.n
	if g.byRows {
		m = hi - lo
		if g.transA {
			a = a[lo:]
		} else {
			a = a[lo*g.lda:]
		}
		c = c[lo*g.ldc:]
	} else {
		lo, hi = lo*g.kern.nr, min(hi*g.kern.nr, g.n)
		n = hi - lo
		if g.transB {
			b = b[lo*g.ldb:]
		} else {
			b = b[lo:]
		}
		c = c[lo:]
	}
	w := getGemmWork()
	g.kern.serial(w, g.transA, g.transB, m, n, g.k, g.alpha, a, g.lda, b, g.ldb, g.beta, c, g.ldc)
	putGemmWork(w)
}

// serial is the blocked loop nest on one goroutine, for k ≥ 1.
func (kern *gemmKernel) serial(w *gemmWork, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !transA && transB && kern.dot != nil && dotSuits(m, n, k) {
		sgemmDot(kern.dot, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	mr, nr := kern.mr, kern.nr
	// Split k into equal slices rather than full ones and a sliver, so that
	// every pass over C does a worthwhile amount of work.
	kc := ceilDiv(k, ceilDiv(k, kern.kc))
	// A shallower block of A fits more rows in the same share of L2; with
	// all of op(A) in one block, each panel of B is read once.
	mc := min(max(kern.mc, kern.mc*kern.kc/kc/mr*mr), m)
	nc := min(kern.nc, roundUp(n, nr))
	// With B stored k×n and few rows in C, the micro-kernel reads B's full
	// panels where they lie: packing each would cost about as much as the
	// few tiles that use it (in place measured 10–40% faster for AVX-512 up
	// to 768 rows, 64 most of all, and the same at 1024 and 2048). Not when
	// B's rows are a multiple of 1 KB apart, though: a panel's rows then
	// share a few sets of the L1 cache and evict each other (the AVX2
	// kernel, which reads B twice as fast, ran 25% slower).
	// Except with at most two panels of rows: each element of B is then
	// read at most twice, the second time from L2 at worst, and in place
	// still wins, 1.3–1.8× at 6, 16, 20 and 28 rows with B's rows 4 to
	// 196 KB apart (LeNet-5's convolutions among them; AVX-512, Zen 4).
	direct := !transB && m <= kern.directB && (ldb%256 != 0 || m <= 2*mr)
	w.a = alignedGrow(w.a, mc*kc)
	if direct {
		w.b = alignedGrow(w.b, kc*nr) // the short last panel
	} else {
		w.b = alignedGrow(w.b, kc*nc)
	}
	w.tile = alignedGrow(w.tile, mr*nr)
	for jc := 0; jc < n; jc += nc {
		ncc := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kcc := min(kc, k-pc)
			var bd []float32 // B at (pc, jc) when read in place
			if direct {
				bd = b[pc*ldb+jc:]
				if rest := ncc % nr; rest > 0 {
					// The short last panel is packed, zero-padded, at the start of w.b.
					packCopy(w.b[:kcc*nr], bd[ncc-rest:], ldb, kcc, rest, nr)
				}
			} else {
				packB(w.b, transB, b, ldb, pc, jc, kcc, ncc, nr)
			}
			bet := beta
			if pc > 0 {
				bet = 1 // later slices of k add to what the first one wrote
			}
			for ic := 0; ic < m; ic += mc {
				mcc := min(mc, m-ic)
				// Tiles of equal height rather than full ones and a sliver:
				// a 2-row tile has too few sums in flight to hide the FMA
				// latency, so 16 rows run faster as 8 + 8 than as 14 + 2
				// (82 → 100 GFLOP/s for CIFAR ResNet's 16-channel convs,
				// one core of Zen 4).
				th := ceilDiv(mcc, ceilDiv(mcc, mr))
				packA(w.a, transA, a, lda, ic, pc, mcc, kcc, th)
				kern.macro(w, th, mcc, ncc, kcc, alpha, bet, c[ic*ldc+jc:], ldc, bd, ldb)
			}
		}
	}
}

// macro runs the micro-kernel over every tile of an mc×nc block of C from the
// packed blocks in w, or with bd non-nil from B's full panels in place in bd
// (rows ldb apart) and its short last panel packed in w.b. The micro-kernel
// takes the last, short panel of rows as it is; a tile cut short by the
// right edge of C is computed whole into w.tile and the columns inside C
// merged in.
func (kern *gemmKernel) macro(w *gemmWork, mr, mc, nc, kc int, alpha, beta float32, c []float32, ldc int, bd []float32, ldb int) {
	nr := kern.nr
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		var bp []float32
		bld := nr
		switch {
		case bd == nil:
			bp = w.b[jr*kc : (jr+nr)*kc]
		case cols == nr:
			bp, bld = bd[jr:], ldb
		default:
			bp = w.b[:kc*nr]
		}
		for ir := 0; ir < mc; ir += mr {
			rows := min(mr, mc-ir)
			ap := w.a[ir*kc : (ir+rows)*kc]
			if cols == nr {
				kern.micro(rows, kc, ap, bp, bld, c[ir*ldc+jr:], ldc, alpha, beta)
				continue
			}
			kern.micro(rows, kc, ap, bp, bld, w.tile, nr, 1, 0)
			mergeTile(c[ir*ldc+jr:], ldc, w.tile, nr, rows, cols, alpha, beta)
		}
	}
}

// mergeTile sets the rows×cols corner of C to alpha·T + beta·C.
func mergeTile(c []float32, ldc int, t []float32, ldt, rows, cols int, alpha, beta float32) {
	for i := 0; i < rows; i++ {
		ci := c[i*ldc : i*ldc+cols]
		ti := t[i*ldt : i*ldt+cols]
		if beta == 0 {
			for j, v := range ti {
				ci[j] = alpha * v
			}
		} else {
			for j, v := range ti {
				ci[j] = alpha*v + beta*ci[j]
			}
		}
	}
}

// scaleMatrix sets the m×n matrix C to beta·C, not reading it when beta is 0.
func scaleMatrix(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(ci)
		case 1:
		default:
			for j := range ci {
				ci[j] *= beta
			}
		}
	}
}

// alignedGrow returns a buffer of n floats starting on a 64-byte boundary
// (one cache line, one zmm load), reusing buf when it is large enough.
func alignedGrow(buf []float32, n int) []float32 {
	if cap(buf) >= n {
		return buf[:n]
	}
	buf = make([]float32, n+15)
	off := int(uintptr(unsafe.Pointer(&buf[0]))%64) / 4
	if off != 0 {
		off = 16 - off
	}
	return buf[off : off+n : off+n]
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func roundUp(a, b int) int { return ceilDiv(a, b) * b }
