package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSgemmRows checks every packed implementation of SgemmRows against
// its definition, on shapes with partial tiles and panels, k across
// several slices, overlapping rows of B and the three kinds of beta.
func TestSgemmRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, im := range gemmImpls {
		if im.kern == nil {
			continue
		}
		for _, s := range []struct{ m, n, k int }{
			{1, 1, 1}, {3, 31, 5}, {14, 32, 9}, {15, 33, 192}, {16, 70, 193}, {29, 97, 400},
			{64, 130, 576}, {130, 40, 1153}, {6, 16, 3},
		} {
			for _, beta := range []float32{0, 1, -0.5} {
				lda, ldc := s.k+3, s.n+5
				src := randMatrix(s.n+3*s.k+40, rng)
				off := make([]int, s.k)
				for p := range off {
					off[p] = rng.IntN(len(src) - s.n + 1)
				}
				a, c := randMatrix(s.m*lda, rng), randMatrix(s.m*ldc, rng)
				if beta == 0 {
					for i := range c {
						c[i] = float32(math.NaN())
					}
				}
				want := append([]float32(nil), c...)
				sgemmRowsGeneric(s.m, s.n, s.k, 1.5, a, lda, src, off, beta, want, ldc)
				pa := RowsA{m: s.m, k: s.k, kern: im.kern, packed: make([]float32, s.m*s.k)}
				im.kern.packRowsA(pa.packed, s.m, s.k, a, lda)
				pa.product(new(gemmWork), s.n, 1.5, src, off, nil, nil, beta, c, ldc)
				for i := 0; i < s.m; i++ {
					for j := 0; j < ldc; j++ {
						got, exp := c[i*ldc+j], want[i*ldc+j]
						if j >= s.n { // outside C: untouched
							if got != exp && !(math.IsNaN(float64(got)) && math.IsNaN(float64(exp))) {
								t.Fatalf("%s %v beta=%v: wrote c[%d][%d] outside C", im.name, s, beta, i, j)
							}
							continue
						}
						if d := math.Abs(float64(got - exp)); !(d <= 1e-5*float64(s.k)) {
							t.Fatalf("%s %v beta=%v: c[%d][%d] = %v, want %v", im.name, s, beta, i, j, got, exp)
						}
					}
				}
			}
		}
	}
}

// TestSgemmRowsPacked checks the exported entry points, A packed per call
// and once for several products, against the definition.
func TestSgemmRowsPacked(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const m, n, k, lda, ldc = 20, 45, 300, 301, 47
	a, src := randMatrix(m*lda, rng), randMatrix(n+2*k, rng)
	off := make([]int, k)
	for p := range off {
		off[p] = 2*k - 2*p
	}
	want := make([]float32, m*ldc)
	sgemmRowsGeneric(m, n, k, 1, a, lda, src, off, 0, want, ldc)
	got := make([]float32, m*ldc)
	SgemmRows(m, n, k, 1, a, lda, src, off, 0, got, ldc)
	pa := PackRowsA(m, k, a, lda)
	defer pa.Release()
	packed := make([]float32, m*ldc)
	SgemmRowsPacked(&pa, n, 1, src, off, 0, packed, ldc)
	buf := make([]float32, m*k+5) // PackRowsAInto's buffer, not the scratch's
	into := PackRowsAInto(buf[5:], m, k, a, lda)
	intoC := make([]float32, m*ldc)
	SgemmRowsPacked(&into, n, 1, src, off, 0, intoC, ldc)
	into.Release() // must leave buf alone
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); !(d <= 1e-5*k) {
			t.Fatalf("SgemmRows: c[%d] = %v, want %v", i, got[i], want[i])
		}
		if packed[i] != got[i] || intoC[i] != got[i] {
			t.Fatalf("SgemmRowsPacked: c[%d] = %v, from PackRowsAInto %v, SgemmRows %v", i, packed[i], intoC[i], got[i])
		}
	}
}

func TestSgemmRowsPanics(t *testing.T) {
	a, src, c := make([]float32, 6), make([]float32, 10), make([]float32, 6)
	for _, tc := range []struct {
		name string
		call func()
	}{
		{"offsets", func() { SgemmRows(2, 3, 2, 1, a, 2, src, []int{0}, 0, c, 3) }},
		{"row past src", func() { SgemmRows(2, 3, 2, 1, a, 2, src, []int{0, 8}, 0, c, 3) }},
		{"negative row", func() { SgemmRows(2, 3, 2, 1, a, 2, src, []int{-1, 0}, 0, c, 3) }},
		{"short C", func() { SgemmRows(2, 3, 2, 1, a, 2, src, []int{0, 1}, 0, c[:5], 3) }},
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

// BenchmarkSgemmRows measures the implicit GEMM of a 3×3 convolution with
// 64 channels on 56×56 (ResNet's first stage) against the explicit one,
// im2col then SgemmSerial, on one core.
func BenchmarkSgemmRows(b *testing.B) {
	const c, h, wd, cout = 64, 56, 56, 64
	hp, wp := h+2, wd+2
	rng := rand.New(rand.NewPCG(1, 2))
	xp := randMatrix(c*hp*wp, rng)
	wt := randMatrix(cout*c*9, rng)
	n := (h-1)*wp + wd
	off := make([]int, 0, c*9)
	for ch := 0; ch < c; ch++ {
		for ky := 0; ky < 3; ky++ {
			for kx := 0; kx < 3; kx++ {
				off = append(off, ch*hp*wp+ky*wp+kx)
			}
		}
	}
	y := make([]float32, cout*n)
	flops := 2 * float64(cout*h*wd*c*9)
	b.Run("implicit", func(b *testing.B) {
		for b.Loop() {
			SgemmRows(cout, n, c*9, 1, wt, c*9, xp, off, 0, y, n)
		}
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	b.Run("im2col", func(b *testing.B) {
		g := ConvGeom{C: c, H: h, W: wd, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, DH: 1, DW: 1, OH: h, OW: wd}
		x := randMatrix(c*h*wd, rng)
		col := make([]float32, c*9*h*wd)
		for b.Loop() {
			Im2colBand(&g, x, col, h*wd, 0, h)
			SgemmSerial(false, false, cout, h*wd, c*9, 1, wt, c*9, col, h*wd, 0, y, h*wd)
		}
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}

// TestSgemmDotRows checks SgemmDotRows against its definition, on shapes
// the dot-product kernel takes and shapes it leaves to the packed path.
func TestSgemmDotRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, s := range []struct{ m, n, k int }{
		{4, 6, 256}, {16, 144, 1086}, {5, 7, 300}, {3, 5, 40}, {64, 576, 812}, {1, 1, 1},
	} {
		for _, beta := range []float32{0, 1, -0.5} {
			lda, ldc := s.k+1, s.n+2
			src := randMatrix(s.k+2*s.n+30, rng)
			off := make([]int, s.n)
			for j := range off {
				off[j] = rng.IntN(len(src) - s.k + 1)
			}
			a, c := randMatrix(s.m*lda, rng), randMatrix(s.m*ldc, rng)
			if beta == 0 {
				for i := range c {
					c[i] = float32(math.NaN())
				}
			}
			want := append([]float32(nil), c...)
			for i := 0; i < s.m; i++ {
				for j := 0; j < s.n; j++ {
					var d float64
					for p := 0; p < s.k; p++ {
						d += float64(a[i*lda+p]) * float64(src[off[j]+p])
					}
					v := 1.5 * d
					if beta != 0 {
						v += float64(beta) * float64(want[i*ldc+j])
					}
					want[i*ldc+j] = float32(v)
				}
			}
			SgemmDotRows(s.m, s.n, s.k, 1.5, a, lda, src, off, beta, c, ldc)
			for i := 0; i < s.m; i++ {
				for j := 0; j < s.n; j++ {
					got, exp := c[i*ldc+j], want[i*ldc+j]
					if d := math.Abs(float64(got - exp)); !(d <= 1e-5*float64(s.k)) {
						t.Fatalf("%v beta=%v: c[%d][%d] = %v, want %v", s, beta, i, j, got, exp)
					}
				}
			}
		}
	}
}

// FuzzSgemmRows checks SgemmRows and SgemmDotRows, with every packed
// implementation for the first, against their definitions on fuzzed
// shapes, row offsets and scalars.
func FuzzSgemmRows(f *testing.F) {
	f.Add(uint8(3), uint8(5), uint16(7), uint8(0), uint64(1))
	f.Add(uint8(15), uint8(33), uint16(200), uint8(9), uint64(2))
	f.Add(uint8(29), uint8(70), uint16(400), uint8(20), uint64(3))
	scalars := []float32{0, 1, -1, 0.5, 2, -3.25}
	f.Fuzz(func(t *testing.T, m, n uint8, k uint16, ab uint8, seed uint64) {
		mi, ni, ki := int(m%40)+1, int(n%80)+1, int(k%700)+1
		alpha, beta := scalars[int(ab)%len(scalars)], scalars[int(ab/8)%len(scalars)]
		rng := rand.New(rand.NewPCG(seed, 1))
		src := randMatrix(ni+ki+rng.IntN(50), rng)
		check := func(name string, got, want []float32, depth int) {
			t.Helper()
			for i := range want {
				if d := math.Abs(float64(got[i] - want[i])); !(d <= 1e-5*float64(depth)*(1+math.Abs(float64(want[i])))) {
					t.Fatalf("%s m=%d n=%d k=%d alpha=%v beta=%v: c[%d] = %v, want %v", name, mi, ni, ki, alpha, beta, i, got[i], want[i])
				}
			}
		}
		// SgemmRows: C (m×n) = A (m×k) · B, B's k rows n long at offsets.
		off := make([]int, ki)
		for p := range off {
			off[p] = rng.IntN(len(src) - ni + 1)
		}
		a, c := randMatrix(mi*ki, rng), randMatrix(mi*ni, rng)
		want := append([]float32(nil), c...)
		sgemmRowsGeneric(mi, ni, ki, alpha, a, ki, src, off, beta, want, ni)
		for _, im := range gemmImpls {
			if im.kern == nil {
				continue
			}
			got := append([]float32(nil), c...)
			pa := RowsA{m: mi, k: ki, kern: im.kern, packed: make([]float32, mi*ki)}
			im.kern.packRowsA(pa.packed, mi, ki, a, ki)
			pa.product(new(gemmWork), ni, alpha, src, off, nil, nil, beta, got, ni)
			check("SgemmRows/"+im.name, got, want, ki)
		}
		// SgemmDotRows: C (m×n) = A (m×k) · Bᵀ, B's n rows k long at offsets.
		offT := make([]int, ni)
		for j := range offT {
			offT[j] = rng.IntN(len(src) - ki + 1)
		}
		want = append(want[:0], c...)
		for i := 0; i < mi; i++ {
			for j := 0; j < ni; j++ {
				var d float64
				for p := 0; p < ki; p++ {
					d += float64(a[i*ki+p]) * float64(src[offT[j]+p])
				}
				v := float64(alpha) * d
				if beta != 0 {
					v += float64(beta) * float64(c[i*ni+j])
				}
				want[i*ni+j] = float32(v)
			}
		}
		got := append([]float32(nil), c...)
		SgemmDotRows(mi, ni, ki, alpha, a, ki, src, offT, beta, got, ni)
		check("SgemmDotRows", got, want, ki)
	})
}

// TestSgemmRowsPackedRuns checks the implicit GEMM over runs of 8 columns
// against its definition, on every packed implementation: full panels,
// a short last one, runs out of order and overlapping, several k slices,
// both betas.
func TestSgemmRowsPackedRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, im := range gemmImpls {
		if im.kern == nil {
			continue
		}
		for _, s := range [][3]int{{13, 64, 40}, {20, 72, 300}, {64, 200, 576}, {3, 8, 5}} {
			m, n, k := s[0], s[1], s[2]
			const lda, ldc = 601, 211
			a := randMatrix(m*lda, rng)
			src := randMatrix(4000, rng)
			off := make([]int, k)
			for p := range off {
				off[p] = rng.IntN(2000)
			}
			runs := make([]int, n/8)
			for r := range runs {
				runs[r] = rng.IntN(1990)
			}
			for _, beta := range []float32{0, 1} {
				c := randMatrix(m*ldc, rng)
				want := append([]float32(nil), c...)
				sgemmRowsRunsGeneric(m, n, k, 1.5, a, lda, src, off, runs, beta, want, ldc)
				saved := gemmInUse
				gemmInUse = im
				pa := PackRowsA(m, k, a, lda)
				SgemmRowsPackedRuns(&pa, n, 1.5, src, off, runs, beta, c, ldc)
				pa.Release()
				gemmInUse = saved
				for i := range want {
					if d := math.Abs(float64(c[i] - want[i])); !(d <= 1e-4*float64(k)) {
						t.Fatalf("%s %v beta=%v: c[%d] = %v, want %v", im.name, s, beta, i, c[i], want[i])
					}
				}
			}
		}
	}
}
