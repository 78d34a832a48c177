package nn_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

// Tolerances of the layer parity tests, relative to max|torch|.
const (
	fwdTol  = 1e-5
	gradTol = 1e-4
)

type layerFixture struct {
	Torch string      `json:"torch"`
	Cases []layerCase `json:"cases"`
}

// layerCase is one layer: its torch state_dict (names, shapes, and how the
// values are drawn) and one or more phases run in order.
type layerCase struct {
	Name  string         `json:"name"`
	Layer string         `json:"layer"`
	Attrs map[string]any `json:"attrs"`
	State []stateEntry   `json:"state"`
	Phase []layerPhase   `json:"phases"`
}

type stateEntry struct {
	drawSpec
	Key   string `json:"key"`
	Value int    `json:"value"` // num_batches_tracked
}

// layerPhase is out = layer(x) in a mode, then backward of sum(out·R), with
// torch's results: the output, the gradients and the buffers afterwards.
type layerPhase struct {
	Mode      string               `json:"mode"`
	Input     drawSpec             `json:"input"`
	Upstream  drawSpec             `json:"upstream"`
	Out       fixTensor            `json:"out"`
	InputGrad fixTensor            `json:"input_grad"`
	Grads     map[string]fixTensor `json:"grads"`
	Buffers   map[string]fixTensor `json:"buffers"`
}

func attrInt(t *testing.T, a map[string]any, k string) int {
	t.Helper()
	n, ok := a[k].(json.Number)
	if !ok {
		t.Fatalf("attribute %q missing or not a number: %v", k, a[k])
	}
	v, err := n.Int64()
	if err != nil {
		t.Fatalf("attribute %q: %v", k, err)
	}
	return int(v)
}

func attrFloat(t *testing.T, a map[string]any, k string) float64 {
	t.Helper()
	n, ok := a[k].(json.Number)
	if !ok {
		t.Fatalf("attribute %q missing or not a number: %v", k, a[k])
	}
	v, err := n.Float64()
	if err != nil {
		t.Fatalf("attribute %q: %v", k, err)
	}
	return v
}

func attrBool(t *testing.T, a map[string]any, k string) bool {
	t.Helper()
	v, ok := a[k].(bool)
	if !ok {
		t.Fatalf("attribute %q missing or not a bool: %v", k, a[k])
	}
	return v
}

// newLeNet5 is LeNet-5 as torch users usually write it for MNIST (the
// fixture script's lenet5).
func newLeNet5(rng *rand.Rand) *nn.Sequential {
	return nn.NewSequential(
		nn.NewConv2d(rng, nn.Conv2dConfig{In: 1, Out: 6, Kernel: 5, Padding: 2}), // 6×28×28
		nn.NewReLU(),
		nn.NewMaxPool2d(2, 0, 0, false), // 6×14×14
		nn.NewConv2d(rng, nn.Conv2dConfig{In: 6, Out: 16, Kernel: 5}), // 16×10×10
		nn.NewReLU(),
		nn.NewMaxPool2d(2, 0, 0, false), // 16×5×5
		nn.NewFlatten(),                 // 400
		nn.NewLinear(rng, 400, 120, true),
		nn.NewReLU(),
		nn.NewLinear(rng, 120, 84, true),
		nn.NewReLU(),
		nn.NewLinear(rng, 84, 10, true),
	)
}

// buildLayer makes the module a case describes, with default weights.
func buildLayer(t *testing.T, c layerCase) nn.Module {
	t.Helper()
	rng := tensor.NewRNG(1)
	a := c.Attrs
	switch c.Layer {
	case "Conv2d":
		return nn.NewConv2d(rng, nn.Conv2dConfig{In: attrInt(t, a, "in"), Out: attrInt(t, a, "out"),
			Kernel: attrInt(t, a, "kernel"), Stride: attrInt(t, a, "stride"), Padding: attrInt(t, a, "padding"),
			Dilation: attrInt(t, a, "dilation"), Groups: attrInt(t, a, "groups"), NoBias: !attrBool(t, a, "bias")})
	case "Linear":
		return nn.NewLinear(rng, attrInt(t, a, "in"), attrInt(t, a, "out"), attrBool(t, a, "bias"))
	case "MaxPool2d":
		m := nn.NewMaxPool2d(attrInt(t, a, "kernel"), attrInt(t, a, "stride"), attrInt(t, a, "padding"), attrBool(t, a, "ceil_mode"))
		m.Dilation = attrInt(t, a, "dilation")
		return m
	case "AvgPool2d":
		m := nn.NewAvgPool2d(attrInt(t, a, "kernel"), attrInt(t, a, "stride"), attrInt(t, a, "padding"))
		m.CeilMode = attrBool(t, a, "ceil_mode")
		m.CountIncludePad = attrBool(t, a, "count_include_pad")
		m.DivisorOverride = attrInt(t, a, "divisor_override")
		return m
	case "AdaptiveAvgPool2d":
		return nn.NewAdaptiveAvgPool2d(attrInt(t, a, "h"), attrInt(t, a, "w"))
	case "ReLU":
		return nn.NewReLU()
	case "Dropout":
		return nn.NewDropout(attrFloat(t, a, "p"), 1)
	case "LocalResponseNorm":
		return nn.NewLocalResponseNorm(attrInt(t, a, "size"), attrFloat(t, a, "alpha"), attrFloat(t, a, "beta"), attrFloat(t, a, "k"))
	case "Flatten":
		return nn.NewFlatten()
	case "BatchNorm2d":
		return nn.NewBatchNorm2d(attrInt(t, a, "channels"))
	case "LeNet5":
		return newLeNet5(rng)
	}
	t.Fatalf("unknown layer %q", c.Layer)
	return nil
}

// loadState checks that m's state dict has torch's names and shapes, in
// torch's order, and fills it by name with the values the fixture draws.
func loadState(t *testing.T, m nn.Module, want []stateEntry) {
	t.Helper()
	sd := nn.StateDict(m)
	var got, exp []string
	for _, e := range sd {
		got = append(got, fmt.Sprintf("%s%v", e.Name, e.Tensor.Shape()))
	}
	for _, e := range want {
		exp = append(exp, fmt.Sprintf("%s%v", e.Key, e.Shape))
	}
	if !slices.Equal(got, exp) {
		t.Fatalf("state dict\n got   %v\n torch %v", got, exp)
	}
	for i, e := range want {
		dst := sd[i].Tensor
		if isCount(e.Key) {
			dst.Fill(float32(e.Value))
			continue
		}
		dst.CopyFrom(tensor.FromSlice(e.values(nil), e.Shape...))
	}
}

// isCount reports whether a state-dict entry is BatchNorm's batch counter,
// an integer in torch, which the fixture gives as a value.
func isCount(name string) bool {
	return name == "num_batches_tracked" || strings.HasSuffix(name, ".num_batches_tracked")
}

// worstErr collects the worst relative errors of a case, for the log.
type worstErr struct{ fwd, grad float64 }

// TestLayerParity runs every layer of the fixture as torch did and compares
// outputs, gradients and buffers.
func TestLayerParity(t *testing.T) {
	var fx layerFixture
	loadFixture(t, fixturePath, &fx)
	if len(fx.Cases) == 0 {
		t.Fatal("no cases in the fixture")
	}
	layers := map[string]bool{}
	for _, c := range fx.Cases {
		layers[c.Layer] = true
		t.Run(c.Name, func(t *testing.T) {
			m := buildLayer(t, c)
			loadState(t, m, c.State)
			var w worstErr
			for i, ph := range c.Phase {
				runPhase(t, fmt.Sprintf("phase %d (%s)", i, ph.Mode), m, ph, &w)
			}
			t.Logf("torch %s: worst relative error forward %.2g, gradients %.2g", fx.Torch, w.fwd, w.grad)
		})
	}
	for _, l := range []string{"Conv2d", "Linear", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "ReLU",
		"Dropout", "LocalResponseNorm", "BatchNorm2d", "Flatten", "LeNet5"} {
		if !layers[l] {
			t.Errorf("the fixture has no %s case", l)
		}
	}
}

func runPhase(t *testing.T, what string, m nn.Module, ph layerPhase, w *worstErr) {
	t.Helper()
	switch ph.Mode {
	case "train":
		nn.Train(m)
	case "eval":
		nn.Eval(m)
	default:
		t.Fatalf("%s: unknown mode", what)
	}
	x := tensor.FromSlice(ph.Input.values(nil), ph.Input.Shape...).SetRequiresGrad(true)
	out := m.Forward(x)
	w.fwd = max(w.fwd, compare(t, what+" output", out.Data(), out.Shape(), ph.Out, fwdTol))
	if t.Failed() {
		return
	}
	out.BackwardWith(tensor.FromSlice(ph.Upstream.values(out.Shape()), out.Shape()...))
	if x.Grad() == nil {
		t.Fatalf("%s: no input gradient", what)
	}
	w.grad = max(w.grad, compare(t, what+" input gradient", x.Grad().Data(), x.Shape(), ph.InputGrad, gradTol))

	params := nn.Parameters(m)
	if len(params) != len(ph.Grads) {
		t.Errorf("%s: %d parameters, torch has gradients for %d", what, len(params), len(ph.Grads))
	}
	for _, p := range params {
		want, ok := ph.Grads[p.Name]
		if !ok {
			t.Errorf("%s: parameter %s has no torch gradient", what, p.Name)
			continue
		}
		if p.Tensor.Grad() == nil {
			t.Errorf("%s: parameter %s has no gradient", what, p.Name)
			continue
		}
		w.grad = max(w.grad, compare(t, what+" gradient of "+p.Name, p.Tensor.Grad().Data(), p.Tensor.Shape(), want, gradTol))
		p.Tensor.ZeroGrad() // as torch's zero_grad(set_to_none=True) between phases
	}

	bufs := nn.Buffers(m)
	if len(bufs) != len(ph.Buffers) {
		t.Errorf("%s: %d buffers, torch %d", what, len(bufs), len(ph.Buffers))
	}
	for _, b := range bufs {
		want, ok := ph.Buffers[b.Name]
		if !ok {
			t.Errorf("%s: buffer %s not in torch's", what, b.Name)
			continue
		}
		tol := fwdTol
		if isCount(b.Name) {
			tol = 0 // a count: exact
		}
		w.fwd = max(w.fwd, compare(t, what+" buffer "+b.Name, b.Tensor.Data(), b.Tensor.Shape(), want, tol))
	}
}
