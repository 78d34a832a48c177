package nn

import "github.com/convnet/convnet/tensor"

// ForwardHook observes the forward passes of a network, for tools that
// describe it (a layer-by-layer summary, the layer a bad input reached), as
// torch's register_forward_pre_hook and register_forward_hook do. Before is
// called as a module's forward starts, with its input; After once it has its
// output. Either may be nil. path is the module's dotted state-dict prefix
// below the module the hook was set on ("" for that one).
//
// Every layer of this package reports itself, wherever it is called from. A
// module of another package reports itself when it runs inside a Sequential
// or a Concat, or when its parent calls it through Call; one that its parent
// calls directly (m.Branch1.Forward(x)) is not seen, though its layers are.
type ForwardHook struct {
	Before func(path string, m Module, in *tensor.Tensor)
	After  func(path string, m Module, in, out *tensor.Tensor)
}

// hookSite is a hook as one module holds it, with that module's path.
type hookSite struct {
	hook   *ForwardHook
	path   string
	m      Module
	active int // nested reports of one call (Call around a layer that reports itself) fire once
}

// SetForwardHook installs h on m and every module below it, replacing any
// hook they had; nil removes it. A module registered under several names
// reports the first. A module with a hook runs as before, but its forward
// passes now update the hook's state: install and remove hooks while
// nothing runs the network, and run a hooked network from one goroutine at
// a time. Without a hook, forward passes touch no module state, so a frozen
// network still serves many goroutines at once (see Freeze).
func SetForwardHook(m Module, h *ForwardHook) {
	Walk(m, func(_ string, sub Module) { sub.base().hook = nil })
	if h == nil {
		return
	}
	Walk(m, func(path string, sub Module) {
		if b := sub.base(); b.hook == nil {
			b.hook = &hookSite{hook: h, path: path, m: sub}
		}
	})
}

// Call runs m.Forward(x), reporting it to the hook set on m, if any, as a
// Sequential does for each of its layers. A module written outside this
// package can call its children through Call to have them reported too.
func Call(m Module, x *tensor.Tensor) *tensor.Tensor {
	b := m.base()
	if b.hook == nil {
		return m.Forward(x)
	}
	b.enter(x)
	return b.exit(x, m.Forward(x))
}

// enter reports the start of a forward pass on x; each layer of this
// package calls it first thing in Forward. It costs one nil check when no
// hook is set.
func (b *Base) enter(x *tensor.Tensor) {
	s := b.hook
	if s == nil {
		return
	}
	if s.active == 0 && s.hook.Before != nil {
		s.hook.Before(s.path, s.m, x)
	}
	s.active++
}

// exit reports the output y of the forward pass on x and returns y.
func (b *Base) exit(x, y *tensor.Tensor) *tensor.Tensor {
	s := b.hook
	if s == nil {
		return y
	}
	s.active--
	if s.active == 0 && s.hook.After != nil {
		s.hook.After(s.path, s.m, x, y)
	}
	return y
}
