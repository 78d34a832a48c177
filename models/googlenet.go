package models

import (
	"math/rand/v2"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

// GoogLeNet is Inception v1 (Szegedy et al., "Going deeper with
// convolutions", CVPR 2015) in torchvision's layout: every convolution is a
// BasicConv2d (conv without bias, batch norm, ReLU — torchvision's port adds
// the batch norm the paper predates), and each Inception module's third
// branch uses a 3×3 convolution where the paper has 5×5, as torchvision's
// googlenet does (its ported weights were trained so).
//
// Its auxiliary classifiers Aux1 (after inception4a) and Aux2 (after
// inception4d) exist only when built with Options.AuxLogits, and run only in
// training mode, through ForwardAux; Forward returns the main logits alone.
type GoogLeNet struct {
	nn.Base
	Conv1, Conv2, Conv3      *BasicConv2d
	MaxPool1, MaxPool2       *nn.MaxPool2d
	Inception3a, Inception3b *Inception
	MaxPool3                 *nn.MaxPool2d
	Inception4a, Inception4b *Inception
	Inception4c, Inception4d *Inception
	Inception4e              *Inception
	MaxPool4                 *nn.MaxPool2d
	Inception5a, Inception5b *Inception
	Aux1, Aux2               *InceptionAux // nil without Options.AuxLogits
	AvgPool                  *nn.AdaptiveAvgPool2d
	Dropout                  *nn.Dropout
	FC                       *nn.Linear
	TransformInput           bool // torchvision's transform_input (see Options.TransformInput)
	inputScale, inputShift   *tensor.Tensor
}

// googlenetInception is the paper's Table 1 as torchvision builds it: per
// Inception module, the seven numbers of torchvision's Inception — the
// input channels, then the paper's six columns #1×1, #3×3 reduce, #3×3,
// #5×5 reduce, #5×5 (here a 3×3 conv), pool proj. The module's output has
// #1×1 + #3×3 + #5×5 + pool proj channels.
var googlenetInception = map[string][7]int{
	"3a": {192, 64, 96, 128, 16, 32, 32},     // 28×28, out 256
	"3b": {256, 128, 128, 192, 32, 96, 64},   // 28×28, out 480
	"4a": {480, 192, 96, 208, 16, 48, 64},    // 14×14, out 512
	"4b": {512, 160, 112, 224, 24, 64, 64},   // 14×14, out 512
	"4c": {512, 128, 128, 256, 24, 64, 64},   // 14×14, out 512
	"4d": {512, 112, 144, 288, 32, 64, 64},   // 14×14, out 528
	"4e": {528, 256, 160, 320, 32, 128, 128}, // 14×14, out 832
	"5a": {832, 256, 160, 320, 32, 128, 128}, // 7×7, out 832
	"5b": {832, 384, 192, 384, 48, 128, 128}, // 7×7, out 1024
}

// newGoogLeNet builds torchvision's googlenet with its initialisation:
// every conv and linear weight from N(0, 0.01²) truncated to [−2, 2], batch
// norm ones and zeros, linear biases torch's default. 6,624,904 parameters
// for 1000 classes; 13,004,888 with the auxiliary classifiers.
func newGoogLeNet(rng *rand.Rand, classes int, aux, transformInput bool) *GoogLeNet {
	inception := func(name string) *Inception { return newInception(rng, googlenetInception[name]) }
	maxpool := func(k int) *nn.MaxPool2d { return nn.NewMaxPool2d(k, 2, 0, true) } // ceil mode, as torchvision
	m := &GoogLeNet{
		Conv1:       newBasicConv2d(rng, 3, 64, 7, 2, 3),
		MaxPool1:    maxpool(3),
		Conv2:       newBasicConv2d(rng, 64, 64, 1, 1, 0),
		Conv3:       newBasicConv2d(rng, 64, 192, 3, 1, 1),
		MaxPool2:    maxpool(3),
		Inception3a: inception("3a"),
		Inception3b: inception("3b"),
		MaxPool3:    maxpool(3),
		Inception4a: inception("4a"),
		Inception4b: inception("4b"),
		Inception4c: inception("4c"),
		Inception4d: inception("4d"),
		Inception4e: inception("4e"),
		MaxPool4:    maxpool(2),
		Inception5a: inception("5a"),
		Inception5b: inception("5b"),
		AvgPool:     nn.NewAdaptiveAvgPool2d(1, 1),
		Dropout:     nn.NewDropout(0.2, 0),
		FC:          googlenetLinear(rng, 1024, classes),

		TransformInput: transformInput,
	}
	if aux {
		// Drawn last, so that the main network's weights do not depend on
		// whether the auxiliary classifiers are built.
		m.Aux1 = newInceptionAux(rng, 512, classes)
		m.Aux2 = newInceptionAux(rng, 528, classes)
	}
	// Registered in torchvision's order, which is its state dict's.
	for _, c := range []struct {
		name string
		m    nn.Module
	}{
		{"conv1", m.Conv1}, {"maxpool1", m.MaxPool1}, {"conv2", m.Conv2}, {"conv3", m.Conv3}, {"maxpool2", m.MaxPool2},
		{"inception3a", m.Inception3a}, {"inception3b", m.Inception3b}, {"maxpool3", m.MaxPool3},
		{"inception4a", m.Inception4a}, {"inception4b", m.Inception4b}, {"inception4c", m.Inception4c},
		{"inception4d", m.Inception4d}, {"inception4e", m.Inception4e}, {"maxpool4", m.MaxPool4},
		{"inception5a", m.Inception5a}, {"inception5b", m.Inception5b},
	} {
		m.RegisterModule(c.name, c.m)
	}
	if aux {
		m.RegisterModule("aux1", m.Aux1)
		m.RegisterModule("aux2", m.Aux2)
	}
	m.RegisterModule("avgpool", m.AvgPool)
	m.RegisterModule("dropout", m.Dropout)
	m.RegisterModule("fc", m.FC)

	// transform_input maps torchvision's ImageNet normalisation,
	// (x − mean)/std, to the (x − 0.5)/0.5 that the ported weights expect:
	// x·std/0.5 + (mean − 0.5)/0.5 per channel.
	m.inputScale = tensor.FromSlice([]float32{0.229 / 0.5, 0.224 / 0.5, 0.225 / 0.5}, 3, 1, 1)
	m.inputShift = tensor.FromSlice([]float32{(0.485 - 0.5) / 0.5, (0.456 - 0.5) / 0.5, (0.406 - 0.5) / 0.5}, 3, 1, 1)
	return m
}

// Forward maps N×3×224×224 images to N×classes logits. The auxiliary
// classifiers do not run; see ForwardAux.
func (m *GoogLeNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	logits, _, _ := m.forward(x, false)
	return logits
}

// ForwardAux returns the main logits and, in training mode when the model
// was built with auxiliary classifiers, theirs: aux1 from after
// inception4a, aux2 from after inception4d (nil otherwise). The paper
// trains on loss + 0.3·(loss(aux1) + loss(aux2)) and discards the
// auxiliary heads at inference; that weighting is the training loop's.
// (torchvision's GoogLeNetOutputs lists them as logits, aux_logits2,
// aux_logits1.)
func (m *GoogLeNet) ForwardAux(x *tensor.Tensor) (logits, aux1, aux2 *tensor.Tensor) {
	return m.forward(x, m.Training() && m.Aux1 != nil)
}

func (m *GoogLeNet) forward(x *tensor.Tensor, aux bool) (logits, aux1, aux2 *tensor.Tensor) {
	if m.TransformInput {
		x = tensor.Add(tensor.Mul(x, m.inputScale), m.inputShift)
	}
	// N×3×224×224
	x = nn.Call(m.Conv1, x)   // N×64×112×112
	x = m.MaxPool1.Forward(x) // N×64×56×56
	x = nn.Call(m.Conv2, x)   // N×64×56×56
	x = nn.Call(m.Conv3, x)   // N×192×56×56
	x = m.MaxPool2.Forward(x) // N×192×28×28

	x = nn.Call(m.Inception3a, x) // N×256×28×28
	x = nn.Call(m.Inception3b, x) // N×480×28×28
	x = m.MaxPool3.Forward(x)     // N×480×14×14
	x = nn.Call(m.Inception4a, x) // N×512×14×14
	if aux {
		aux1 = nn.Call(m.Aux1, x) // N×classes
	}
	x = nn.Call(m.Inception4b, x) // N×512×14×14
	x = nn.Call(m.Inception4c, x) // N×512×14×14
	x = nn.Call(m.Inception4d, x) // N×528×14×14
	if aux {
		aux2 = nn.Call(m.Aux2, x) // N×classes
	}
	x = nn.Call(m.Inception4e, x) // N×832×14×14
	x = m.MaxPool4.Forward(x)     // N×832×7×7
	x = nn.Call(m.Inception5a, x) // N×832×7×7
	x = nn.Call(m.Inception5b, x) // N×1024×7×7

	x = m.AvgPool.Forward(x)           // N×1024×1×1
	x = tensor.Flatten(x)              // N×1024
	x = m.Dropout.Forward(x)           // dropout 0.2 (the paper's 0.4)
	return m.FC.Forward(x), aux1, aux2 // N×classes
}

// BasicConv2d is torchvision's GoogLeNet building block: Conv (no bias),
// BN (eps 0.001), ReLU.
type BasicConv2d struct {
	nn.Base
	Conv *nn.Conv2d
	BN   *nn.BatchNorm2d
}

func newBasicConv2d(rng *rand.Rand, in, out, kernel, stride, padding int) *BasicConv2d {
	m := &BasicConv2d{
		Conv: nn.NewConv2d(skipInit(), nn.Conv2dConfig{In: in, Out: out, Kernel: kernel, Stride: stride, Padding: padding, NoBias: true}),
		BN:   nn.NewBatchNorm2d(out),
	}
	nn.TruncatedNormal(rng, m.Conv.Weight, 0, 0.01, -2, 2)
	m.BN.Eps = 0.001
	m.RegisterModule("conv", m.Conv)
	m.RegisterModule("bn", m.BN)
	return m
}

// Forward returns relu(bn(conv(x))).
func (m *BasicConv2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return nn.ConvBNReLU(m.Conv, m.BN, x)
}

// googlenetLinear is a linear layer with GoogLeNet's weight initialisation
// (the bias keeps torch's default, as in torchvision).
func googlenetLinear(rng *rand.Rand, in, out int) *nn.Linear {
	l := nn.NewLinear(rng, in, out, true)
	nn.TruncatedNormal(rng, l.Weight, 0, 0.01, -2, 2)
	return l
}

// Inception is one Inception module: four branches on the same input,
// concatenated along the channels.
type Inception struct {
	nn.Base
	Branch1 *BasicConv2d   // 1×1
	Branch2 *nn.Sequential // 1×1 reduce, 3×3
	Branch3 *nn.Sequential // 1×1 reduce, 3×3 (the paper's 5×5)
	Branch4 *nn.Sequential // 3×3 max pool (stride 1), 1×1 projection
}

// newInception builds a module from its row of googlenetInception.
func newInception(rng *rand.Rand, c [7]int) *Inception {
	in, c1, c3r, c3, c5r, c5, pool := c[0], c[1], c[2], c[3], c[4], c[5], c[6]
	m := &Inception{
		Branch1: newBasicConv2d(rng, in, c1, 1, 1, 0),
		Branch2: nn.NewSequential(newBasicConv2d(rng, in, c3r, 1, 1, 0), newBasicConv2d(rng, c3r, c3, 3, 1, 1)),
		Branch3: nn.NewSequential(newBasicConv2d(rng, in, c5r, 1, 1, 0), newBasicConv2d(rng, c5r, c5, 3, 1, 1)),
		Branch4: nn.NewSequential(nn.NewMaxPool2d(3, 1, 1, true), newBasicConv2d(rng, in, pool, 1, 1, 0)),
	}
	m.RegisterModule("branch1", m.Branch1)
	m.RegisterModule("branch2", m.Branch2)
	m.RegisterModule("branch3", m.Branch3)
	m.RegisterModule("branch4", m.Branch4)
	return m
}

// Forward concatenates the four branches: N×in×H×W to
// N×(#1×1 + #3×3 + #5×5 + pool proj)×H×W.
func (m *Inception) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.Concat([]*tensor.Tensor{
		nn.Call(m.Branch1, x), nn.Call(m.Branch2, x), nn.Call(m.Branch3, x), nn.Call(m.Branch4, x),
	}, 1)
}

// InceptionAux is an auxiliary classifier: 4×4 adaptive average pooling (the
// paper's 5×5 pooling with stride 3 on a 14×14 map), a 1×1 conv to 128
// channels, FC1 2048→1024 with ReLU, dropout 0.7, FC2 1024→classes.
type InceptionAux struct {
	nn.Base
	Conv    *BasicConv2d
	FC1     *nn.Linear
	FC2     *nn.Linear
	Dropout *nn.Dropout
}

func newInceptionAux(rng *rand.Rand, in, classes int) *InceptionAux {
	m := &InceptionAux{
		Conv:    newBasicConv2d(rng, in, 128, 1, 1, 0),
		FC1:     googlenetLinear(rng, 2048, 1024),
		FC2:     googlenetLinear(rng, 1024, classes),
		Dropout: nn.NewDropout(0.7, 0),
	}
	m.RegisterModule("conv", m.Conv)
	m.RegisterModule("fc1", m.FC1)
	m.RegisterModule("fc2", m.FC2)
	m.RegisterModule("dropout", m.Dropout)
	return m
}

// Forward maps N×in×14×14 to N×classes.
func (m *InceptionAux) Forward(x *tensor.Tensor) *tensor.Tensor {
	x = tensor.AdaptiveAvgPool2d(x, 4, 4) // N×in×4×4
	x = m.Conv.Forward(x)                 // N×128×4×4
	x = tensor.Flatten(x)                 // N×2048
	x = tensor.ReLU(m.FC1.Forward(x))     // N×1024
	x = m.Dropout.Forward(x)
	return m.FC2.Forward(x) // N×classes
}
