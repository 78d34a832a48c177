package kernel

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestReLUBranchless(t *testing.T) {
	nanNeg := math.Float32frombits(0xffc00000)
	in := []float32{-2, float32(math.Copysign(0, -1)), 0, 1.5, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), nanNeg, -1e-45, 1e-45}
	out := make([]float32, len(in))
	ReLU(out, in)
	for i, v := range in {
		want := v
		if v < 0 {
			want = 0
		}
		got := out[i]
		if (want != want) != (got != got) || (want == want && got != want) {
			t.Errorf("ReLU(%v) = %v, want %v", v, got, want)
		}
		if want == 0 && math.Signbit(float64(got)) {
			t.Errorf("ReLU(%v) = −0, want +0", v)
		}
	}
}

// TestReLUSizes checks ReLU and its backward, vector body and scalar tail,
// bit for bit against plain loops on every length to 40, with NaNs, both
// zeros, infinities and denormals among the values.
func TestReLUSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), math.Float32frombits(0xffc00001),
		float32(math.Inf(1)), float32(math.Inf(-1)), 1e-45, -1e-45}
	val := func() float32 {
		if rng.IntN(4) == 0 {
			return special[rng.IntN(len(special))]
		}
		return float32(rng.NormFloat64())
	}
	for n := 0; n <= 40; n++ {
		x, g, d0 := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], g[i], d0[i] = val(), val(), val()
		}
		got := make([]float32, n)
		ReLU(got, x)
		for i, v := range x {
			want := v
			if v <= 0 {
				want = 0 // +0, and a NaN stays
			}
			if math.Float32bits(got[i]) != math.Float32bits(want) {
				t.Fatalf("n=%d: ReLU(%v) = %v, want %v", n, v, got[i], want)
			}
		}
		for _, acc := range []bool{false, true} {
			got := slices.Clone(d0)
			ReLUBackward(got, g, x, acc)
			for i, y := range x {
				var gi float32
				if y > 0 {
					gi = g[i]
				}
				want := gi
				if acc {
					want = d0[i] + gi
				}
				if math.Float32bits(got[i]) != math.Float32bits(want) {
					t.Fatalf("n=%d acc=%v: ReLUBackward(g=%v, y=%v) onto %v = %v, want %v", n, acc, g[i], y, d0[i], got[i], want)
				}
			}
		}
	}
}

func BenchmarkReLU(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := randMatrix(64*6*28*28, rng)
	y := make([]float32, len(x))
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			ReLU(y, x)
		}
	})
	b.Run("backward", func(b *testing.B) {
		for b.Loop() {
			ReLUBackward(y, x, x, false)
		}
	})
}

func TestSum(t *testing.T) {
	for n := 0; n <= 40; n++ {
		x := make([]float32, n)
		var want float32
		for i := range x {
			x[i] = float32(i%7) - 2.5 // sums exactly in float32
			want += x[i]
		}
		if got := Sum(x); got != want {
			t.Errorf("Sum of %d: got %v, want %v", n, got, want)
		}
	}
}

// TestAdd checks Add, AddReLU and AddTo against plain loops on every
// length to 140 (the vector loops' four-step and one-step parts and the
// tail), AddReLU bit for bit against Add then ReLU with both zeros, NaN and
// sums of exactly 0 among the values, and that nothing past dst is
// written.
func TestAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for n := 0; n <= 140; n++ {
		a, b := randMatrix(n, rng), randMatrix(n, rng)
		want := make([]float32, n)
		for i := range want {
			want[i] = a[i] + b[i]
		}
		dst := make([]float32, n+1)
		dst[n] = 7
		Add(dst[:n], a, b)
		if !slices.Equal(dst[:n], want) || dst[n] != 7 {
			t.Fatalf("n=%d: Add differs from a + b, or wrote past the end", n)
		}
		negZero := float32(math.Copysign(0, -1))
		for i := 0; i < n; i += 9 { // sums of +0, −0, NaN and exactly 0
			a[i], b[i] = []float32{0, negZero, float32(math.NaN()), 1.5}[i%4], []float32{0, negZero, 1, -1.5}[i%4]
		}
		for i := range want {
			want[i] = a[i] + b[i]
		}
		ReLU(want, want)
		AddReLU(dst[:n], a, b)
		for i := range want {
			if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n=%d: AddReLU[%d] of %v + %v = %v, want %v", n, i, a[i], b[i], dst[i], want[i])
			}
		}
		if dst[n] != 7 {
			t.Fatalf("n=%d: AddReLU wrote past the end", n)
		}
		sums := make([]float32, n)
		for i := range sums {
			sums[i] = a[i] + b[i]
		}
		AddTo(a, b)
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(sums[i]) {
				t.Fatalf("n=%d: AddTo[%d] = %v, want %v", n, i, a[i], sums[i])
			}
		}
	}
}
