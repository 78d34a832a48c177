package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// maxPoolRef is max pooling without padding, window by window in the
// order torch visits it: a later tap wins when it is greater or a NaN.
func maxPoolRef(g *ConvGeom, src, dst []float32, argmax []int32) {
	for oh := 0; oh < g.OH; oh++ {
		for ow := 0; ow < g.OW; ow++ {
			at := int32(oh*g.SH*g.W + ow*g.SW)
			best := src[at]
			for i := 0; i < g.KH; i++ {
				for j := 0; j < g.KW; j++ {
					k := int32((oh*g.SH+i)*g.W + ow*g.SW + j)
					if v := src[k]; v > best || v != v {
						best, at = v, k
					}
				}
			}
			dst[oh*g.OW+ow], argmax[oh*g.OW+ow] = best, at
		}
	}
}

// TestMaxPool2x2 checks the branch-free 2×2 pooling against the plain
// loop on values drawn from a few, so that ties are common, with NaNs,
// infinities and both zeros among them, on odd and even sizes.
func TestMaxPool2x2(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	negZero := float32(math.Copysign(0, -1))
	vals := []float32{-1, 0, negZero, 1, 2, nan, inf, -inf, float32(math.Float32frombits(0xffc00001))}
	for _, hw := range [][2]int{{2, 2}, {5, 4}, {28, 28}, {10, 11}, {7, 9}, {4, 32}, {6, 70}, {3, 65}} {
		g := ConvGeom{C: 1, H: hw[0], W: hw[1], KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1, OH: hw[0] / 2, OW: hw[1] / 2}
		for trial := 0; trial < 20; trial++ {
			src := make([]float32, g.H*g.W)
			for i := range src {
				src[i] = vals[rng.IntN(len(vals))]
				if trial%2 == 0 && src[i] != src[i] {
					src[i] = 3 // half the trials without NaNs
				}
			}
			got, want := make([]float32, g.OH*g.OW), make([]float32, g.OH*g.OW)
			ga, wa := make([]int32, len(got)), make([]int32, len(got))
			MaxPoolPlane(&g, src, got, ga)
			maxPoolRef(&g, src, want, wa)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) || ga[i] != wa[i] {
					t.Fatalf("%v: output %d = %v at %d, want %v at %d", hw, i, got[i], ga[i], want[i], wa[i])
				}
			}
		}
	}
}

// BenchmarkMaxPool2x2 pools LeNet-5's first activation (64 images of 6×28×28
// planes) of random values.
func BenchmarkMaxPool2x2(b *testing.B) {
	g := ConvGeom{C: 1, H: 28, W: 28, KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1, OH: 14, OW: 14}
	rng := rand.New(rand.NewPCG(1, 2))
	src := randMatrix(64*6*28*28, rng)
	dst, arg := make([]float32, 14*14), make([]int32, 14*14)
	b.ReportAllocs()
	for b.Loop() {
		for p := 0; p < 64*6; p++ {
			MaxPoolPlane(&g, src[p*784:(p+1)*784], dst, arg)
		}
	}
}

// maxPoolPaddedRef is max pooling with padding and dilation, window by
// window: taps in the padding are skipped, and a later tap wins when it is
// greater (the values here hold no NaN).
func maxPoolPaddedRef(g *ConvGeom, src []float32, oh, ow int) (float32, int32) {
	best, at := float32(math.Inf(-1)), int32(-1)
	for i := 0; i < g.KH; i++ {
		for j := 0; j < g.KW; j++ {
			ih, iw := oh*g.SH-g.PH+i*g.DH, ow*g.SW-g.PW+j*g.DW
			if ih < 0 || ih >= g.H || iw < 0 || iw >= g.W {
				continue
			}
			if v := src[ih*g.W+iw]; at < 0 || v > best {
				best, at = v, int32(ih*g.W+iw)
			}
		}
	}
	return best, at
}

// TestMaxPoolPlane checks MaxPoolPlane on the poolings of the zoo and
// their edges: windows in the padding, ceil mode's overhang, dilation, and
// rows long enough for the vector blocks at strides 1, 2 and 3, and rows
// shorter than one block.
func TestMaxPoolPlane(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cases := []struct {
		name             string
		h, w, k, s, p, d int
		ceil             bool
	}{
		{"resnet_3x3_s2_p1", 70, 70, 3, 2, 1, 1, false},
		{"googlenet_3x3_s1_p1", 40, 37, 3, 1, 1, 1, false},
		{"googlenet_3x3_s2_ceil", 57, 57, 3, 2, 0, 1, true},
		{"alexnet_3x3_s2", 55, 55, 3, 2, 0, 1, false},
		{"alexnet_3x3_s2_13x13", 13, 13, 3, 2, 0, 1, false},
		{"5x5_s3_p2_dilation2", 30, 101, 5, 3, 2, 2, false},
		{"2x2_s1", 9, 40, 2, 1, 0, 1, false},
		{"kernel_wider_than_padded_rows", 3, 50, 3, 1, 1, 1, false},
	}
	for _, c := range cases {
		out := func(in int) int {
			span := in + 2*c.p - c.d*(c.k-1) - 1
			if !c.ceil {
				return span/c.s + 1
			}
			o := (span+c.s-1)/c.s + 1
			if (o-1)*c.s >= in+c.p {
				o--
			}
			return o
		}
		g := ConvGeom{C: 1, H: c.h, W: c.w, KH: c.k, KW: c.k, SH: c.s, SW: c.s, PH: c.p, PW: c.p, DH: c.d, DW: c.d, OH: out(c.h), OW: out(c.w)}
		src := randMatrix(g.H*g.W, rng)
		dst, arg := make([]float32, g.OH*g.OW), make([]int32, g.OH*g.OW)
		MaxPoolPlane(&g, src, dst, arg)
		for oh := 0; oh < g.OH; oh++ {
			for ow := 0; ow < g.OW; ow++ {
				want, wantAt := maxPoolPaddedRef(&g, src, oh, ow)
				if i := oh*g.OW + ow; dst[i] != want || arg[i] != wantAt {
					t.Fatalf("%s: output (%d, %d) = %v at %d, want %v at %d", c.name, oh, ow, dst[i], arg[i], want, wantAt)
				}
			}
		}
	}
}
