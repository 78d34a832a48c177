package summary_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/convnet/convnet/models"
	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/summary"
	"github.com/convnet/convnet/tensor"
)

// built caches the zoo's models, since building VGG-16 draws 138M weights.
var built sync.Map

func model(t *testing.T, name string, opts models.Options) nn.Module {
	t.Helper()
	key := fmt.Sprintf("%s %+v", name, opts)
	if m, ok := built.Load(key); ok {
		return m.(nn.Module)
	}
	m, err := models.New(name, opts)
	if err != nil {
		t.Fatal(err)
	}
	built.Store(key, m)
	return m
}

// TestTorchinfoFigures checks the totals against torchinfo 1.8's
// summaries of the torchvision models. The figures with two decimals in a
// unit are torchinfo's own printouts: resnet50 at batch 2 from its
// tests/test_output/resnet50.out, resnet18 at 64×64 from
// resnet18_depth_consistency.out, googlenet with its auxiliary classifiers
// at 112×112 in evaluation from google.out; the others at 1×3×224×224 are
// the commonly quoted ones (alexnet 0.71 G, vgg16 15.48 G, googlenet 1.50 G,
// resnet18 1.81 G, resnet50 4.09 G).
func TestTorchinfoFigures(t *testing.T) {
	for _, c := range []struct {
		name  string
		opts  models.Options
		input []int
		// torchinfo's figures as it prints them; "" where not known.
		multAdds, inputMB, passMB, paramsMB string
		params                              int64
		// approx is a figure known only to two significant digits, checked
		// to 1%.
		approx float64
	}{
		{name: "alexnet", input: []int{1, 3, 224, 224}, approx: 0.71e9, params: 61100840},
		{name: "vgg16", input: []int{1, 3, 224, 224}, multAdds: "15.48 G", inputMB: "0.60", passMB: "108.45", paramsMB: "553.43", params: 138357544},
		{name: "googlenet", input: []int{1, 3, 224, 224}, multAdds: "1.50 G", params: 6624904},
		{name: "googlenet", opts: models.Options{AuxLogits: true}, input: []int{1, 3, 112, 112},
			multAdds: "384.08 M", inputMB: "0.15", passMB: "13.05", paramsMB: "52.02", params: 13004888},
		{name: "resnet18", input: []int{1, 3, 224, 224}, multAdds: "1.81 G", params: 11689512},
		{name: "resnet18", input: []int{1, 3, 64, 64}, multAdds: "148.57 M", inputMB: "0.05", passMB: "3.25", paramsMB: "46.76", params: 11689512},
		{name: "resnet50", input: []int{1, 3, 224, 224}, multAdds: "4.09 G", inputMB: "0.60", passMB: "177.83", paramsMB: "102.23", params: 25557032},
		{name: "resnet50", input: []int{2, 3, 224, 224}, multAdds: "8.18 G", inputMB: "1.20", passMB: "355.66", paramsMB: "102.23", params: 25557032},
	} {
		t.Run(fmt.Sprintf("%s/%v", c.name, c.input), func(t *testing.T) {
			m := model(t, c.name, c.opts)
			s, err := summary.Summarize(m, c.input)
			if err != nil {
				t.Fatal(err)
			}
			mb := func(b int64) string { return fmt.Sprintf("%.2f", float64(b)/1e6) }
			for _, f := range []struct{ what, got, want string }{
				{"mult-adds", summary.Readable(s.MultAdds), c.multAdds},
				{"input size (MB)", mb(s.InputBytes), c.inputMB},
				{"forward/backward pass size (MB)", mb(s.ForwardBackwardBytes), c.passMB},
				{"params size (MB)", mb(s.ParamBytes), c.paramsMB},
			} {
				if f.want != "" && f.got != f.want {
					t.Errorf("%s: %s, torchinfo %s", f.what, f.got, f.want)
				}
			}
			if c.approx != 0 && math.Abs(float64(s.MultAdds)-c.approx) > 0.01*c.approx {
				t.Errorf("mult-adds %d, torchinfo %.2f G", s.MultAdds, c.approx/1e9)
			}
			t.Logf("%d mult-adds (%s), forward/backward %s MB", s.MultAdds, summary.Readable(s.MultAdds), mb(s.ForwardBackwardBytes))

			total, trainable := nn.CountParameters(m)
			if s.TotalParams != int64(total) || s.TrainableParams != int64(trainable) || s.TotalParams != c.params {
				t.Errorf("params %d (trainable %d), nn.CountParameters %d (%d), torchvision %d",
					s.TotalParams, s.TrainableParams, total, trainable, c.params)
			}
			checkRows(t, s)
		})
	}
}

// checkRows checks that the rows account for the totals: the leaves'
// multiply-adds sum to the network's, every composite's to those of the
// rows below it, and the parameters of the rows that hold them (a layer's
// first call, or a module that did not run) to the total.
func checkRows(t *testing.T, s *summary.Summary) {
	t.Helper()
	var leafMACs, params int64
	for i, l := range s.Layers {
		if l.Leaf {
			leafMACs += l.MultAdds
		}
		if l.NotRun || l.Leaf && !l.Repeat {
			params += l.Params
		}
		if l.Leaf || l.NotRun {
			continue
		}
		var below int64
		for _, k := range s.Layers[i+1:] {
			if k.Depth <= l.Depth {
				break
			}
			if k.Leaf {
				below += k.MultAdds
			}
		}
		if below != l.MultAdds {
			t.Errorf("row %q: %d mult-adds, its layers %d", l.Path, l.MultAdds, below)
		}
	}
	if leafMACs != s.MultAdds || s.Layers[0].MultAdds != s.MultAdds {
		t.Errorf("layers' mult-adds sum to %d, network's row %d, total %d", leafMACs, s.Layers[0].MultAdds, s.MultAdds)
	}
	if params != s.TotalParams {
		t.Errorf("rows hold %d parameters, total %d", params, s.TotalParams)
	}
}

func TestRowsSeeEveryModule(t *testing.T) {
	s, err := summary.Summarize(model(t, "googlenet", models.Options{AuxLogits: true}), []int{1, 3, 112, 112})
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]summary.Layer{}
	for _, l := range s.Layers {
		rows[l.Path] = l
	}
	// GoogLeNet.Forward calls inception3a through nn.Call, so its row has
	// its output shape.
	if l := rows["inception3a"]; l.Type != "Inception" || !reflect.DeepEqual(l.Output, []int{1, 256, 14, 14}) || l.Params != 155872 || l.NotRun {
		t.Errorf("inception3a: %+v", l)
	}
	if l := rows["inception3a.branch2"]; !reflect.DeepEqual(l.Output, []int{1, 128, 14, 14}) {
		t.Errorf("inception3a.branch2 (a Sequential): output %v, want [1 128 14 14]", l.Output)
	}
	// The auxiliary classifiers do not run in evaluation.
	if l := rows["aux1"]; !l.NotRun || l.Params != 3188968 {
		t.Errorf("aux1: %+v", l)
	}
	if _, ok := rows["aux1.fc1"]; ok {
		t.Error("the layers of aux1, which did not run, have rows")
	}

	// ResNet's blocks call their ReLU twice: the second call is a repeat.
	s, err = summary.Summarize(model(t, "resnet18", models.Options{}), []int{1, 3, 64, 64})
	if err != nil {
		t.Fatal(err)
	}
	var calls []summary.Layer
	for _, l := range s.Layers {
		if l.Path == "layer1.0.relu" {
			calls = append(calls, l)
		}
	}
	if len(calls) != 2 || calls[0].Repeat || !calls[1].Repeat {
		t.Errorf("layer1.0.relu rows: %+v", calls)
	}
}

func TestInputTooSmall(t *testing.T) {
	for _, c := range []struct {
		name         string
		input        []int
		path, typ    string
		layerInput   []int
		formula, msg string
	}{
		{"vgg16", []int{1, 3, 16, 16}, "features.30", "MaxPool2d", []int{1, 512, 1, 1},
			"out = ⌊(1 − 2 + 2·0)/2⌋ + 1 = 0",
			"summary: input 3×16×16 is too small: features.30 (MaxPool2d, kernel 2, stride 2) receives 512×1×1, and along the height out = ⌊(1 − 2 + 2·0)/2⌋ + 1 = 0 < 1"},
		{"lenet5-32", []int{4, 1, 8, 8}, "3", "Conv2d", []int{1, 6, 2, 2},
			"out = ⌊(2 − 5 + 2·0)/1⌋ + 1 = −2", "input 4×1×8×8 is too small: 3 (Conv2d, kernel 5, stride 1)"},
		{"googlenet", []int{1, 3, 1, 1}, "maxpool1", "MaxPool2d", []int{1, 64, 1, 1},
			"out = ⌈(1 − 3 + 2·0)/2⌉ + 1 = 0", "(MaxPool2d, kernel 3, stride 2, ceil mode)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := summary.Summarize(model(t, c.name, models.Options{}), c.input)
			var e *summary.InputTooSmallError
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an InputTooSmallError", err)
			}
			if e.Path != c.path || e.Type != c.typ || !reflect.DeepEqual(e.LayerInput, c.layerInput) ||
				!reflect.DeepEqual(e.Input, c.input) || e.Out >= 1 {
				t.Errorf("got %+v", e)
			}
			if e.Formula() != c.formula {
				t.Errorf("formula %q, want %q", e.Formula(), c.formula)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not contain %q", err, c.msg)
			}
		})
	}
}

func TestForwardError(t *testing.T) {
	for _, c := range []struct {
		name       string
		input      []int
		path, typ  string
		layerInput []int
		msg        string
	}{
		// LeNet-5 padded for 28×28 digits, given 32×32: 16×6×6 features
		// reach the first Linear layer, built for 16×5×5.
		{"lenet5", []int{1, 1, 32, 32}, "7", "Linear", []int{1, 576}, "Linear(400→120)"},
		{"resnet18", []int{1, 1, 64, 64}, "conv1", "Conv2d", []int{1, 1, 64, 64}, "Conv2d"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := summary.Summarize(model(t, c.name, models.Options{}), c.input)
			var e *summary.ForwardError
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want a ForwardError", err)
			}
			if e.Path != c.path || e.Type != c.typ || !reflect.DeepEqual(e.LayerInput, c.layerInput) ||
				!strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), c.path+" ("+c.typ+")") {
				t.Errorf("got %+v: %v", e, err)
			}
		})
	}
}

func TestBadInputShape(t *testing.T) {
	m := model(t, "lenet5", models.Options{})
	for _, in := range [][]int{nil, {1, 28, 28}, {0, 1, 28, 28}, {1, 1, -3, 28}, {summary.MaxBatch + 1, 1, 28, 28},
		{1, 1 << 12, 1 << 12, 2}, {1, 1 << 40, 1 << 40, 1 << 40}, {1, 1 << 24, 1 << 24, 1 << 24}, {1, 1 << 22, 1 << 22, 1 << 20}} {
		if _, err := summary.Summarize(m, in); err == nil {
			t.Errorf("input %v: no error", in)
		}
	}
}

func TestBatchScalesTheFigures(t *testing.T) {
	m := model(t, "lenet5", models.Options{})
	one, err := summary.Summarize(m, []int{1, 1, 28, 28})
	if err != nil {
		t.Fatal(err)
	}
	eight, err := summary.Summarize(m, []int{8, 1, 28, 28})
	if err != nil {
		t.Fatal(err)
	}
	if eight.MultAdds != 8*one.MultAdds || eight.ForwardBackwardBytes != 8*one.ForwardBackwardBytes ||
		eight.InputBytes != 8*one.InputBytes || eight.ParamBytes != one.ParamBytes || eight.TotalParams != one.TotalParams {
		t.Errorf("batch 8 %+v against batch 1 %+v", eight, one)
	}
	for i, l := range eight.Layers {
		if l.Output[0] != 8 || !reflect.DeepEqual(l.Output[1:], one.Layers[i].Output[1:]) || l.MultAdds != 8*one.Layers[i].MultAdds {
			t.Errorf("row %q at batch 8: %+v; at 1: %+v", l.Path, l, one.Layers[i])
		}
	}
}

// TestSummarizeLeavesTheModel checks that the modes, the frozen
// parameters and the running statistics are as they were, and no hook
// is left.
func TestSummarizeLeavesTheModel(t *testing.T) {
	m, err := models.New("resnet20", models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := m.(*models.CIFARResNet)
	nn.Eval(r.Layers[1])               // one stage in evaluation, the rest training
	r.FC.Weight.SetRequiresGrad(false) // one parameter frozen
	before := nn.StateDict(m)
	saved := make([][]float32, len(before))
	for i, p := range before {
		saved[i] = append([]float32(nil), p.Tensor.Data()...)
	}
	modes := map[string]bool{}
	nn.Walk(m, func(path string, sub nn.Module) { modes[path] = sub.(interface{ Training() bool }).Training() })

	s, err := summary.Summarize(m, []int{1, 3, 32, 32})
	if err != nil {
		t.Fatal(err)
	}
	if s.NonTrainableParams() != int64(r.FC.Weight.Len()) {
		t.Errorf("non-trainable %d, want the FC weight's %d", s.NonTrainableParams(), r.FC.Weight.Len())
	}
	nn.Walk(m, func(path string, sub nn.Module) {
		if got := sub.(interface{ Training() bool }).Training(); got != modes[path] {
			t.Errorf("%q: training %v after Summarize, was %v", path, got, modes[path])
		}
	})
	for _, p := range nn.Parameters(m) {
		if want := p.Tensor != r.FC.Weight; p.Tensor.RequiresGrad() != want {
			t.Errorf("%s: requires grad %v after Summarize", p.Name, p.Tensor.RequiresGrad())
		}
	}
	for i, p := range nn.StateDict(m) {
		if !reflect.DeepEqual(p.Tensor.Data(), saved[i]) {
			t.Errorf("%s changed", p.Name)
		}
	}
	// No hook is left: a network that reports to one would fail here,
	// since a hook's calls in progress are the recorder's.
	m.Forward(tensor.New(2, 3, 32, 32))
}

func TestJSONRoundTrip(t *testing.T) {
	s, err := summary.Summarize(model(t, "resnet18", models.Options{}), []int{2, 3, 64, 64})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := s.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var back summary.Summary
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, s) {
		t.Errorf("JSON did not round-trip:\n%s", b.String()[:min(b.Len(), 2000)])
	}
	for _, key := range []string{`"model": "ResNet"`, `"path": "layer1.0.conv1"`, `"mult_adds": `, `"forward_backward_bytes": `} {
		if !strings.Contains(b.String(), key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}

func TestWriteText(t *testing.T) {
	s, err := summary.Summarize(model(t, "resnet18", models.Options{}), []int{1, 3, 64, 64})
	if err != nil {
		t.Fatal(err)
	}
	s.Model = "resnet18"
	var b bytes.Buffer
	if err := s.WriteText(&b, 0); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, want := range []string{
		"resnet18 on 1×3×64×64",
		"Layer ", "Type ", "Output shape", "Params", "Mult-adds",
		"\nresnet18 ", "\nconv1 ", "Conv2d", "[1, 64, 32, 32]", "9,408",
		"\n  layer1.0 ", "\n    layer1.0.conv1 ", "(reused)",
		"Total params: 11,689,512\n", "Trainable params: 11,689,512\n", "Non-trainable params: 0\n",
		"Total mult-adds: 148,", "(148.57 M)\n",
		"Input size (MB): 0.05\n", "Forward/backward pass size (MB): 3.25\n", "Params size (MB): 46.76\n",
		"Estimated total size (MB): 50.06\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	b.Reset()
	if err := s.WriteText(&b, 1); err != nil {
		t.Fatal(err)
	}
	if text := b.String(); strings.Contains(text, "layer1.0") || !strings.Contains(text, "\nlayer1 ") {
		t.Errorf("depth 1 shows:\n%s", text)
	}
}

func ExampleSummarize() {
	m, err := models.New("lenet5", models.Options{})
	if err != nil {
		panic(err)
	}
	s, err := summary.Summarize(m, []int{1, 1, 28, 28})
	if err != nil {
		panic(err)
	}
	for _, l := range s.Layers[1:4] {
		fmt.Println(l.Path, l.Type, l.Output, l.Params, l.MultAdds)
	}
	fmt.Println("total:", s.TotalParams, "parameters,", s.MultAdds, "multiply-adds")

	_, err = summary.Summarize(m, []int{1, 1, 8, 8})
	fmt.Println(err)
	// Output:
	// 0 Conv2d [1 6 28 28] 156 122304
	// 1 ReLU [1 6 28 28] 0 0
	// 2 MaxPool2d [1 6 14 14] 0 0
	// total: 61706 parameters, 423038 multiply-adds
	// summary: input 1×8×8 is too small: 3 (Conv2d, kernel 5, stride 1) receives 6×4×4, and along the height out = ⌊(4 − 5 + 2·0)/1⌋ + 1 = 0 < 1
}
