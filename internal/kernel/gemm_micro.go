package kernel

import "runtime"

// gemmGo is the portable packed SGEMM, used where no SIMD micro-kernel runs.
// Its tile is as large as the Go compiler keeps in registers: 4×4 where
// there are 32 floating-point registers (arm64, ppc64, riscv64, ...), 2×4 on
// amd64 and 386, whose 16 are too few for 16 sums and their operands (the
// 4×4 tile spills there and runs at half the speed of the 2×4 one).
var gemmGo = func() *gemmKernel {
	if runtime.GOARCH == "amd64" || runtime.GOARCH == "386" {
		return gemmGo2x4
	}
	return gemmGo4x4
}()

var (
	gemmGo4x4 = &gemmKernel{mr: 4, nr: 4, mc: 128, kc: 256, nc: 1024, micro: sgemmMicro4x4}
	gemmGo2x4 = &gemmKernel{mr: 2, nr: 4, mc: 128, kc: 256, nc: 1024, micro: sgemmMicro2x4}
)

// sgemmMicroRef is the loop that every micro-kernel computes (see
// gemmKernel.micro): the mr×nr tile at c, rows ldc apart, is set to
// alpha·A·B + beta·C, with A packed in a as k steps of mr floats (a column
// of the tile's rows of A each) and B in b as k rows of nr floats, ldb apart
// (ldb is nr when B is packed). C is not read when beta is 0.
func sgemmMicroRef(mr, nr, k int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	for i := 0; i < mr; i++ {
		for j := 0; j < nr; j++ {
			var s float32
			for p := 0; p < k; p++ {
				s += a[p*mr+i] * b[p*ldb+j]
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}

// sgemmMicro4x4 is sgemmMicroRef with nr = 4, unrolled into registers for
// the full height of 4 rows.
func sgemmMicro4x4(mr, k int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	if mr != 4 {
		sgemmMicroRef(mr, 4, k, a, b, ldb, c, ldc, alpha, beta)
		return
	}
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	var c20, c21, c22, c23 float32
	var c30, c31, c32, c33 float32
	a = a[:4*k]
	for p := 0; p < k; p++ {
		ap := a[4*p : 4*p+4 : 4*p+4]
		bp := b[p*ldb : p*ldb+4 : p*ldb+4]
		a0, a1, a2, a3 := ap[0], ap[1], ap[2], ap[3]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	storeRow4(c[:4], alpha, beta, c00, c01, c02, c03)
	storeRow4(c[ldc:ldc+4], alpha, beta, c10, c11, c12, c13)
	storeRow4(c[2*ldc:2*ldc+4], alpha, beta, c20, c21, c22, c23)
	storeRow4(c[3*ldc:3*ldc+4], alpha, beta, c30, c31, c32, c33)
}

// sgemmMicro2x4 is sgemmMicroRef with nr = 4, unrolled into registers for
// the full height of 2 rows.
func sgemmMicro2x4(mr, k int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	if mr != 2 {
		sgemmMicroRef(mr, 4, k, a, b, ldb, c, ldc, alpha, beta)
		return
	}
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	a = a[:2*k]
	for p := 0; p < k; p++ {
		ap := a[2*p : 2*p+2 : 2*p+2]
		bp := b[p*ldb : p*ldb+4 : p*ldb+4]
		a0, a1 := ap[0], ap[1]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
	}
	storeRow4(c[:4], alpha, beta, c00, c01, c02, c03)
	storeRow4(c[ldc:ldc+4], alpha, beta, c10, c11, c12, c13)
}

// storeRow4 sets c[0:4] to alpha·(v0..v3) + beta·c, not reading c when beta
// is 0.
func storeRow4(c []float32, alpha, beta float32, v0, v1, v2, v3 float32) {
	c = c[:4:4]
	if beta == 0 {
		c[0], c[1], c[2], c[3] = alpha*v0, alpha*v1, alpha*v2, alpha*v3
		return
	}
	c[0] = alpha*v0 + beta*c[0]
	c[1] = alpha*v1 + beta*c[1]
	c[2] = alpha*v2 + beta*c[2]
	c[3] = alpha*v3 + beta*c[3]
}
