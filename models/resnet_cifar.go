package models

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

// MaxCIFARDepth is the deepest CIFAR network New builds by name: the
// 1202-layer ResNet of He et al. §4.2, the deepest they trained.
const MaxCIFARDepth = 1202

// cifarEntry registers resnet<depth> or plain<depth>, the CIFAR-10 networks
// of He et al. 2016, §4.2, with depth 6n+2.
func cifarEntry(name string, params int) entry {
	depth, residual, ok := parseCIFARName(name)
	if !ok {
		panic(fmt.Sprintf("models: bad CIFAR ResNet name %q", name))
	}
	e := cifarDepthEntry(depth, residual)
	if e.info.Params != params {
		panic(fmt.Sprintf("models: %s has %d parameters, not %d", name, e.info.Params, params))
	}
	return e
}

// parseCIFARName reads "resnet<depth>" or "plain<depth>" with depth 6n+2,
// n ≥ 1, up to MaxCIFARDepth.
func parseCIFARName(name string) (depth int, residual, ok bool) {
	var digits string
	switch {
	case strings.HasPrefix(name, "resnet"):
		digits, residual = strings.TrimPrefix(name, "resnet"), true
	case strings.HasPrefix(name, "plain"):
		digits = strings.TrimPrefix(name, "plain")
	default:
		return 0, false, false
	}
	if digits == "" || digits[0] == '0' || len(digits) > 4 || strings.Trim(digits, "0123456789") != "" {
		return 0, false, false // digits only, and no "resnet020": one name per network
	}
	depth, err := strconv.Atoi(digits)
	if err != nil || depth < 8 || depth > MaxCIFARDepth || (depth-2)%6 != 0 {
		return 0, false, false
	}
	return depth, residual, true
}

// cifarDepthEntry describes ResNet-depth or Plain-depth. The registry lists
// the paper's depths (20, 32, 44, 56, 110); lookup builds the others
// (resnet8, resnet14, plain8, …) on demand.
func cifarDepthEntry(depth int, residual bool) entry {
	n := (depth - 2) / 6
	name := fmt.Sprintf("plain%d", depth)
	desc := fmt.Sprintf("Plain-%d: ResNet-%d for CIFAR-10 with the shortcuts removed (He et al. §4.2, n = %d)", depth, depth, n)
	if residual {
		name = fmt.Sprintf("resnet%d", depth)
		desc = fmt.Sprintf("ResNet-%d for 32×32 CIFAR-10 (He et al. §4.2, n = %d): 16-32-64 channels, zero-padded identity shortcuts (option A)", depth, n)
	}
	return entry{
		info: ModelInfo{Name: name, Family: "cifar-resnet", Input: [3]int{3, 32, 32}, Classes: 10,
			Params: CIFARResNetParams(depth, 10), Description: desc},
		build: func(rng *rand.Rand, o Options) nn.Module {
			return newCIFARResNet(rng, n, residual, o.Classes, o.TorchInit)
		},
	}
}

// CIFARResNetParams is the number of parameters of ResNet-depth (or its
// plain twin: option-A shortcuts have none) with the given classes, counted
// layer by layer: the first conv and its batch norm; per stage, n blocks of
// two 3×3 convs with batch norm, the first of stages 2 and 3 taking half
// as many input channels; the fully connected layer. It panics unless depth
// is 6n+2 with n ≥ 1.
func CIFARResNetParams(depth, classes int) int {
	if depth < 8 || (depth-2)%6 != 0 {
		panic(fmt.Sprintf("models: CIFAR ResNet depth %d is not 6n+2", depth))
	}
	n := (depth - 2) / 6
	conv := func(in, out int) int { return 9*in*out + 2*out } // weights, then BN's weight and bias
	total := conv(3, 16)
	in := 16
	for i := 0; i < 3; i++ {
		width := 16 << i
		for b := 0; b < n; b++ {
			total += conv(in, width) + conv(width, width)
			in = width
		}
	}
	return total + 64*classes + classes
}

// CIFARResNet is the CIFAR-10 network of He et al., "Deep residual learning
// for image recognition" (CVPR 2016), §4.2: a 3×3 conv to 16 channels, then
// three stages of n blocks of two 3×3 convs on 32×32, 16×16 and 8×8 maps
// with 16, 32 and 64 channels (the first conv of stages 2 and 3 has stride
// 2), global average pooling and a fully connected layer: 6n+2 weight
// layers. Its shortcuts are the paper's option A — the identity, and where
// the size halves and the channels double, the input subsampled
// (x[:, :, ::2, ::2]) and zero-padded with (out−in)/2 channels on each side —
// so they add no parameters, and the plain twin (Residual false in every
// block) has the same count.
//
// The names follow torchvision's ResNet (conv1, bn1, layer1.0.conv1, …, fc).
type CIFARResNet struct {
	nn.Base
	Conv1   *nn.Conv2d
	BN1     *nn.BatchNorm2d
	ReLU    *nn.ReLU
	Layers  [3]*nn.Sequential // layer1 … layer3, of *CIFARBlock
	AvgPool *nn.AdaptiveAvgPool2d
	FC      *nn.Linear
}

// newCIFARResNet builds ResNet-(6n+2), or its plain twin, initialised as
// the paper ("as in [13]": kaiming-normal with fan-in) for every conv and
// the linear layer, whose bias keeps torch's default; batch norm ones and
// zeros. With torchInit every conv and the linear layer keep torch's
// default instead.
func newCIFARResNet(rng *rand.Rand, n int, residual bool, classes int, torchInit bool) *CIFARResNet {
	conv := func(in, out, stride int) *nn.Conv2d { return cifarConv(rng, in, out, stride, torchInit) }
	m := &CIFARResNet{
		Conv1: conv(3, 16, 1),
		BN1:   nn.NewBatchNorm2d(16),
		ReLU:  nn.NewReLU(),
	}
	in := 16
	for i := range m.Layers {
		width, stride := 16<<i, 2
		if i == 0 {
			stride = 1
		}
		layer := nn.NewSequential()
		for b := 0; b < n; b++ {
			layer.Append(newCIFARBlock(conv, in, width, stride, residual))
			in, stride = width, 1
		}
		m.Layers[i] = layer
	}
	m.AvgPool = nn.NewAdaptiveAvgPool2d(1, 1)
	m.FC = nn.NewLinear(rng, 64, classes, true)
	if !torchInit {
		nn.KaimingNormal(rng, m.FC.Weight, false)
	}

	m.RegisterModule("conv1", m.Conv1)
	m.RegisterModule("bn1", m.BN1)
	m.RegisterModule("relu", m.ReLU)
	for i, l := range m.Layers {
		m.RegisterModule("layer"+strconv.Itoa(i+1), l)
	}
	m.RegisterModule("avgpool", m.AvgPool)
	m.RegisterModule("fc", m.FC)
	return m
}

// Forward maps N×3×32×32 images to N×classes logits.
func (m *CIFARResNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	x = nn.ConvBN(m.Conv1, m.BN1, m.ReLU, x) // N×16×32×32
	x = m.Layers[0].Forward(x)               // N×16×32×32
	x = m.Layers[1].Forward(x)               // N×32×16×16
	x = m.Layers[2].Forward(x)               // N×64×8×8
	x = m.AvgPool.Forward(x)                 // N×64×1×1
	return m.FC.Forward(tensor.Flatten(x))   // N×classes
}

// cifarConv is a 3×3 convolution without bias, padded to keep the size,
// initialised kaiming-normal with fan-in, or with torchInit as torch's
// nn.Conv2d initialises itself.
func cifarConv(rng *rand.Rand, in, out, stride int, torchInit bool) *nn.Conv2d {
	cfg := nn.Conv2dConfig{In: in, Out: out, Kernel: 3, Stride: stride, Padding: 1, NoBias: true}
	if torchInit {
		return nn.NewConv2d(rng, cfg)
	}
	c := nn.NewConv2d(skipInit(), cfg)
	nn.KaimingNormal(rng, c.Weight, false)
	return c
}

// CIFARBlock is two 3×3 convolutions with batch norm, and, when Residual,
// the option-A shortcut around them.
type CIFARBlock struct {
	nn.Base
	Conv1    *nn.Conv2d
	BN1      *nn.BatchNorm2d
	ReLU     *nn.ReLU
	Conv2    *nn.Conv2d
	BN2      *nn.BatchNorm2d
	Residual bool // false in the plain networks
	In, Out  int  // channels
	Stride   int
}

func newCIFARBlock(conv func(in, out, stride int) *nn.Conv2d, in, out, stride int, residual bool) *CIFARBlock {
	m := &CIFARBlock{
		Conv1:    conv(in, out, stride),
		BN1:      nn.NewBatchNorm2d(out),
		ReLU:     nn.NewReLU(),
		Conv2:    conv(out, out, 1),
		BN2:      nn.NewBatchNorm2d(out),
		Residual: residual,
		In:       in, Out: out, Stride: stride,
	}
	m.RegisterModule("conv1", m.Conv1)
	m.RegisterModule("bn1", m.BN1)
	m.RegisterModule("relu", m.ReLU)
	m.RegisterModule("conv2", m.Conv2)
	m.RegisterModule("bn2", m.BN2)
	return m
}

// Forward returns relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcutA(x)), or
// without the shortcut in a plain block.
func (m *CIFARBlock) Forward(x *tensor.Tensor) *tensor.Tensor {
	out := nn.ConvBN(m.Conv1, m.BN1, m.ReLU, x)
	out = nn.ConvBN(m.Conv2, m.BN2, nil, out)
	if m.Residual {
		return nn.AddReLU(m.ReLU, out, ShortcutA(x, m.Stride, m.Out))
	}
	return m.ReLU.Forward(out)
}

// ShortcutA is the parameter-free shortcut of the ResNet paper's option A
// (§3.3, §4.2): x itself when the shape is kept; otherwise x subsampled with
// the given stride (x[:, :, ::stride, ::stride]) and zero-padded to out
// channels, (out−C)/2 zero channels before and the rest after, as the
// common PyTorch port does with
// F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes//4, planes//4)).
//
// It is written with existing differentiable ops: average pooling with a
// 1×1 window and the stride picks x[:, :, ::s, ::s] exactly (each window
// holds one element), and a channel concatenation with zeros pads.
func ShortcutA(x *tensor.Tensor, stride, out int) *tensor.Tensor {
	if x.Rank() != 4 || stride < 1 || out < x.Dim(1) {
		panic(fmt.Sprintf("models: ShortcutA of %v with stride %d to %d channels", x.Shape(), stride, out))
	}
	if stride > 1 {
		x = tensor.AvgPool2d(x, tensor.PoolOptions{Kernel: [2]int{1, 1}, Stride: [2]int{stride, stride}})
	}
	c := x.Dim(1)
	if out == c {
		return x
	}
	n, h, w := x.Dim(0), x.Dim(2), x.Dim(3)
	before := (out - c) / 2
	parts := make([]*tensor.Tensor, 0, 3)
	if before > 0 {
		parts = append(parts, tensor.New(n, before, h, w))
	}
	parts = append(parts, x, tensor.New(n, out-c-before, h, w))
	return tensor.Concat(parts, 1)
}
