package optim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

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

// loadBuffers reads the buffers named name back, checking sizes. Call
// checkKeys first: it rejects the keys that no buffer name accounts for.
func loadBuffers(st State, name string, params []*tensor.Tensor) ([][]float32, error) {
	out := make([][]float32, len(params))
	for i, p := range params {
		t, ok := st.Buffers[bufferName(i, name)]
		if !ok {
			continue
		}
		if t == nil || t.Len() != p.Len() {
			n := 0
			if t != nil {
				n = t.Len()
			}
			return nil, &StateError{fmt.Sprintf("buffer %s has %d elements, parameter %d has %d", bufferName(i, name), n, i, p.Len())}
		}
		out[i] = append([]float32(nil), t.Data()...)
	}
	return out, nil
}

// checkKeys rejects a state with a buffer that is not "<i>.<name>" for a
// parameter index i and one of names, or a scalar that is neither one of
// scalars nor "<i>.<name>" for one of perParam, and a state that lacks one
// of scalars: such a state was made for another optimizer or other
// parameters, and loading part of it would resume a different run.
func checkKeys(st State, n int, names, scalars, perParam []string) error {
	indexed := func(k string, names []string) bool {
		i, name, ok := strings.Cut(k, ".")
		if !ok || !slices.Contains(names, name) {
			return false
		}
		v, err := strconv.Atoi(i)
		return err == nil && v >= 0 && v < n && strconv.Itoa(v) == i
	}
	for k := range st.Buffers {
		if !indexed(k, names) {
			return &StateError{fmt.Sprintf("unexpected buffer %q for %s with %d parameters", k, st.Kind, n)}
		}
	}
	for k := range st.Scalars {
		if !slices.Contains(scalars, k) && !indexed(k, perParam) {
			return &StateError{fmt.Sprintf("unexpected scalar %q for %s with %d parameters", k, st.Kind, n)}
		}
	}
	for _, k := range scalars {
		if _, ok := st.Scalars[k]; !ok {
			return &StateError{fmt.Sprintf("state of %s lacks %q", st.Kind, k)}
		}
	}
	return nil
}

func checkKind(st State, kind string) error {
	if st.Kind != kind {
		return &StateError{fmt.Sprintf("state of %q given to %s", st.Kind, kind)}
	}
	return nil
}
