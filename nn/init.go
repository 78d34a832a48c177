package nn

import (
	"math"
	"math/rand/v2"

	"github.com/convnet/convnet/tensor"
)

// FanIn returns the fan-in of a weight as torch computes it: the second
// dimension times the size of the kernel (the dimensions after the second).
func FanIn(shape []int) int {
	f := 1
	if len(shape) > 1 {
		f = shape[1]
	}
	for _, d := range shape[min(2, len(shape)):] {
		f *= d
	}
	return f
}

// FanOut is the first dimension times the kernel size.
func FanOut(shape []int) int {
	f := shape[0]
	for _, d := range shape[min(2, len(shape)):] {
		f *= d
	}
	return f
}

// KaimingUniform fills t from U(−b, b) with b = gain·√(3/fan_in), gain =
// √(2/(1+a²)), as torch's kaiming_uniform_ with a leaky-ReLU slope a.
// torch's default for Conv2d and Linear weights is a = √5, giving b = 1/√fan_in.
func KaimingUniform(rng *rand.Rand, t *tensor.Tensor, a float64) {
	gain := math.Sqrt(2 / (1 + a*a))
	bound := gain * math.Sqrt(3/float64(FanIn(t.Shape())))
	tensor.FillUniform(rng, t.Data(), float32(-bound), float32(bound))
}

// KaimingNormal fills t from N(0, std²) with std = √2/√fan, fan being the
// fan-out when fanOut is set, as torch's kaiming_normal_ for ReLU (which
// torchvision's ResNets use).
func KaimingNormal(rng *rand.Rand, t *tensor.Tensor, fanOut bool) {
	fan := FanIn(t.Shape())
	if fanOut {
		fan = FanOut(t.Shape())
	}
	Normal(rng, t, 0, math.Sqrt(2/float64(fan)))
}

// Uniform fills t from U(lo, hi).
func Uniform(rng *rand.Rand, t *tensor.Tensor, lo, hi float64) {
	tensor.FillUniform(rng, t.Data(), float32(lo), float32(hi))
}

// Normal fills t from N(mean, std²).
func Normal(rng *rand.Rand, t *tensor.Tensor, mean, std float64) {
	d := t.Data()
	for i := range d {
		d[i] = float32(mean + std*rng.NormFloat64())
	}
}

// TruncatedNormal fills t from N(mean, std²) redrawn until inside [lo, hi],
// as torch's trunc_normal_ (which GoogLeNet's initialisation uses).
func TruncatedNormal(rng *rand.Rand, t *tensor.Tensor, mean, std, lo, hi float64) {
	d := t.Data()
	for i := range d {
		for {
			v := mean + std*rng.NormFloat64()
			if v >= lo && v <= hi {
				d[i] = float32(v)
				break
			}
		}
	}
}

// biasBound is torch's default bias range for Conv2d and Linear: 1/√fan_in.
func biasBound(fanIn int) float64 {
	if fanIn <= 0 {
		return 0
	}
	return 1 / math.Sqrt(float64(fanIn))
}
