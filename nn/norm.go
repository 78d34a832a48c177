package nn

import (
	"fmt"

	"github.com/convnet/convnet/tensor"
)

// BatchNorm2d is torch.nn.BatchNorm2d: parameters "weight" (ones) and
// "bias" (zeros); buffers "running_mean" (zeros), "running_var" (ones) and
// "num_batches_tracked".
type BatchNorm2d struct {
	Base
	Channels          int
	Eps, Momentum     float64
	Weight, Bias      *tensor.Tensor
	RunningMean       *tensor.Tensor
	RunningVar        *tensor.Tensor
	NumBatchesTracked *tensor.Tensor // a scalar count, kept for state-dict compatibility
}

// NewBatchNorm2d returns a batch normalisation layer with torch's defaults:
// eps 1e-5, momentum 0.1, affine, tracking running statistics.
func NewBatchNorm2d(channels int) *BatchNorm2d {
	if channels < 1 {
		panic(fmt.Sprintf("nn: invalid BatchNorm2d(%d)", channels))
	}
	m := &BatchNorm2d{Channels: channels, Eps: 1e-5, Momentum: 0.1}
	m.Weight = m.RegisterParameter("weight", tensor.Ones(channels))
	m.Bias = m.RegisterParameter("bias", tensor.Zeros(channels))
	m.RunningMean = m.RegisterBuffer("running_mean", tensor.Zeros(channels))
	m.RunningVar = m.RegisterBuffer("running_var", tensor.Ones(channels))
	m.NumBatchesTracked = m.RegisterBuffer("num_batches_tracked", tensor.Scalar(0))
	return m
}

// Forward normalises x (N×C×H×W) with batch statistics in training mode
// (updating the running ones) and running statistics in evaluation.
func (m *BatchNorm2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	m.enter(x)
	return m.exit(x, m.apply(x, tensor.BatchNorm))
}

// forwardReLU returns relu(m.Forward(x)) as one op (tensor.BatchNormReLU),
// for a batch norm and a ReLU with no hooks to report the value between.
func (m *BatchNorm2d) forwardReLU(x *tensor.Tensor) *tensor.Tensor {
	return m.apply(x, tensor.BatchNormReLU)
}

func (m *BatchNorm2d) apply(x *tensor.Tensor, norm func(x, w, b, rm, rv *tensor.Tensor, o tensor.BatchNormOptions) *tensor.Tensor) *tensor.Tensor {
	if x.Rank() != 4 || x.Dim(1) != m.Channels {
		panic(fmt.Sprintf("nn: BatchNorm2d(%d) got input %v", m.Channels, x.Shape()))
	}
	if m.Training() {
		m.NumBatchesTracked.Data()[0]++
	}
	return norm(x, m.Weight, m.Bias, m.RunningMean, m.RunningVar,
		tensor.BatchNormOptions{Training: m.Training(), Momentum: m.Momentum, Eps: m.Eps})
}

// LocalResponseNorm is torch.nn.LocalResponseNorm (see
// tensor.LocalResponseNorm for the formula and how its α relates to the
// AlexNet paper's).
type LocalResponseNorm struct {
	Base
	Size           int
	Alpha, Beta, K float64
}

// NewLocalResponseNorm returns an LRN layer; torch's defaults are
// alpha 1e-4, beta 0.75, k 1.
func NewLocalResponseNorm(size int, alpha, beta, k float64) *LocalResponseNorm {
	return &LocalResponseNorm{Size: size, Alpha: alpha, Beta: beta, K: k}
}

// Forward normalises across channels.
func (m *LocalResponseNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	m.enter(x)
	return m.exit(x, tensor.LocalResponseNorm(x, m.Size, m.Alpha, m.Beta, m.K))
}
