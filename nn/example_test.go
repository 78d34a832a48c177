package nn_test

import (
	"fmt"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/optim"
	"github.com/convnet/convnet/tensor"
)

// A small convolutional network trained for a few SGD steps on a toy task:
// is the bright dot in the left or the right half of an 8×8 image?
func ExampleSequential() {
	rng := tensor.NewRNG(1)
	net := nn.NewSequential(
		nn.NewConv2d(rng, nn.Conv2dConfig{In: 1, Out: 4, Kernel: 3, Padding: 1}), // 4×8×8
		nn.NewReLU(),
		nn.NewMaxPool2d(2, 0, 0, false), // 4×4×4
		nn.NewFlatten(),                 // 64
		nn.NewLinear(rng, 64, 2, true),  // 2 classes
	)

	// Eight images, each with one bright pixel; the label is its half.
	const n = 8
	x := tensor.New(n, 1, 8, 8)
	labels := make([]int, n)
	for i := range n {
		row, col := (3*i+1)%8, (5*i+2)%8
		x.Set(1, i, 0, row, col)
		labels[i] = col / 4
	}

	opt := optim.NewSGD(nn.ParameterTensors(net), optim.SGDConfig{LR: 0.5, Momentum: 0.9})
	for step := range 8 {
		opt.ZeroGrad()
		loss, err := tensor.CrossEntropy(net.Forward(x), labels, tensor.CrossEntropyOptions{})
		if err != nil {
			panic(err)
		}
		if step%2 == 0 || step == 7 {
			fmt.Printf("step %d: loss %.2f\n", step, loss.Item())
		}
		loss.Backward()
		opt.Step()
	}
	total, _ := nn.CountParameters(net)
	fmt.Println("parameters:", total)
	// Output:
	// step 0: loss 0.69
	// step 2: loss 0.66
	// step 4: loss 0.56
	// step 6: loss 0.31
	// step 7: loss 0.17
	// parameters: 170
}
