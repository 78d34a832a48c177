package models

import (
	"math/rand/v2"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

// AlexNet is Krizhevsky, Sutskever & Hinton's network ("ImageNet
// classification with deep convolutional neural networks", NIPS 2012) in
// torchvision's layout: Features, an optional AvgPool, Classifier.
type AlexNet struct {
	nn.Base
	Features   *nn.Sequential
	AvgPool    *nn.AdaptiveAvgPool2d // torchvision's; nil in the paper's net, which takes 224×224 only
	Classifier *nn.Sequential
}

// Forward maps N×3×224×224 images to N×classes logits.
func (m *AlexNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	x = m.Features.Forward(x) // N×256×6×6
	if m.AvgPool != nil {
		x = m.AvgPool.Forward(x) // N×256×6×6 from any input size
	}
	return m.Classifier.Forward(tensor.Flatten(x)) // N×9216 → N×classes
}

func (m *AlexNet) register() *AlexNet {
	m.RegisterModule("features", m.Features)
	if m.AvgPool != nil {
		m.RegisterModule("avgpool", m.AvgPool)
	}
	m.RegisterModule("classifier", m.Classifier)
	return m
}

// alexnetClassifier is fc6, fc7, fc8, each hidden one after dropout 0.5
// (the paper's §4.2; torchvision's order).
func alexnetClassifier(rng *rand.Rand, classes int) *nn.Sequential {
	return nn.NewSequential(
		nn.NewDropout(0.5, 0),                  // 0
		nn.NewLinear(rng, 256*6*6, 4096, true), // 1: fc6
		nn.NewReLU(),                           // 2
		nn.NewDropout(0.5, 0),                  // 3
		nn.NewLinear(rng, 4096, 4096, true),    // 4: fc7
		nn.NewReLU(),                           // 5
		nn.NewLinear(rng, 4096, classes, true), // 6: fc8
	)
}

// newAlexNet is torchvision's alexnet: the single-GPU variant of "One weird
// trick for parallelizing convolutional neural networks" (Krizhevsky 2014),
// 64-192-384-256-256 channels, no grouping and no LRN; 61,100,840
// parameters for 1000 classes. Initialisation is torch's default, as
// torchvision's.
func newAlexNet(rng *rand.Rand, classes int) *AlexNet {
	conv := func(in, out, k, stride, pad int) *nn.Conv2d {
		return nn.NewConv2d(rng, nn.Conv2dConfig{In: in, Out: out, Kernel: k, Stride: stride, Padding: pad})
	}
	m := &AlexNet{
		Features: nn.NewSequential(
			// N×3×224×224
			conv(3, 64, 11, 4, 2),           // 0: N×64×55×55
			nn.NewReLU(),                    // 1
			nn.NewMaxPool2d(3, 2, 0, false), // 2: N×64×27×27
			conv(64, 192, 5, 1, 2),          // 3: N×192×27×27
			nn.NewReLU(),                    // 4
			nn.NewMaxPool2d(3, 2, 0, false), // 5: N×192×13×13
			conv(192, 384, 3, 1, 1),         // 6: N×384×13×13
			nn.NewReLU(),                    // 7
			conv(384, 256, 3, 1, 1),         // 8: N×256×13×13
			nn.NewReLU(),                    // 9
			conv(256, 256, 3, 1, 1),         // 10: N×256×13×13
			nn.NewReLU(),                    // 11
			nn.NewMaxPool2d(3, 2, 0, false), // 12: N×256×6×6
		),
		AvgPool: nn.NewAdaptiveAvgPool2d(6, 6),
	}
	m.Classifier = alexnetClassifier(rng, classes)
	return m.register()
}

// newAlexNetPaper is the network of the 2012 paper as it was trained, split
// over two GPUs: 96-256-384-384-256 channels (48-128-192-192-128 per GPU),
// conv2, conv4 and conv5 seeing only the maps of their own GPU (groups 2;
// conv3 and the fully connected layers cross), ReLU everywhere, local
// response normalisation after the first two (post-ReLU) convolutions with
// the paper's constants n = 5, α = 1e-4, β = 0.75, k = 2 (§3.3) — α = 5e-4
// in torch's formula, which divides α by n — and overlapping 3×3 max pooling
// with stride 2 (§3.4) after both normalisations and after conv5. Dropout
// 0.5 precedes fc6 and fc7 (§4.2). 60,965,224 parameters for 1000 classes.
//
// The paper states a 224×224 input, but its own arithmetic (an 11×11
// stride-4 conv giving 55×55) needs 227×227 without padding. Here the input
// is 224×224 with conv1 padded by 2, as torchvision's alexnet does, which
// also gives 55×55 and so 6×6×256 before fc6.
//
// Initialisation is torch's default, as for torchvision's alexnet; the
// paper drew every weight from N(0, 0.01²) and set the biases of conv2,
// conv4, conv5, fc6 and fc7 to 1 and the others to 0 (§5).
func newAlexNetPaper(rng *rand.Rand, classes int) *AlexNet {
	conv := func(in, out, k, stride, pad, groups int) *nn.Conv2d {
		return nn.NewConv2d(rng, nn.Conv2dConfig{In: in, Out: out, Kernel: k, Stride: stride, Padding: pad, Groups: groups})
	}
	lrn := func() *nn.LocalResponseNorm { return nn.NewLocalResponseNorm(5, 5e-4, 0.75, 2) }
	m := &AlexNet{
		Features: nn.NewSequential(
			// N×3×224×224
			conv(3, 96, 11, 4, 2, 1),        // 0: conv1, N×96×55×55
			nn.NewReLU(),                    // 1
			lrn(),                           // 2
			nn.NewMaxPool2d(3, 2, 0, false), // 3: N×96×27×27
			conv(96, 256, 5, 1, 2, 2),       // 4: conv2, N×256×27×27
			nn.NewReLU(),                    // 5
			lrn(),                           // 6
			nn.NewMaxPool2d(3, 2, 0, false), // 7: N×256×13×13
			conv(256, 384, 3, 1, 1, 1),      // 8: conv3, N×384×13×13
			nn.NewReLU(),                    // 9
			conv(384, 384, 3, 1, 1, 2),      // 10: conv4, N×384×13×13
			nn.NewReLU(),                    // 11
			conv(384, 256, 3, 1, 1, 2),      // 12: conv5, N×256×13×13
			nn.NewReLU(),                    // 13
			nn.NewMaxPool2d(3, 2, 0, false), // 14: N×256×6×6
		),
	}
	m.Classifier = alexnetClassifier(rng, classes)
	return m.register()
}
