package models

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"slices"
	"testing"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

var update = flag.Bool("update", false,
	"regenerate testdata/torchvision_keys.json with PyTorch (/usr/bin/python3 tools/parity/gen_model_keys.py) first")

const keysFile = "testdata/torchvision_keys.json"

// zoo is every model of the registry with the parameter count the lecture
// gives for it (torchvision's num_params where torchvision has the model)
// and, for VGG, the count in millions of the paper's Table 2.
var zoo = []struct {
	name    string
	params  int
	table2  int // VGG paper, Table 2 ("Number of parameters (in millions)"); 0 if none
	options Options
}{
	{name: "lenet5", params: 61706},
	{name: "lenet5-32", params: 61706},
	{name: "alexnet", params: 61100840},
	{name: "alexnet-paper", params: 60965224},
	{name: "vgg-a", params: 132863336, table2: 133},
	{name: "vgg11", params: 132863336, table2: 133},
	{name: "vgg-a-lrn", params: 132863336, table2: 133},
	{name: "vgg-b", params: 133047848, table2: 133},
	{name: "vgg13", params: 133047848, table2: 133},
	{name: "vgg-c", params: 133638952, table2: 134},
	{name: "vgg-d", params: 138357544, table2: 138},
	{name: "vgg16", params: 138357544, table2: 138},
	{name: "vgg-e", params: 143667240, table2: 144},
	{name: "vgg19", params: 143667240, table2: 144},
	{name: "vgg11_bn", params: 132868840},
	{name: "vgg13_bn", params: 133053736},
	{name: "vgg16_bn", params: 138365992},
	{name: "vgg19_bn", params: 143678248},
	{name: "googlenet", params: 6624904},
	{name: "googlenet", params: 13004888, options: Options{AuxLogits: true}},
	{name: "resnet18", params: 11689512},
	{name: "resnet34", params: 21797672},
	{name: "resnet50", params: 25557032},
	{name: "resnet101", params: 44549160},
	{name: "resnet152", params: 60192808},
	{name: "resnet20", params: 269722},
	{name: "resnet32", params: 464154},
	{name: "resnet44", params: 658586},
	{name: "resnet56", params: 853018},
	{name: "resnet110", params: 1727962},
	{name: "plain20", params: 269722},
	{name: "plain32", params: 464154},
	{name: "plain44", params: 658586},
	{name: "plain56", params: 853018},
	{name: "plain110", params: 1727962},
}

// alwaysForward are the models whose forward runs even with -short.
var alwaysForward = map[string]bool{"lenet5": true, "lenet5-32": true, "resnet20": true, "plain20": true, "resnet56": true}

// keysName is the name of the model's entry in keysFile, "" if none.
func keysName(info ModelInfo, o Options) string {
	if info.Torchvision == "" {
		return ""
	}
	if o.AuxLogits {
		return info.Torchvision + "+aux"
	}
	return info.Torchvision
}

// TestZoo builds every model once and checks its parameter count, its state
// dict against torchvision's (where torchvision has the model), its
// initialisation, and the output shape of a forward pass at batch 2 on its
// input size (for the 224×224 models not with -short).
func TestZoo(t *testing.T) {
	keys := loadKeys(t)
	for _, z := range zoo {
		label := z.name
		if z.options.AuxLogits {
			label += "+aux"
		}
		t.Run(label, func(t *testing.T) {
			info, err := Info(z.name)
			if err != nil {
				t.Fatal(err)
			}
			m, err := New(z.name, z.options)
			if err != nil {
				t.Fatal(err)
			}
			total, trainable := nn.CountParameters(m)
			if total != z.params || trainable != z.params {
				t.Errorf("%d parameters (%d trainable), want %d", total, trainable, z.params)
			}
			if !z.options.AuxLogits && info.Params != z.params {
				t.Errorf("Info(%q).Params = %d, want %d", z.name, info.Params, z.params)
			}
			if z.table2 != 0 {
				if got := int(math.Round(float64(total) / 1e6)); got != z.table2 {
					t.Errorf("%d parameters round to %dM; the paper's Table 2 says %dM", total, got, z.table2)
				}
			}
			if kn := keysName(info, z.options); kn != "" {
				want, ok := keys[kn]
				if !ok {
					t.Fatalf("%s has no entry %q (regenerate with -update)", keysFile, kn)
				}
				checkStateDict(t, m, want)
			}
			checkInit(t, z.name, m)

			if testing.Short() && !alwaysForward[z.name] {
				return
			}
			nn.Eval(m)
			nn.Freeze(m)
			x := tensor.RandN(tensor.NewRNG(7), 0, 1, 2, info.Input[0], info.Input[1], info.Input[2])
			y := m.Forward(x)
			if want := []int{2, info.Classes}; !slices.Equal(y.Shape(), want) {
				t.Fatalf("forward of %v gives %v, want %v", x.Shape(), y.Shape(), want)
			}
			for i, v := range y.Data() {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("output %d is %v", i, v)
				}
			}
		})
	}
}

// TestZooCoversRegistry checks that TestZoo's table names every model of
// the registry, and that every torchvision model recorded in keysFile is
// checked by it.
func TestZooCoversRegistry(t *testing.T) {
	tested := map[string]bool{}
	recorded := map[string]bool{}
	for _, z := range zoo {
		tested[z.name] = true
		info, err := Info(z.name)
		if err != nil {
			t.Fatal(err)
		}
		recorded[keysName(info, z.options)] = true
	}
	for _, name := range Names() {
		if !tested[name] {
			t.Errorf("model %q is not in the zoo table", name)
		}
	}
	for name := range loadKeys(t) {
		if !recorded[name] {
			t.Errorf("%s records %q, which no zoo entry checks", keysFile, name)
		}
	}
}

// checkStateDict compares the state dict with torchvision's, key by key,
// in order, with shapes.
func checkStateDict(t *testing.T, m nn.Module, want []keyShape) {
	t.Helper()
	got := nn.StateDict(m)
	for i := 0; i < max(len(got), len(want)); i++ {
		switch {
		case i >= len(got):
			t.Fatalf("state dict has %d entries; torchvision's goes on with %s %v", len(got), want[i].Key, want[i].Shape)
		case i >= len(want):
			t.Fatalf("state dict has %d entries, torchvision's %d: extra %s %v", len(got), len(want), got[i].Name, got[i].Tensor.Shape())
		}
		g, w := got[i], want[i]
		// torch's num_batches_tracked is a 0-d tensor: shape [].
		if g.Name != w.Key || !slices.Equal(g.Tensor.Shape(), w.Shape) {
			t.Fatalf("state dict entry %d is %s %v, torchvision's is %s %v", i, g.Name, g.Tensor.Shape(), w.Key, w.Shape)
		}
	}
}

type keyShape struct {
	Key   string
	Shape []int
}

func (k *keyShape) UnmarshalJSON(b []byte) error {
	var pair [2]json.RawMessage
	if err := json.Unmarshal(b, &pair); err != nil {
		return err
	}
	if err := json.Unmarshal(pair[0], &k.Key); err != nil {
		return err
	}
	k.Shape = []int{}
	return json.Unmarshal(pair[1], &k.Shape)
}

var regenerated bool

// loadKeys reads keysFile, regenerating it first with -update.
func loadKeys(t *testing.T) map[string][]keyShape {
	t.Helper()
	if *update && !regenerated {
		cmd := exec.Command("/usr/bin/python3", "../tools/parity/gen_model_keys.py", "--out", keysFile)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("regenerating %s: %v", keysFile, err)
		}
		regenerated = true
	}
	b, err := os.ReadFile(keysFile)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Torchvision string
		Models      map[string][]keyShape
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", keysFile, err)
	}
	return f.Models
}

// initChecks are, per family, parameters whose initialisation torchvision
// (or the paper) fixes, with the mean and standard deviation expected.
var initChecks = map[string][]struct {
	param     string
	mean, std float64
}{
	"vgg16": {
		{"features.0.weight", 0, math.Sqrt(2.0 / (64 * 9))}, // kaiming-normal, fan-out
		{"features.28.weight", 0, math.Sqrt(2.0 / (512 * 9))},
		{"features.0.bias", 0, 0},
		{"classifier.0.weight", 0, 0.01},
		{"classifier.6.bias", 0, 0},
	},
	"vgg11_bn": {
		{"features.0.weight", 0, math.Sqrt(2.0 / (64 * 9))},
		{"features.1.weight", 1, 0},
		{"features.1.bias", 0, 0},
		{"classifier.3.weight", 0, 0.01},
	},
	"googlenet": {
		{"conv1.conv.weight", 0, 0.01}, // trunc_normal(0, 0.01, -2, 2)
		{"inception4e.branch2.1.conv.weight", 0, 0.01},
		{"conv1.bn.weight", 1, 0},
		{"fc.weight", 0, 0.01},
	},
	"resnet50": {
		{"conv1.weight", 0, math.Sqrt(2.0 / (64 * 49))}, // kaiming-normal, fan-out
		{"layer3.0.conv2.weight", 0, math.Sqrt(2.0 / (256 * 9))},
		{"layer4.0.downsample.0.weight", 0, math.Sqrt(2.0 / 2048)},
		{"layer1.0.bn3.weight", 1, 0},
		{"layer1.0.bn3.bias", 0, 0},
	},
	"resnet56": {
		{"layer3.0.conv1.weight", 0, math.Sqrt(2.0 / (32 * 9))}, // kaiming-normal, fan-in
		{"layer3.8.conv2.weight", 0, math.Sqrt(2.0 / (64 * 9))},
		{"fc.weight", 0, math.Sqrt(2.0 / 64)},
	},
	"alexnet": {
		// torch's default: U(±1/√fan_in), standard deviation 1/√(3·fan_in).
		{"features.3.weight", 0, 1 / math.Sqrt(3*64*25)},
		{"classifier.4.weight", 0, 1 / math.Sqrt(3*4096)},
	},
	"lenet5": {
		{"7.weight", 0, 1 / math.Sqrt(3*400)},
	},
}

func checkInit(t *testing.T, name string, m nn.Module) {
	t.Helper()
	params := map[string]*tensor.Tensor{}
	for _, p := range nn.Parameters(m) {
		params[p.Name] = p.Tensor
	}
	for _, c := range initChecks[name] {
		p, ok := params[c.param]
		if !ok {
			t.Errorf("no parameter %s", c.param)
			continue
		}
		mean, std := moments(p.Data())
		// Sampling error of the standard deviation is std/√(2n); 5 of them.
		tol := 5 * c.std / math.Sqrt(2*float64(p.Len()))
		if math.Abs(std-c.std) > tol || math.Abs(mean-c.mean) > 5*c.std/math.Sqrt(float64(p.Len()))+1e-12 {
			t.Errorf("%s: mean %.5g std %.5g, want %.5g and %.5g", c.param, mean, std, c.mean, c.std)
		}
	}
}

func moments(d []float32) (mean, std float64) {
	for _, v := range d {
		mean += float64(v)
	}
	mean /= float64(len(d))
	for _, v := range d {
		std += (float64(v) - mean) * (float64(v) - mean)
	}
	return mean, math.Sqrt(std / float64(len(d)))
}

func ExampleNew() {
	m, err := New("resnet18", Options{Classes: 10, Seed: 1})
	if err != nil {
		panic(err)
	}
	total, _ := nn.CountParameters(m)
	info, _ := Info("resnet18")
	fmt.Println(total, "parameters, input", info.Input)
	// Output: 11181642 parameters, input [3 224 224]
}
