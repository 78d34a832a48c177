package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/convnet/convnet/internal/kernel/kerneltest"
)

func TestSgemm(t *testing.T) {
	for _, im := range gemmImpls {
		t.Run(im.name, func(t *testing.T) {
			kerneltest.TestSgemm(t, im.fn)
		})
	}
	t.Run("Sgemm", func(t *testing.T) { kerneltest.TestSgemm(t, Sgemm) })
}

// TestSgemmMicro checks each micro-kernel against sgemmMicroRef, for every
// tile height and for k around its unrolling.
func TestSgemmMicro(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	impls := append([]gemmImpl{{"go4x4", gemmGo4x4, nil}, {"go2x4", gemmGo2x4, nil}}, gemmImpls...)
	for _, im := range impls {
		kern := im.kern
		if kern == nil {
			continue
		}
		for mr := 1; mr <= kern.mr; mr++ {
			for _, k := range []int{1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 100} {
				for _, beta := range []float32{0, 1, -0.5} {
					ldb := kern.nr + k%3*5
					a, b := randMatrix(mr*k, rng), randMatrix(k*ldb, rng)
					const ldc = 67
					c := randMatrix(mr*ldc, rng)
					if beta == 0 {
						for i := range c {
							c[i] = float32(math.NaN())
						}
					}
					want := append([]float32(nil), c...)
					sgemmMicroRef(mr, kern.nr, k, a, b, ldb, want, ldc, 1.5, beta)
					kern.micro(mr, k, a, b, ldb, c, ldc, 1.5, beta)
					for i := range c {
						if d := math.Abs(float64(c[i] - want[i])); !(d <= 1e-5*float64(k)) && !(math.IsNaN(float64(want[i])) && math.IsNaN(float64(c[i]))) {
							t.Fatalf("%s mr=%d k=%d beta=%v: c[%d] = %v, want %v", im.name, mr, k, beta, i, c[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestSgemmPack checks the packing routines, SIMD where there are, against
// their Go loops on every width the micro-kernels use.
func TestSgemmPack(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, w := range []int{2, 4, 6, 11, 13, 14, 16, 32} {
		for _, k := range []int{1, 7, 8, 9, 16, 23, 64, 136, 200} {
			ld := max(w, k) + 3
			s := randMatrix(max(w, k)*ld, rng)
			for _, width := range []int{w, w - 1, 1, 7, 9, 22, 25} {
				if width < 1 || width > w {
					continue
				}
				got, want := randMatrix(k*ld, rng), make([]float32, k*ld)
				copy(want, got)
				copyRows(got, ld, s, ld-1, k, width)
				copyRowsGo(want, ld, s, ld-1, k, width)
				if !slices.Equal(got, want) {
					t.Errorf("copyRows w=%d k=%d: got %v, want %v", width, k, got, want)
				}
				got, want = randMatrix(k*w, rng), make([]float32, k*w)
				packTranspose(got, s, ld, k, width, w)
				packTransposeGo(want, s, ld, k, width, w)
				if !slices.Equal(got, want) {
					t.Errorf("packTranspose w=%d width=%d k=%d: got %v, want %v", w, width, k, got, want)
				}
			}
		}
	}
}

// TestSgemmImpls checks that the implementations this machine should have
// are listed, so that a broken feature check cannot quietly leave a kernel
// untested.
func TestSgemmImpls(t *testing.T) {
	var names []string
	for _, im := range gemmImpls {
		names = append(names, im.name)
	}
	t.Logf("sgemm implementations: %v", names)
	if len(names) < 2 || names[0] != "generic" || names[1] != "go" {
		t.Errorf("gemmImpls = %v, want generic and go first", names)
	}
}

func TestSgemmPanics(t *testing.T) {
	a := make([]float32, 6)
	for _, tc := range []struct {
		name string
		call func()
	}{
		{"negative", func() { Sgemm(false, false, -1, 2, 3, 1, a, 3, a, 2, 0, a, 2) }},
		{"short A", func() { Sgemm(false, false, 3, 2, 3, 1, a, 3, a, 2, 0, a, 2) }},
		{"small ldb", func() { Sgemm(false, true, 2, 2, 3, 1, a, 3, a, 2, 0, a, 2) }},
		{"short C", func() { Sgemm(false, false, 2, 3, 1, 1, a, 1, a, 3, 0, a[:5], 3) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.name)
				}
			}()
			tc.call()
		}()
	}
}

// FuzzSgemm checks every implementation against the float64 reference on
// small fuzzed shapes, strides, transposes and scalars.
func FuzzSgemm(f *testing.F) {
	f.Add(uint8(3), uint8(5), uint8(7), uint8(0), uint8(0), uint8(0), uint8(0), uint8(0), uint64(1))
	f.Add(uint8(15), uint8(33), uint8(1), uint8(1), uint8(2), uint8(3), uint8(3), uint8(5), uint64(2))
	f.Add(uint8(29), uint8(17), uint8(64), uint8(0), uint8(1), uint8(0), uint8(2), uint8(9), uint64(3))
	scalars := []float32{0, 1, -1, 0.5, 2, -3.25}
	f.Fuzz(func(t *testing.T, m, n, k, padA, padB, padC, trans, ab uint8, seed uint64) {
		c := kerneltest.SgemmCase{
			TransA: trans&1 != 0, TransB: trans&2 != 0,
			M: int(m % 72), N: int(n % 72), K: int(k % 130),
			PadA: int(padA % 5), PadB: int(padB % 5), PadC: int(padC % 5),
			Alpha: scalars[int(ab)%len(scalars)], Beta: scalars[int(ab/8)%len(scalars)],
			Seed: seed,
		}
		c.NaNC = c.Beta == 0
		for _, im := range gemmImpls {
			kerneltest.CheckSgemm(t, im.fn, c)
		}
	})
}

// TestSgemmInsideParallel runs parallel Sgemms from the chunks of a
// parallel loop, and from several goroutines at once: the waiting callers
// must run each other's chunks rather than deadlock on a busy pool.
func TestSgemmInsideParallel(t *testing.T) {
	const n = 96
	rng := rand.New(rand.NewPCG(7, 8))
	a, b := randMatrix(n*n, rng), randMatrix(n*n, rng)
	want := make([]float32, n*n)
	sgemmGeneric(false, false, n, n, n, 1, a, n, b, n, 0, want, n)
	const outer = 6
	cs := make([][]float32, outer)
	var wg sync.WaitGroup
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			Parallel(outer, 1, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					c := make([]float32, n*n)
					Sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
					if g == 0 {
						cs[i] = c
					}
				}
			})
		}()
	}
	wg.Wait()
	for i, c := range cs {
		for j := range c {
			if d := math.Abs(float64(c[j] - want[j])); d > 1e-4 {
				t.Fatalf("product %d: c[%d] = %v, want %v", i, j, c[j], want[j])
			}
		}
	}
}

// TestSgemmAllocs checks that a steady-state call, serial or parallel,
// allocates nothing.
func TestSgemmAllocs(t *testing.T) {
	for _, n := range []int{16, 200} {
		a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
		Sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
		if got := testing.AllocsPerRun(20, func() {
			Sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
		}); got != 0 {
			t.Errorf("Sgemm %d³: %v allocations per call, want 0", n, got)
		}
	}
}

func randMatrix(n int, rng *rand.Rand) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.Float64()*2 - 1)
	}
	return s
}

func benchSgemm(b *testing.B, f func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int), transA, transB bool, n int) {
	rng := rand.New(rand.NewPCG(1, 2))
	x, y, z := randMatrix(n*n, rng), randMatrix(n*n, rng), make([]float32, n*n)
	f(transA, transB, n, n, n, 1, x, n, y, n, 0, z, n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f(transA, transB, n, n, n, 1, x, n, y, n, 0, z, n)
	}
	b.ReportMetric(2*math.Pow(float64(n), 3)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkSgemm measures Sgemm (the implementation in use) on square
// matrices, the way ../shared/bench/torch_anchor.py times PyTorch.
func BenchmarkSgemm(b *testing.B) {
	for _, n := range []int{256, 512, 1024, 2048} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) { benchSgemm(b, Sgemm, false, false, n) })
	}
}

// BenchmarkSgemmTrans measures the transposed products of the backward
// passes (AᵀB for weight gradients, ABᵀ for input gradients).
func BenchmarkSgemmTrans(b *testing.B) {
	for _, tr := range []struct {
		name   string
		ta, tb bool
	}{{"NT", false, true}, {"TN", true, false}, {"TT", true, true}} {
		b.Run(fmt.Sprintf("%s/N=1024", tr.name), func(b *testing.B) { benchSgemm(b, Sgemm, tr.ta, tr.tb, 1024) })
	}
}

// BenchmarkSgemmShapes measures the products of a convolutional network:
// im2col convolution forward (W·cols), its weight gradient (dY·colsᵀ) and
// input gradient (Wᵀ·dY) for a 3×3, 64-channel layer on 56×56 (ResNet's
// first stage), and a fully connected layer (x·Wᵀ) at batch 128.
func BenchmarkSgemmShapes(b *testing.B) {
	for _, s := range []struct {
		name    string
		ta, tb  bool
		m, n, k int
	}{
		{"conv3x3fwd", false, false, 64, 3136, 576},
		{"conv3x3dW", false, true, 64, 576, 3136},
		{"conv3x3dX", true, false, 576, 3136, 64},
		{"fc4096", false, true, 128, 4096, 4096},
		{"fc4096dW", true, false, 4096, 4096, 128},
	} {
		b.Run(s.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			lda, ldb := s.k, s.n
			if s.ta {
				lda = s.m
			}
			if s.tb {
				ldb = s.k
			}
			x, y, z := randMatrix(s.m*s.k, rng), randMatrix(s.k*s.n, rng), make([]float32, s.m*s.n)
			b.ReportAllocs()
			for b.Loop() {
				Sgemm(s.ta, s.tb, s.m, s.n, s.k, 1, x, lda, y, ldb, 0, z, s.n)
			}
			b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkSgemmImpls compares the implementations at one size.
func BenchmarkSgemmImpls(b *testing.B) {
	for _, im := range gemmImpls[1:] {
		b.Run(im.name+"/N=512", func(b *testing.B) { benchSgemm(b, im.fn, false, false, 512) })
	}
}

// BenchmarkSgemmLeNet measures the products of LeNet-5's convolutions at
// batch 64: forward W·cols and input gradient Wᵀ·dY, whose B rows are a
// multiple of 1 KB apart, and the weight gradient dY·colsᵀ.
func BenchmarkSgemmLeNet(b *testing.B) {
	for _, s := range []struct {
		name    string
		ta, tb  bool
		m, n, k int
	}{
		{"conv1fwd", false, false, 6, 50176, 25},
		{"conv1dW", false, true, 6, 25, 50176},
		{"conv2fwd", false, false, 16, 6400, 150},
		{"conv2dW", false, true, 16, 150, 6400},
		{"conv2dX", true, false, 150, 6400, 16},
	} {
		b.Run(s.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			lda, ldb := s.k, s.n
			if s.ta {
				lda = s.m
			}
			if s.tb {
				ldb = s.k
			}
			x, y, z := randMatrix(s.m*s.k, rng), randMatrix(s.k*s.n, rng), make([]float32, s.m*s.n)
			b.ReportAllocs()
			for b.Loop() {
				Sgemm(s.ta, s.tb, s.m, s.n, s.k, 1, x, lda, y, ldb, 0, z, s.n)
			}
		})
	}
}

// TestSgemmDot checks the dot-product tiles of A·Bᵀ against the naive
// GEMM on shapes that dotSuits takes: whole tiles, edge tiles in both
// directions, k with and without a partial vector at its end, padded rows.
func TestSgemmDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, im := range gemmImpls {
		if im.kern == nil || im.kern.dot == nil {
			continue
		}
		for _, s := range []struct{ m, n, k, pad int }{
			{4, 6, 256, 0}, {5, 7, 300, 3}, {16, 144, 1024, 0}, {9, 13, 257, 1}, {6, 25, 784, 5}, {32, 288, 271, 2},
		} {
			if !dotSuits(s.m, s.n, s.k) {
				t.Fatalf("%+v: not a shape for the dot tiles", s)
			}
			lda, ldb, ldc := s.k+s.pad, s.k+2*s.pad, s.n+s.pad
			a, b := randMatrix(s.m*lda, rng), randMatrix(s.n*ldb, rng)
			for _, beta := range []float32{0, 1, -0.5} {
				c := randMatrix(s.m*ldc, rng)
				want := slices.Clone(c)
				if beta == 0 {
					for i := range c {
						c[i] = float32(math.NaN()) // must not be read
					}
				}
				sgemmGeneric(false, true, s.m, s.n, s.k, 1.5, a, lda, b, ldb, beta, want, ldc)
				sgemmDot(im.kern.dot, s.m, s.n, s.k, 1.5, a, lda, b, ldb, beta, c, ldc)
				for i := 0; i < s.m; i++ {
					for j := 0; j < ldc; j++ {
						got, w := c[i*ldc+j], want[i*ldc+j]
						if j >= s.n {
							if beta == 0 && !math.IsNaN(float64(got)) {
								t.Fatalf("%s %+v: wrote c[%d][%d] past the last column", im.name, s, i, j)
							}
							continue
						}
						if d := math.Abs(float64(got - w)); !(d <= 1e-5*float64(s.k)) {
							t.Fatalf("%s %+v beta=%v: c[%d][%d] = %v, want %v", im.name, s, beta, i, j, got, w)
						}
					}
				}
			}
		}
	}
}

// TestTranspose checks Transpose element by element, with leading
// dimensions wider than the matrix, on shapes whose rows and columns are
// and are not multiples of the SIMD blocks, and that it writes nothing
// outside the transposed matrix.
func TestTranspose(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, sh := range [][2]int{{1, 1}, {8, 8}, {49, 512}, {196, 64}, {7, 16}, {16, 7}, {33, 24}, {100, 37}} {
		rows, cols := sh[0], sh[1]
		lds, ldd := cols+3, rows+5
		src := randMatrix(rows*lds, rng)
		dst := randMatrix(cols*ldd, rng)
		want := append([]float32(nil), dst...)
		for r := 0; r < rows; r++ {
			for c := 0; c < cols; c++ {
				want[c*ldd+r] = src[r*lds+c]
			}
		}
		Transpose(dst, ldd, src, lds, rows, cols)
		for i := range want {
			if dst[i] != want[i] {
				t.Fatalf("%d×%d: dst[%d] = %v, want %v", rows, cols, i, dst[i], want[i])
			}
		}
	}
}

// TestSgemmNarrow checks products whose C is computed transposed (few
// columns, many rows: a convolution's last stage at batch 1) against the
// naive reference, for each combination of transposed operands, on every
// packed implementation whose panels those columns fill badly.
func TestSgemmNarrow(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for _, im := range gemmImpls {
		kern := im.kern
		if kern == nil {
			continue
		}
		for _, sh := range [][3]int{{512, 49, 300}, {256, 100, 150}, {96, 10, 700}} {
			m, n, k := sh[0], sh[1], sh[2]
			if !kern.narrow(m, n) {
				if kern.nr >= 16 { // the SIMD kernels' panels
					t.Fatalf("%s: %d×%d is not narrow; resize the test", im.name, m, n)
				}
				continue
			}
			for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
				lda, ldb, ldc := k+1, n+2, n+3
				ar, ac, br, bc := m, k, k, n
				if tr[0] {
					ar, ac, lda = k, m, m+1
				}
				if tr[1] {
					br, bc, ldb = n, k, k+2
				}
				a, b := randMatrix((ar-1)*lda+ac, rng), randMatrix((br-1)*ldb+bc, rng)
				c := randMatrix((m-1)*ldc+n, rng) // stale values, which beta 0 ignores
				want := make([]float32, len(c))
				copy(want, c)
				sgemmGeneric(tr[0], tr[1], m, n, k, 1.25, a, lda, b, ldb, 0, want, ldc)
				im.fn(tr[0], tr[1], m, n, k, 1.25, a, lda, b, ldb, 0, c, ldc)
				for i := range want {
					if d := math.Abs(float64(c[i] - want[i])); !(d <= 1e-4*float64(k)) {
						t.Fatalf("%s %d×%d×%d trans %v: c[%d] = %v, want %v", im.name, m, n, k, tr, i, c[i], want[i])
					}
				}
			}
		}
	}
}

// TestSgemmFewRows checks products of at most four rows against a
// transposed B (a fully connected layer at batch 1 to 4), which the
// implementations with a dot-product kernel compute as dot products over
// the workers: rows of B not a multiple of six, beta 0 over stale values
// and beta 1, k not a multiple of the vector.
func TestSgemmFewRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	for _, im := range gemmImpls {
		for _, sh := range [][3]int{{1, 1000, 300}, {2, 257, 1024}, {3, 4099, 256}, {4, 640, 515}} {
			m, n, k := sh[0], sh[1], sh[2]
			if im.kern != nil && im.kern.dot != nil && m*n*k < gemmSerialWork {
				t.Fatalf("%d×%d×%d is too small for the dot-product path; resize the test", m, n, k)
			}
			for _, beta := range []float32{0, 1} {
				lda, ldb, ldc := k+3, k+1, n+2
				a, b := randMatrix((m-1)*lda+k, rng), randMatrix((n-1)*ldb+k, rng)
				c := randMatrix((m-1)*ldc+n, rng)
				want := make([]float32, len(c))
				copy(want, c)
				sgemmGeneric(false, true, m, n, k, 0.75, a, lda, b, ldb, beta, want, ldc)
				im.fn(false, true, m, n, k, 0.75, a, lda, b, ldb, beta, c, ldc)
				for i := range want {
					if d := math.Abs(float64(c[i] - want[i])); !(d <= 1e-4*float64(k)) {
						t.Fatalf("%s %d×%d×%d beta %v: c[%d] = %v, want %v", im.name, m, n, k, beta, i, c[i], want[i])
					}
				}
			}
		}
	}
}
