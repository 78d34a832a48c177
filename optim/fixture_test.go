package optim_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
)

// The PyTorch parity fixture of the optimizers lives in
// testdata/optim.json, written by tools/parity/gen_optim_fixtures.py. A
// normal test run only reads it; -update regenerates it first, which needs
// PyTorch.

var updateFixtures = flag.Bool("update", false, "regenerate testdata/optim.json with PyTorch (/usr/bin/python3 tools/parity/gen_optim_fixtures.py) before the parity tests")

const (
	fixtureDir    = "testdata"
	fixturePath   = "testdata/optim.json"
	fixtureScript = "../tools/parity/gen_optim_fixtures.py"
	fixturePython = "/usr/bin/python3"
)

var (
	regenerateOnce sync.Once
	regenerateErr  error
)

// loadFixture reads the fixture file into v, regenerating it first under -update.
func loadFixture(t *testing.T, path string, v any) {
	t.Helper()
	if *updateFixtures {
		regenerateOnce.Do(func() {
			cmd := exec.Command(fixturePython, fixtureScript, "--out", fixtureDir)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				regenerateErr = fmt.Errorf("%s %s: %v\n%s", fixturePython, fixtureScript, err, out.String())
			}
		})
		if regenerateErr != nil {
			t.Fatal(regenerateErr)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// splitmix64 returns n outputs of splitmix64 started at seed: the generator
// that the fixture script draws the initial weights, inputs and labels
// from (gen_layer_fixtures.py's splitmix64), so that the fixture need not
// store them.
func splitmix64(seed uint64, n int) []uint64 {
	out := make([]uint64, n)
	s := seed
	for i := range out {
		s += 0x9E3779B97F4A7C15
		z := s
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
		z = (z ^ (z >> 27)) * 0x94D049BB133111EB
		out[i] = z ^ (z >> 31)
	}
	return out
}

// drawValues is the script's draw_values: scale·(u − 2²³)/2²³ for the top
// 24 bits u of each output, exact in float32 since scale is a power of two.
func drawValues(seed uint64, n int, scale float64) []float32 {
	k := scale / (1 << 23)
	out := make([]float32, n)
	for i, z := range splitmix64(seed, n) {
		out[i] = float32(float64(int64(z>>40)-(1<<23)) * k)
	}
	return out
}

// drawLabels is the script's draw_labels.
func drawLabels(seed uint64, n, classes int) []int {
	out := make([]int, n)
	for i, z := range splitmix64(seed, n) {
		out[i] = int(z % uint64(classes))
	}
	return out
}

// fixTensor is a tensor in the fixture; the numbers stay strings until they
// are parsed as float32.
type fixTensor struct {
	Shape []int         `json:"shape"`
	Data  []json.Number `json:"data"`
}

func (ft fixTensor) floats(t *testing.T) []float32 {
	t.Helper()
	out := make([]float32, len(ft.Data))
	for i, n := range ft.Data {
		v, err := strconv.ParseFloat(string(n), 32)
		if err != nil {
			t.Fatalf("fixture number %q: %v", n, err)
		}
		out[i] = float32(v)
	}
	return out
}

// relErr returns max|got − want| / max|want|.
func relErr(got, want []float32) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var scale, diff float64
	for i := range want {
		scale = max(scale, math.Abs(float64(want[i])))
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		diff = max(diff, d)
	}
	if scale == 0 {
		return diff
	}
	return diff / scale
}

// relErr64 is |got − want| / |want| (absolute when want is 0).
func relErr64(got, want float64) float64 {
	d := math.Abs(got - want)
	if want != 0 {
		d /= math.Abs(want)
	}
	if math.IsNaN(d) {
		return math.Inf(1)
	}
	return d
}
