package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/convnet/convnet/tensor"
)

// ReLU is torch.nn.ReLU.
type ReLU struct{ Base }

// NewReLU returns a ReLU layer.
func NewReLU() *ReLU { return &ReLU{} }

// Forward returns max(x, 0).
func (m *ReLU) Forward(x *tensor.Tensor) *tensor.Tensor {
	m.enter(x)
	return m.exit(x, tensor.ReLU(x))
}

// Dropout is torch.nn.Dropout: in training it zeroes elements with
// probability P and scales the rest by 1/(1−P); in evaluation it is the
// identity. Its generator is seeded, so runs repeat.
type Dropout struct {
	Base
	P   float64
	rng *rand.Rand
}

// NewDropout returns a dropout layer drawing its masks from a generator
// seeded with seed (see SeedDropout to reseed a whole network).
func NewDropout(p float64, seed uint64) *Dropout {
	if p < 0 || p > 1 {
		panic(fmt.Sprintf("nn: Dropout probability %v outside [0, 1]", p))
	}
	return &Dropout{P: p, rng: tensor.NewRNG(seed)}
}

// Forward applies the mask in training mode.
func (m *Dropout) Forward(x *tensor.Tensor) *tensor.Tensor {
	m.enter(x)
	if !m.Training() {
		return m.exit(x, x)
	}
	return m.exit(x, tensor.Dropout(x, m.P, m.rng))
}

// SeedDropout reseeds every Dropout below m, each with its own stream
// derived from seed and its position, so a training run repeats exactly.
func SeedDropout(m Module, seed uint64) {
	i := uint64(0)
	Walk(m, func(_ string, m Module) {
		if d, ok := m.(*Dropout); ok {
			d.rng = tensor.NewRNG(seed*1000003 + i)
			i++
		}
	})
}

// Flatten is torch.nn.Flatten(): it keeps the batch dimension and merges
// the rest.
type Flatten struct{ Base }

// NewFlatten returns a Flatten layer.
func NewFlatten() *Flatten { return &Flatten{} }

// Forward reshapes x to N×(everything else).
func (m *Flatten) Forward(x *tensor.Tensor) *tensor.Tensor {
	m.enter(x)
	return m.exit(x, tensor.Flatten(x))
}

// Func is a parameterless module whose forward is any Go function, for
// glue such as a reshape inside a Sequential.
type Func struct {
	Base
	Name string
	Fn   func(*tensor.Tensor) *tensor.Tensor
}

// NewFunc wraps fn as a module; name is what summaries show.
func NewFunc(name string, fn func(*tensor.Tensor) *tensor.Tensor) *Func {
	return &Func{Name: name, Fn: fn}
}

// Forward calls the function.
func (m *Func) Forward(x *tensor.Tensor) *tensor.Tensor {
	m.enter(x)
	return m.exit(x, m.Fn(x))
}
