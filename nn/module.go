package nn

import (
	"fmt"
	"strings"

	"github.com/convnet/convnet/tensor"
)

// Module is a layer or a network of layers.
type Module interface {
	// Forward computes the module's output. It records a graph when the
	// input or any parameter requires gradients.
	Forward(x *tensor.Tensor) *tensor.Tensor
	base() *Base
}

// Base carries what every module shares: its named parameters, buffers and
// children, in registration order, and its training flag. Embed it in a
// module type and register members in the constructor.
type Base struct {
	params   []Named
	buffers  []Named
	children []namedModule
	eval     bool      // the zero value is training mode, as a new torch module
	hook     *hookSite // set by SetForwardHook; nil costs nothing
}

// Named is a tensor with its dotted state-dict name.
type Named struct {
	Name   string
	Tensor *tensor.Tensor
}

type namedModule struct {
	name string
	m    Module
}

func (b *Base) base() *Base { return b }

// Training reports whether the module is in training mode.
func (b *Base) Training() bool { return !b.eval }

// RegisterParameter adds a trainable tensor under name; it is marked as
// requiring gradients. It returns t.
func (b *Base) RegisterParameter(name string, t *tensor.Tensor) *tensor.Tensor {
	checkName(name)
	t.SetRequiresGrad(true)
	b.params = append(b.params, Named{name, t})
	return t
}

// RegisterBuffer adds state that is saved but not trained (running
// statistics). It returns t.
func (b *Base) RegisterBuffer(name string, t *tensor.Tensor) *tensor.Tensor {
	checkName(name)
	b.buffers = append(b.buffers, Named{name, t})
	return t
}

// RegisterModule adds a child whose members are named name.member. It
// returns m.
func (b *Base) RegisterModule(name string, m Module) Module {
	checkName(name)
	b.children = append(b.children, namedModule{name, m})
	return m
}

func checkName(name string) {
	if name == "" || strings.Contains(name, ".") {
		panic(fmt.Sprintf("nn: invalid member name %q", name))
	}
}

// Children returns the direct children with their names, in order.
func Children(m Module) []Child {
	out := make([]Child, len(m.base().children))
	for i, c := range m.base().children {
		out[i] = Child{c.name, c.m}
	}
	return out
}

// Child is a child module with its name.
type Child struct {
	Name   string
	Module Module
}

// Walk calls fn for m and every module below it, depth first in
// registration order, with each one's dotted path ("" for m itself).
func Walk(m Module, fn func(path string, m Module)) {
	walk("", m, fn)
}

func walk(prefix string, m Module, fn func(string, Module)) {
	fn(prefix, m)
	for _, c := range m.base().children {
		walk(join(prefix, c.name), c.m, fn)
	}
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// Parameters returns every parameter with its dotted name, in the order of
// torch's named_parameters: a tensor registered in several places is listed
// once, under its first name, so an optimizer updates it once.
func Parameters(m Module) []Named {
	var out []Named
	seen := map[*tensor.Tensor]bool{}
	Walk(m, func(path string, m Module) {
		for _, p := range m.base().params {
			if !seen[p.Tensor] {
				seen[p.Tensor] = true
				out = append(out, Named{join(path, p.Name), p.Tensor})
			}
		}
	})
	return out
}

// Buffers returns every buffer with its dotted name.
func Buffers(m Module) []Named {
	var out []Named
	Walk(m, func(path string, m Module) {
		for _, p := range m.base().buffers {
			out = append(out, Named{join(path, p.Name), p.Tensor})
		}
	})
	return out
}

// StateDict returns parameters and buffers in torch's state_dict order:
// each module's parameters, then its buffers, then its children.
func StateDict(m Module) []Named {
	var out []Named
	Walk(m, func(path string, m Module) {
		for _, p := range m.base().params {
			out = append(out, Named{join(path, p.Name), p.Tensor})
		}
		for _, p := range m.base().buffers {
			out = append(out, Named{join(path, p.Name), p.Tensor})
		}
	})
	return out
}

// Train sets training mode on m and every module below it.
func Train(m Module) { setMode(m, true) }

// Eval sets evaluation mode on m and every module below it.
func Eval(m Module) { setMode(m, false) }

func setMode(m Module, training bool) {
	Walk(m, func(_ string, m Module) { m.base().eval = !training })
}

// Freeze marks every parameter as not requiring gradients, so that forward
// passes record no graph: the model can then serve many goroutines at once.
func Freeze(m Module) {
	for _, p := range Parameters(m) {
		p.Tensor.SetRequiresGrad(false)
	}
}

// Unfreeze marks every parameter as trainable again.
func Unfreeze(m Module) {
	for _, p := range Parameters(m) {
		p.Tensor.SetRequiresGrad(true)
	}
}

// ZeroGrad zeroes the gradient of every parameter in place, as torch's
// zero_grad(set_to_none=False): the buffers are kept for the next step.
func ZeroGrad(m Module) {
	for _, p := range Parameters(m) {
		if g := p.Tensor.Grad(); g != nil {
			g.Fill(0)
		}
	}
}

// CountParameters returns the number of parameter elements, and how many of
// them are trainable.
func CountParameters(m Module) (total, trainable int) {
	for _, p := range Parameters(m) {
		total += p.Tensor.Len()
		if p.Tensor.RequiresGrad() {
			trainable += p.Tensor.Len()
		}
	}
	return total, trainable
}

// ParameterTensors returns the parameters of m without their names, in the
// order of Parameters: what an optimizer takes.
func ParameterTensors(m Module) []*tensor.Tensor {
	ps := Parameters(m)
	out := make([]*tensor.Tensor, len(ps))
	for i, p := range ps {
		out[i] = p.Tensor
	}
	return out
}
