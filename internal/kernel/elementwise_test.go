package kernel

import (
	"math"
	"testing"
)

func TestReLUBranchless(t *testing.T) {
	nanNeg := math.Float32frombits(0xffc00000)
	in := []float32{-2, -0.0, 0, 1.5, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), nanNeg, -1e-45, 1e-45}
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
	}
}
