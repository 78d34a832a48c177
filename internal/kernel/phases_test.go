package kernel

import (
	"fmt"
	"testing"
)

// TestPhasePlanes checks PhasePlanes against its definition: shifts that
// reach into the padding on either side or past the image, sizes that
// are not multiples of the stride, unequal strides, and AlexNet's first
// layer read at stride 8.
func TestPhasePlanes(t *testing.T) {
	for _, c := range []struct {
		h, w, sh, sw, oh, ow int
		planes               []PhasePlane
	}{
		{224, 224, 8, 8, 29, 29, []PhasePlane{{0, 0, 0, 0}, {2, -1, 6, 0}, {7, 0, 3, -1}, {4, 1, 5, 1}}},
		{99, 91, 4, 4, 25, 23, []PhasePlane{{0, 0, 0, 0}, {3, 0, 1, 0}}},
		{40, 38, 2, 2, 22, 21, []PhasePlane{{0, -1, 1, -1}, {1, 0, 0, 2}}},
		{90, 44, 4, 2, 23, 23, []PhasePlane{{1, -1, 1, 0}, {3, 2, 0, -1}}},
		{7, 5, 2, 3, 6, 4, []PhasePlane{{1, -2, 2, 0}, {0, 9, 0, 0}, {0, 0, 1, -9}, {1, 1, 2, 3}}},
		// Rows too short for a whole block of 128 floats past the last one.
		{20, 37, 8, 8, 4, 6, []PhasePlane{{0, 0, 0, 0}, {7, -1, 7, -1}, {3, 1, 4, 0}, {5, 0, 2, 1}}},
		{40, 300, 8, 8, 7, 40, []PhasePlane{{0, 0, 0, 0}, {6, -1, 5, -1}, {1, 2, 7, 2}}},
	} {
		t.Run(fmt.Sprintf("%dx%d_stride%dx%d", c.h, c.w, c.sh, c.sw), func(t *testing.T) {
			x := make([]float32, c.h*c.w)
			for i := range x {
				x[i] = float32(i + 1)
			}
			dst := make([]float32, len(c.planes)*c.oh*c.ow)
			for i := range dst {
				dst[i] = -1 // every element must be written
			}
			PhasePlanes(x, c.h, c.w, c.sh, c.sw, c.planes, dst, c.oh, c.ow)
			for k, pl := range c.planes {
				for u := 0; u < c.oh; u++ {
					for v := 0; v < c.ow; v++ {
						iy, ix := (u+pl.QY)*c.sh+pl.RY, (v+pl.QX)*c.sw+pl.RX
						var want float32
						if iy >= 0 && iy < c.h && ix >= 0 && ix < c.w {
							want = x[iy*c.w+ix]
						}
						if got := dst[(k*c.oh+u)*c.ow+v]; got != want {
							t.Fatalf("plane %+v at (%d, %d) = %v, want %v", pl, u, v, got, want)
						}
					}
				}
			}
		})
	}
}

// TestGatherStrided checks gatherStrided on every length to past four
// vectors, at the strides the convolutions use and others, with src no
// longer than the last element it reads.
func TestGatherStrided(t *testing.T) {
	for _, stride := range []int{1, 2, 3, 4, 8} {
		for n := 1; n <= 70; n++ {
			src := make([]float32, (n-1)*stride+1)
			for i := range src {
				src[i] = float32(i)
			}
			dst := make([]float32, n+1)
			dst[n] = -1
			gatherStrided(dst[:n], src, stride)
			for k := 0; k < n; k++ {
				if dst[k] != float32(k*stride) {
					t.Fatalf("stride %d, %d elements: dst[%d] = %v, want %v", stride, n, k, dst[k], k*stride)
				}
			}
			if dst[n] != -1 {
				t.Fatalf("stride %d, %d elements: wrote past dst", stride, n)
			}
		}
	}
}

// BenchmarkPhasePlanes lays out one channel of AlexNet's first layer's
// input as the 64 planes of its Winograd convolution over phases.
func BenchmarkPhasePlanes(b *testing.B) {
	x := make([]float32, 224*224)
	var planes []PhasePlane
	for ry := 0; ry < 8; ry++ {
		for rx := 0; rx < 8; rx++ {
			planes = append(planes, PhasePlane{RY: ry, QY: -(ry / 6), RX: rx, QX: -(rx / 6)})
		}
	}
	dst := make([]float32, len(planes)*29*29)
	for b.Loop() {
		PhasePlanes(x, 224, 224, 8, 8, planes, dst, 29, 29)
	}
}
