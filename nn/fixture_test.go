package nn_test

import (
	"encoding/json"
	"flag"
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/convnet/convnet/internal/fixture"
)

// The PyTorch parity fixtures of the layers live in testdata/layers.json,
// written by tools/parity/gen_layer_fixtures.py. A normal test run only
// reads it; -update regenerates it first, which needs PyTorch.

var updateFixtures = flag.Bool("update", false, "regenerate testdata/layers.json with PyTorch (/usr/bin/python3 tools/parity/gen_layer_fixtures.py) before the parity tests")

const (
	fixtureDir    = "testdata"
	fixturePath   = "testdata/layers.json"
	fixtureScript = "../tools/parity/gen_layer_fixtures.py"
)

// loadFixture reads the fixture file into v, regenerating it first under -update.
func loadFixture(t *testing.T, path string, v any) {
	t.Helper()
	fixture.Load(t, path, fixtureScript, fixtureDir, *updateFixtures, v)
}

// drawValues is the scripts' draw_values (see fixture.Draw).
func drawValues(seed uint64, n int, scale, offset float64) []float32 {
	return fixture.Draw(seed, n, scale, offset)
}

// drawSpec is how a fixture names generated values.
type drawSpec struct {
	Shape  []int   `json:"shape"`
	Seed   uint64  `json:"seed"`
	Scale  float64 `json:"scale"`
	Offset float64 `json:"offset"`
}

func (s drawSpec) values(shape []int) []float32 {
	if s.Shape != nil {
		shape = s.Shape
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	scale := s.Scale
	if scale == 0 {
		scale = 1
	}
	return drawValues(s.Seed, n, scale, s.Offset)
}

// fixTensor is a tensor in a fixture: either whole (Shape, Data) or, when
// large, a sample of every Stride-th element with the maximum magnitude and a
// projection Σ wᵢ·xᵢ on generated weights. Numbers stay strings until they
// are parsed as float32.
type fixTensor struct {
	Shape    []int         `json:"shape"`
	Data     []json.Number `json:"data"`
	Len      int           `json:"len"`
	Stride   int           `json:"stride"`
	Sample   []json.Number `json:"sample"`
	MaxAbs   json.Number   `json:"max_abs"`
	ProjSeed uint64        `json:"proj_seed"`
	Proj     float64       `json:"proj"`
}

func f32(t *testing.T, n json.Number) float32 {
	t.Helper()
	v, err := strconv.ParseFloat(string(n), 32)
	if err != nil {
		t.Fatalf("fixture number %q: %v", n, err)
	}
	return float32(v)
}

func f32s(t *testing.T, ns []json.Number) []float32 {
	t.Helper()
	out := make([]float32, len(ns))
	for i, n := range ns {
		out[i] = f32(t, n)
	}
	return out
}

// compare checks got against want, relative to max|want|: whole tensors
// element by element; sampled ones at the sampled elements, in their
// maximum magnitude, and in the projection, whose tolerance is scaled by
// √len. It returns the worst relative error seen.
func compare(t *testing.T, what string, got []float32, shape []int, want fixTensor, tol float64) float64 {
	t.Helper()
	if want.Stride == 0 {
		if shape != nil && !slices.Equal(shape, want.Shape) {
			t.Errorf("%s: shape %v, torch %v", what, shape, want.Shape)
			return math.Inf(1)
		}
		return relErr(t, what, got, f32s(t, want.Data), tol)
	}
	if len(got) != want.Len {
		t.Errorf("%s: %d elements, torch %d", what, len(got), want.Len)
		return math.Inf(1)
	}
	sample := make([]float32, 0, len(want.Sample))
	var maxAbs float64
	for i, v := range got {
		if i%want.Stride == 0 {
			sample = append(sample, v)
		}
		maxAbs = max(maxAbs, math.Abs(float64(v)))
	}
	worst := relErr(t, what+" (sample)", sample, f32s(t, want.Sample), tol)
	wantMax := float64(f32(t, want.MaxAbs))
	scale := wantMax
	if scale == 0 {
		scale = 1
	}
	if e := math.Abs(maxAbs-wantMax) / scale; e > tol {
		t.Errorf("%s: max |x| %g, torch %g", what, maxAbs, wantMax)
	} else {
		worst = max(worst, e)
	}
	var proj float64
	for i, w := range drawValues(want.ProjSeed, len(got), 1, 0) {
		proj += float64(w) * float64(got[i])
	}
	if e := math.Abs(proj-want.Proj) / (scale * math.Sqrt(float64(len(got)))); e > tol {
		t.Errorf("%s: projection %g, torch %g (error %.3g of max·√n)", what, proj, want.Proj, e)
	}
	return worst
}

// relErr returns max|got − want| / max|want| (absolute when want is all
// zeros) and reports it when over tol, with the first element that is.
func relErr(t *testing.T, what string, got, want []float32, tol float64) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d elements, torch %d", what, len(got), len(want))
		return math.Inf(1)
	}
	var scale, diff float64
	at := -1
	for i := range want {
		scale = max(scale, math.Abs(float64(want[i])))
	}
	if scale == 0 {
		scale = 1
	}
	for i := range want {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		if d > diff {
			diff = d
		}
		if at < 0 && d/scale > tol {
			at = i
		}
	}
	if at >= 0 {
		t.Errorf("%s: relative error %.3g > %.0g; first at element %d: got %v, torch %v", what, diff/scale, tol, at, got[at], want[at])
	}
	return diff / scale
}
