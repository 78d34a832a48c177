package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// batchNormSizes covers the vector loops' four-step and one-step parts and
// every tail length, and one plane of a 32×32 map.
func batchNormSizes() []int {
	var ns []int
	for n := 0; n <= 80; n++ {
		ns = append(ns, n)
	}
	return append(ns, 127, 1024, 1031)
}

// closeTo reports whether got is within a float32 summation's error of the
// float64 want, relative to scale (the sum of magnitudes).
func closeTo(got float32, want, scale float64) bool {
	return math.Abs(float64(got)-want) <= 1e-6*scale+1e-30
}

func TestBatchNormReductions(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range batchNormSizes() {
		g, x := randMatrix(n, rng), randMatrix(n, rng)
		for i := range x {
			x[i] = 3 + 2*x[i] // an offset that centring must remove
		}
		m := float32(2.9)
		var sum, sumAbs, ssd, ssdAbs, sg, sgAbs, sgx, sgxAbs float64
		for i := range x {
			d := float64(x[i]) - float64(m)
			sum += float64(x[i])
			sumAbs += math.Abs(float64(x[i]))
			ssd += d * d
			ssdAbs += d * d
			sg += float64(g[i])
			sgAbs += math.Abs(float64(g[i]))
			sgx += float64(g[i]) * d
			sgxAbs += math.Abs(float64(g[i]) * d)
		}
		if got := Sum(x); !closeTo(got, sum, sumAbs) {
			t.Errorf("n=%d: Sum %v, want %v", n, got, sum)
		}
		if got := SumSquaredDeviations(x, m); !closeTo(got, ssd, ssdAbs) {
			t.Errorf("n=%d: SumSquaredDeviations %v, want %v", n, got, ssd)
		}
		gotG, gotGX := SumAndCenteredDot(g, x, m)
		if !closeTo(gotG, sg, sgAbs) || !closeTo(gotGX, sgx, sgxAbs) {
			t.Errorf("n=%d: SumAndCenteredDot %v, %v, want %v, %v", n, gotG, gotGX, sg, sgx)
		}
	}
}

func TestAffineAndBatchNormGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const a, b, c, m = 1.5, -0.25, 0.125, 0.5
	for _, n := range batchNormSizes() {
		g, x := randMatrix(n, rng), randMatrix(n, rng)
		dst := randMatrix(n+1, rng) // one past the end, which must stay
		last := dst[n]
		Affine(dst[:n], x, a, b)
		for i := range x {
			if want := x[i]*a + b; math.Abs(float64(dst[i]-want)) > 1e-6 {
				t.Fatalf("n=%d: Affine[%d] = %v, want %v", n, i, dst[i], want)
			}
		}
		for _, acc := range []bool{false, true} {
			prev := append([]float32(nil), dst...)
			BatchNormGrad(dst[:n], g, x, a, b, c, m, acc)
			for i := range g {
				want := float64(c) + a*float64(g[i]) + b*(float64(x[i])-m)
				if acc {
					want += float64(prev[i])
				}
				if math.Abs(float64(dst[i])-want) > 1e-6 {
					t.Fatalf("n=%d accumulate=%v: BatchNormGrad[%d] = %v, want %v", n, acc, i, dst[i], want)
				}
			}
		}
		if dst[n] != last {
			t.Fatalf("n=%d: wrote past the end", n)
		}
	}
}

// TestBatchNormReLUKernels checks the kernels of a batch norm fused with
// the ReLU after it against the unfused ones: AffineReLU against Affine
// then ReLU bit for bit (inputs mapped exactly to 0 and −0, and NaN,
// included), and the backward pass's against SumAndCenteredDot and
// BatchNormGrad of ReLUBackward's gradient.
func TestBatchNormReLUKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const sa, sb = 2, -1 // x = 0.5 maps to exactly 0
	const a, b, c, m = 1.5, -0.25, 0.125, 0.5
	nan := float32(math.NaN())
	for _, n := range batchNormSizes() {
		g, x := randMatrix(n, rng), randMatrix(n, rng)
		for i := 0; i < n; i += 7 {
			x[i] = 0.5
		}
		for i := 3; i < n; i += 11 {
			x[i] = 0
		}
		fwdX := append([]float32(nil), x...)
		for i := 5; i < n; i += 13 {
			fwdX[i] = nan
		}
		got, want := make([]float32, n+1), make([]float32, n)
		got[n] = 42 // one past the end, which must stay
		AffineReLU(got[:n], fwdX, sa, sb)
		Affine(want, fwdX, sa, sb)
		ReLU(want, want)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n=%d: AffineReLU[%d] of %v = %v, want %v", n, i, fwdX[i], got[i], want[i])
			}
		}
		if got[n] != 42 {
			t.Fatalf("n=%d: AffineReLU wrote past the end", n)
		}

		y := make([]float32, n)
		AffineReLU(y, x, sa, sb)
		gReLU := make([]float32, n)
		ReLUBackward(gReLU, g, y, false)
		var absG, absGX float64
		for i := range g {
			absG += math.Abs(float64(gReLU[i]))
			absGX += math.Abs(float64(gReLU[i]) * (float64(x[i]) - m))
		}
		sg, sgx := SumAndCenteredDotReLU(g, x, m, sa, sb)
		wantG, wantGX := SumAndCenteredDot(gReLU, x, m)
		if !closeTo(sg, float64(wantG), absG) || !closeTo(sgx, float64(wantGX), absGX) {
			t.Errorf("n=%d: SumAndCenteredDotReLU %v, %v, want %v, %v", n, sg, sgx, wantG, wantGX)
		}
		for _, acc := range []bool{false, true} {
			prev := randMatrix(n, rng)
			dst, ref := append([]float32(nil), prev...), append([]float32(nil), prev...)
			dst = append(dst, 42)
			BatchNormGradReLU(dst[:n], g, x, a, b, c, m, sa, sb, acc)
			BatchNormGrad(ref, gReLU, x, a, b, c, m, acc)
			for i := range ref {
				if math.Abs(float64(dst[i]-ref[i])) > 1e-6 {
					t.Fatalf("n=%d accumulate=%v: BatchNormGradReLU[%d] = %v, want %v", n, acc, i, dst[i], ref[i])
				}
			}
			if dst[n] != 42 {
				t.Fatalf("n=%d: BatchNormGradReLU wrote past the end", n)
			}
		}
	}
}
