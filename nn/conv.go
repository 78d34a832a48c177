package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/convnet/convnet/tensor"
)

// Conv2dConfig describes a square 2-D convolution. Zero Stride, Dilation
// and Groups mean 1.
type Conv2dConfig struct {
	In, Out  int // channels
	Kernel   int
	Stride   int
	Padding  int
	Dilation int
	Groups   int
	NoBias   bool
}

// Conv2d is torch.nn.Conv2d: parameters "weight" (Out×In/Groups×K×K) and,
// unless NoBias, "bias" (Out).
type Conv2d struct {
	Base
	Config Conv2dConfig
	Weight *tensor.Tensor
	Bias   *tensor.Tensor
}

// NewConv2d builds a convolution with torch's default initialisation:
// kaiming-uniform with a = √5 for the weight, U(±1/√fan_in) for the bias.
func NewConv2d(rng *rand.Rand, c Conv2dConfig) *Conv2d {
	c = c.withDefaults()
	if c.In < 1 || c.Out < 1 || c.Kernel < 1 || c.Padding < 0 || c.In%c.Groups != 0 || c.Out%c.Groups != 0 {
		panic(fmt.Sprintf("nn: invalid Conv2d %+v", c))
	}
	m := &Conv2d{Config: c}
	m.Weight = m.RegisterParameter("weight", tensor.New(c.Out, c.In/c.Groups, c.Kernel, c.Kernel))
	KaimingUniform(rng, m.Weight, math.Sqrt(5))
	if !c.NoBias {
		b := biasBound(FanIn(m.Weight.Shape()))
		m.Bias = m.RegisterParameter("bias", tensor.New(c.Out))
		Uniform(rng, m.Bias, -b, b)
	}
	return m
}

func (c Conv2dConfig) withDefaults() Conv2dConfig {
	if c.Stride == 0 {
		c.Stride = 1
	}
	if c.Dilation == 0 {
		c.Dilation = 1
	}
	if c.Groups == 0 {
		c.Groups = 1
	}
	return c
}

// Options returns the tensor-level options of this convolution.
func (m *Conv2d) Options() tensor.ConvOptions {
	c := m.Config
	return tensor.ConvOptions{Stride: [2]int{c.Stride, c.Stride}, Padding: [2]int{c.Padding, c.Padding},
		Dilation: [2]int{c.Dilation, c.Dilation}, Groups: c.Groups}
}

// Forward convolves x (N×In×H×W).
func (m *Conv2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	m.enter(x)
	return m.exit(x, tensor.Conv2d(x, m.Weight, m.Bias, m.Options()))
}

// Linear is torch.nn.Linear: y = x·weightᵀ + bias, weight Out×In.
type Linear struct {
	Base
	In, Out int
	Weight  *tensor.Tensor
	Bias    *tensor.Tensor
}

// NewLinear builds a fully connected layer with torch's default
// initialisation; bias may be turned off.
func NewLinear(rng *rand.Rand, in, out int, bias bool) *Linear {
	if in < 1 || out < 1 {
		panic(fmt.Sprintf("nn: invalid Linear %d→%d", in, out))
	}
	m := &Linear{In: in, Out: out}
	m.Weight = m.RegisterParameter("weight", tensor.New(out, in))
	KaimingUniform(rng, m.Weight, math.Sqrt(5))
	if bias {
		b := biasBound(in)
		m.Bias = m.RegisterParameter("bias", tensor.New(out))
		Uniform(rng, m.Bias, -b, b)
	}
	return m
}

// Forward maps x (N×In) to N×Out.
func (m *Linear) Forward(x *tensor.Tensor) *tensor.Tensor {
	m.enter(x)
	if x.Rank() != 2 || x.Dim(1) != m.In {
		panic(fmt.Sprintf("nn: Linear(%d→%d) got input %v", m.In, m.Out, x.Shape()))
	}
	return m.exit(x, tensor.Linear(x, m.Weight, m.Bias))
}
