package nn

import (
	"slices"

	"github.com/convnet/convnet/tensor"
)

// ConvBN returns relu(bn(conv(x))), bn and relu each left out when nil.
// For inference — bn in evaluation, nothing needing a gradient (a frozen
// network, see Freeze), no forward hook on any of the three — it runs them
// as one tensor.Conv2dBatchNorm, which applies the batch norm's running
// statistics and the ReLU while each band of the convolution's output is
// still in cache rather than in two more passes over it; the result is the
// same, bit for bit. Otherwise it calls the convolution, then the batch
// norm and the ReLU as one tensor.BatchNormReLU where neither has a hook
// (the same result again, in one pass each way instead of two), or the
// modules in turn.
func ConvBN(conv *Conv2d, bn *BatchNorm2d, relu *ReLU, x *tensor.Tensor) *tensor.Tensor {
	if fusible(conv, bn, relu, x) {
		var scale, shift []float32
		if bn != nil {
			scale, shift = tensor.BatchNormEvalAffine(bn.Weight, bn.Bias, bn.RunningMean, bn.RunningVar, bn.Eps)
		}
		return tensor.Conv2dBatchNorm(x, conv.Weight, conv.Bias, conv.Options(), scale, shift, relu != nil)
	}
	y := conv.Forward(x)
	if bn != nil && relu != nil && bn.hook == nil && relu.hook == nil {
		return bn.forwardReLU(y)
	}
	if bn != nil {
		y = bn.Forward(y)
	}
	if relu != nil {
		y = relu.Forward(y)
	}
	return y
}

// ConvBNReLU is ConvBN with a ReLU that is not a module of the network
// (torchvision's GoogLeNet applies F.relu).
func ConvBNReLU(conv *Conv2d, bn *BatchNorm2d, x *tensor.Tensor) *tensor.Tensor {
	return ConvBN(conv, bn, plainReLU, x)
}

// plainReLU is never registered in a network, so no hook reaches it.
var plainReLU = NewReLU()

// fusible reports whether ConvBN may run conv, bn and relu as one op.
func fusible(conv *Conv2d, bn *BatchNorm2d, relu *ReLU, x *tensor.Tensor) bool {
	if x.RequiresGrad() || x.Rank() != 4 || conv.hook != nil || needsGrad(conv.Weight) || needsGrad(conv.Bias) {
		return false
	}
	if bn != nil && (bn.Training() || bn.hook != nil || bn.RunningMean == nil || bn.RunningVar == nil ||
		bn.Channels != conv.Config.Out || needsGrad(bn.Weight) || needsGrad(bn.Bias)) {
		return false
	}
	return relu == nil || relu.hook == nil
}

func needsGrad(t *tensor.Tensor) bool { return t != nil && t.RequiresGrad() }

// fusedRun returns the batch norm and ReLU that follow layer i of layers,
// if any (in that order, either may be missing), and the index past them.
func fusedRun(layers []Module, i int) (bn *BatchNorm2d, relu *ReLU, next int) {
	next = i + 1
	if next < len(layers) {
		if b, ok := layers[next].(*BatchNorm2d); ok {
			bn, next = b, next+1
		}
	}
	if next < len(layers) {
		if r, ok := layers[next].(*ReLU); ok {
			relu, next = r, next+1
		}
	}
	return bn, relu, next
}

// AddReLU returns relu(a + b) for a and b of one shape, the end of a
// residual block: one tensor.AddReLU where relu has no hook (the same
// result, in one pass instead of two), otherwise the sum and then relu.
func AddReLU(relu *ReLU, a, b *tensor.Tensor) *tensor.Tensor {
	if relu.hook == nil && slices.Equal(a.Shape(), b.Shape()) {
		return tensor.AddReLU(a, b)
	}
	return relu.Forward(tensor.Add(a, b))
}
