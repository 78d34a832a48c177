package tensor

import "math/rand/v2"

// NewRNG returns a seeded generator; the same seed gives the same stream on
// every machine, which is what makes runs repeat bit for bit.
func NewRNG(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// RandN returns a tensor of samples from N(mean, std²).
func RandN(rng *rand.Rand, mean, std float32, shape ...int) *Tensor {
	t := New(shape...)
	for i := range t.data {
		t.data[i] = mean + std*float32(rng.NormFloat64())
	}
	return t
}

// RandU returns a tensor of samples from U[lo, hi).
func RandU(rng *rand.Rand, lo, hi float32, shape ...int) *Tensor {
	t := New(shape...)
	FillUniform(rng, t.data, lo, hi)
	return t
}

// FillUniform fills s with samples from U[lo, hi).
func FillUniform(rng *rand.Rand, s []float32, lo, hi float32) {
	w := float64(hi - lo)
	for i := range s {
		s[i] = lo + float32(rng.Float64()*w)
	}
}
