package kernel

import (
	"fmt"
	"slices"
)

// SgemmRows sets C (m×n, rows ldc apart) to alpha·A·B + beta·C on the
// calling goroutine, where A is m×k (rows lda apart) and row p of B is
// src[off[p] : off[p]+n]: B's rows may lie anywhere in src, overlapping.
//
// It is the product of a convolution without its column matrix ("implicit
// GEMM"): with src a zero-padded image and off[p] where tap p of the
// kernel starts in it, row p of the column matrix is a shifted view of the
// image. Each micro-panel of B is gathered from the image straight into the
// L1 cache, where im2col would write the whole matrix (9·C·H·W floats for
// a 3×3 kernel) out to memory and read it back. When beta is 0, C is not
// read.
func SgemmRows(m, n, k int, alpha float32, a []float32, lda int, src []float32, off []int, beta float32, c []float32, ldc int) {
	if !startRows("SgemmRows", m, n, k, a, lda, src, off, k, n, alpha, beta, c, ldc) {
		return
	}
	kern := gemmInUse.kern
	if kern == nil {
		sgemmRowsGeneric(m, n, k, alpha, a, lda, src, off, beta, c, ldc)
		return
	}
	w := getGemmWork()
	w.a = alignedGrow(w.a, m*k)
	pa := RowsA{m: m, k: k, kern: kern, packed: w.a}
	kern.packRowsA(pa.packed, m, k, a, lda)
	pa.product(w, n, alpha, src, off, nil, nil, beta, c, ldc)
	putGemmWork(w)
}

// RowsA is the A of SgemmRows packed once for a run of products that
// share it: the bands of one convolution, which would otherwise each pack
// the same weights again.
type RowsA struct {
	m, k   int
	kern   *gemmKernel // nil: A unpacked, for the naive reference
	a      []float32   // A itself, for the naive reference
	lda    int
	packed []float32
	owned  bool // packed came from GetScratch
}

// PackRowsA packs A (m×k, rows lda apart) for SgemmRowsPacked. Release
// returns its buffer.
func PackRowsA(m, k int, a []float32, lda int) RowsA {
	checkMatrix("A", a, m, k, lda)
	kern := gemmInUse.kern
	if kern == nil || m == 0 || k == 0 {
		return RowsA{m: m, k: k, a: a, lda: lda}
	}
	pa := PackRowsAInto(GetScratch(m*k), m, k, a, lda)
	pa.owned = true
	return pa
}

// PackRowsAInto is PackRowsA into dst (at least m·k floats) instead of a
// buffer of its own: many matrices packed into one buffer, such as the 16
// of a Winograd convolution, which would each take a scratch buffer of
// the same size class.
func PackRowsAInto(dst []float32, m, k int, a []float32, lda int) RowsA {
	checkMatrix("A", a, m, k, lda)
	kern := gemmInUse.kern
	if kern == nil || m == 0 || k == 0 {
		return RowsA{m: m, k: k, a: a, lda: lda}
	}
	pa := RowsA{m: m, k: k, kern: kern, packed: dst[:m*k]}
	kern.packRowsA(pa.packed, m, k, a, lda)
	return pa
}

// Packed reports whether pa holds A packed in a buffer of its own (dst,
// for PackRowsAInto) rather than reading A where it lies, as the portable
// kernel does.
func (pa *RowsA) Packed() bool { return pa.kern != nil }

// Release returns the packed A's buffer, if PackRowsA took one; pa must
// not be used after.
func (pa *RowsA) Release() {
	if pa.owned {
		PutScratch(pa.packed)
	}
	*pa = RowsA{}
}

// SgemmRowsPacked is SgemmRows with A packed by PackRowsA.
func SgemmRowsPacked(pa *RowsA, n int, alpha float32, src []float32, off []int, beta float32, c []float32, ldc int) {
	m, k := pa.m, pa.k
	if !startRows("SgemmRowsPacked", m, n, k, nil, 0, src, off, k, n, alpha, beta, c, ldc) {
		return
	}
	if pa.kern == nil {
		sgemmRowsGeneric(m, n, k, alpha, pa.a, pa.lda, src, off, beta, c, ldc)
		return
	}
	w := getGemmWork()
	pa.product(w, n, alpha, src, off, nil, nil, beta, c, ldc)
	putGemmWork(w)
}

// SgemmRowsPackedRuns is SgemmRowsPacked with B's columns in runs of 8
// laid out anywhere along its rows: column j of row p of B is
// src[off[p] + runs[j/8] + j%8], n a multiple of 8. It is the implicit GEMM
// of a convolution whose output rows are a multiple of 8 wide over only
// its output's columns, where the plain form also computes the padding
// between them.
func SgemmRowsPackedRuns(pa *RowsA, n int, alpha float32, src []float32, off, runs []int, beta float32, c []float32, ldc int) {
	m, k := pa.m, pa.k
	if n%8 != 0 || len(runs) != n/8 {
		panic(fmt.Sprintf("kernel: SgemmRowsPackedRuns n=%d with %d runs of 8", n, len(runs)))
	}
	if !startRows("SgemmRowsPackedRuns", m, n, k, nil, 0, src, off, k, 0, alpha, beta, c, ldc) {
		return
	}
	if len(runs) > 0 {
		lo, hi := slices.Min(runs), slices.Max(runs)
		// Every row's runs lie in src: off is checked already (with length
		// 0), so the runs' spread must fit around each.
		if lo < 0 || slices.Max(off)+hi+8 > len(src) {
			panic(fmt.Sprintf("kernel: SgemmRowsPackedRuns runs from %d to %d+8 lie outside src (%d floats)", lo, hi, len(src)))
		}
	}
	if pa.kern == nil {
		sgemmRowsRunsGeneric(m, n, k, alpha, pa.a, pa.lda, src, off, runs, beta, c, ldc)
		return
	}
	w := getGemmWork()
	pa.product(w, n, alpha, src, off, runs, nil, beta, c, ldc)
	putGemmWork(w)
}

// RowRunsSuit reports whether SgemmRowsPackedRuns gathers its panels in
// assembly here: with 32-wide panels on AVX. Elsewhere it is correct but
// slower than SgemmRowsPacked.
func RowRunsSuit() bool { return rowRunsArch && gemmInUse.kern != nil && gemmInUse.kern.nr == 32 }

// PanelWidth is the width of the panels of B that SgemmPanels reads: the
// micro-kernel's nr, or 32 where the portable reference runs.
func PanelWidth() int {
	if gemmInUse.kern == nil {
		return 32
	}
	return gemmInUse.kern.nr
}

// SgemmPanels sets C (m×n, rows ldc apart) to A·B with A packed by
// PackRowsA and B packed already, as ⌈n/PanelWidth()⌉ panels of k rows of
// PanelWidth() floats, one after the other: column j of row p of B is
// b[(j/nr)·k·nr + p·nr + j%nr]. A producer that can write B in that order
// (Winograd's input transform) spares the GEMM gathering it.
func SgemmPanels(pa *RowsA, n int, b []float32, c []float32, ldc int) {
	m, k, nr := pa.m, pa.k, PanelWidth()
	if m < 0 || n < 0 || len(b) < ceilDiv(n, nr)*k*nr {
		panic(fmt.Sprintf("kernel: SgemmPanels m=%d n=%d k=%d with %d floats of B", m, n, k, len(b)))
	}
	checkMatrix("C", c, m, n, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scaleMatrix(m, n, 0, c, ldc)
		return
	}
	if pa.kern == nil {
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				var s float32
				for p := 0; p < k; p++ {
					s += pa.a[i*pa.lda+p] * b[(j/nr)*k*nr+p*nr+j%nr]
				}
				c[i*ldc+j] = s
			}
		}
		return
	}
	w := getGemmWork()
	pa.product(w, n, 1, nil, nil, nil, b, 0, c, ldc)
	putGemmWork(w)
}

// startRows checks the arguments of a product whose B has rows rows of
// length floats in src at off (A, m×k, is checked unless nil: packed
// already), and does the product itself when there is nothing to multiply
// (C empty, k or alpha zero). It reports whether the product is left to do.
func startRows(name string, m, n, k int, a []float32, lda int, src []float32, off []int, rows, length int, alpha, beta float32, c []float32, ldc int) bool {
	if m < 0 || n < 0 || k < 0 || len(off) != rows {
		panic(fmt.Sprintf("kernel: %s m=%d n=%d k=%d with %d row offsets", name, m, n, k, len(off)))
	}
	if a != nil {
		checkMatrix("A", a, m, k, lda)
	}
	checkMatrix("C", c, m, n, ldc)
	if m == 0 || n == 0 {
		return false
	}
	checkRows(length, src, off)
	if k == 0 || alpha == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return false
	}
	return true
}

// checkRows panics unless every row of B, off[p] to off[p]+n, lies in src.
func checkRows(n int, src []float32, off []int) {
	for p, o := range off {
		if o < 0 || o > len(src)-n {
			panic(fmt.Sprintf("kernel: SgemmRows row %d of B, [%d, %d), lies outside src (%d floats)", p, o, o+n, len(src)))
		}
	}
}

// rowsKC is the depth of the slices of k that SgemmRows packs: a 32-column
// panel of B then takes 24 KB, which stays in a 32 KB L1 cache beside the
// tile of C.
const rowsKC = 192

// rowsBlockA bounds the block of packed A (in floats) that SgemmRows keeps
// in L2 while the panels of B pass: 256 KB.
const rowsBlockA = 1 << 16

// rowsBlocking returns SgemmRows's blocking for an m×k A: slices of k kc
// deep, blocks of mc rows, tiles th high (of equal height, as serial
// makes them).
func (kern *gemmKernel) rowsBlocking(m, k int) (kc, mc, th int) {
	kc = ceilDiv(k, ceilDiv(k, rowsKC))
	th = ceilDiv(m, ceilDiv(m, kern.mr))
	mc = min(m, max(th, rowsBlockA/k/th*th))
	return kc, mc, th
}

// packRowsA packs A into dst (m·k floats): block by block of mc rows, in
// each block slice by slice of k, each slice as panels of th rows.
func (kern *gemmKernel) packRowsA(dst []float32, m, k int, a []float32, lda int) {
	kc, mc, th := kern.rowsBlocking(m, k)
	for ic := 0; ic < m; ic += mc {
		mcc := min(mc, m-ic)
		for pc := 0; pc < k; pc += kc {
			packA(dst[ic*k+mcc*pc:], false, a, lda, ic, pc, mcc, min(kc, k-pc), th)
		}
	}
}

// product computes C from the packed A, for k ≥ 1. For each block of rows
// of A (kept in L2) it walks the panels of B: each kc×nr slice of a panel
// is gathered from src into L1 (or, with panels, read where it lies
// packed already) and multiplied with every tile of rows in the block, so
// that the tiles of C stay in L1 across the slices.
func (pa *RowsA) product(w *gemmWork, n int, alpha float32, src []float32, off, runs []int, panels []float32, beta float32, c []float32, ldc int) {
	kern, m, k := pa.kern, pa.m, pa.k
	nr := kern.nr
	kc, mc, th := kern.rowsBlocking(m, k)
	w.b = alignedGrow(w.b, kc*nr)
	w.tile = alignedGrow(w.tile, kern.mr*nr)
	bp := w.b[:kc*nr]
	for ic := 0; ic < m; ic += mc {
		mcc := min(mc, m-ic)
		block := pa.packed[ic*k : (ic+mcc)*k]
		for jr := 0; jr < n; jr += nr {
			cols := min(nr, n-jr)
			for pc := 0; pc < k; pc += kc {
				kcc := min(kc, k-pc)
				switch {
				case panels != nil:
					bp = panels[jr*k+pc*nr : jr*k+(pc+kcc)*nr] // panel jr/nr, k×nr, from row pc
				case runs != nil:
					packGatherRuns(bp[:kcc*nr], src, off[pc:pc+kcc], runs, jr, cols, nr)
				default:
					packGather(bp[:kcc*nr], src[jr:], off[pc:pc+kcc], cols, nr)
				}
				bet := beta
				if pc > 0 {
					bet = 1 // later slices of k add to what the first one wrote
				}
				ap := block[mcc*pc:]
				for ir := 0; ir < mcc; ir += th {
					rows := min(th, mcc-ir)
					apr := ap[ir*kcc : (ir+rows)*kcc]
					ct := c[(ic+ir)*ldc+jr:]
					if cols == nr {
						kern.micro(rows, kcc, apr, bp, nr, ct, ldc, alpha, bet)
						continue
					}
					kern.micro(rows, kcc, apr, bp, nr, w.tile, nr, 1, 0)
					mergeTile(ct, ldc, w.tile, nr, rows, cols, alpha, bet)
				}
			}
		}
	}
}

// packGather packs a panel of B whose rows lie in src at off: row p's
// first w floats to dst[p·nr:], zero-filling the columns past w.
func packGather(dst, src []float32, off []int, w, nr int) {
	if w == nr && packGatherArch(dst, src, off, nr) {
		return
	}
	packGatherGo(dst, src, off, w, nr)
}

func packGatherGo(dst, src []float32, off []int, w, nr int) {
	for p, o := range off {
		d := dst[p*nr : (p+1)*nr]
		copy(d[:w], src[o:o+w])
		clear(d[w:])
	}
}

// packGatherRuns packs the panel of B at columns [j0, j0+w), B's row p
// being src[off[p]:] read in runs of 8 at runs[0], runs[1], …: to
// dst[p·nr:], zero-filling the columns past w.
func packGatherRuns(dst, src []float32, off, runs []int, j0, w, nr int) {
	if w == 32 && nr == 32 && j0%8 == 0 {
		r := runs[j0/8:]
		seg := [4]int{r[0], r[1], r[2], r[3]}
		if packGatherSegArch(dst, src, off, &seg) {
			return
		}
	}
	for p, o := range off {
		d := dst[p*nr : (p+1)*nr]
		for j := range w {
			col := j0 + j
			d[j] = src[o+runs[col/8]+col%8]
		}
		clear(d[w:])
	}
}

// sgemmRowsRunsGeneric is SgemmRowsPackedRuns by its definition, for the
// naive reference implementation.
func sgemmRowsRunsGeneric(m, n, k int, alpha float32, a []float32, lda int, src []float32, off, runs []int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				s += a[i*lda+p] * src[off[p]+runs[j/8]+j%8]
			}
			if beta != 0 {
				s = alpha*s + beta*c[i*ldc+j]
			} else {
				s *= alpha
			}
			c[i*ldc+j] = s
		}
	}
}

// sgemmRowsGeneric is SgemmRows by its definition, for the naive reference
// implementation.
func sgemmRowsGeneric(m, n, k int, alpha float32, a []float32, lda int, src []float32, off []int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				s += a[i*lda+p] * src[off[p]+j]
			}
			if beta != 0 {
				s = alpha*s + beta*c[i*ldc+j]
			} else {
				s *= alpha
			}
			c[i*ldc+j] = s
		}
	}
}
