package weights

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/convnet/convnet/nn"
)

func TestFromModuleLoadIntoModule(t *testing.T) {
	src, dst := tinyNet(), tinyNet()
	ts := FromModule(src)
	var names []string
	for _, p := range ts {
		names = append(names, p.Name)
	}
	want := "0.weight 0.bias 1.weight 1.bias 1.running_mean 1.running_var 1.num_batches_tracked 4.weight 4.bias"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("FromModule names %q, want %q", got, want)
	}
	// FromModule copies: changing the module afterwards changes no tensor.
	for i := range ts {
		for j := range ts[i].Data {
			ts[i].Data[j] = float32(i*100 + j)
		}
	}
	nn.StateDict(src)[0].Tensor.Data()[0] = -99
	if ts[0].Data[0] != 0 {
		t.Fatal("FromModule shares data with the module")
	}
	if err := LoadIntoModule(dst, &File{Tensors: ts}, true); err != nil {
		t.Fatal(err)
	}
	for i, p := range nn.StateDict(dst) {
		if !slices.Equal(p.Tensor.Data(), ts[i].Data) {
			t.Errorf("%s = %v, want %v", p.Name, clip(p.Tensor.Data()), clip(ts[i].Data))
		}
	}
}

func snapshot(m nn.Module) [][]float32 {
	var out [][]float32
	for _, p := range nn.StateDict(m) {
		out = append(out, slices.Clone(p.Tensor.Data()))
	}
	return out
}

func unchanged(t *testing.T, m nn.Module, before [][]float32) {
	t.Helper()
	for i, p := range nn.StateDict(m) {
		if !slices.Equal(p.Tensor.Data(), before[i]) {
			t.Fatalf("%s changed although loading failed", p.Name)
		}
	}
}

func TestLoadIntoModuleReportsEverything(t *testing.T) {
	m := tinyNet()
	before := snapshot(m)
	ts := FromModule(tinyNet())
	for i := range ts {
		ts[i].Data = make([]float32, len(ts[i].Data)) // zeros: any copy would show
	}
	f := &File{Tensors: []Tensor{
		ts[0],                                    // 0.weight
		{"0.bias", []int{3}, make([]float32, 3)}, // size mismatch
		ts[2], ts[3], ts[4], ts[5],               // 1.* (num_batches_tracked absent: fine)
		{"fc.weight", []int{1}, []float32{1}}, // unexpected
		{"extra", []int{}, []float32{1}},      // unexpected
		ts[8],                                 // 4.bias; 4.weight missing
	}}
	err := LoadIntoModule(m, f, true)
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want a *LoadError", err)
	}
	want := "weights: Error(s) in loading state_dict for Sequential:\n" +
		"\tMissing key(s) in state_dict: \"4.weight\". \n" +
		"\tUnexpected key(s) in state_dict: \"fc.weight\", \"extra\". \n" +
		"\tsize mismatch for 0.bias: copying a param with shape torch.Size([3]) from checkpoint, the shape in current model is torch.Size([2])."
	if err.Error() != want {
		t.Fatalf("error:\n%s\nwant:\n%s", err, want)
	}
	unchanged(t, m, before)

	// Not strict: missing and unexpected keys are skipped, but a shape
	// mismatch is still an error, and still nothing changes.
	err = LoadIntoModule(m, f, false)
	if !errors.As(err, &le) || len(le.Missing)+len(le.Unexpected) != 0 || len(le.Mismatched) != 1 {
		t.Fatalf("non-strict err = %v", err)
	}
	unchanged(t, m, before)

	f.Tensors[1] = ts[1]
	if err := LoadIntoModule(m, f, false); err != nil {
		t.Fatal(err)
	}
	got := nn.StateDict(m)
	if got[0].Tensor.Data()[0] != 0 || got[7].Tensor.Data()[0] != before[7][0] {
		t.Error("non-strict load did not copy the matching keys only")
	}
}

func TestLoadIntoModuleBatchCount(t *testing.T) {
	m := nn.NewBatchNorm2d(2)
	f := &File{Tensors: []Tensor{
		{"weight", []int{2}, []float32{1, 2}}, {"bias", []int{2}, []float32{3, 4}},
		{"running_mean", []int{2}, []float32{5, 6}}, {"running_var", []int{2}, []float32{7, 8}},
		{"num_batches_tracked", []int{1}, []float32{9}}, // shape [1] fits the scalar
	}}
	if err := LoadIntoModule(m, f, true); err != nil {
		t.Fatal(err)
	}
	if m.NumBatchesTracked.Item() != 9 || m.RunningVar.Data()[1] != 8 {
		t.Fatalf("loaded %v %v", m.NumBatchesTracked, m.RunningVar)
	}
	f.Tensors = f.Tensors[:4] // absent: accepted, left as it was
	if err := LoadIntoModule(m, f, true); err != nil {
		t.Fatal(err)
	}
	if m.NumBatchesTracked.Item() != 9 {
		t.Fatal("a missing num_batches_tracked was changed")
	}
}

func TestLoadIntoModuleBadFile(t *testing.T) {
	m := nn.NewBatchNorm2d(1)
	f := &File{Tensors: []Tensor{
		{"weight", []int{1}, []float32{1}}, {"weight", []int{1}, []float32{2}},
		{"bias", []int{1}, []float32{1, 2}},
		{"running_mean", []int{1}, []float32{0}}, {"running_var", []int{1}, []float32{1}},
	}}
	err := LoadIntoModule(m, f, true)
	if err == nil || !strings.Contains(err.Error(), `key "weight" appears twice`) || !strings.Contains(err.Error(), `tensor "bias" has shape [1] but 2 values`) {
		t.Fatalf("err = %v", err)
	}
}
