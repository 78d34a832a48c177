// Package kerneltest is the test suite that every implementation of a kernel
// runs, as gonum's testblas is for BLAS: the portable Go code, each SIMD
// variant, and any later backend. It checks against float64 references
// written here, so it does not import the kernel package; the kernel's own
// tests pass in each implementation.
package kerneltest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// SgemmFunc is the signature of kernel.Sgemm: C = alpha·op(A)·op(B) + beta·C
// on row-major matrices, op(A) m×k, op(B) k×n.
type SgemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// SgemmCase is one call of an SgemmFunc, with inputs drawn from Seed.
type SgemmCase struct {
	TransA, TransB   bool
	M, N, K          int
	Alpha, Beta      float32
	PadA, PadB, PadC int  // extra floats at the end of each stored row, beyond its columns
	NaNC             bool // fill C with NaNs (which must not survive when Beta is 0)
	Seed             uint64
}

func (c SgemmCase) String() string {
	return fmt.Sprintf("transA=%v transB=%v m=%d n=%d k=%d alpha=%v beta=%v padA=%d padB=%d padC=%d nanC=%v seed=%d",
		c.TransA, c.TransB, c.M, c.N, c.K, c.Alpha, c.Beta, c.PadA, c.PadB, c.PadC, c.NaNC, c.Seed)
}

// sentinel fills the padding of C, where no implementation may write.
const sentinel = float32(-12345.5)

// operands holds the stored matrices of a case, their leading dimensions
// and the float64 reference result with its error bound.
type operands struct {
	a, b, c       []float32
	lda, ldb, ldc int
	want, bound   []float64
}

func (c SgemmCase) operands() operands {
	rng := rand.New(rand.NewPCG(c.Seed, 0x5eed))
	ar, ac := c.M, c.K
	if c.TransA {
		ar, ac = c.K, c.M
	}
	br, bc := c.K, c.N
	if c.TransB {
		br, bc = c.N, c.K
	}
	o := operands{lda: ac + c.PadA, ldb: bc + c.PadB, ldc: c.N + c.PadC}
	// BLAS requires ld ≥ 1 even for empty matrices.
	o.lda, o.ldb, o.ldc = max(o.lda, 1), max(o.ldb, 1), max(o.ldc, 1)
	fill := func(rows, cols, ld int, nan bool) []float32 {
		s := make([]float32, rows*ld)
		for i := range s {
			s[i] = sentinel
		}
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				if nan {
					s[i*ld+j] = float32(math.NaN())
				} else {
					s[i*ld+j] = float32(rng.Float64()*2 - 1)
				}
			}
		}
		return s
	}
	o.a = fill(ar, ac, o.lda, false)
	o.b = fill(br, bc, o.ldb, false)
	o.c = fill(c.M, c.N, o.ldc, c.NaNC)

	// The reference in float64, and for each element the bound on the
	// rounding error of any float32 summation order: (k+2)·u·(|alpha|·Σ|a||b|
	// + |beta|·|c|), u = 2⁻²⁴ (Higham, "Accuracy and Stability of Numerical
	// Algorithms", §3.5), doubled for slack in how alpha and beta are applied.
	o.want = make([]float64, c.M*c.N)
	o.bound = make([]float64, c.M*c.N)
	const u = 1.0 / (1 << 24)
	for i := 0; i < c.M; i++ {
		for j := 0; j < c.N; j++ {
			var s, abs float64
			for p := 0; p < c.K; p++ {
				var av, bv float32
				if c.TransA {
					av = o.a[p*o.lda+i]
				} else {
					av = o.a[i*o.lda+p]
				}
				if c.TransB {
					bv = o.b[j*o.ldb+p]
				} else {
					bv = o.b[p*o.ldb+j]
				}
				s += float64(av) * float64(bv)
				abs += math.Abs(float64(av) * float64(bv))
			}
			w := float64(c.Alpha) * s
			bnd := math.Abs(float64(c.Alpha)) * abs
			if c.Beta != 0 {
				cv := float64(o.c[i*o.ldc+j])
				w += float64(c.Beta) * cv
				bnd += math.Abs(float64(c.Beta) * cv)
			}
			o.want[i*c.N+j] = w
			o.bound[i*c.N+j] = 2*float64(c.K+2)*u*bnd + 1e-30
		}
	}
	return o
}

// CheckSgemm runs f on the case and fails t if any element of C is off the
// float64 reference by more than the rounding-error bound, if the padding of
// C was written, or if A or B were modified.
func CheckSgemm(t testing.TB, f SgemmFunc, c SgemmCase) {
	t.Helper()
	o := c.operands()
	a0, b0 := append([]float32(nil), o.a...), append([]float32(nil), o.b...)
	f(c.TransA, c.TransB, c.M, c.N, c.K, c.Alpha, o.a, o.lda, o.b, o.ldb, c.Beta, o.c, o.ldc)
	for i := range o.a {
		if math.Float32bits(o.a[i]) != math.Float32bits(a0[i]) {
			t.Fatalf("%v: A[%d] changed from %v to %v", c, i, a0[i], o.a[i])
		}
	}
	for i := range o.b {
		if math.Float32bits(o.b[i]) != math.Float32bits(b0[i]) {
			t.Fatalf("%v: B[%d] changed from %v to %v", c, i, b0[i], o.b[i])
		}
	}
	bad := 0
	for i := 0; i < c.M; i++ {
		for j := 0; j < o.ldc && (i*o.ldc+j) < len(o.c); j++ {
			got := o.c[i*o.ldc+j]
			if j >= c.N {
				if got != sentinel {
					t.Errorf("%v: C[%d][%d] is in the padding of C but was set to %v", c, i, j, got)
					bad++
				}
			} else if want, bnd := o.want[i*c.N+j], o.bound[i*c.N+j]; !(math.Abs(float64(got)-want) <= bnd) {
				t.Errorf("%v: C[%d][%d] = %v, want %v (error bound %.3g)", c, i, j, got, want, bnd)
				bad++
			}
			if bad >= 5 {
				t.FailNow()
			}
		}
	}
}

// TestSgemm runs the SGEMM suite on f: every small shape (so every edge of
// every register tile is hit), shapes past the cache blocks (large k
// included), all four transpose combinations, padded leading dimensions,
// and the alpha/beta cases of BLAS, with NaNs in C where beta is 0.
func TestSgemm(t *testing.T, f SgemmFunc) {
	seed := uint64(1)
	next := func() uint64 { seed++; return seed }
	trans := [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}}

	t.Run("small", func(t *testing.T) {
		for _, tr := range trans {
			for m := 0; m <= 34; m++ {
				for n := 0; n <= 34; n++ {
					for _, k := range []int{0, 1, 2, 7, 33} {
						CheckSgemm(t, f, SgemmCase{TransA: tr[0], TransB: tr[1], M: m, N: n, K: k,
							Alpha: 1, Beta: 0, NaNC: true, Seed: next()})
						if t.Failed() {
							return
						}
					}
				}
			}
		}
	})

	t.Run("edges", func(t *testing.T) {
		// Sizes around the tiles and cache blocks of the implementations
		// (mr 4, 6, 14; nr 4, 16, 32), and primes.
		sizes := []int{1, 5, 13, 15, 29, 47, 64, 97, 131}
		for _, tr := range trans {
			for i, m := range sizes {
				for j, n := range sizes {
					k := sizes[(i+2*j)%len(sizes)]
					CheckSgemm(t, f, SgemmCase{TransA: tr[0], TransB: tr[1], M: m, N: n, K: k,
						Alpha: 1.5, Beta: -0.5, PadA: i % 3, PadB: j % 2, PadC: (i + j) % 4, Seed: next()})
					if t.Failed() {
						return
					}
				}
			}
		}
	})

	t.Run("large", func(t *testing.T) {
		shapes := [][3]int{
			{64, 64, 1000},  // k past the k-blocking, split unevenly
			{97, 131, 1031}, // all prime
			{350, 70, 300},  // m past mc
			{40, 520, 257},  // n split across goroutines, k just past a block
			{256, 256, 256},
			{3, 4200, 5}, // n past nc
			{1, 300, 700},
			{300, 1, 700},
			{513, 33, 1},
			{6, 25, 9000},  // tiny C, huge k: k split across goroutines
			{16, 40, 5000}, // and unevenly
		}
		for _, tr := range trans {
			for i, s := range shapes {
				CheckSgemm(t, f, SgemmCase{TransA: tr[0], TransB: tr[1], M: s[0], N: s[1], K: s[2],
					Alpha: 1, Beta: float32(i % 2), PadA: i % 5, PadB: (i + 1) % 3, PadC: i % 2, Seed: next()})
				if t.Failed() {
					return
				}
			}
		}
	})

	t.Run("layouts", func(t *testing.T) {
		// Implementations may pick their code paths by shape and stride:
		// rows of B a power of two apart, C taller than one goroutine's
		// share of it, wide and flat products.
		shapes := [][4]int{ // m, n, k, padB
			{20, 256, 50, 0},
			{33, 512, 19, 0},
			{2100, 40, 30, 0},
			{2100, 41, 9, 3},
			{6, 1030, 70, 1},
		}
		for _, tr := range trans {
			for _, s := range shapes {
				CheckSgemm(t, f, SgemmCase{TransA: tr[0], TransB: tr[1], M: s[0], N: s[1], K: s[2],
					Alpha: 1, Beta: 0.5, PadB: s[3], Seed: next()})
				if t.Failed() {
					return
				}
			}
		}
	})

	t.Run("alphabeta", func(t *testing.T) {
		ab := [][2]float32{{1, 0}, {1, 1}, {-1, 1}, {0.5, -2}, {0, 0}, {0, 1}, {0, 0.25}, {2, 0}, {1, float32(math.Copysign(0, -1))}}
		for _, tr := range trans {
			for _, s := range [][3]int{{17, 45, 20}, {70, 70, 70}, {5, 3, 0}, {120, 40, 300}} {
				for _, v := range ab {
					CheckSgemm(t, f, SgemmCase{TransA: tr[0], TransB: tr[1], M: s[0], N: s[1], K: s[2],
						Alpha: v[0], Beta: v[1], PadC: 3, NaNC: v[1] == 0, Seed: next()})
					if t.Failed() {
						return
					}
				}
			}
		}
	})
}
