package kernel

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// im2colRef is Im2col tap by tap, reading through the padding check.
func im2colRef(g *ConvGeom, src, col []float32, ld int) {
	for c := 0; c < g.C; c++ {
		for i := 0; i < g.KH; i++ {
			for j := 0; j < g.KW; j++ {
				row := (c*g.KH+i)*g.KW + j
				for oh := 0; oh < g.OH; oh++ {
					for ow := 0; ow < g.OW; ow++ {
						ih, iw := oh*g.SH-g.PH+i*g.DH, ow*g.SW-g.PW+j*g.DW
						var v float32
						if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W {
							v = src[(c*g.H+ih)*g.W+iw]
						}
						col[row*ld+oh*g.OW+ow] = v
					}
				}
			}
		}
	}
}

// col2imRef is Col2im tap by tap: the adjoint of im2colRef.
func col2imRef(g *ConvGeom, col []float32, ld int, dst []float32) {
	for c := 0; c < g.C; c++ {
		for i := 0; i < g.KH; i++ {
			for j := 0; j < g.KW; j++ {
				row := (c*g.KH+i)*g.KW + j
				for oh := 0; oh < g.OH; oh++ {
					for ow := 0; ow < g.OW; ow++ {
						ih, iw := oh*g.SH-g.PH+i*g.DH, ow*g.SW-g.PW+j*g.DW
						if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W {
							dst[(c*g.H+ih)*g.W+iw] += col[row*ld+oh*g.OW+ow]
						}
					}
				}
			}
		}
	}
}

// convGeoms are the geometries the im2col tests sweep: LeNet-5's two
// layers (rows short enough for the masked vector routines), rows too
// long for them, one 32 wide, strides, dilation and padding mixed, and
// kernels larger than the image.
func convGeoms() []ConvGeom {
	gs := []ConvGeom{
		{C: 1, H: 28, W: 28, KH: 5, KW: 5, SH: 1, SW: 1, PH: 2, PW: 2, DH: 1, DW: 1},
		{C: 6, H: 14, W: 14, KH: 5, KW: 5, SH: 1, SW: 1, DH: 1, DW: 1},
		{C: 2, H: 40, W: 37, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, DH: 1, DW: 1},
		{C: 2, H: 9, W: 32, KH: 3, KW: 3, SH: 2, SW: 1, PH: 1, PW: 1, DH: 1, DW: 1},
		{C: 2, H: 7, W: 5, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 3, DH: 1, DW: 2},
		{C: 3, H: 11, W: 13, KH: 3, KW: 2, SH: 2, SW: 3, PH: 1, PW: 2, DH: 2, DW: 1},
		// rows of 16 or more outputs at strides 2 and 4 (the vector gather)
		{C: 2, H: 9, W: 75, KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1, DH: 1, DW: 1},
		{C: 1, H: 23, W: 227, KH: 11, KW: 11, SH: 4, SW: 4, DH: 1, DW: 1},
		{C: 1, H: 9, W: 64, KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1, DH: 1, DW: 1}, // rows of exactly 32
		// a 7×7 kernel over a 3×3 image: taps whose rows or columns all
		// fall in the padding
		{C: 3, H: 3, W: 3, KH: 7, KW: 7, SH: 1, SW: 1, PH: 3, PW: 3, DH: 1, DW: 1},
		{C: 2, H: 2, W: 5, KH: 5, KW: 3, SH: 1, SW: 1, PH: 3, PW: 1, DH: 1, DW: 1},
		{C: 2, H: 5, W: 2, KH: 3, KW: 5, SH: 1, SW: 2, PH: 1, PW: 3, DH: 1, DW: 1},
	}
	for i := range gs {
		gs[i] = withOutputSize(gs[i])
	}
	return gs
}

func TestCol2im(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, g := range convGeoms() {
		ld := g.OH*g.OW + 5
		col := randMatrix(g.ColRows()*ld, rng)
		got := randMatrix(g.C*g.H*g.W, rng)
		want := slices.Clone(got)
		Col2im(&g, col, ld, got)
		col2imRef(&g, col, ld, want)
		if !slices.Equal(got, want) {
			t.Errorf("Col2im %+v differs from the reference", g)
		}
	}
}

func TestIm2col(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, g := range convGeoms() {
		src := randMatrix(g.C*g.H*g.W, rng)
		ld := g.OH*g.OW + 3
		got, want := randMatrix(g.ColRows()*ld, rng), make([]float32, g.ColRows()*ld)
		copy(want, got)
		Im2col(&g, src, got, ld)
		im2colRef(&g, src, want, ld)
		if !slices.Equal(got, want) {
			t.Errorf("Im2col %+v differs from the reference", g)
		}
	}
}

// TestIm2colBand checks that bands of output rows, of several heights,
// give the columns of the whole matrix.
func TestIm2colBand(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, g := range convGeoms() {
		src := randMatrix(g.C*g.H*g.W, rng)
		hw := g.OH * g.OW
		whole := make([]float32, g.ColRows()*hw)
		im2colRef(&g, src, whole, hw)
		for _, rows := range []int{1, 2, 3, g.OH} {
			for oh0 := 0; oh0 < g.OH; oh0 += rows {
				oh1 := min(oh0+rows, g.OH)
				ld := (oh1-oh0)*g.OW + 2
				band := randMatrix(g.ColRows()*ld, rng)
				Im2colBand(&g, src, band, ld, oh0, oh1)
				for r := 0; r < g.ColRows(); r++ {
					got := band[r*ld : r*ld+(oh1-oh0)*g.OW]
					want := whole[r*hw+oh0*g.OW : r*hw+oh1*g.OW]
					if !slices.Equal(got, want) {
						t.Fatalf("Im2colBand %+v rows [%d, %d): matrix row %d differs", g, oh0, oh1, r)
					}
				}
			}
		}
	}
}

// TestCol2imBand checks that bands of output rows added back one after
// another give what the whole matrix gives.
func TestCol2imBand(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, g := range convGeoms() {
		hw := g.OH * g.OW
		whole := randMatrix(g.ColRows()*hw, rng)
		want := randMatrix(g.C*g.H*g.W, rng)
		start := slices.Clone(want)
		col2imRef(&g, whole, hw, want)
		for _, rows := range []int{1, 2, 3, g.OH} {
			got := slices.Clone(start)
			for oh0 := 0; oh0 < g.OH; oh0 += rows {
				oh1 := min(oh0+rows, g.OH)
				ld := (oh1-oh0)*g.OW + 1
				band := make([]float32, g.ColRows()*ld)
				for r := 0; r < g.ColRows(); r++ {
					copy(band[r*ld:], whole[r*hw+oh0*g.OW:r*hw+oh1*g.OW])
				}
				Col2imBand(&g, band, ld, got, oh0, oh1)
			}
			for i := range got {
				if math.Abs(float64(got[i]-want[i])) > 1e-5 {
					t.Fatalf("Col2imBand %+v in bands of %d rows: element %d = %v, want %v", g, rows, i, got[i], want[i])
				}
			}
		}
	}
}

// BenchmarkIm2col builds the column matrices of LeNet-5's two
// convolutions for a batch of 64.
func BenchmarkIm2col(b *testing.B) {
	for _, c := range []struct {
		name string
		g    ConvGeom
	}{
		{"conv1", ConvGeom{C: 1, H: 28, W: 28, KH: 5, KW: 5, SH: 1, SW: 1, PH: 2, PW: 2, DH: 1, DW: 1, OH: 28, OW: 28}},
		{"conv2", ConvGeom{C: 6, H: 14, W: 14, KH: 5, KW: 5, SH: 1, SW: 1, DH: 1, DW: 1, OH: 10, OW: 10}},
	} {
		b.Run(c.name, func(b *testing.B) {
			g := c.g
			const n = 64
			rng := rand.New(rand.NewPCG(1, 2))
			src := randMatrix(n*g.C*g.H*g.W, rng)
			hw := g.OH * g.OW
			col := make([]float32, g.ColRows()*n*hw)
			b.ReportAllocs()
			for b.Loop() {
				for i := 0; i < n; i++ {
					Im2col(&g, src[i*g.C*g.H*g.W:], col[i*hw:], n*hw)
				}
			}
		})
	}
}

// BenchmarkCol2im adds the column matrices of LeNet-5's second layer back
// onto its input for a batch of 64, image by image.
func BenchmarkCol2im(b *testing.B) {
	g := ConvGeom{C: 6, H: 14, W: 14, KH: 5, KW: 5, SH: 1, SW: 1, DH: 1, DW: 1, OH: 10, OW: 10}
	const n = 64
	rng := rand.New(rand.NewPCG(1, 2))
	hw := g.OH * g.OW
	col := randMatrix(g.ColRows()*n*hw, rng)
	dst := make([]float32, n*g.C*g.H*g.W)
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < n; i++ {
			Col2im(&g, col[i*hw:], n*hw, dst[i*g.C*g.H*g.W:])
		}
	}
}
