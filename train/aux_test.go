package train

import (
	"math"
	"testing"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

// auxNet has a main head and two auxiliary heads on a flattened input.
type auxNet struct {
	nn.Base
	main, a1, a2 *nn.Linear
}

func newAuxNet() *auxNet {
	rng := tensor.NewRNG(5)
	m := &auxNet{main: nn.NewLinear(rng, 4, 3, true), a1: nn.NewLinear(rng, 4, 3, true), a2: nn.NewLinear(rng, 4, 3, true)}
	m.RegisterModule("main", m.main)
	m.RegisterModule("a1", m.a1)
	m.RegisterModule("a2", m.a2)
	return m
}

func (m *auxNet) Forward(x *tensor.Tensor) *tensor.Tensor { return m.main.Forward(tensor.Flatten(x)) }

func (m *auxNet) ForwardAux(x *tensor.Tensor) (logits, aux1, aux2 *tensor.Tensor) {
	f := tensor.Flatten(x)
	return m.main.Forward(f), m.a1.Forward(f), m.a2.Forward(f)
}

func TestAuxiliaryLossWeight(t *testing.T) {
	m := newAuxNet()
	x := tensor.RandN(tensor.NewRNG(1), 0, 1, 2, 1, 2, 2)
	labels := []int{0, 2}
	ce := func(l *tensor.Tensor) float64 {
		v, err := tensor.CrossEntropy(l, labels, tensor.CrossEntropyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return float64(v.Item())
	}
	main, a1, a2 := m.ForwardAux(x)
	for _, tc := range []struct {
		weight, want float64
	}{
		{0, ce(main) + 0.3*(ce(a1)+ce(a2))},
		{0.5, ce(main) + 0.5*(ce(a1)+ce(a2))},
	} {
		_, loss, err := Recipe{AuxWeight: tc.weight}.loss(m, x, labels)
		if err != nil {
			t.Fatal(err)
		}
		if got := float64(loss.Item()); math.Abs(got-tc.want) > 1e-5*math.Abs(tc.want) {
			t.Errorf("aux weight %v: loss %v, want %v", tc.weight, got, tc.want)
		}
	}
}
