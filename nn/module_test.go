package nn_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

// block is a user-defined module with named fields as children, the way
// torchvision writes a ResNet block.
type block struct {
	nn.Base
	conv *nn.Conv2d
	bn   *nn.BatchNorm2d
	drop *nn.Dropout
}

func newBlock() *block {
	b := &block{}
	b.conv = b.RegisterModule("conv", nn.NewConv2d(tensor.NewRNG(3), nn.Conv2dConfig{In: 2, Out: 2, Kernel: 3, Padding: 1, NoBias: true})).(*nn.Conv2d)
	b.bn = b.RegisterModule("bn", nn.NewBatchNorm2d(2)).(*nn.BatchNorm2d)
	b.drop = b.RegisterModule("drop", nn.NewDropout(0.5, 7)).(*nn.Dropout)
	return b
}

func (b *block) Forward(x *tensor.Tensor) *tensor.Tensor {
	return b.drop.Forward(tensor.ReLU(b.bn.Forward(b.conv.Forward(x))))
}

// nested is a network with modules at several depths: a Sequential holding
// a user module, a Concat of branches and another Sequential.
func nested() *nn.Sequential {
	rng := tensor.NewRNG(2)
	return nn.NewSequential(
		nn.NewConv2d(rng, nn.Conv2dConfig{In: 1, Out: 2, Kernel: 3, Padding: 1}),
		newBlock(),
		nn.NewConcat(
			nn.NewSequential(nn.NewBatchNorm2d(2), nn.NewDropout(0.2, 1)),
			nn.NewReLU(),
		),
		nn.NewSequential(nn.NewSequential(nn.NewBatchNorm2d(4))),
	)
}

type trainer interface{ Training() bool }

func modes(m nn.Module) map[string]bool {
	out := map[string]bool{}
	nn.Walk(m, func(path string, m nn.Module) { out[path] = m.(trainer).Training() })
	return out
}

func TestTrainEvalReachEveryModule(t *testing.T) {
	m := nested()
	got := modes(m)
	if len(got) != 14 {
		t.Fatalf("Walk visited %d modules, want 14: %v", len(got), got)
	}
	for p, tr := range got {
		if !tr {
			t.Errorf("new module %q is in evaluation mode; torch modules start in training", p)
		}
	}
	nn.Eval(m)
	for p, tr := range modes(m) {
		if tr {
			t.Errorf("after Eval, %q is still training", p)
		}
	}
	// In evaluation the dropouts are identities and batch norm uses its
	// running statistics, so two passes agree and nothing is updated.
	x := tensor.RandN(tensor.NewRNG(5), 0, 1, 2, 1, 4, 4)
	a, b := m.Forward(x).Data(), m.Forward(x).Data()
	if !slices.Equal(a, b) {
		t.Error("two forward passes in evaluation differ")
	}
	for _, buf := range nn.Buffers(m) {
		if isCount(buf.Name) && buf.Tensor.Item() != 0 {
			t.Errorf("%s = %v after evaluation passes", buf.Name, buf.Tensor.Item())
		}
	}
	nn.Train(m)
	for p, tr := range modes(m) {
		if !tr {
			t.Errorf("after Train, %q is still in evaluation", p)
		}
	}
	m.Forward(x)
	for _, buf := range nn.Buffers(m) {
		if isCount(buf.Name) && buf.Tensor.Item() != 1 {
			t.Errorf("%s = %v after one training pass, want 1", buf.Name, buf.Tensor.Item())
		}
	}
}

func TestStateDictNamesAndOrder(t *testing.T) {
	var got []string
	for _, e := range nn.StateDict(nested()) {
		got = append(got, fmt.Sprintf("%s%v", e.Name, e.Tensor.Shape()))
	}
	// What torch's state_dict() gives for the same structure: each module's
	// parameters, then its buffers, then its children.
	want := []string{
		"0.weight[2 1 3 3]", "0.bias[2]",
		"1.conv.weight[2 2 3 3]",
		"1.bn.weight[2]", "1.bn.bias[2]", "1.bn.running_mean[2]", "1.bn.running_var[2]", "1.bn.num_batches_tracked[]",
		"2.0.0.weight[2]", "2.0.0.bias[2]", "2.0.0.running_mean[2]", "2.0.0.running_var[2]", "2.0.0.num_batches_tracked[]",
		"3.0.0.weight[4]", "3.0.0.bias[4]", "3.0.0.running_mean[4]", "3.0.0.running_var[4]", "3.0.0.num_batches_tracked[]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("state dict\n got  %v\n want %v", got, want)
	}
	var params []string
	for _, p := range nn.Parameters(nested()) {
		params = append(params, p.Name)
	}
	wantParams := []string{"0.weight", "0.bias", "1.conv.weight", "1.bn.weight", "1.bn.bias",
		"2.0.0.weight", "2.0.0.bias", "3.0.0.weight", "3.0.0.bias"}
	if !slices.Equal(params, wantParams) {
		t.Errorf("parameters %v, want %v", params, wantParams)
	}
}

func TestCountParametersLeNet5(t *testing.T) {
	m := newLeNet5(tensor.NewRNG(1))
	// 156 + 2,416 + 48,120 + 10,164 + 850, as torch's
	// sum(p.numel() for p in lenet.parameters()).
	total, trainable := nn.CountParameters(m)
	if total != 61706 || trainable != 61706 {
		t.Errorf("CountParameters(LeNet-5) = %d, %d trainable; want 61706, 61706", total, trainable)
	}
	nn.Freeze(m)
	if total, trainable = nn.CountParameters(m); total != 61706 || trainable != 0 {
		t.Errorf("frozen: %d, %d trainable; want 61706, 0", total, trainable)
	}
}

func TestFreezeRecordsNoGraph(t *testing.T) {
	m := newLeNet5(tensor.NewRNG(1))
	x := tensor.RandN(tensor.NewRNG(2), 0, 1, 2, 1, 28, 28)
	if out := m.Forward(x); !out.RequiresGrad() || out.IsLeaf() {
		t.Fatal("a trainable model's output records no graph")
	}
	nn.Freeze(m)
	nn.Eval(m)
	out := m.Forward(x)
	if out.RequiresGrad() || !out.IsLeaf() {
		t.Errorf("a frozen model's output records a graph (requires grad %v, leaf %v)", out.RequiresGrad(), out.IsLeaf())
	}
	for _, p := range nn.Parameters(m) {
		if p.Tensor.RequiresGrad() {
			t.Errorf("%s still requires gradients", p.Name)
		}
	}
	nn.Unfreeze(m)
	if out := m.Forward(x); !out.RequiresGrad() {
		t.Error("after Unfreeze the output records no graph")
	}
}

func TestZeroGradKeepsBuffers(t *testing.T) {
	m := nn.NewLinear(tensor.NewRNG(1), 3, 2, true)
	x := tensor.Ones(4, 3)
	loss := tensor.Sum(m.Forward(x))
	loss.Backward()
	g := m.Weight.Grad()
	if g == nil {
		t.Fatal("no gradient")
	}
	nn.ZeroGrad(m)
	if m.Weight.Grad() != g {
		t.Error("ZeroGrad replaced the gradient buffer")
	}
	for _, v := range g.Data() {
		if v != 0 {
			t.Fatalf("gradient %v after ZeroGrad", g.Data())
		}
	}
}

func TestDropoutModes(t *testing.T) {
	d := nn.NewDropout(0.5, 3)
	x := tensor.Ones(100, 100)
	y := d.Forward(x)
	zeros := 0
	for _, v := range y.Data() {
		switch v {
		case 0:
			zeros++
		case 2: // survivors scaled by 1/(1−p)
		default:
			t.Fatalf("training dropout produced %v from 1", v)
		}
	}
	if zeros < 4800 || zeros > 5200 {
		t.Errorf("dropout(0.5) zeroed %d of 10000", zeros)
	}
	nn.SeedDropout(d, 11)
	a := d.Forward(x).Data()
	nn.SeedDropout(d, 11)
	if b := d.Forward(x).Data(); !slices.Equal(a, b) {
		t.Error("the same seed gave different masks")
	}
	nn.Eval(d)
	if d.Forward(x) != x {
		t.Error("dropout in evaluation is not the identity")
	}
}
