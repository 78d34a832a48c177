package tensor

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// The PyTorch parity fixtures live in testdata/parity, one JSON file per op
// family, written by tools/parity/gen_op_fixtures.py. The normal test run
// only reads them; -update regenerates them first, which needs PyTorch.

var parityUpdate = flag.Bool("update", false, "regenerate testdata/parity with PyTorch (/usr/bin/python3 tools/parity/gen_op_fixtures.py) before the parity tests")

const (
	parityDir    = "testdata/parity"
	parityScript = "../tools/parity/gen_op_fixtures.py"
	parityPython = "/usr/bin/python3"
)

// fixtureTensor is a tensor as the generator writes it. The numbers stay
// strings until they are parsed as float32, so that no rounding through
// float64 can change them.
type fixtureTensor struct {
	Shape []int         `json:"shape"`
	Data  []json.Number `json:"data"`
}

// namedTensor is an input, output or gradient of a case.
type namedTensor struct {
	Name         string        `json:"name"`
	RequiresGrad bool          `json:"requires_grad"`
	Tensor       fixtureTensor `json:"tensor"`
}

// parityCase is one configuration of one op: its inputs and attributes,
// torch's forward outputs ("out" plus any state the op updates), the
// upstream gradient R, and torch's gradients after out.backward(R).
type parityCase struct {
	Name     string         `json:"name"`
	Op       string         `json:"op"`
	Attrs    map[string]any `json:"attrs"` // numbers are json.Number
	Inputs   []namedTensor  `json:"inputs"`
	Outputs  []namedTensor  `json:"outputs"`
	Upstream fixtureTensor  `json:"upstream"`
	Grads    []namedTensor  `json:"grads"`
}

// parityFile is one fixture file: the cases of one op family.
type parityFile struct {
	Family    string       `json:"family"`
	Generator string       `json:"generator"`
	Torch     string       `json:"torch"`
	Seed      int          `json:"seed"`
	Cases     []parityCase `json:"cases"`
}

var (
	parityRegenOnce sync.Once
	parityRegenErr  error
	parityRegenSkip string
)

// parityRegenerate runs the generator once per test binary.
func parityRegenerate() {
	if err := exec.Command(parityPython, "-c", "import torch").Run(); err != nil {
		parityRegenSkip = fmt.Sprintf("-update needs %s with PyTorch importable (import torch: %v); the committed fixtures were left as they are", parityPython, err)
		return
	}
	cmd := exec.Command(parityPython, parityScript, "--out", parityDir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		parityRegenErr = fmt.Errorf("%s %s: %v\n%s", parityPython, parityScript, err, out.String())
		return
	}
	fmt.Fprintf(os.Stderr, "regenerated %s:\n%s", parityDir, out.String())
}

// loadParity reads one fixture file (regenerating them all first under
// -update).
func loadParity(t *testing.T, name string) *parityFile {
	t.Helper()
	if *parityUpdate {
		parityRegenOnce.Do(parityRegenerate)
		if parityRegenSkip != "" {
			t.Skip(parityRegenSkip)
		}
		if parityRegenErr != nil {
			t.Fatal(parityRegenErr)
		}
	}
	path := filepath.Join(parityDir, name)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (regenerate with: %s tools/parity/gen_op_fixtures.py --out tensor/testdata/parity)", err, parityPython)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var f parityFile
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(f.Cases) == 0 {
		t.Fatalf("%s holds no cases", path)
	}
	return &f
}

// tensor builds a Tensor from the fixture, parsing each number as float32.
func (ft fixtureTensor) tensor(t *testing.T) *Tensor {
	t.Helper()
	data := make([]float32, len(ft.Data))
	for i, s := range ft.Data {
		v, err := strconv.ParseFloat(string(s), 32)
		if err != nil {
			t.Fatalf("fixture number %d %q: %v", i, s, err)
		}
		data[i] = float32(v)
	}
	shape := ft.Shape
	if shape == nil {
		shape = []int{}
	}
	return FromSlice(data, shape...)
}

// Attribute accessors: a missing or mistyped attribute fails the test.

func (c *parityCase) attr(t *testing.T, key string) any {
	t.Helper()
	v, ok := c.Attrs[key]
	if !ok {
		t.Fatalf("case %s: attribute %q missing", c.Name, key)
	}
	return v
}

func (c *parityCase) int(t *testing.T, key string) int {
	t.Helper()
	return parityAttrInt(t, c.attr(t, key), key)
}

func (c *parityCase) float(t *testing.T, key string) float64 {
	t.Helper()
	n, ok := c.attr(t, key).(json.Number)
	if !ok {
		t.Fatalf("case %s: attribute %q is not a number", c.Name, key)
	}
	v, err := n.Float64()
	if err != nil {
		t.Fatalf("case %s: attribute %q: %v", c.Name, key, err)
	}
	return v
}

func (c *parityCase) bool(t *testing.T, key string) bool {
	t.Helper()
	v, ok := c.attr(t, key).(bool)
	if !ok {
		t.Fatalf("case %s: attribute %q is not a bool", c.Name, key)
	}
	return v
}

func (c *parityCase) string(t *testing.T, key string) string {
	t.Helper()
	v, ok := c.attr(t, key).(string)
	if !ok {
		t.Fatalf("case %s: attribute %q is not a string", c.Name, key)
	}
	return v
}

func (c *parityCase) ints(t *testing.T, key string) []int {
	t.Helper()
	list, ok := c.attr(t, key).([]any)
	if !ok {
		t.Fatalf("case %s: attribute %q is not a list", c.Name, key)
	}
	out := make([]int, len(list))
	for i, v := range list {
		out[i] = parityAttrInt(t, v, key)
	}
	return out
}

// pair reads a two-element list attribute such as stride or padding.
func (c *parityCase) pair(t *testing.T, key string) [2]int {
	t.Helper()
	v := c.ints(t, key)
	if len(v) != 2 {
		t.Fatalf("case %s: attribute %q = %v, want two values", c.Name, key, v)
	}
	return [2]int{v[0], v[1]}
}

func parityAttrInt(t *testing.T, v any, key string) int {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("attribute %q: %v is not a number", key, v)
	}
	i, err := strconv.Atoi(string(n))
	if err != nil {
		t.Fatalf("attribute %q: %v", key, err)
	}
	return i
}
