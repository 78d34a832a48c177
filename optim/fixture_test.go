package optim_test

import (
	"encoding/json"
	"flag"
	"math"
	"strconv"
	"testing"

	"github.com/convnet/convnet/internal/fixture"
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
)

// loadFixture reads the fixture file into v, regenerating it first under -update.
func loadFixture(t *testing.T, path string, v any) {
	t.Helper()
	fixture.Load(t, path, fixtureScript, fixtureDir, *updateFixtures, v)
}

// drawValues is the script's draw_values with no offset (see fixture.Draw).
func drawValues(seed uint64, n int, scale float64) []float32 {
	return fixture.Draw(seed, n, scale, 0)
}

// drawLabels is the script's draw_labels.
func drawLabels(seed uint64, n, classes int) []int {
	out := make([]int, n)
	for i, z := range fixture.SplitMix64(seed, n) {
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
