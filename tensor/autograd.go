package tensor

import (
	"fmt"
	"sort"
)

// node records how a tensor was computed: the op's name, its inputs and the
// function that carries the output's gradient back to them.
type node struct {
	op       string
	inputs   []*Tensor
	backward func(out *Tensor) // out.grad holds dLoss/dOut
}

// opNames lists every op that records a backward, so that tests can check
// that each one is covered by a gradient check.
var opNames = map[string]bool{}

func registerOp(name string) string {
	opNames[name] = true
	return name
}

// Ops returns the names of all differentiable ops, sorted.
func Ops() []string {
	names := make([]string, 0, len(opNames))
	for n := range opNames {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// needsGrad reports whether any input requires gradients.
func needsGrad(inputs ...*Tensor) bool {
	for _, t := range inputs {
		if t != nil && t.requiresGrad {
			return true
		}
	}
	return false
}

// record attaches a backward to out when any input needs gradients. It
// returns out so ops can end with `return record(...)`.
func record(out *Tensor, op string, backward func(out *Tensor), inputs ...*Tensor) *Tensor {
	if !needsGrad(inputs...) {
		return out
	}
	out.requiresGrad = true
	out.node = &node{op: op, inputs: inputs, backward: backward}
	return out
}

// gradSlot returns where the gradient of t is accumulated and the beta to
// use: 0 when the slot is fresh and the caller must overwrite every element,
// 1 when it holds earlier gradients to add to. It returns nil when t needs
// no gradient.
func gradSlot(t *Tensor) ([]float32, float32) {
	if t == nil || !t.requiresGrad {
		return nil, 0
	}
	if t.grad != nil {
		return t.grad.data, 1
	}
	a := t.arena
	if t.node == nil {
		a = nil // leaves (parameters) keep their gradient across steps
	}
	t.grad = &Tensor{shape: t.shape, data: a.buffer(len(t.data)), arena: a}
	return t.grad.data, 0
}

// takeGradient makes out's gradient t's, without a copy, where t is an
// intermediate with no gradient yet and of out's shape: out's gradient is
// released when out's backward returns, and nothing reads it after, so t
// can own it (the inputs of a sum, whose gradient is the sum's). It
// reports whether t took it.
func takeGradient(t, out *Tensor) bool {
	if t == nil || !t.requiresGrad || t.node == nil || t.grad != nil || out.grad == nil || !sameShape(t.shape, out.shape) {
		return false
	}
	t.grad = &Tensor{shape: t.shape, data: out.grad.data, arena: out.grad.arena}
	return true
}

// accumulate adds g into t's gradient (or writes it, when fresh).
func accumulate(t *Tensor, g []float32) {
	dst, beta := gradSlot(t)
	if dst == nil {
		return
	}
	if beta == 0 {
		copy(dst, g)
		return
	}
	for i, v := range g {
		dst[i] += v
	}
}

// Backward computes the gradient of the scalar t with respect to every leaf
// that requires gradients, adds it to their Grad, and releases the graph.
func (t *Tensor) Backward() {
	if len(t.data) != 1 {
		panic(fmt.Sprintf("tensor: Backward on a tensor of shape %v; it needs a scalar (or use BackwardWith)", t.shape))
	}
	t.BackwardWith(nil)
}

// BackwardWith is Backward seeded with the gradient g of some loss with
// respect to t (nil means ones).
func (t *Tensor) BackwardWith(g *Tensor) {
	if !t.requiresGrad {
		panic("tensor: Backward on a tensor that does not require gradients")
	}
	if g != nil && len(g.data) != len(t.data) {
		panic(fmt.Sprintf("tensor: BackwardWith gradient of shape %v for a tensor of shape %v", g.shape, t.shape))
	}
	order := topoOrder(t)
	dst, beta := gradSlot(t)
	for i := range dst {
		v := float32(1)
		if g != nil {
			v = g.data[i]
		}
		if beta == 0 {
			dst[i] = v
		} else {
			dst[i] += v
		}
	}
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		if n.grad != nil {
			n.node.backward(n)
		}
		// Release: an intermediate keeps neither its gradient nor its graph.
		n.node, n.grad, n.requiresGrad = nil, nil, false
	}
}

// topoOrder lists the non-leaf tensors reachable from root, each after all
// the tensors it was computed from.
func topoOrder(root *Tensor) []*Tensor {
	var order []*Tensor
	seen := map[*Tensor]bool{}
	type frame struct {
		t    *Tensor
		next int
	}
	if root.node == nil {
		return nil
	}
	stack := []frame{{t: root}}
	seen[root] = true
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.next < len(f.t.node.inputs) {
			in := f.t.node.inputs[f.next]
			f.next++
			if in != nil && in.node != nil && !seen[in] {
				seen[in] = true
				stack = append(stack, frame{t: in})
			}
			continue
		}
		order = append(order, f.t)
		stack = stack[:len(stack)-1]
	}
	return order
}

// accum returns v, plus old when beta is 1: old may be garbage when beta is 0.
func accum(old, beta, v float32) float32 {
	if beta != 0 {
		return old + v
	}
	return v
}
