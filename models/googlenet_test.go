package models

import (
	"fmt"
	"slices"
	"testing"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

func newTestGoogLeNet(t *testing.T, o Options) *GoogLeNet {
	t.Helper()
	m, err := New("googlenet", o)
	if err != nil {
		t.Fatal(err)
	}
	return m.(*GoogLeNet)
}

// TestGoogLeNetAux checks when the auxiliary classifiers run, and that the
// combined loss of the paper reaches both heads and the trunk. It uses
// 64×64 inputs (the auxiliary heads pool adaptively, so any input of at
// least 15×15 works) to stay fast.
func TestGoogLeNetAux(t *testing.T) {
	const classes = 5
	m := newTestGoogLeNet(t, Options{Classes: classes, AuxLogits: true, Seed: 1})
	x := tensor.RandN(tensor.NewRNG(2), 0, 1, 2, 3, 64, 64)

	logits, aux1, aux2 := m.ForwardAux(x) // training mode, as built
	for i, y := range []*tensor.Tensor{logits, aux1, aux2} {
		if y == nil || !slices.Equal(y.Shape(), []int{2, classes}) {
			t.Fatalf("training ForwardAux output %d: %v, want shape [2 %d]", i, y, classes)
		}
	}
	ce := func(y *tensor.Tensor) *tensor.Tensor {
		l, err := tensor.CrossEntropy(y, []int{1, 4}, tensor.CrossEntropyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	// loss = main + 0.3·(aux1 + aux2), as the paper trains.
	loss := tensor.Add(ce(logits), tensor.MulScalar(tensor.Add(ce(aux1), ce(aux2)), 0.3))
	loss.Backward()
	for _, p := range nn.Parameters(m) {
		if p.Tensor.Grad() == nil {
			t.Errorf("%s has no gradient", p.Name)
		}
	}

	nn.Eval(m)
	logits, aux1, aux2 = m.ForwardAux(x)
	if aux1 != nil || aux2 != nil || !slices.Equal(logits.Shape(), []int{2, classes}) {
		t.Errorf("evaluation ForwardAux gives %v, %v, %v; want logits and no auxiliary outputs", logits, aux1, aux2)
	}
	plain := newTestGoogLeNet(t, Options{Classes: classes, Seed: 1})
	if _, aux1, aux2 := plain.ForwardAux(x); aux1 != nil || aux2 != nil {
		t.Error("a googlenet built without AuxLogits returns auxiliary outputs")
	}
}

// TestGoogLeNetAuxKeepsTrunk checks that building the auxiliary heads does
// not change the main network's initial weights for the same seed.
func TestGoogLeNetAuxKeepsTrunk(t *testing.T) {
	with := map[string][]float32{}
	for _, p := range nn.StateDict(newTestGoogLeNet(t, Options{AuxLogits: true, Seed: 9})) {
		with[p.Name] = p.Tensor.Data()
	}
	for _, p := range nn.StateDict(newTestGoogLeNet(t, Options{Seed: 9})) {
		if !slices.Equal(with[p.Name], p.Tensor.Data()) {
			t.Errorf("%s differs with and without the auxiliary classifiers", p.Name)
		}
	}
}

// TestGoogLeNetTransformInput checks torchvision's transform_input: the
// channels are mapped x·std/0.5 + (mean − 0.5)/0.5 before conv1.
func TestGoogLeNetTransformInput(t *testing.T) {
	m := newTestGoogLeNet(t, Options{TransformInput: true})
	if !m.TransformInput || newTestGoogLeNet(t, Options{}).TransformInput {
		t.Fatal("TransformInput is not set from the options, or is on by default")
	}
	nn.Eval(m)
	x := tensor.RandN(tensor.NewRNG(1), 0, 1, 2, 3, 32, 32)
	// The transform followed by the untransformed network is the network.
	want := tensor.New(2, 3, 32, 32)
	std, mean := []float64{0.229, 0.224, 0.225}, []float64{0.485, 0.456, 0.406}
	for i, v := range x.Data() {
		c := i / (32 * 32) % 3
		want.Data()[i] = v*float32(std[c]/0.5) + float32((mean[c]-0.5)/0.5)
	}
	got := m.Forward(x)
	m.TransformInput = false
	ref := m.Forward(want)
	for i := range got.Data() {
		if d := got.Data()[i] - ref.Data()[i]; d > 1e-5 || d < -1e-5 {
			t.Fatalf("output %d: %v with transform_input, %v on the transformed input", i, got.Data()[i], ref.Data()[i])
		}
	}
}

// TestGoogLeNetStages checks the shapes of the stages at 224×224, as the
// comments in Forward give them.
func TestGoogLeNetStages(t *testing.T) {
	if testing.Short() {
		t.Skip("a 224×224 forward pass")
	}
	m := newTestGoogLeNet(t, Options{})
	nn.Eval(m)
	nn.Freeze(m)
	x := tensor.RandN(tensor.NewRNG(1), 0, 1, 1, 3, 224, 224)
	for _, s := range []struct {
		name  string
		layer nn.Module
		want  []int
	}{
		{"conv1", m.Conv1, []int{1, 64, 112, 112}}, {"maxpool1", m.MaxPool1, []int{1, 64, 56, 56}},
		{"conv2", m.Conv2, []int{1, 64, 56, 56}}, {"conv3", m.Conv3, []int{1, 192, 56, 56}},
		{"maxpool2", m.MaxPool2, []int{1, 192, 28, 28}},
		{"inception3a", m.Inception3a, []int{1, 256, 28, 28}}, {"inception3b", m.Inception3b, []int{1, 480, 28, 28}},
		{"maxpool3", m.MaxPool3, []int{1, 480, 14, 14}},
		{"inception4a", m.Inception4a, []int{1, 512, 14, 14}}, {"inception4b", m.Inception4b, []int{1, 512, 14, 14}},
		{"inception4c", m.Inception4c, []int{1, 512, 14, 14}}, {"inception4d", m.Inception4d, []int{1, 528, 14, 14}},
		{"inception4e", m.Inception4e, []int{1, 832, 14, 14}}, {"maxpool4", m.MaxPool4, []int{1, 832, 7, 7}},
		{"inception5a", m.Inception5a, []int{1, 832, 7, 7}}, {"inception5b", m.Inception5b, []int{1, 1024, 7, 7}},
		{"avgpool", m.AvgPool, []int{1, 1024, 1, 1}},
	} {
		x = s.layer.Forward(x)
		checkShape(t, s.name, x, s.want...)
	}
}

// A training step of GoogLeNet with its auxiliary classifiers, weighted as
// in the paper.
func ExampleGoogLeNet_ForwardAux() {
	m, err := New("googlenet", Options{Classes: 10, AuxLogits: true})
	if err != nil {
		panic(err)
	}
	x := tensor.RandN(tensor.NewRNG(1), 0, 1, 2, 3, 64, 64)
	labels := []int{3, 7}
	logits, aux1, aux2 := m.(*GoogLeNet).ForwardAux(x) // auxiliary outputs in training mode only
	ce := func(y *tensor.Tensor) *tensor.Tensor {
		l, err := tensor.CrossEntropy(y, labels, tensor.CrossEntropyOptions{})
		if err != nil {
			panic(err)
		}
		return l
	}
	loss := tensor.Add(ce(logits), tensor.MulScalar(tensor.Add(ce(aux1), ce(aux2)), 0.3))
	loss.Backward()
	fmt.Println(logits.Shape(), aux1.Shape(), aux2.Shape())
	// Output: [2 10] [2 10] [2 10]
}
