package models

import (
	"math/rand/v2"

	"github.com/convnet/convnet/nn"
)

// newLeNet5 builds LeNet-5 (LeCun et al., "Gradient-based learning applied
// to document recognition", 1998) as the lecture writes it today: an
// nn.Sequential, so that its state-dict keys are 0.weight, 3.weight,
// 7.weight, 9.weight, 11.weight (and biases), with ReLU and max pooling in
// place of the paper's scaled tanh and trainable sub-sampling, every C3 map
// connected to every S2 map, and a linear output in place of the RBF units.
//
// padding 2 takes MNIST's 28×28 digits, as if framed to the paper's 32×32;
// padding 0 takes the paper's 32×32 input. Both reach 16×5×5 before the
// first fully connected layer, so both have 61,706 parameters for 10
// classes. Initialisation is torch's default.
func newLeNet5(rng *rand.Rand, classes, padding int) *nn.Sequential {
	return nn.NewSequential(
		// N×1×28×28 (padding 2) or N×1×32×32 (padding 0)
		nn.NewConv2d(rng, nn.Conv2dConfig{In: 1, Out: 6, Kernel: 5, Padding: padding}), // 0: C1, N×6×28×28
		nn.NewReLU(),                    // 1
		nn.NewMaxPool2d(2, 2, 0, false), // 2: S2, N×6×14×14
		nn.NewConv2d(rng, nn.Conv2dConfig{In: 6, Out: 16, Kernel: 5}), // 3: C3, N×16×10×10
		nn.NewReLU(),                         // 4
		nn.NewMaxPool2d(2, 2, 0, false),      // 5: S4, N×16×5×5
		nn.NewFlatten(),                      // 6: N×400
		nn.NewLinear(rng, 400, 120, true),    // 7: C5 (a 5×5 convolution on a 5×5 map is a full connection)
		nn.NewReLU(),                         // 8
		nn.NewLinear(rng, 120, 84, true),     // 9: F6
		nn.NewReLU(),                         // 10
		nn.NewLinear(rng, 84, classes, true), // 11: output, N×classes
	)
}
