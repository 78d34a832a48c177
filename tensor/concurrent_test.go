package tensor

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

// gcFrozenNet is a small conv net with frozen parameters, built by hand:
// conv2d → relu → max_pool2d → (batch_norm eval, local_response_norm,
// avg/adaptive pooling, concat) → linear → softmax.
type gcFrozenNet struct {
	w1, b1, w2, b2     *Tensor
	bnW, bnB, bnM, bnV *Tensor
	fc, fcB            *Tensor
}

func newFrozenNet() *gcFrozenNet {
	g := gcGen{rng: NewRNG(8)}
	return &gcFrozenNet{
		w1: RandN(g.rng, 0, 0.3, 8, 3, 3, 3), b1: g.normal(8),
		w2: RandN(g.rng, 0, 0.2, 8, 4, 3, 3), b2: g.normal(8), // groups 2
		bnW: g.uniform(0.5, 1.5, 8), bnB: g.normal(8), bnM: g.normal(8), bnV: g.uniform(0.5, 2, 8),
		fc: RandN(g.rng, 0, 0.1, 10, 16*3*3), fcB: g.normal(10),
	}
}

// forward maps x (N×3×15×13) to class probabilities (N×10). With arena
// non-nil, x is copied into it first so that every result comes from it.
func (m *gcFrozenNet) forward(x *Tensor, a *Arena) *Tensor {
	if a != nil {
		x = a.FromSlice(x.data, x.shape...)
	}
	h := ReLU(Conv2d(x, m.w1, m.b1, ConvOptions{Padding: [2]int{1, 1}}))            // N×8×15×13
	h = MaxPool2d(h, PoolOptions{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}})       // N×8×7×6
	h = BatchNorm(h, m.bnW, m.bnB, m.bnM, m.bnV, BatchNormOptions{Eps: 1e-5})       // eval
	h = LocalResponseNorm(h, 5, 1e-4, 0.75, 2)                                      // N×8×7×6
	a1 := ReLU(Conv2d(h, m.w2, m.b2, ConvOptions{Stride: [2]int{2, 2}, Groups: 2})) // N×8×3×2
	a2 := AdaptiveAvgPool2d(AvgPool2d(h, PoolOptions{Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Padding: [2]int{1, 1}}), 3, 3)
	a1 = AdaptiveAvgPool2d(a1, 3, 3)                   // N×8×3×3
	h = Concat([]*Tensor{a1, a2}, 1)                   // N×16×3×3
	return Softmax(Linear(Flatten(h), m.fc, m.fcB), 1) // N×10
}

// TestInferenceConcurrent runs a frozen model from 8 goroutines at once
// (run it with -race): each result must equal the serial one, bit for bit.
func TestInferenceConcurrent(t *testing.T) {
	m := newFrozenNet()
	const workers, rounds = 8, 3
	g := gcGen{rng: NewRNG(9)}
	inputs := make([]*Tensor, workers)
	want := make([][]float32, workers)
	for i := range inputs {
		inputs[i] = g.normal(1+i%3, 3, 15, 13) // batches of 1, 2 and 3
		y := m.forward(inputs[i], nil)
		if !y.IsLeaf() || y.RequiresGrad() {
			t.Fatal("inference with frozen parameters recorded a graph")
		}
		want[i] = y.data
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var a *Arena
			if i%2 == 1 {
				a = NewArena() // half the goroutines reuse buffers, each its own arena
			}
			for r := range rounds {
				y := m.forward(inputs[i], a)
				if !slices.Equal(y.data, want[i]) {
					errs <- fmt.Errorf("goroutine %d, round %d: result differs from the serial one", i, r)
				}
				if a != nil {
					a.Reset()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
