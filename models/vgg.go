package models

import (
	"fmt"
	"math/rand/v2"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

// vggConfigs are the columns of Table 1 of Simonyan & Zisserman, "Very deep
// convolutional networks for large-scale image recognition" (ICLR 2015), in
// the paper's own notation: "conv<k>-<channels>" is a k×k convolution
// (padded to keep the size) followed by ReLU, "LRN" local response
// normalisation, "maxpool" 2×2 max pooling with stride 2. All five end with
// the same three fully connected layers (vggClassifier).
var vggConfigs = map[string][]string{
	"A": {"conv3-64", "maxpool", "conv3-128", "maxpool", "conv3-256", "conv3-256", "maxpool",
		"conv3-512", "conv3-512", "maxpool", "conv3-512", "conv3-512", "maxpool"},
	"A-LRN": {"conv3-64", "LRN", "maxpool", "conv3-128", "maxpool", "conv3-256", "conv3-256", "maxpool",
		"conv3-512", "conv3-512", "maxpool", "conv3-512", "conv3-512", "maxpool"},
	"B": {"conv3-64", "conv3-64", "maxpool", "conv3-128", "conv3-128", "maxpool", "conv3-256", "conv3-256", "maxpool",
		"conv3-512", "conv3-512", "maxpool", "conv3-512", "conv3-512", "maxpool"},
	"C": {"conv3-64", "conv3-64", "maxpool", "conv3-128", "conv3-128", "maxpool",
		"conv3-256", "conv3-256", "conv1-256", "maxpool",
		"conv3-512", "conv3-512", "conv1-512", "maxpool", "conv3-512", "conv3-512", "conv1-512", "maxpool"},
	"D": {"conv3-64", "conv3-64", "maxpool", "conv3-128", "conv3-128", "maxpool",
		"conv3-256", "conv3-256", "conv3-256", "maxpool",
		"conv3-512", "conv3-512", "conv3-512", "maxpool", "conv3-512", "conv3-512", "conv3-512", "maxpool"},
	"E": {"conv3-64", "conv3-64", "maxpool", "conv3-128", "conv3-128", "maxpool",
		"conv3-256", "conv3-256", "conv3-256", "conv3-256", "maxpool",
		"conv3-512", "conv3-512", "conv3-512", "conv3-512", "maxpool",
		"conv3-512", "conv3-512", "conv3-512", "conv3-512", "maxpool"},
}

func vggEntry(name, config string, bn bool, params int, torchvision, description string) entry {
	return entry{
		info: ModelInfo{Name: name, Family: "vgg", Input: [3]int{3, 224, 224}, Classes: 1000, Params: params,
			Torchvision: torchvision, Description: description},
		build: func(rng *rand.Rand, o Options) nn.Module { return newVGG(rng, vggConfigs[config], bn, o.Classes) },
	}
}

// VGG is Simonyan & Zisserman's network in torchvision's layout: Features
// (the convolutions of one column of Table 1), AvgPool, Classifier.
type VGG struct {
	nn.Base
	Features   *nn.Sequential
	AvgPool    *nn.AdaptiveAvgPool2d
	Classifier *nn.Sequential
}

// Forward maps N×3×224×224 images to N×classes logits.
func (m *VGG) Forward(x *tensor.Tensor) *tensor.Tensor {
	x = m.Features.Forward(x)                      // N×512×7×7
	x = m.AvgPool.Forward(x)                       // N×512×7×7 from any input of at least 32×32
	return m.Classifier.Forward(tensor.Flatten(x)) // N×25088 → N×classes
}

// newVGG builds one configuration, optionally with batch normalisation
// after every convolution (torchvision's vgg*_bn, which the paper does not
// have), with torchvision's initialisation: convolutions kaiming-normal
// (fan-out, ReLU gain) with zero biases, linear layers N(0, 0.01²) with
// zero biases, batch norm ones and zeros.
func newVGG(rng *rand.Rand, config []string, bn bool, classes int) *VGG {
	features := nn.NewSequential()
	in := 3 // N×3×224×224; each maxpool halves the size, 224/2⁵ = 7
	for _, layer := range config {
		var k, out int
		switch {
		case layer == "maxpool":
			features.Append(nn.NewMaxPool2d(2, 2, 0, false))
		case layer == "LRN":
			// "Where applicable, the parameters for the LRN layer are those of
			// (Krizhevsky et al., 2012)": n 5, α 1e-4 (5e-4 in torch's
			// formula), β 0.75, k 2.
			features.Append(nn.NewLocalResponseNorm(5, 5e-4, 0.75, 2))
		default:
			if _, err := fmt.Sscanf(layer, "conv%d-%d", &k, &out); err != nil {
				panic(fmt.Sprintf("models: bad VGG layer %q: %v", layer, err))
			}
			conv := nn.NewConv2d(skipInit(), nn.Conv2dConfig{In: in, Out: out, Kernel: k, Padding: k / 2})
			nn.KaimingNormal(rng, conv.Weight, true)
			conv.Bias.Fill(0)
			features.Append(conv)
			if bn {
				features.Append(nn.NewBatchNorm2d(out))
			}
			features.Append(nn.NewReLU())
			in = out
		}
	}
	linear := func(in, out int) *nn.Linear {
		l := nn.NewLinear(skipInit(), in, out, true)
		nn.Normal(rng, l.Weight, 0, 0.01)
		l.Bias.Fill(0)
		return l
	}
	m := &VGG{
		Features: features,
		AvgPool:  nn.NewAdaptiveAvgPool2d(7, 7),
		Classifier: nn.NewSequential(
			linear(512*7*7, 4096), // 0: fc6
			nn.NewReLU(),          // 1
			nn.NewDropout(0.5, 0), // 2
			linear(4096, 4096),    // 3: fc7
			nn.NewReLU(),          // 4
			nn.NewDropout(0.5, 0), // 5
			linear(4096, classes), // 6: fc8
		),
	}
	m.RegisterModule("features", m.Features)
	m.RegisterModule("avgpool", m.AvgPool)
	m.RegisterModule("classifier", m.Classifier)
	return m
}
