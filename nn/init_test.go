package nn_test

import (
	"math"
	"slices"
	"testing"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

// checkUniform checks that d looks like U(−bound, bound): every value
// inside, the extremes near the bounds, the mean near 0 and the variance
// within 10% of bound²/3.
func checkUniform(t *testing.T, what string, d []float32, bound float64) {
	t.Helper()
	var sum, sq float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range d {
		x := float64(v)
		sum += x
		sq += x * x
		lo, hi = min(lo, x), max(hi, x)
	}
	n := float64(len(d))
	mean := sum / n
	variance := sq/n - mean*mean
	// The gap between the extreme of n uniform draws and the bound is
	// about 2·bound/n; allow ten times that, at least 1%.
	slack := bound * max(0.01, 20/n)
	if lo < -bound*(1+1e-6) || hi > bound*(1+1e-6) {
		t.Errorf("%s: range [%g, %g] outside ±%g", what, lo, hi, bound)
	}
	if lo > -bound+slack || hi < bound-slack {
		t.Errorf("%s: range [%g, %g] does not reach ±%g", what, lo, hi, bound)
	}
	if math.Abs(mean) > 4*bound/math.Sqrt(3*n) { // four standard errors
		t.Errorf("%s: mean %g, want about 0 (bound %g)", what, mean, bound)
	}
	if want := bound * bound / 3; math.Abs(variance-want) > 0.1*want {
		t.Errorf("%s: variance %g, want %g (bound²/3) within 10%%", what, variance, want)
	}
}

// TestDefaultInit checks torch's default initialisation of Conv2d and
// Linear: weight and bias from U(±1/√fan_in) (kaiming_uniform_ with a = √5
// for the weight).
func TestDefaultInit(t *testing.T) {
	rng := tensor.NewRNG(42)
	conv := nn.NewConv2d(rng, nn.Conv2dConfig{In: 16, Out: 4096, Kernel: 3, Padding: 1})
	b := 1 / math.Sqrt(16*3*3)
	checkUniform(t, "Conv2d(16→4096, 3×3) weight", conv.Weight.Data(), b)
	checkUniform(t, "Conv2d(16→4096, 3×3) bias", conv.Bias.Data(), b)

	grouped := nn.NewConv2d(rng, nn.Conv2dConfig{In: 64, Out: 512, Kernel: 5, Groups: 4})
	b = 1 / math.Sqrt(64/4*5*5) // fan_in counts the channels of one group
	checkUniform(t, "Conv2d(64→512, 5×5, groups 4) weight", grouped.Weight.Data(), b)

	lin := nn.NewLinear(rng, 256, 8192, true)
	b = 1 / math.Sqrt(256)
	checkUniform(t, "Linear(256→8192) weight", lin.Weight.Data(), b)
	checkUniform(t, "Linear(256→8192) bias", lin.Bias.Data(), b)

	if nb := nn.NewLinear(rng, 3, 2, false); nb.Bias != nil || len(nn.Parameters(nb)) != 1 {
		t.Error("Linear without bias has a bias parameter")
	}
	if nb := nn.NewConv2d(rng, nn.Conv2dConfig{In: 1, Out: 1, Kernel: 1, NoBias: true}); nb.Bias != nil || len(nn.Parameters(nb)) != 1 {
		t.Error("Conv2d with NoBias has a bias parameter")
	}
}

func TestInitIsSeeded(t *testing.T) {
	a := newLeNet5(tensor.NewRNG(9))
	b := newLeNet5(tensor.NewRNG(9))
	c := newLeNet5(tensor.NewRNG(10))
	pa, pb, pc := nn.Parameters(a), nn.Parameters(b), nn.Parameters(c)
	for i := range pa {
		if !slices.Equal(pa[i].Tensor.Data(), pb[i].Tensor.Data()) {
			t.Errorf("%s differs between two builds with the same seed", pa[i].Name)
		}
		if slices.Equal(pa[i].Tensor.Data(), pc[i].Tensor.Data()) {
			t.Errorf("%s is the same for different seeds", pa[i].Name)
		}
	}
}

func TestBatchNormInit(t *testing.T) {
	m := nn.NewBatchNorm2d(5)
	want := map[string]float32{"weight": 1, "bias": 0, "running_mean": 0, "running_var": 1, "num_batches_tracked": 0}
	sd := nn.StateDict(m)
	if len(sd) != len(want) {
		t.Fatalf("BatchNorm2d state dict has %d entries, want %d", len(sd), len(want))
	}
	for _, e := range sd {
		v, ok := want[e.Name]
		if !ok {
			t.Errorf("unexpected entry %s", e.Name)
			continue
		}
		for _, x := range e.Tensor.Data() {
			if x != v {
				t.Errorf("%s = %v, want all %v", e.Name, e.Tensor.Data(), v)
				break
			}
		}
	}
	if m.Eps != 1e-5 || m.Momentum != 0.1 {
		t.Errorf("eps %v, momentum %v; torch's defaults are 1e-5, 0.1", m.Eps, m.Momentum)
	}
	if m.Weight.RequiresGrad() != true || m.RunningMean.RequiresGrad() {
		t.Error("weight must be trainable and running_mean not")
	}
}
