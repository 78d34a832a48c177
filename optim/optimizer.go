package optim

import (
	"fmt"

	"github.com/convnet/convnet/tensor"
)

// Optimizer updates parameters from their gradients.
type Optimizer interface {
	// Step applies one update to every parameter that has a gradient.
	Step()
	// ZeroGrad zeroes every parameter's gradient in place.
	ZeroGrad()
	// LR and SetLR read and set the learning rate (schedules use them).
	LR() float64
	SetLR(lr float64)
	// SetMomentum sets SGD's momentum or Adam's β₁, which a one-cycle
	// schedule cycles.
	SetMomentum(m float64)
	// State returns a deep copy of everything needed to resume; LoadState
	// restores it after checking that it fits these parameters.
	State() State
	LoadState(State) error
}

// State is an optimizer's state: scalar hyper-parameters and counters, and
// per-parameter buffers named "<index>.<buffer>" (index in parameter order).
type State struct {
	Kind    string
	Scalars map[string]float64
	Buffers map[string]*tensor.Tensor
}

// StateError reports a saved state that does not fit the optimizer.
type StateError struct{ Msg string }

func (e *StateError) Error() string { return "optim: " + e.Msg }

func zeroGrads(params []*tensor.Tensor) {
	for _, p := range params {
		if g := p.Grad(); g != nil {
			g.Fill(0)
		}
	}
}

// bufferName is the key of parameter i's buffer in State.
func bufferName(i int, name string) string { return fmt.Sprintf("%d.%s", i, name) }

// saveBuffers copies the non-nil buffers into st.
func saveBuffers(st State, name string, bufs [][]float32, params []*tensor.Tensor) {
	for i, b := range bufs {
		if b != nil {
			st.Buffers[bufferName(i, name)] = tensor.FromSlice(append([]float32(nil), b...), params[i].Shape()...)
		}
	}
}

// loadBuffers reads the buffers named name back, checking sizes.
func loadBuffers(st State, name string, params []*tensor.Tensor) ([][]float32, error) {
	out := make([][]float32, len(params))
	for i, p := range params {
		t, ok := st.Buffers[bufferName(i, name)]
		if !ok {
			continue
		}
		if t.Len() != p.Len() {
			return nil, &StateError{fmt.Sprintf("buffer %s has %d elements, parameter %d has %d", bufferName(i, name), t.Len(), i, p.Len())}
		}
		out[i] = append([]float32(nil), t.Data()...)
	}
	for k := range st.Buffers {
		var i int
		var n string
		if _, err := fmt.Sscanf(k, "%d.%s", &i, &n); err != nil || i < 0 || i >= len(params) {
			return nil, &StateError{fmt.Sprintf("unexpected buffer %q for %d parameters", k, len(params))}
		}
	}
	return out, nil
}

func checkKind(st State, kind string) error {
	if st.Kind != kind {
		return &StateError{fmt.Sprintf("state of %q given to %s", st.Kind, kind)}
	}
	return nil
}
