package tensor

import (
	"testing"

	"github.com/convnet/convnet/internal/kernel"
	"github.com/convnet/convnet/internal/reference"
)

// TestConv2dDepthSplit checks convolutions whose GEMM is split by depth
// (forwardDepthSplit) against the float64 reference: ResNet-18's last
// stage at batch 1, a stride-2 layer onto 7×7, and output channels that
// are no multiple of the micro-kernel's tiles. (Batches of a few images
// take the batched path.)
func TestConv2dDepthSplit(t *testing.T) {
	cases := []convForwardCase{
		{"b1_512_7x7", []int{1, 512, 7, 7}, []int{512, 512, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, true},
		{"b1_stride2_onto_7x7", []int{1, 96, 14, 14}, []int{64, 96, 3, 3}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, true},
		{"b1_37_outputs", []int{1, 64, 7, 7}, []int{37, 64, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, false},
	}
	checkConvForward(t, cases, 53, func(t *testing.T, p *convPlan) {
		if kernel.Workers() < 2 {
			return // one worker splits nothing: TestForwardDepthSplitParts covers the sum
		}
		_, phased := p.phasedWinograd()
		if p.winograd() || phased || (implicitEnabled && p.implicitTiling().ok()) || p.batched() || p.bandRows() > 0 ||
			p.depthParts(min(p.chunk, p.n)*p.hw) == 0 {
			t.Fatal("not split by depth; resize the test")
		}
	})
}

// TestForwardDepthSplitParts checks the sum of the shares' products for
// any number of shares, one to more than the workers, against the float64
// reference.
func TestForwardDepthSplitParts(t *testing.T) {
	g := gcGen{rng: NewRNG(59)}
	x, w := g.normal(2, 20, 6, 5), g.normal(33, 20, 3, 3)
	o := ConvOptions{Padding: [2]int{1, 1}}
	want := reference.Conv2d(reference.FromFloat32(x.data, x.shape...), reference.FromFloat32(w.data, w.shape...), nil, gcConvRef(o))
	p := newConvPlan(x, w, o.normalized())
	for _, parts := range []int{1, 2, 3, 7} {
		ld := p.n * p.hw
		col := make([]float32, p.rowsG*ld)
		y := make([]float32, len(want.Data))
		p.forwardDepthSplit(x.data, w.data, y, col, p.n, ld, parts)
		if e := gcRelErr(y, want.Data, nil); e > 1e-5 {
			t.Errorf("%d shares: differs from the reference by %.3g", parts, e)
		}
	}
}
