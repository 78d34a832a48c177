package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkSgemmDotRows measures the weight gradient of a 3×3
// convolution from one padded band: CIFAR ResNet's first stage (16
// channels, a 32×32 image) and ResNet's first stage (64 channels, 14
// rows of 56×56), and CIFAR ResNet's three stages as training tiles them,
// several images side by side (3, 6 and 11).
func BenchmarkSgemmDotRows(b *testing.B) {
	for _, s := range []struct{ c, cout, rows, w int }{{16, 16, 32, 32}, {32, 32, 16, 16}, {64, 64, 14, 56},
		{16, 16, 32, 3*33 - 1}, {32, 32, 16, 6*17 - 1}, {64, 64, 8, 11*9 - 1}} {
		wp, rin := s.w+2, s.rows+2
		rng := rand.New(rand.NewPCG(1, 2))
		xp := randMatrix(s.c*rin*wp, rng)
		n := (s.rows-1)*wp + s.w
		gy := randMatrix(s.cout*n, rng)
		off := make([]int, 0, 9*s.c)
		for ch := 0; ch < s.c; ch++ {
			for ky := 0; ky < 3; ky++ {
				for kx := 0; kx < 3; kx++ {
					off = append(off, ch*rin*wp+ky*wp+kx)
				}
			}
		}
		dw := make([]float32, s.cout*len(off))
		b.Run(fmt.Sprintf("c%d_%dx%d", s.c, s.rows, s.w), func(b *testing.B) {
			for b.Loop() {
				SgemmDotRows(s.cout, len(off), n, 1, gy, n, xp, off, 1, dw, len(off))
			}
			b.ReportMetric(2*float64(s.cout*len(off)*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
