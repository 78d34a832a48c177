package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

var (
	testBT = [4][4]float64{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}}
	testAT = [2][4]float64{{1, 1, 1, 0}, {0, 1, -1, -1}}
)

// TestWinogradInput checks every tile of runs of several lengths (vector
// body and scalar tail) against Bᵀ d B computed in float64, and the
// vector body against the scalar loop bit for bit.
func TestWinogradInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 5, 16, 17, 40, 67} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			src := randFloats(rng, 300)
			var off [16]int
			for u := range off {
				off[u] = rng.IntN(len(src) - n + 1)
			}
			ldd := n + 3
			dst := make([]float32, 15*ldd+n)
			WinogradInput(n, dst, ldd, src, &off)
			for j := 0; j < n; j++ {
				var want [4][4]float64
				for a := 0; a < 4; a++ {
					for b := 0; b < 4; b++ {
						for r := 0; r < 4; r++ {
							for c := 0; c < 4; c++ {
								want[a][b] += testBT[a][r] * float64(src[off[4*r+c]+j]) * testBT[b][c]
							}
						}
					}
				}
				for xi := 0; xi < 16; xi++ {
					if got := float64(dst[xi*ldd+j]); math.Abs(got-want[xi/4][xi%4]) > 1e-5 {
						t.Fatalf("tile %d entry %d: %v, want %v", j, xi, got, want[xi/4][xi%4])
					}
				}
			}
			// The scalar loop alone, tile by tile, gives the same bits.
			one := make([]float32, 16)
			for j := 0; j < n; j++ {
				var o [16]int
				for u := range o {
					o[u] = off[u] + j
				}
				WinogradInput(1, one, 1, src, &o)
				for xi := 0; xi < 16; xi++ {
					if one[xi] != dst[xi*ldd+j] {
						t.Fatalf("tile %d entry %d: %v alone, %v in a run of %d", j, xi, one[xi], dst[xi*ldd+j], n)
					}
				}
			}
		})
	}
}

// TestWinogradOutput is TestWinogradInput for Aᵀ m A.
func TestWinogradOutput(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 7, 16, 31, 48} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			lds, ldd := n+5, n+1
			src := randFloats(rng, 15*lds+n)
			dst := make([]float32, 3*ldd+n)
			WinogradOutput(n, dst, ldd, src, lds)
			for j := 0; j < n; j++ {
				for i := 0; i < 2; i++ {
					for jj := 0; jj < 2; jj++ {
						var want float64
						for a := 0; a < 4; a++ {
							for b := 0; b < 4; b++ {
								want += testAT[i][a] * float64(src[(4*a+b)*lds+j]) * testAT[jj][b]
							}
						}
						if got := float64(dst[(2*i+jj)*ldd+j]); math.Abs(got-want) > 1e-5 {
							t.Fatalf("tile %d output (%d, %d): %v, want %v", j, i, jj, got, want)
						}
					}
				}
			}
			one, col := make([]float32, 4), make([]float32, 16)
			for j := 0; j < n; j++ {
				for xi := range col {
					col[xi] = src[xi*lds+j]
				}
				WinogradOutput(1, one, 1, col, 1)
				for q := 0; q < 4; q++ {
					if one[q] != dst[q*ldd+j] {
						t.Fatalf("tile %d output %d: %v alone, %v in a run of %d", j, q, one[q], dst[q*ldd+j], n)
					}
				}
			}
		})
	}
}

// TestWinogradBounds checks that runs reaching past their buffers panic
// with a message rather than touch memory outside them.
func TestWinogradBounds(t *testing.T) {
	var off [16]int
	off[7] = 10
	cases := []struct {
		name string
		call func()
	}{
		{"input src short", func() { WinogradInput(16, make([]float32, 16*16), 16, make([]float32, 25), &off) }},
		{"input dst short", func() { WinogradInput(16, make([]float32, 15*16+15), 16, make([]float32, 40), &off) }},
		{"input rows overlap", func() { WinogradInput(16, make([]float32, 16*16), 8, make([]float32, 40), &off) }},
		{"output src short", func() { WinogradOutput(16, make([]float32, 64), 16, make([]float32, 15*16+15), 16) }},
		{"output dst short", func() { WinogradOutput(16, make([]float32, 63), 16, make([]float32, 256), 16) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("did not panic")
				}
			}()
			c.call()
		})
	}
}

func randFloats(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}
