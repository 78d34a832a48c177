package tensor

import (
	"fmt"
	"testing"
)

// TestConv2dBatchNorm checks that the fused inference op equals Conv2d,
// BatchNorm in evaluation and ReLU run one after another, bit for bit, on
// every forward path (Winograd, implicit GEMM, image by image, bands, one
// GEMM over the batch, 1×1) and every combination of bias, batch norm and
// ReLU.
func TestConv2dBatchNorm(t *testing.T) {
	cases := []struct {
		name string
		x, w []int
		o    ConvOptions
		path func(p *convPlan) bool
	}{
		{"winograd", []int{2, 64, 21, 20}, []int{72, 64, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, func(p *convPlan) bool { return p.winograd() }},
		{"implicit", []int{2, 16, 40, 40}, []int{8, 16, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, func(p *convPlan) bool { return p.implicitTiling().ok() }},
		{"implicit_side_by_side_runs", []int{9, 16, 8, 8}, []int{16, 16, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, func(p *convPlan) bool { return p.implicitTiling().images > 1 }},
		{"implicit_strided", []int{1, 3, 227, 227}, []int{4, 3, 11, 11}, ConvOptions{Stride: [2]int{4, 4}}, func(p *convPlan) bool { return p.implicitTiling().ok() }},
		{"batched", []int{7, 3, 10, 12}, []int{4, 3, 3, 3}, ConvOptions{Padding: [2]int{1, 1}, Stride: [2]int{2, 2}}, func(p *convPlan) bool { return p.batched() && !p.implicitTiling().ok() }},
		{"bands", []int{1, 64, 40, 40}, []int{128, 64, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, func(p *convPlan) bool { return !p.batched() && p.bandRows() > 0 && !p.implicitTiling().ok() }},
		{"whole_batch", []int{1, 16, 9, 9}, []int{6, 8, 3, 3}, ConvOptions{Groups: 2, Stride: [2]int{2, 2}}, func(p *convPlan) bool { return !p.batched() && p.bandRows() == 0 && !p.implicitTiling().ok() }},
		{"pointwise", []int{2, 8, 7, 7}, []int{5, 8, 1, 1}, ConvOptions{}, func(p *convPlan) bool { return p.pointwise }},
	}
	for _, c := range cases {
		for _, withBias := range []bool{false, true} {
			for _, withBN := range []bool{false, true} {
				for _, relu := range []bool{false, true} {
					t.Run(fmt.Sprintf("%s/bias=%v/bn=%v/relu=%v", c.name, withBias, withBN, relu), func(t *testing.T) {
						if c.name != "winograd" {
							withoutWinograd(t) // the bands case would take it
						}
						g := gcGen{rng: NewRNG(19)}
						x, w := g.normal(c.x...), g.normal(c.w...)
						p := newConvPlan(x, w, c.o.normalized())
						if !c.path(&p) {
							t.Fatal("not on the path named; resize the test")
						}
						var bias *Tensor
						if withBias {
							bias = g.normal(c.w[0])
						}
						want := Conv2d(x, w, bias, c.o)
						var scale, shift []float32
						if withBN {
							gamma, beta := g.normal(c.w[0]), g.normal(c.w[0])
							mean, variance := g.normal(c.w[0]), RandU(g.rng, 0.5, 2, c.w[0])
							want = BatchNorm(want, gamma, beta, mean, variance, BatchNormOptions{Eps: 1e-5})
							scale, shift = BatchNormEvalAffine(gamma, beta, mean, variance, 1e-5)
						}
						if relu {
							want = ReLU(want)
						}
						got := Conv2dBatchNorm(x, w, bias, c.o, scale, shift, relu)
						for i := range want.data {
							if got.data[i] != want.data[i] {
								t.Fatalf("element %d: fused %v, separate %v", i, got.data[i], want.data[i])
							}
						}
					})
				}
			}
		}
	}
}

func TestConv2dBatchNormRefusesGradients(t *testing.T) {
	x := New(1, 1, 4, 4).SetRequiresGrad(true)
	w := New(1, 1, 3, 3)
	defer func() {
		if recover() == nil {
			t.Error("no panic for an input that requires a gradient")
		}
	}()
	Conv2dBatchNorm(x, w, nil, ConvOptions{}, nil, nil, true)
}
