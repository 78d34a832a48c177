package kernel

import (
	"fmt"
	"os"
)

// Sgemm computes C = alpha·op(A)·op(B) + beta·C on row-major matrices, as
// BLAS's sgemm does: op(A) is m×k, op(B) is k×n and C is m×n. With transA,
// A is stored k×m (its transpose is used); likewise transB. lda, ldb and ldc
// are the row strides of the stored matrices. When beta is 0, C is not read,
// so it may hold NaNs.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func checkGemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernel: Sgemm negative size m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix("A", a, ar, ac, lda)
	checkMatrix("B", b, br, bc, ldb)
	checkMatrix("C", c, m, n, ldc)
}

func checkMatrix(name string, s []float32, rows, cols, ld int) {
	if rows == 0 || cols == 0 {
		return
	}
	if ld < cols {
		panic(fmt.Sprintf("kernel: Sgemm %s has %d columns but leading dimension %d", name, cols, ld))
	}
	if need := (rows-1)*ld + cols; len(s) < need {
		panic(fmt.Sprintf("kernel: Sgemm %s is %d×%d with ld %d, needs %d elements, has %d", name, rows, cols, ld, need, len(s)))
	}
}

// gemmImpl is one implementation of sgemm, named so that tests and
// benchmarks can run each one.
type gemmImpl struct {
	name string
	kern *gemmKernel // nil for the naive reference
	fn   func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
}

// gemmImpls lists every implementation this CPU can run, slowest first:
// "generic" (the naive reference), "go" (packed and blocked, portable), then
// the SIMD micro-kernels that gemmArchImpls finds supported ("avx2",
// "avx512").
var gemmImpls = append([]gemmImpl{
	{"generic", nil, sgemmGeneric},
	{"go", gemmGo, gemmGo.sgemm},
}, gemmArchImpls()...)

// gemmInUse is the implementation in use: the last (fastest) of gemmImpls,
// or the one named by the environment variable CONVNET_SGEMM, so that a
// whole program can be run on another implementation to compare.
var gemmInUse = pickGemm(os.Getenv("CONVNET_SGEMM"))

var sgemm = gemmInUse.fn

func pickGemm(name string) gemmImpl {
	for _, im := range gemmImpls {
		if im.name == name {
			return im
		}
	}
	return gemmImpls[len(gemmImpls)-1]
}

// SgemmSerial is Sgemm on the calling goroutine alone, for callers that
// already spread their work over the workers (a batch, one image per
// chunk): its packing buffers stay in that core's caches.
func SgemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return
	}
	kern := gemmInUse.kern
	if kern == nil {
		sgemmGeneric(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	w := getGemmWork()
	kern.serial(w, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	putGemmWork(w)
}
