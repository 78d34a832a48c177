package models

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

// resnetConfigs are the ImageNet ResNets of He et al., "Deep residual
// learning for image recognition" (CVPR 2016), Table 1: the block type and
// the number of blocks in each of the four stages (conv2_x … conv5_x).
var resnetConfigs = map[string]struct {
	bottleneck bool
	blocks     [4]int
}{
	"resnet18":  {false, [4]int{2, 2, 2, 2}},
	"resnet34":  {false, [4]int{3, 4, 6, 3}},
	"resnet50":  {true, [4]int{3, 4, 6, 3}},
	"resnet101": {true, [4]int{3, 4, 23, 3}},
	"resnet152": {true, [4]int{3, 8, 36, 3}},
}

func resnetEntry(name string, params int) entry {
	c := resnetConfigs[name]
	kind := "basic blocks"
	if c.bottleneck {
		kind = "bottleneck blocks (stride on the 3×3 conv, torchvision's v1.5)"
	}
	return entry{
		info: ModelInfo{Name: name, Family: "resnet", Input: [3]int{3, 224, 224}, Classes: 1000, Params: params,
			Torchvision: name,
			Description: fmt.Sprintf("ResNet-%s for ImageNet as torchvision builds it: %v %s", name[len("resnet"):], c.blocks, kind)},
		build: func(rng *rand.Rand, o Options) nn.Module { return newResNet(rng, c.bottleneck, c.blocks, o.Classes) },
	}
}

// ResNet is an ImageNet ResNet in torchvision's layout.
type ResNet struct {
	nn.Base
	Conv1   *nn.Conv2d
	BN1     *nn.BatchNorm2d
	ReLU    *nn.ReLU
	MaxPool *nn.MaxPool2d
	Layers  [4]*nn.Sequential // layer1 … layer4, of *BasicBlock or *Bottleneck
	AvgPool *nn.AdaptiveAvgPool2d
	FC      *nn.Linear
}

// newResNet builds a ResNet with torchvision's initialisation:
// convolutions kaiming-normal with fan-out (ReLU gain), batch norm ones and
// zeros, the final linear layer torch's default.
func newResNet(rng *rand.Rand, bottleneck bool, blocks [4]int, classes int) *ResNet {
	expansion := 1
	if bottleneck {
		expansion = 4
	}
	m := &ResNet{
		Conv1:   resnetConv(rng, 3, 64, 7, 2, 3),
		BN1:     nn.NewBatchNorm2d(64),
		ReLU:    nn.NewReLU(),
		MaxPool: nn.NewMaxPool2d(3, 2, 1, false),
	}
	in := 64
	for i, n := range blocks {
		width, stride := 64<<i, 2 // 64, 128, 256, 512; conv2_x keeps the size, the others halve it
		if i == 0 {
			stride = 1
		}
		layer := nn.NewSequential()
		for b := 0; b < n; b++ {
			if bottleneck {
				layer.Append(newBottleneck(rng, in, width, stride))
			} else {
				layer.Append(newBasicBlock(rng, in, width, stride))
			}
			in, stride = width*expansion, 1
		}
		m.Layers[i] = layer
	}
	m.AvgPool = nn.NewAdaptiveAvgPool2d(1, 1)
	m.FC = nn.NewLinear(rng, 512*expansion, classes, true)

	m.RegisterModule("conv1", m.Conv1)
	m.RegisterModule("bn1", m.BN1)
	m.RegisterModule("relu", m.ReLU)
	m.RegisterModule("maxpool", m.MaxPool)
	for i, l := range m.Layers {
		m.RegisterModule("layer"+strconv.Itoa(i+1), l)
	}
	m.RegisterModule("avgpool", m.AvgPool)
	m.RegisterModule("fc", m.FC)
	return m
}

// Forward maps N×3×224×224 images to N×classes logits (the sizes below are
// for a 224×224 input; basic blocks, ×4 channels for bottlenecks).
func (m *ResNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	x = nn.ConvBN(m.Conv1, m.BN1, m.ReLU, x) // N×64×112×112
	x = m.MaxPool.Forward(x)                 // N×64×56×56
	x = m.Layers[0].Forward(x)               // N×64×56×56
	x = m.Layers[1].Forward(x)               // N×128×28×28
	x = m.Layers[2].Forward(x)               // N×256×14×14
	x = m.Layers[3].Forward(x)               // N×512×7×7
	x = m.AvgPool.Forward(x)                 // N×512×1×1
	return m.FC.Forward(tensor.Flatten(x))   // N×classes
}

// resnetConv is a convolution without bias, initialised kaiming-normal with
// fan-out as torchvision's ResNets.
func resnetConv(rng *rand.Rand, in, out, kernel, stride, padding int) *nn.Conv2d {
	c := nn.NewConv2d(skipInit(), nn.Conv2dConfig{In: in, Out: out, Kernel: kernel, Stride: stride, Padding: padding, NoBias: true})
	nn.KaimingNormal(rng, c.Weight, true)
	return c
}

// downsample is the projection shortcut (the paper's option B): a strided
// 1×1 conv and batch norm, used where a block changes the size or the
// channels; nil where the identity fits.
func downsample(rng *rand.Rand, in, out, stride int) *nn.Sequential {
	if stride == 1 && in == out {
		return nil
	}
	return nn.NewSequential(resnetConv(rng, in, out, 1, stride, 0), nn.NewBatchNorm2d(out))
}

// BasicBlock is two 3×3 convolutions with an identity or projection
// shortcut (ResNet-18 and -34).
type BasicBlock struct {
	nn.Base
	Conv1      *nn.Conv2d
	BN1        *nn.BatchNorm2d
	ReLU       *nn.ReLU
	Conv2      *nn.Conv2d
	BN2        *nn.BatchNorm2d
	Downsample *nn.Sequential // nil for the identity
}

func newBasicBlock(rng *rand.Rand, in, width, stride int) *BasicBlock {
	m := &BasicBlock{
		Conv1:      resnetConv(rng, in, width, 3, stride, 1),
		BN1:        nn.NewBatchNorm2d(width),
		ReLU:       nn.NewReLU(),
		Conv2:      resnetConv(rng, width, width, 3, 1, 1),
		BN2:        nn.NewBatchNorm2d(width),
		Downsample: downsample(rng, in, width, stride),
	}
	m.RegisterModule("conv1", m.Conv1)
	m.RegisterModule("bn1", m.BN1)
	m.RegisterModule("relu", m.ReLU)
	m.RegisterModule("conv2", m.Conv2)
	m.RegisterModule("bn2", m.BN2)
	if m.Downsample != nil {
		m.RegisterModule("downsample", m.Downsample)
	}
	return m
}

// Forward returns relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)).
func (m *BasicBlock) Forward(x *tensor.Tensor) *tensor.Tensor {
	out := nn.ConvBN(m.Conv1, m.BN1, m.ReLU, x)
	out = nn.ConvBN(m.Conv2, m.BN2, nil, out)
	return nn.AddReLU(m.ReLU, out, shortcut(m.Downsample, x))
}

func shortcut(downsample *nn.Sequential, x *tensor.Tensor) *tensor.Tensor {
	if downsample == nil {
		return x
	}
	return downsample.Forward(x)
}

// Bottleneck is a 1×1 reduction, a 3×3 conv and a 1×1 expansion to four
// times the width, with an identity or projection shortcut (ResNet-50, -101,
// -152). The stride sits on the 3×3 conv, as torchvision's ("ResNet v1.5");
// the paper puts it on the first 1×1. The counts are the same.
type Bottleneck struct {
	nn.Base
	Conv1      *nn.Conv2d
	BN1        *nn.BatchNorm2d
	Conv2      *nn.Conv2d
	BN2        *nn.BatchNorm2d
	Conv3      *nn.Conv2d
	BN3        *nn.BatchNorm2d
	ReLU       *nn.ReLU
	Downsample *nn.Sequential // nil for the identity
}

func newBottleneck(rng *rand.Rand, in, width, stride int) *Bottleneck {
	out := width * 4
	m := &Bottleneck{
		Conv1:      resnetConv(rng, in, width, 1, 1, 0),
		BN1:        nn.NewBatchNorm2d(width),
		Conv2:      resnetConv(rng, width, width, 3, stride, 1),
		BN2:        nn.NewBatchNorm2d(width),
		Conv3:      resnetConv(rng, width, out, 1, 1, 0),
		BN3:        nn.NewBatchNorm2d(out),
		ReLU:       nn.NewReLU(),
		Downsample: downsample(rng, in, out, stride),
	}
	m.RegisterModule("conv1", m.Conv1)
	m.RegisterModule("bn1", m.BN1)
	m.RegisterModule("conv2", m.Conv2)
	m.RegisterModule("bn2", m.BN2)
	m.RegisterModule("conv3", m.Conv3)
	m.RegisterModule("bn3", m.BN3)
	m.RegisterModule("relu", m.ReLU)
	if m.Downsample != nil {
		m.RegisterModule("downsample", m.Downsample)
	}
	return m
}

// Forward returns relu(bn3(conv3(…)) + shortcut(x)).
func (m *Bottleneck) Forward(x *tensor.Tensor) *tensor.Tensor {
	out := nn.ConvBN(m.Conv1, m.BN1, m.ReLU, x)
	out = nn.ConvBN(m.Conv2, m.BN2, m.ReLU, out)
	out = nn.ConvBN(m.Conv3, m.BN3, nil, out)
	return nn.AddReLU(m.ReLU, out, shortcut(m.Downsample, x))
}
