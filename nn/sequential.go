package nn

import (
	"strconv"

	"github.com/convnet/convnet/tensor"
)

// Sequential is torch.nn.Sequential: children named "0", "1", … run in order.
type Sequential struct {
	Base
	Layers []Module
}

// NewSequential chains the layers.
func NewSequential(layers ...Module) *Sequential {
	s := &Sequential{}
	for _, l := range layers {
		s.Append(l)
	}
	return s
}

// Append adds a layer at the end, named by its index.
func (s *Sequential) Append(l Module) {
	s.RegisterModule(strconv.Itoa(len(s.Layers)), l)
	s.Layers = append(s.Layers, l)
}

// Forward runs x through every layer. A convolution followed by a batch
// norm, a ReLU or both runs as one op where ConvBN can fuse them.
func (s *Sequential) Forward(x *tensor.Tensor) *tensor.Tensor {
	s.enter(x)
	y := x
	for i := 0; i < len(s.Layers); i++ {
		if conv, ok := s.Layers[i].(*Conv2d); ok {
			if bn, relu, next := fusedRun(s.Layers, i); next > i+1 && fusible(conv, bn, relu, y) {
				y = ConvBN(conv, bn, relu, y)
				i = next - 1
				continue
			}
		}
		y = Call(s.Layers[i], y)
	}
	return s.exit(x, y)
}

// Concat runs each branch on the same input and joins their outputs along
// the channels, as an Inception module does. Branches are named "0", "1", …
// unless registered on a parent under other names.
type Concat struct {
	Base
	Branches []Module
}

// NewConcat returns a module that concatenates the branches' outputs.
func NewConcat(branches ...Module) *Concat {
	c := &Concat{}
	for i, b := range branches {
		c.RegisterModule(strconv.Itoa(i), b)
		c.Branches = append(c.Branches, b)
	}
	return c
}

// Forward runs every branch on x and concatenates along dimension 1.
func (c *Concat) Forward(x *tensor.Tensor) *tensor.Tensor {
	c.enter(x)
	outs := make([]*tensor.Tensor, len(c.Branches))
	for i, b := range c.Branches {
		outs[i] = Call(b, x)
	}
	return c.exit(x, tensor.Concat(outs, 1))
}
