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

// TestWinogradOutputRows checks rows of tiles of several lengths (whole
// vectors, masked tails, odd widths), written and added, against Aᵀ m A
// in float64, and bit for bit against the sums in the order the kernel
// makes them.
func TestWinogradOutputRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 7, 16, 17, 31, 32, 48} {
		for _, odd := range []bool{false, true} {
			for _, acc := range []bool{false, true} {
				w := 2*n - map[bool]int{false: 0, true: 1}[odd]
				if w == 0 {
					continue
				}
				t.Run(fmt.Sprintf("n=%d/w=%d/acc=%v", n, w, acc), func(t *testing.T) {
					lds := n + 5
					src := randFloats(rng, 15*lds+n)
					// Each row ends 40 floats before its buffer does: the
					// kernel must leave those alone.
					backing := [2][]float32{randFloats(rng, w+40), randFloats(rng, w+40)}
					rows := [2][]float32{backing[0][:w], backing[1][:w]}
					before := [2][]float32{append([]float32(nil), backing[0]...), append([]float32(nil), backing[1]...)}
					WinogradOutputRows(n, rows[0], rows[1], src, lds, acc)
					for i := range backing {
						for k := w; k < w+40; k++ {
							if backing[i][k] != before[i][k] {
								t.Fatalf("row %d: float %d past its end written", i, k-w)
							}
						}
					}
					for j := 0; j < n; j++ {
						m := func(a, b int) float32 { return src[(4*a+b)*lds+j] }
						for i := 0; i < 2; i++ {
							for jj := 0; jj < 2 && 2*j+jj < w; jj++ {
								var want64 float64
								for a := 0; a < 4; a++ {
									for b := 0; b < 4; b++ {
										want64 += testAT[i][a] * float64(m(a, b)) * testAT[jj][b]
									}
								}
								var s [4]float32 // row i of Aᵀ m, column by column
								for b := 0; b < 4; b++ {
									if i == 0 {
										s[b] = m(0, b) + m(1, b) + m(2, b)
									} else {
										s[b] = m(1, b) - m(2, b) - m(3, b)
									}
								}
								want := s[0] + s[1] + s[2]
								if jj == 1 {
									want = s[1] - s[2] - s[3]
								}
								if acc {
									want += before[i][2*j+jj]
									want64 += float64(before[i][2*j+jj])
								}
								got := rows[i][2*j+jj]
								if got != want || math.Abs(float64(got)-want64) > 1e-5 {
									t.Fatalf("tile %d output (%d, %d): %v, want %v (%v in float64)", j, i, jj, got, want, want64)
								}
							}
						}
					}
				})
			}
		}
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
		{"output src short", func() {
			WinogradOutputRows(16, make([]float32, 32), make([]float32, 32), make([]float32, 15*16+15), 16, false)
		}},
		{"output rows too short", func() {
			WinogradOutputRows(16, make([]float32, 30), make([]float32, 30), make([]float32, 256), 16, false)
		}},
		{"output rows differ", func() {
			WinogradOutputRows(16, make([]float32, 32), make([]float32, 31), make([]float32, 256), 16, false)
		}},
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

// TestWinogradInputPanels checks that the panel layout holds what
// WinogradInput writes, bit for bit, every tile where the layout puts it
// and the last panel's columns past the tiles zero, and that SgemmPanels
// over the panels of several channels is the GEMM over WinogradInput's
// rows.
func TestWinogradInputPanels(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	nr := PanelWidth()
	for _, n := range []int{1, 17, nr, nr + 5, 3*nr - 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			const chans, m = 3, 19
			src := randFloats(rng, 400)
			var off [16]int
			for u := range off {
				off[u] = rng.IntN(len(src) - n - 2*chans + 1)
			}
			panels := ceilDiv(n, nr)
			ldd := chans * panels * nr
			got := make([]float32, 16*ldd)
			for i := range got {
				got[i] = float32(math.NaN()) // every element must be written
			}
			rows := make([]float32, 16*chans*n) // WinogradInput's: row ξ·chans + ch
			for ch := 0; ch < chans; ch++ {
				var o [16]int
				for u := range o {
					o[u] = off[u] + 2*ch // each channel its own patches
				}
				WinogradInputPanels(n, got[ch*nr:], ldd, chans*nr, src, &o)
				WinogradInput(n, rows[ch*n:], chans*n, src, &o)
			}
			for xi := 0; xi < 16; xi++ {
				for ch := 0; ch < chans; ch++ {
					for j := 0; j < panels*nr; j++ {
						g := got[xi*ldd+j/nr*chans*nr+ch*nr+j%nr]
						want := float32(0)
						if j < n {
							want = rows[(xi*chans+ch)*n+j]
						}
						if g != want {
							t.Fatalf("entry %d, channel %d, tile %d: %v, want %v", xi, ch, j, g, want)
						}
					}
				}
			}
			a := randFloats(rng, m*chans)
			pa := PackRowsA(m, chans, a, chans)
			defer pa.Release()
			c := make([]float32, m*n)
			SgemmPanels(&pa, n, got[5*ldd:6*ldd], c, n) // entry ξ = 5
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					var want float64
					for ch := 0; ch < chans; ch++ {
						want += float64(a[i*chans+ch]) * float64(rows[(5*chans+ch)*n+j])
					}
					if math.Abs(float64(c[i*n+j])-want) > 1e-4 {
						t.Fatalf("SgemmPanels c[%d][%d] = %v, want %v", i, j, c[i*n+j], want)
					}
				}
			}
		})
	}
}
