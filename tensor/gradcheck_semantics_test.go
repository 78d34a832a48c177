package tensor

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/convnet/convnet/internal/kernel"
	"github.com/convnet/convnet/internal/reference"
)

// TestSumTakesGradient: an input of a same-shape sum (Add, AddReLU) takes
// the sum's gradient without a copy where it is an intermediate with none
// yet, and the gradients come out as the chain rule says whichever input
// takes it: both inputs one tensor, a difference (whose second input
// cannot take it), a leaf (which never does), and an input read again
// elsewhere.
func TestSumTakesGradient(t *testing.T) {
	cases := []struct {
		name string
		f    func(x *Tensor) *Tensor // of x, an intermediate h1 = 2x and h2 = 3x
		dx   float32                 // d Σ(f·r) / dx, in units of r
	}{
		{"h1+h1", func(x *Tensor) *Tensor { h := MulScalar(x, 2); return Add(h, h) }, 4},
		{"h1+h2", func(x *Tensor) *Tensor { return Add(MulScalar(x, 2), MulScalar(x, 3)) }, 5},
		{"h1-h2", func(x *Tensor) *Tensor { return Sub(MulScalar(x, 2), MulScalar(x, 3)) }, -1},
		{"h2-h1", func(x *Tensor) *Tensor { return Sub(MulScalar(x, 3), MulScalar(x, 2)) }, 1},
		{"x+h1", func(x *Tensor) *Tensor { return Add(x, MulScalar(x, 2)) }, 3},
		{"h1+x", func(x *Tensor) *Tensor { return Add(MulScalar(x, 2), x) }, 3},
		{"(h1+h2)+h1·5", func(x *Tensor) *Tensor {
			h := MulScalar(x, 2)
			return Add(Add(h, MulScalar(x, 3)), MulScalar(h, 5))
		}, 15},
		// AddReLU masks its gradient in place and hands it on the same way;
		// x > 0 here, so the ReLU passes everything.
		{"relu(h1+h1)", func(x *Tensor) *Tensor { h := MulScalar(x, 2); return AddReLU(h, h) }, 4},
		{"relu(h1+h2)", func(x *Tensor) *Tensor { return AddReLU(MulScalar(x, 2), MulScalar(x, 3)) }, 5},
		{"relu(x+h1)", func(x *Tensor) *Tensor { return AddReLU(x, MulScalar(x, 2)) }, 3},
		{"relu(h1+h2)+h1·5", func(x *Tensor) *Tensor {
			h := MulScalar(x, 2)
			return Add(AddReLU(h, MulScalar(x, 3)), MulScalar(h, 5))
		}, 15},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := gcGen{rng: NewRNG(4)}
			x := g.uniform(0.5, 2, 3, 40).SetRequiresGrad(true)
			r := g.normal(3, 40)
			Sum(Mul(c.f(x), r)).Backward()
			for i, v := range x.Grad().data {
				if want := c.dx * r.data[i]; math.Abs(float64(v-want)) > 1e-6*max(1, math.Abs(float64(want))) {
					t.Fatalf("x.grad[%d] = %v, want %v", i, v, want)
				}
			}
		})
	}
}

// TestBackwardAccumulatesAcrossGraphs: two backward passes through two
// separately built graphs add their gradients into the shared leaves, as
// torch does, including through an intermediate that two ops read.
func TestBackwardAccumulatesAcrossGraphs(t *testing.T) {
	g := gcGen{rng: NewRNG(3)}
	x := g.normal(2, 3, 5, 5).SetRequiresGrad(true)
	w := g.normal(4, 3, 3, 3).SetRequiresGrad(true)
	step := func() {
		h := ReLU(Conv2d(x, w, nil, ConvOptions{Padding: [2]int{1, 1}}))
		// h is read twice: its gradient slot is written, then added to.
		loss := Sum(Add(Mul(h, h), MulScalar(h, 3)))
		loss.Backward()
	}
	step()
	gx, gw := x.Grad().Clone(), w.Grad().Clone()
	step()
	for _, p := range []struct {
		name      string
		got, once *Tensor
	}{{"x", x.Grad(), gx}, {"w", w.Grad(), gw}} {
		for i, v := range p.got.data {
			if want := 2 * p.once.data[i]; math.Abs(float64(v-want)) > 1e-5*max(1, math.Abs(float64(want))) {
				t.Fatalf("%s.grad[%d] after two passes = %v, want twice %v", p.name, i, v, p.once.data[i])
			}
		}
	}
	x.ZeroGrad()
	if x.Grad() != nil {
		t.Fatal("ZeroGrad kept the gradient")
	}
	step()
	if !slices.Equal(x.Grad().data, gx.data) {
		t.Fatal("after ZeroGrad a pass did not start from zero")
	}
}

// TestNoGraphWithoutGrad: an op none of whose inputs requires gradients
// records nothing, even when the result feeds further ops.
func TestNoGraphWithoutGrad(t *testing.T) {
	g := gcGen{rng: NewRNG(4)}
	x, w := g.normal(2, 3, 7, 5), g.normal(4, 3, 3, 3)
	y := Sum(ReLU(Conv2d(x, w, nil, ConvOptions{})))
	if !y.IsLeaf() || y.RequiresGrad() {
		t.Fatalf("frozen graph recorded: leaf %v, requires grad %v", y.IsLeaf(), y.RequiresGrad())
	}
	w.SetRequiresGrad(true)
	y = Sum(ReLU(Conv2d(x, w, nil, ConvOptions{})))
	if y.IsLeaf() || !y.RequiresGrad() {
		t.Fatal("graph through a parameter not recorded")
	}
	y.Backward()
	if x.Grad() != nil {
		t.Fatal("an input that needs no gradient got one")
	}
	if !y.IsLeaf() {
		t.Fatal("Backward kept the graph")
	}
}

// TestConcatKeepsItsInputs: Concat's backward must not read the caller's
// slice, which the caller may reuse before Backward.
func TestConcatKeepsItsInputs(t *testing.T) {
	a := Full(1, 2, 3).SetRequiresGrad(true)
	b := Full(2, 2, 4).SetRequiresGrad(true)
	c := Full(3, 2, 3).SetRequiresGrad(true)
	ts := []*Tensor{a, b}
	y := Concat(ts, 1)
	ts[0] = c // reuse the slice
	y.BackwardWith(Full(5, 2, 7))
	if a.Grad() == nil || b.Grad() == nil || c.Grad() != nil {
		t.Fatalf("gradients went to the slice's new contents: a %v b %v c %v", a.Grad(), b.Grad(), c.Grad())
	}
	for _, v := range a.Grad().data {
		if v != 5 {
			t.Fatalf("a.grad = %v", a.Grad())
		}
	}
}

// TestDropoutMask: the mask keeps each element with probability 1 − p and
// scales the survivors by 1/(1 − p); p = 0 is the identity and p = 1 zeroes.
func TestDropoutMask(t *testing.T) {
	g := gcGen{rng: NewRNG(5)}
	x := g.nonzero(100, 100)
	for _, p := range []float64{0.1, 0.5, 0.9} {
		keep := gcDropoutMask(x, p, 99) // panics on a ratio that is neither 0 nor 1/(1−p)
		kept := 0
		for _, k := range keep {
			if k {
				kept++
			}
		}
		// 10,000 Bernoulli draws: the kept fraction is within 5σ of 1 − p.
		sigma := math.Sqrt(p * (1 - p) / float64(len(keep)))
		if f := float64(kept) / float64(len(keep)); math.Abs(f-(1-p)) > 5*sigma {
			t.Errorf("p = %v: kept %.4f of the elements, want %.4f ± %.4f", p, f, 1-p, 5*sigma)
		}
		if !slices.Equal(keep, gcDropoutMask(x, p, 99)) {
			t.Errorf("p = %v: the same seed gave a different mask", p)
		}
	}
	if y := Dropout(x, 0, NewRNG(1)); y != x {
		t.Error("Dropout with p = 0 is not the identity")
	}
	for _, v := range Dropout(x, 1, NewRNG(1)).data {
		if v != 0 {
			t.Fatal("Dropout with p = 1 kept an element")
		}
	}
}

// TestBatchNormRunningStats: training updates the running statistics in
// place as torch does (momentum, unbiased variance); evaluation leaves them.
func TestBatchNormRunningStats(t *testing.T) {
	g := gcGen{rng: NewRNG(6)}
	x := g.normal(3, 4, 5, 3)
	rm, rv := g.normal(4), g.uniform(0.5, 2, 4)
	wantY, wantM, wantV := reference.BatchNorm(gcToRef(x), nil, nil, gcToRef(rm), gcToRef(rv),
		reference.BatchNormParams{Training: true, Momentum: 0.1, Eps: 1e-5})
	y := BatchNorm(x, nil, nil, rm, rv, BatchNormOptions{Training: true, Momentum: 0.1, Eps: 1e-5})
	for _, c := range []struct {
		name string
		got  *Tensor
		want *reference.Array
	}{{"output", y, wantY}, {"running mean", rm, wantM}, {"running var", rv, wantV}} {
		if e := gcRelErr(c.got.data, c.want.Data, nil); e > 1e-6 {
			t.Errorf("%s: relative error %.3g", c.name, e)
		}
	}
	m0, v0 := rm.Clone(), rv.Clone()
	BatchNorm(x, nil, nil, rm, rv, BatchNormOptions{Momentum: 0.1, Eps: 1e-5})
	if !slices.Equal(rm.data, m0.data) || !slices.Equal(rv.data, v0.data) {
		t.Error("evaluation changed the running statistics")
	}
}

// TestBatchNormReLUFused checks BatchNormReLU against BatchNorm then ReLU
// on CIFAR-sized planes (whole vectors) and 7×7 ones (a tail each): the
// output and the running statistics bit for bit, the gradients of x,
// weight and bias to float32 rounding, x's added to one already there.
func TestBatchNormReLUFused(t *testing.T) {
	for _, shape := range [][]int{{4, 16, 32, 32}, {3, 8, 7, 7}} {
		for _, training := range []bool{true, false} {
			t.Run(fmt.Sprintf("%v/training=%v", shape, training), func(t *testing.T) {
				g := gcGen{rng: NewRNG(9)}
				c := shape[1]
				x0, w0, b0 := g.normal(shape...), g.uniform(0.5, 1.5, c), g.normal(c)
				rm0, rv0 := g.normal(c), g.uniform(0.5, 2, c)
				gy := g.normal(shape...)
				o := BatchNormOptions{Training: training, Momentum: 0.1, Eps: 1e-5}
				run := func(fused bool) (y, rm, rv, x, w, b *Tensor) {
					x, w, b = x0.Clone().SetRequiresGrad(true), w0.Clone().SetRequiresGrad(true), b0.Clone().SetRequiresGrad(true)
					rm, rv = rm0.Clone(), rv0.Clone()
					if fused {
						y = BatchNormReLU(x, w, b, rm, rv, o)
					} else {
						y = ReLU(BatchNorm(x, w, b, rm, rv, o))
					}
					Add(Sum(Mul(y, gy)), Sum(x)).Backward() // x's gradient has a part already
					return y, rm, rv, x, w, b
				}
				y, rm, rv, x, w, b := run(true)
				wy, wrm, wrv, wx, ww, wb := run(false)
				for _, c := range []struct {
					name      string
					got, want []float32
				}{{"output", y.data, wy.data}, {"running mean", rm.data, wrm.data}, {"running var", rv.data, wrv.data}} {
					if !slices.Equal(c.got, c.want) {
						t.Errorf("%s differs from BatchNorm then ReLU", c.name)
					}
				}
				for _, c := range []struct {
					name      string
					got, want *Tensor
				}{{"x", x, wx}, {"weight", w, ww}, {"bias", b, wb}} {
					if e := gcRelErr(c.got.Grad().data, gcWiden(c.want.Grad().data), nil); e > 1e-5 {
						t.Errorf("%s's gradient differs by %.3g", c.name, e)
					}
				}
			})
		}
	}
}

// TestChannelStats checks channelStats against a float64 two-pass over
// the same values, with a mean a thousand times the spread (where one-pass
// sums of squares cancel), planes of one value (a 2-D input), a tail and
// CIFAR's 32×32, and planes of different means: the mean to float32 sums'
// rounding, the variance to 1e-6. (Merging per-plane statistics instead,
// each plane's mean from a float32 sum, missed it by 1e-5.)
func TestChannelStats(t *testing.T) {
	for _, sh := range [][3]int{{64, 3, 1}, {7, 2, 37}, {5, 3, 1024}} {
		n, c, plane := sh[0], sh[1], sh[2]
		rng := NewRNG(uint64(plane))
		x := make([]float32, n*c*plane)
		for i := range x {
			b := i / (c * plane)
			x[i] = float32(1000 + 3*float64(b%4) + rng.NormFloat64())
		}
		for ch := 0; ch < c; ch++ {
			var s float64
			for b := 0; b < n; b++ {
				for _, v := range x[(b*c+ch)*plane : (b*c+ch+1)*plane] {
					s += float64(v)
				}
			}
			wantMean := s / float64(n*plane)
			var ss float64
			for b := 0; b < n; b++ {
				for _, v := range x[(b*c+ch)*plane : (b*c+ch+1)*plane] {
					ss += (float64(v) - wantMean) * (float64(v) - wantMean)
				}
			}
			wantVar := ss / float64(n*plane)
			mean, variance := channelStats(x, n, c, plane, ch)
			if math.Abs(mean-wantMean) > 1e-7*wantMean || math.Abs(variance-wantVar) > 1e-6*wantVar {
				t.Errorf("%v channel %d: mean %v variance %v, want %v and %v", sh, ch, mean, variance, wantMean, wantVar)
			}
		}
	}
}

// TestConv2dBatchPaths: each way of running a batch must give what its
// images give one at a time — a batch whose im2col matrix exceeds
// colBudget, computed in passes (the last one short), and small
// convolutions run image by image on each worker, one or several images
// per pass, with batches that do not split evenly between the workers.
func TestConv2dBatchPaths(t *testing.T) {
	cases := []struct {
		name    string
		x, w    []int
		o       ConvOptions
		batched bool
		perPass int // images per pass of the batched path, at least
	}{
		{"chunks", []int{3, 16, 64, 128}, []int{2, 16, 5, 5}, ConvOptions{Padding: [2]int{2, 2}}, false, 0},
		{"batched_several_per_pass", []int{7, 3, 10, 12}, []int{4, 3, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, true, 3},
		{"batched_groups_stride2", []int{5, 4, 9, 11}, []int{6, 2, 3, 3}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, Groups: 2}, true, 2},
		{"batched_one_per_pass", []int{3, 32, 34, 34}, []int{8, 32, 3, 3}, ConvOptions{}, true, 1},
	}
	withoutImplicit(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if testing.Short() && c.name == "chunks" {
				t.Skip("allocates a 16M-element im2col matrix")
			}
			g := gcGen{rng: NewRNG(7)}
			n := c.x[0]
			x := g.normal(c.x...).SetRequiresGrad(true)
			w := g.normal(c.w...).SetRequiresGrad(true)
			b := g.normal(c.w[0]).SetRequiresGrad(true)
			p := newConvPlan(x, w, c.o.normalized())
			switch {
			case !c.batched && (p.batched() || p.chunk >= n || n%p.chunk == 0):
				t.Fatalf("chunk %d does not split a batch of %d unevenly; resize the test", p.chunk, n)
			case c.batched && kernel.Workers() > 1 && (!p.batched() || p.imagesPerPass() < c.perPass):
				t.Fatalf("batched %v with %d images per pass; resize the test", p.batched(), p.imagesPerPass())
			}
			y := Conv2d(x, w, b, c.o)
			r := RandU(g.rng, -1, 1, y.shape...)
			y.BackwardWith(r)
			gx, gw, gb := x.Grad().Clone(), w.Grad().Clone(), b.Grad().Clone()
			w.ZeroGrad()
			b.ZeroGrad()
			plane := x.Len() / n
			for i := 0; i < n; i++ {
				xi := FromSlice(append([]float32(nil), x.data[i*plane:(i+1)*plane]...), append([]int{1}, c.x[1:]...)...).SetRequiresGrad(true)
				yi := Conv2d(xi, w, b, c.o)
				op := yi.Len()
				if e := gcRelErr(yi.data, gcWiden(y.data[i*op:(i+1)*op]), nil); e > 1e-6 {
					t.Errorf("image %d: batched forward differs by %.3g", i, e)
				}
				yi.BackwardWith(FromSlice(r.data[i*op:(i+1)*op], yi.shape...))
				if e := gcRelErr(xi.Grad().data, gcWiden(gx.data[i*plane:(i+1)*plane]), nil); e > 1e-6 {
					t.Errorf("image %d: batched input gradient differs by %.3g", i, e)
				}
			}
			if e := gcRelErr(w.Grad().data, gcWiden(gw.data), nil); e > 1e-5 {
				t.Errorf("weight gradient: batched differs from per-image sum by %.3g", e)
			}
			if e := gcRelErr(b.Grad().data, gcWiden(gb.data), nil); e > 1e-5 {
				t.Errorf("bias gradient: batched differs from per-image sum by %.3g", e)
			}
		})
	}
}

// convForwardCase is a convolution whose forward pass a test checks
// against the float64 reference.
type convForwardCase struct {
	name string
	x, w []int
	o    ConvOptions
	bias bool
}

// checkConvForward runs each case through Conv2d, after onPath has
// confirmed that the case takes the path under test, and compares the
// output with the reference's.
func checkConvForward(t *testing.T, cases []convForwardCase, seed uint64, onPath func(t *testing.T, p *convPlan)) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := gcGen{rng: NewRNG(seed)}
			x, w := g.normal(c.x...), g.normal(c.w...)
			var b *Tensor
			if c.bias {
				b = g.normal(c.w[0])
			}
			p := newConvPlan(x, w, c.o.normalized())
			onPath(t, &p)
			y := Conv2d(x, w, b, c.o)
			var rb *reference.Array
			if b != nil {
				rb = reference.FromFloat32(b.data, b.shape...)
			}
			want := reference.Conv2d(reference.FromFloat32(x.data, x.shape...), reference.FromFloat32(w.data, w.shape...), rb, gcConvRef(c.o))
			if e := gcRelErr(y.data, want.Data, nil); e > 1e-5 {
				t.Errorf("differs from the reference by %.3g", e)
			}
		})
	}
}

// TestConv2dBands checks convolutions computed band by band (forwardBands)
// against the float64 reference: one image and several, stride, groups,
// dilation, with and without bias.
func TestConv2dBands(t *testing.T) {
	withoutImplicit(t)
	checkConvForward(t, []convForwardCase{
		{"b1_3x3_pad1", []int{1, 16, 40, 40}, []int{8, 16, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, true},
		{"b1_11x11_stride4", []int{1, 3, 227, 227}, []int{4, 3, 11, 11}, ConvOptions{Stride: [2]int{4, 4}}, true},
		{"b3_groups2_dilation2", []int{3, 32, 70, 66}, []int{6, 16, 3, 3}, ConvOptions{Padding: [2]int{2, 2}, Dilation: [2]int{2, 2}, Groups: 2}, false},
		{"b1_stride2_odd", []int{1, 32, 61, 59}, []int{5, 32, 3, 3}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, true},
	}, 11, func(t *testing.T, p *convPlan) {
		if rows := p.bandRows(); p.batched() || rows == 0 || rows >= p.geom.OH {
			t.Fatalf("batched %v, %d rows a band of %d: not computed in bands; resize the test", p.batched(), rows, p.geom.OH)
		}
	})
}

// withoutWinograd turns forwardWinograd off for the rest of the test, so
// that the paths it would take over for 3×3 convolutions are tested.
func withoutWinograd(t *testing.T) {
	winogradEnabled = false
	t.Cleanup(func() { winogradEnabled = true })
}

// withoutImplicit turns forwardImplicit off for the rest of the test, so
// that the paths it would take over for stride-1 convolutions are tested.
func withoutImplicit(t *testing.T) {
	implicitEnabled = false
	t.Cleanup(func() { implicitEnabled = true })
}

// TestConv2dImplicit checks convolutions computed as implicit GEMMs
// (forwardImplicit) against the float64 reference: one image in several
// bands and a batch, groups, dilation, uneven kernels and padding, with
// and without bias.
func TestConv2dImplicit(t *testing.T) {
	withoutWinograd(t)
	checkConvForward(t, []convForwardCase{
		{"b1_3x3_pad1", []int{1, 16, 40, 40}, []int{8, 16, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, true},
		{"b1_64ch_bands", []int{1, 64, 56, 56}, []int{64, 64, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, true},
		{"b3_groups2_dilation2", []int{3, 32, 70, 66}, []int{6, 16, 3, 3}, ConvOptions{Padding: [2]int{2, 2}, Dilation: [2]int{2, 2}, Groups: 2}, false},
		{"b5_5x3_pad2x0", []int{5, 3, 33, 29}, []int{7, 3, 5, 3}, ConvOptions{Padding: [2]int{2, 0}}, true},
		{"b2_5x5_nopad", []int{2, 6, 30, 30}, []int{16, 6, 5, 5}, ConvOptions{}, false},
	}, 13, func(t *testing.T, p *convPlan) {
		if !p.implicitTiling().ok() {
			t.Fatal("not computed as an implicit GEMM; resize the test")
		}
	})
}

// stridedCases are convolutions of stride above 1 that run as implicit
// GEMMs over the input's phases: AlexNet's first layer (scaled down), a
// ResNet stem, a 3×3 of stride 2 with images side by side, uneven strides
// with dilation, and groups.
var stridedCases = []convForwardCase{
	{"11x11_stride4_pad2", []int{2, 3, 67, 67}, []int{8, 3, 11, 11}, ConvOptions{Stride: [2]int{4, 4}, Padding: [2]int{2, 2}}, true},
	{"7x7_stride2_pad3", []int{1, 3, 60, 50}, []int{6, 3, 7, 7}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{3, 3}}, false},
	{"3x3_stride2_pad1_mosaic_b9", []int{9, 8, 16, 16}, []int{16, 8, 3, 3}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, true},
	{"5x4_stride2x3_dilation1x2", []int{3, 4, 40, 70}, []int{5, 4, 5, 4}, ConvOptions{Stride: [2]int{2, 3}, Padding: [2]int{3, 1}, Dilation: [2]int{1, 2}}, true},
	{"3x3_stride2_groups2", []int{2, 8, 50, 50}, []int{6, 4, 3, 3}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, Groups: 2}, false},
}

// TestConv2dStrided checks strided convolutions computed as implicit
// GEMMs over the input's phases against the float64 reference.
func TestConv2dStrided(t *testing.T) {
	checkConvForward(t, stridedCases, 23, func(t *testing.T, p *convPlan) {
		if !p.implicitTiling().ok() || p.geom.SH*p.geom.SW == 1 {
			t.Fatal("not computed as a strided implicit GEMM; resize the test")
		}
	})
}

// TestConv2dMosaic checks convolutions of maps too small for an implicit
// GEMM of their own, computed with several images side by side in each
// band, against the float64 reference: a last band short of images,
// dilation, groups, and an odd kernel.
func TestConv2dMosaic(t *testing.T) {
	checkConvForward(t, mosaicCases, 19, func(t *testing.T, p *convPlan) {
		if tl := p.implicitTiling(); tl.images < 2 {
			t.Fatalf("tiled %+v, not images side by side; resize the test", tl)
		}
	})
}

var mosaicCases = []convForwardCase{
	{"8x8_pad1_b9", []int{9, 16, 8, 8}, []int{16, 16, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, true},
	{"7x7_pad1_b11", []int{11, 8, 7, 7}, []int{5, 8, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, false},
	{"6x20_dilation2_groups2_b7", []int{7, 8, 6, 20}, []int{6, 4, 3, 3}, ConvOptions{Padding: [2]int{2, 2}, Dilation: [2]int{2, 2}, Groups: 2}, true},
	{"5x3_pad2x1_b9", []int{9, 4, 9, 10}, []int{3, 4, 5, 3}, ConvOptions{Padding: [2]int{2, 1}}, false},
}

// TestConv2dWidePadding checks convolutions padded wider than their
// kernel reaches, which the implicit GEMM's shared row padding cannot
// hold, against the reference: they take the other paths.
func TestConv2dWidePadding(t *testing.T) {
	checkConvForward(t, []convForwardCase{
		{"3x3_pad3", []int{1, 4, 30, 30}, []int{4, 4, 3, 3}, ConvOptions{Padding: [2]int{3, 3}}, true},
		{"1x1_pad1_b3", []int{3, 8, 20, 20}, []int{4, 8, 1, 1}, ConvOptions{Padding: [2]int{1, 1}}, false},
	}, 17, func(t *testing.T, p *convPlan) {
		if p.implicitTiling().ok() {
			t.Fatal("computed as an implicit GEMM")
		}
	})
}

// TestConv2dBandsBackward checks the gradients computed band by band
// (backwardBands: even bands, then odd ones) against the definition.
func TestConv2dBandsBackward(t *testing.T) {
	withoutImplicit(t)
	cases := []struct {
		name string
		x, w []int
		o    ConvOptions
	}{
		// Batches whose whole column matrix exceeds colBudget: smaller ones
		// keep it from the forward pass instead.
		{"3x3_pad1_b3", []int{3, 64, 80, 80}, []int{8, 64, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}},
		{"5x5_stride2_groups2_b3", []int{3, 64, 121, 117}, []int{6, 32, 5, 5}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{2, 2}, Groups: 2}},
		{"3x3_dilation2_b2", []int{2, 48, 100, 100}, []int{4, 48, 3, 3}, ConvOptions{Padding: [2]int{2, 2}, Dilation: [2]int{2, 2}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := gcGen{rng: NewRNG(13)}
			x := g.normal(c.x...).SetRequiresGrad(true)
			w := g.normal(c.w...).SetRequiresGrad(true)
			p := newConvPlan(x, w, c.o.normalized())
			rows := p.bandRows()
			if p.batched() || rows == 0 || rows >= p.geom.OH || p.chunk == p.n || !p.bandsApart(rows) {
				t.Fatalf("batched %v, %d rows a band of %d, chunk %d of %d: not computed in bands; resize the test",
					p.batched(), rows, p.geom.OH, p.chunk, p.n)
			}
			y := Conv2d(x, w, nil, c.o)
			gy := RandU(g.rng, -1, 1, y.shape...)
			y.BackwardWith(gy)
			wantX, wantW := reference.Conv2dGrads(reference.FromFloat32(x.data, x.shape...),
				reference.FromFloat32(w.data, w.shape...), reference.FromFloat32(gy.data, gy.shape...), gcConvRef(c.o))
			if e := gcRelErr(x.Grad().data, wantX.Data, nil); e > 1e-5 {
				t.Errorf("input gradient differs from the definition by %.3g", e)
			}
			if e := gcRelErr(w.Grad().data, wantW.Data, nil); e > 1e-5 {
				t.Errorf("weight gradient differs from the definition by %.3g", e)
			}
		})
	}
}

// TestConv2dImplicitBackward checks the gradients of convolutions that
// backwardImplicit computes (the weight gradient from padded bands, the
// input gradient as the transposed convolution, both in one pass over
// the tiles where the convolution keeps its maps' size) against the definition,
// with the input gradient both written and added to one already there
// (the input used twice).
func TestConv2dImplicitBackward(t *testing.T) {
	cases := []struct {
		name string
		x, w []int
		o    ConvOptions
	}{
		{"3x3_pad1_b1", []int{1, 16, 40, 40}, []int{8, 16, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}},
		{"3x3_pad1_b3", []int{3, 16, 34, 30}, []int{12, 16, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}},
		{"5x5_nopad_b2", []int{2, 6, 30, 30}, []int{16, 6, 5, 5}, ConvOptions{}},
		{"groups2_dilation2_b3", []int{3, 32, 70, 66}, []int{6, 16, 3, 3}, ConvOptions{Padding: [2]int{2, 2}, Dilation: [2]int{2, 2}, Groups: 2}},
		{"5x3_pad2x1_b2", []int{2, 3, 33, 29}, []int{7, 3, 5, 3}, ConvOptions{Padding: [2]int{2, 1}}},
	}
	for _, m := range append(append([]convForwardCase(nil), mosaicCases...), stridedCases...) {
		cases = append(cases, struct {
			name string
			x, w []int
			o    ConvOptions
		}{"mosaic_" + m.name, m.x, m.w, m.o})
	}
	for _, c := range cases {
		for _, twice := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/twice=%v", c.name, twice), func(t *testing.T) {
				g := gcGen{rng: NewRNG(17)}
				x := g.normal(c.x...).SetRequiresGrad(true)
				w := g.normal(c.w...).SetRequiresGrad(true)
				p := newConvPlan(x, w, c.o.normalized())
				pt, ok := p.transposed()
				strided := p.geom.SH*p.geom.SW > 1 // the input gradient then takes col2im
				if !p.implicitTiling().ok() || !strided && (!ok || !pt.implicitTiling().ok()) {
					t.Fatal("gradients not computed as implicit GEMMs; resize the test")
				}
				// Every stride-1 case keeps its maps' size and takes backwardShared
				// but the unpadded one and the one whose transposed convolution,
				// with 6 channels in and 32 out, is tiled differently.
				wantShared := !strided && c.name != "5x5_nopad_b2" && c.name != "groups2_dilation2_b3"
				if shared := ok && p.sharesBands(&pt, p.implicitTiling()); shared != wantShared {
					t.Fatalf("both gradients in one pass: %v, want %v", shared, wantShared)
				}
				y := Conv2d(x, w, nil, c.o)
				gy := RandU(g.rng, -1, 1, y.shape...)
				loss := Sum(Mul(y, gy))
				if twice { // x's gradient then has a part already when the convolution's is added
					loss = Add(loss, Sum(x))
				}
				loss.Backward()
				wantX, wantW := reference.Conv2dGrads(reference.FromFloat32(x.data, x.shape...),
					reference.FromFloat32(w.data, w.shape...), reference.FromFloat32(gy.data, gy.shape...), gcConvRef(c.o))
				if twice {
					for i := range wantX.Data {
						wantX.Data[i]++
					}
				}
				if e := gcRelErr(x.Grad().data, wantX.Data, nil); e > 1e-5 {
					t.Errorf("input gradient differs from the definition by %.3g", e)
				}
				if e := gcRelErr(w.Grad().data, wantW.Data, nil); e > 1e-5 {
					t.Errorf("weight gradient differs from the definition by %.3g", e)
				}
			})
		}
	}
}

func gcWiden(s []float32) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}

// TestConv2dWinograd checks 3×3 convolutions computed as Winograd's
// F(2×2, 3×3) against the float64 reference: one image split into bands
// and several, small maps side by side, odd sizes whose last tiles stick
// out of the output, no padding and padding 2, with and without bias.
func TestConv2dWinograd(t *testing.T) {
	checkConvForward(t, winogradCases, 29, func(t *testing.T, p *convPlan) {
		if tl := p.winogradTiling(); strings.Contains(t.Name(), "side_by_side") != (tl.images > 1) {
			t.Fatalf("tiled %+v; resize the test", tl)
		}
		if !p.winograd() {
			t.Fatal("not computed as Winograd's F(2×2, 3×3); resize the test")
		}
	})
}

// TestConv2dPhasedWinograd checks strided convolutions computed as
// Winograd's F(2×2, 3×3) over their input's phases against the float64
// reference: AlexNet's first layer (two bands of tile rows, each laying
// out its own rows of the phases), no padding, a 5×5 kernel of stride 2,
// strides unequal along the axes, and a batch.
func TestConv2dPhasedWinograd(t *testing.T) {
	checkConvForward(t, []convForwardCase{
		{"alexnet1_bands", []int{1, 3, 224, 224}, []int{64, 3, 11, 11}, ConvOptions{Stride: [2]int{4, 4}, Padding: [2]int{2, 2}}, true},
		{"b2_11x11_stride4_pad0", []int{2, 3, 99, 91}, []int{64, 3, 11, 11}, ConvOptions{Stride: [2]int{4, 4}}, false},
		{"b1_5x5_stride2", []int{1, 4, 40, 38}, []int{64, 4, 5, 5}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{2, 2}}, true},
		{"b1_11x5_stride4x2", []int{1, 3, 90, 44}, []int{70, 3, 11, 5}, ConvOptions{Stride: [2]int{4, 2}, Padding: [2]int{2, 1}}, true},
		{"b1_3x11_stride1x4_bands", []int{1, 3, 40, 90}, []int{64, 3, 3, 11}, ConvOptions{Stride: [2]int{1, 4}, Padding: [2]int{1, 2}}, false},
		{"b19", []int{19, 3, 131, 131}, []int{64, 3, 11, 11}, ConvOptions{Stride: [2]int{4, 4}, Padding: [2]int{2, 2}}, true},
	}, 37, func(t *testing.T, p *convPlan) {
		s, ok := p.phasedWinograd()
		if !ok {
			t.Fatal("not computed as Winograd's F(2×2, 3×3) over phases; resize the test")
		}
		if bands := s.plan.winogradTiling().bands; (bands > 1) != strings.Contains(t.Name(), "bands") {
			t.Fatalf("%d bands of tile rows; resize the test", bands)
		}
	})
}

// TestConv2dPhasedWinogradRandom checks random strided convolutions that
// take the phases' Winograd path against the float64 reference: strides,
// kernels and paddings whose phases start at every shift.
func TestConv2dPhasedWinogradRandom(t *testing.T) {
	rng := NewRNG(41)
	tried := 0
	for found := 0; found < 12 && tried < 2000; tried++ {
		sh, sw := 1+rng.IntN(4), 1+rng.IntN(4)
		kh, kw := 1+rng.IntN(12), 1+rng.IntN(12)
		ph, pw := rng.IntN(kh/2+1), rng.IntN(kw/2+1)
		o := ConvOptions{Stride: [2]int{sh, sw}, Padding: [2]int{ph, pw}}
		xs := []int{1 + rng.IntN(3), 1 + rng.IntN(3), kh + 20 + rng.IntN(60), kw + 20 + rng.IntN(60)}
		ws := []int{64 + rng.IntN(9), xs[1], kh, kw}
		p := newConvPlan(Zeros(xs...), Zeros(ws...), o.normalized())
		if _, ok := p.phasedWinograd(); !ok {
			continue
		}
		found++
		name := fmt.Sprintf("x%v_w%v_stride%v_pad%v", xs, ws, o.Stride, o.Padding)
		checkConvForward(t, []convForwardCase{{name, xs, ws, o, true}}, uint64(tried), func(*testing.T, *convPlan) {})
	}
	if tried == 2000 {
		t.Fatal("too few random convolutions take the path; widen the draw")
	}
}

// TestPhasedWinogradRule checks which strided convolutions go over their
// phases: those whose phases hold at most three taps an axis and save
// enough multiply-adds.
func TestPhasedWinogradRule(t *testing.T) {
	for _, c := range []struct {
		name string
		x, w []int
		o    ConvOptions
		want bool
	}{
		{"alexnet1_bands", []int{1, 3, 224, 224}, []int{64, 3, 11, 11}, ConvOptions{Stride: [2]int{4, 4}, Padding: [2]int{2, 2}}, true},
		{"resnet_3x3_stride2", []int{1, 64, 56, 56}, []int{128, 64, 3, 3}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, false},
		{"resnet_stem_7x7_stride2", []int{1, 3, 224, 224}, []int{64, 3, 7, 7}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{3, 3}}, false},
		{"stride1", []int{1, 64, 56, 56}, []int{64, 64, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, false},
		{"few_outputs", []int{1, 3, 224, 224}, []int{32, 3, 11, 11}, ConvOptions{Stride: [2]int{4, 4}, Padding: [2]int{2, 2}}, false},
		{"groups", []int{1, 4, 224, 224}, []int{64, 2, 11, 11}, ConvOptions{Stride: [2]int{4, 4}, Padding: [2]int{2, 2}, Groups: 2}, false},
		{"dilation", []int{1, 3, 224, 224}, []int{64, 3, 5, 5}, ConvOptions{Stride: [2]int{4, 4}, Dilation: [2]int{2, 2}}, false},
		{"small_map", []int{1, 3, 40, 40}, []int{64, 3, 11, 11}, ConvOptions{Stride: [2]int{4, 4}}, false},
		// 16×16 outputs: a batch of them would go side by side.
		{"small_maps_batched", []int{8, 3, 67, 67}, []int{64, 3, 11, 11}, ConvOptions{Stride: [2]int{4, 4}, Padding: [2]int{2, 2}}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newConvPlan(Zeros(c.x...), Zeros(c.w...), c.o.normalized())
			if _, got := p.phasedWinograd(); got != c.want {
				t.Errorf("phasedWinograd() = %v, want %v", got, c.want)
			}
		})
	}
}

var winogradCases = []convForwardCase{
	{"b1_40x40_pad1", []int{1, 64, 40, 40}, []int{64, 64, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, true},
	{"b3_21x19_pad1", []int{3, 70, 21, 19}, []int{65, 70, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, false},
	{"b2_24x22_pad0", []int{2, 64, 24, 22}, []int{64, 64, 3, 3}, ConvOptions{}, true},
	{"b1_19x22_pad2", []int{1, 67, 19, 22}, []int{66, 67, 3, 3}, ConvOptions{Padding: [2]int{2, 2}}, true},
	{"b2_21x22_pad2x0", []int{2, 64, 21, 22}, []int{64, 64, 3, 3}, ConvOptions{Padding: [2]int{2, 0}}, false},
	{"b1_23x21_pad0", []int{1, 96, 23, 21}, []int{64, 96, 3, 3}, ConvOptions{}, true},
	{"b5_14x14_side_by_side", []int{5, 64, 14, 14}, []int{64, 64, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, true},
	{"b3_13x15_side_by_side", []int{3, 68, 13, 15}, []int{72, 68, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, false},
}

// TestConv2dWinogradBackward checks the input gradient computed as
// Winograd's F(2×2, 3×3) over the transposed convolution against the
// float64 reference: written and added to a gradient already there, with
// and without the weight gradient beside it.
func TestConv2dWinogradBackward(t *testing.T) {
	for _, c := range winogradCases {
		for _, v := range []struct {
			name                string
			twice, weightFrozen bool
		}{{"once", false, false}, {"twice", true, false}, {"frozen_weights", false, true}} {
			t.Run(c.name+"/"+v.name, func(t *testing.T) {
				g := gcGen{rng: NewRNG(31)}
				x := g.normal(c.x...).SetRequiresGrad(true)
				w := g.normal(c.w...).SetRequiresGrad(!v.weightFrozen)
				p := newConvPlan(x, w, c.o.normalized())
				if pt, ok := p.transposed(); !ok || !pt.winograd() {
					t.Fatal("input gradient not computed as Winograd's F(2×2, 3×3); resize the test")
				}
				y := Conv2d(x, w, nil, c.o)
				gy := RandU(g.rng, -1, 1, y.shape...)
				loss := Sum(Mul(y, gy))
				if v.twice {
					loss = Add(loss, Sum(x))
				}
				loss.Backward()
				wantX, wantW := reference.Conv2dGrads(reference.FromFloat32(x.data, x.shape...),
					reference.FromFloat32(w.data, w.shape...), reference.FromFloat32(gy.data, gy.shape...), gcConvRef(c.o))
				if v.twice {
					for i := range wantX.Data {
						wantX.Data[i]++
					}
				}
				if e := gcRelErr(x.Grad().data, wantX.Data, nil); e > 1e-5 {
					t.Errorf("input gradient differs from the definition by %.3g", e)
				}
				if v.weightFrozen {
					if w.Grad() != nil {
						t.Error("a frozen weight got a gradient")
					}
				} else if e := gcRelErr(w.Grad().data, wantW.Data, nil); e > 1e-5 {
					t.Errorf("weight gradient differs from the definition by %.3g", e)
				}
			})
		}
	}
}
