package weights

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// These tests run PyTorch itself (Debian's python3-torch, as CI installs
// it) on files written here, and read here what it writes. They are
// skipped only when /usr/bin/python3 cannot import torch.

const python = "/usr/bin/python3"

var torchCheck = sync.OnceValue(func() string {
	out, err := exec.Command(python, "-c", "import torch; print(torch.__version__)").CombinedOutput()
	if err != nil {
		return fmt.Sprintf("%s cannot import torch (%v: %s); install python3-torch to run the PyTorch interoperability tests",
			python, err, strings.TrimSpace(string(out)))
	}
	return ""
})

func needTorch(t *testing.T) {
	t.Helper()
	if why := torchCheck(); why != "" {
		t.Skip(why)
	}
}

func runPython(t *testing.T, script string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(python, append([]string{"-c", script}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	return out
}

const roundTripPy = `
import collections, json, struct, sys, torch
pth, st, out_pth, out_st = sys.argv[1:5]

def bits(v):
    return v.contiguous().view(torch.int32).flatten().tolist()

sd = torch.load(pth, weights_only=True)
assert type(sd) is collections.OrderedDict, type(sd)
res = {"pth": [[k, list(v.shape), str(v.dtype), bits(v)] for k, v in sd.items()]}

# safetensors, read by the format's definition
raw = open(st, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
hdr = json.loads(raw[8:8 + n])
res["meta"] = hdr.pop("__metadata__", {})
data = raw[8 + n:]
res["st"] = []
for k, v in sorted(hdr.items(), key=lambda kv: kv[1]["data_offsets"][0]):
    b, e = v["data_offsets"]
    res["st"].append([k, v["shape"], v["dtype"], list(struct.unpack("<%di" % ((e - b) // 4), data[b:e]))])

# Write back: new values, a permuted view of a shared storage, half and
# bfloat16, as torch.save writes them.
sd2 = collections.OrderedDict((k, v * 2 + 1) for k, v in sd.items())
base = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
sd2["base"] = base
sd2["perm"] = base.permute(2, 0, 1)
sd2["half"] = torch.linspace(-3, 3, 7).half()
sd2["bf16"] = torch.linspace(-3, 3, 7).bfloat16()
torch.save({"state_dict": sd2, "epoch": 7}, out_pth)
res["half"] = bits(sd2["half"].float())
res["bf16"] = bits(sd2["bf16"].float())

# safetensors with F16 and BF16, laid out by hand
ts = [("h", sd2["half"], "F16"), ("b", sd2["bf16"], "BF16")]
hdr, blob = {"__metadata__": {"from": "torch"}}, b""
for name, v, dt in ts:
    raw = struct.pack("<%dh" % v.numel(), *v.view(torch.int16).tolist())
    hdr[name] = {"dtype": dt, "shape": list(v.shape), "data_offsets": [len(blob), len(blob) + len(raw)]}
    blob += raw
h = json.dumps(hdr).encode()
open(out_st, "wb").write(struct.pack("<Q", len(h)) + h + blob)
print(json.dumps(res))
`

func TestTorchRoundTrip(t *testing.T) {
	needTorch(t)
	rng := rand.New(rand.NewPCG(7, 8))
	ts := []Tensor{
		{"features.0.weight", []int{4, 3, 3, 3}, nil},
		{"features.0.bias", []int{4}, nil},
		{"bn.num_batches_tracked", []int{}, []float32{12}},
		{"empty", []int{0, 2}, []float32{}},
		{"special", []int{5}, []float32{float32(math.Inf(1)), float32(math.Copysign(0, -1)), 1e-45, math.MaxFloat32, -1}},
		{"ünïcode.weight", []int{2, 1}, nil},
	}
	for i := range ts {
		if ts[i].Data == nil {
			n, _ := numel(ts[i].Shape, 1<<30)
			ts[i].Data = make([]float32, n)
			for j := range ts[i].Data {
				ts[i].Data[j] = float32(rng.NormFloat64())
			}
		}
	}
	dir := t.TempDir()
	pth, st := filepath.Join(dir, "go.pth"), filepath.Join(dir, "go.safetensors")
	outPth, outSt := filepath.Join(dir, "torch.pth"), filepath.Join(dir, "torch.safetensors")
	if err := WritePyTorch(pth, ts); err != nil {
		t.Fatal(err)
	}
	if err := WriteSafetensors(st, ts, map[string]string{"arch": "test"}); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Pth, St    [][]any
		Meta       map[string]string
		Half, BF16 []int32
	}
	if err := json.Unmarshal(runPython(t, roundTripPy, pth, st, outPth, outSt), &res); err != nil {
		t.Fatal(err)
	}

	// What PyTorch read is what was written, bit for bit.
	check := func(what string, got [][]any, dtype string) {
		if len(got) != len(ts) {
			t.Fatalf("%s: torch read %d tensors, want %d", what, len(got), len(ts))
		}
		for i, row := range got {
			name, shape, dt, vals := row[0].(string), row[1].([]any), row[2].(string), row[3].([]any)
			if name != ts[i].Name || dt != dtype || fmt.Sprint(shape) != fmt.Sprint(ts[i].Shape) || len(vals) != len(ts[i].Data) {
				t.Errorf("%s: torch read %q %v %s (%d values), want %q %v", what, name, shape, dt, len(vals), ts[i].Name, ts[i].Shape)
				continue
			}
			for j, v := range vals {
				if uint32(int32(v.(float64))) != math.Float32bits(ts[i].Data[j]) {
					t.Errorf("%s: %s[%d] differs", what, name, j)
					break
				}
			}
		}
	}
	check("torch.load", res.Pth, "torch.float32")
	check("safetensors", res.St, "F32")
	if res.Meta["arch"] != "test" {
		t.Errorf("metadata read by python: %v", res.Meta)
	}

	// What PyTorch wrote reads back here.
	f, err := Read(outPth)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]Tensor, 0, len(ts)+4)
	for _, x := range ts {
		y := Tensor{Name: x.Name, Shape: x.Shape, Data: make([]float32, len(x.Data))}
		for j, v := range x.Data {
			y.Data[j] = float32(v*2) + 1
		}
		want = append(want, y)
	}
	base := make([]float32, 24)
	perm := make([]float32, 24)
	for i := range base {
		base[i] = float32(i)
	}
	for k := 0; k < 4; k++ { // perm[k][i][j] = base[i][j][k]
		for i := 0; i < 2; i++ {
			for j := 0; j < 3; j++ {
				perm[k*6+i*3+j] = base[i*12+j*4+k]
			}
		}
	}
	fromBits := func(b []int32) []float32 {
		out := make([]float32, len(b))
		for i, v := range b {
			out[i] = math.Float32frombits(uint32(v))
		}
		return out
	}
	want = append(want,
		Tensor{"base", []int{2, 3, 4}, base}, Tensor{"perm", []int{4, 2, 3}, perm},
		Tensor{"half", []int{7}, fromBits(res.Half)}, Tensor{"bf16", []int{7}, fromBits(res.BF16)})
	equalFiles(t, f.Tensors, want)

	f, err = Read(outSt)
	if err != nil {
		t.Fatal(err)
	}
	equalFiles(t, f.Tensors, []Tensor{{"h", []int{7}, fromBits(res.Half)}, {"b", []int{7}, fromBits(res.BF16)}})
	if f.Metadata["from"] != "torch" {
		t.Errorf("metadata %v", f.Metadata)
	}
}

const loadErrorPy = `
import torch
m = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.ReLU(),
                        torch.nn.Flatten(), torch.nn.Linear(8, 3))
sd = m.state_dict()
del sd["4.weight"]
sd["0.bias"] = torch.zeros(3)
sd["1.running_var"] = torch.zeros(2, 1)
sd["fc.weight"] = torch.zeros(1)
sd["extra"] = torch.tensor(1.0)
try:
    m.load_state_dict(sd)
except RuntimeError as e:
    print(e, end="")
`

// TestLoadErrorMatchesTorch compares LoadError's text with PyTorch's for
// the same mistakes.
func TestLoadErrorMatchesTorch(t *testing.T) {
	needTorch(t)
	want := string(runPython(t, loadErrorPy))
	var ts []Tensor
	for _, x := range FromModule(tinyNet()) {
		switch x.Name {
		case "4.weight":
			continue
		case "0.bias":
			x.Shape, x.Data = []int{3}, make([]float32, 3)
		case "1.running_var":
			x.Shape = []int{2, 1}
		}
		ts = append(ts, x)
	}
	ts = append(ts, Tensor{"fc.weight", []int{1}, []float32{0}}, Tensor{"extra", []int{}, []float32{1}})
	err := LoadIntoModule(tinyNet(), &File{Tensors: ts}, true)
	if err == nil {
		t.Fatal("no error")
	}
	if got := strings.TrimPrefix(err.Error(), "weights: "); got != want {
		t.Fatalf("error:\n%s\ntorch says:\n%s", got, want)
	}
}

// TestTorchFixturesUpToDate regenerates the committed fixtures into a
// temporary folder and checks that they read the same, so that the
// generator and the files cannot drift apart.
func TestTorchFixturesUpToDate(t *testing.T) {
	needTorch(t)
	dir := t.TempDir()
	cmd := exec.Command(python, "../tools/parity/gen_weight_fixtures.py", "--out", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, name := range []string{"torch_views.pth", "torch_checkpoint.pth"} {
		a, err := ReadPyTorch(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := ReadPyTorch(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		equalFiles(t, a.Tensors, b.Tensors)
	}
}

func runCmd(name string, args ...string) ([]byte, error) {
	return exec.Command(name, args...).CombinedOutput()
}
