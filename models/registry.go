package models

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

// Options configure a model built by New. The zero value builds the
// default: the model's own number of classes, seed 0.
type Options struct {
	// Classes is the number of outputs of the last layer; 0 means the
	// model's default (Info(name).Classes).
	Classes int
	// Seed seeds the generator that draws the initial weights, and the
	// dropout masks' generators.
	Seed uint64
	// AuxLogits builds GoogLeNet's two auxiliary classifiers (aux1, aux2;
	// see GoogLeNet.ForwardAux). torchvision's googlenet builds them by
	// default; here they are off unless asked for, since they only serve
	// training. googlenet only.
	AuxLogits bool
	// TransformInput makes GoogLeNet re-normalise its input from
	// torchvision's ImageNet normalisation to the [-1, 1] scaling its
	// ported weights expect, as torchvision's transform_input (false unless
	// pretrained weights are loaded). googlenet only.
	TransformInput bool
	// TorchInit leaves every layer at PyTorch's own default initialisation
	// (what nn.Conv2d and nn.Linear draw: kaiming-uniform with a = √5)
	// instead of the paper's kaiming-normal: how a CIFAR ResNet written in
	// PyTorch without an init of its own starts. CIFAR ResNets and their
	// plain twins only.
	TorchInit bool
	// ZeroInitResidual starts the last batch norm of every residual branch
	// with weight 0, as torchvision's zero_init_residual: each block starts
	// as its shortcut alone, so a deep ResNet starts as a shallow one.
	// ImageNet and CIFAR ResNets only (a plain net has no shortcut to keep
	// the signal).
	ZeroInitResidual bool
}

// ModelInfo describes a model of the registry.
type ModelInfo struct {
	Name   string
	Family string // "lenet", "alexnet", "vgg", "googlenet", "resnet", "cifar-resnet"
	// Input is the shape C, H, W of one input image the model is built
	// for (the batch dimension comes first at run time).
	Input [3]int
	// Classes is the default number of classes.
	Classes int
	// Params is the number of parameters with the default classes (for
	// googlenet: without the auxiliary classifiers).
	Params int
	// Torchvision names the torchvision builder whose state dict this
	// model's matches key for key and shape for shape ("" when torchvision
	// has no such model).
	Torchvision string
	Description string
}

// UnknownModelError is the error of New and Info for a name that is not in
// the registry.
type UnknownModelError struct {
	Name string
}

func (e *UnknownModelError) Error() string {
	return fmt.Sprintf("models: unknown model %q; known models: %s, and resnetD or plainD for any CIFAR depth D = 6n+2 up to %d",
		e.Name, strings.Join(Names(), ", "), MaxCIFARDepth)
}

// entry is one model of the registry.
type entry struct {
	info  ModelInfo
	build func(rng *rand.Rand, o Options) nn.Module // o.Classes is resolved
	aux   bool                                      // takes AuxLogits and TransformInput
}

// registry lists the models in the lecture's order. VGG's configurations
// are reachable both by the paper's letters and by depth, as torchvision
// names them.
var registry = []entry{
	{info: ModelInfo{Name: "lenet5", Family: "lenet", Input: [3]int{1, 28, 28}, Classes: 10, Params: 61706,
		Description: "LeNet-5 for 28×28 MNIST: the first convolution padded by 2, ReLU and max pooling, as an nn.Sequential"},
		build: func(rng *rand.Rand, o Options) nn.Module { return newLeNet5(rng, o.Classes, 2) }},
	{info: ModelInfo{Name: "lenet5-32", Family: "lenet", Input: [3]int{1, 32, 32}, Classes: 10, Params: 61706,
		Description: "LeNet-5 on the 1998 paper's 32×32 input: 5×5 convolutions without padding"},
		build: func(rng *rand.Rand, o Options) nn.Module { return newLeNet5(rng, o.Classes, 0) }},

	{info: ModelInfo{Name: "alexnet", Family: "alexnet", Input: [3]int{3, 224, 224}, Classes: 1000, Params: 61100840,
		Torchvision: "alexnet", Description: "AlexNet as torchvision builds it: one GPU, 64-192-384-256-256 channels, no LRN"},
		build: func(rng *rand.Rand, o Options) nn.Module { return newAlexNet(rng, o.Classes) }},
	{info: ModelInfo{Name: "alexnet-paper", Family: "alexnet", Input: [3]int{3, 224, 224}, Classes: 1000, Params: 60965224,
		Description: "AlexNet as the 2012 paper trained it on two GPUs: 96-256-384-384-256 channels, grouped conv2/4/5, LRN after conv1 and conv2"},
		build: func(rng *rand.Rand, o Options) nn.Module { return newAlexNetPaper(rng, o.Classes) }},

	vggEntry("vgg-a", "A", false, 132863336, "", "VGG configuration A of the paper's Table 1, 11 weight layers (= vgg11)"),
	vggEntry("vgg11", "A", false, 132863336, "vgg11", "VGG-11 as torchvision builds it (= vgg-a)"),
	vggEntry("vgg-a-lrn", "A-LRN", false, 132863336, "", "VGG configuration A-LRN: A with local response normalisation after the first conv"),
	vggEntry("vgg-b", "B", false, 133047848, "", "VGG configuration B, 13 weight layers (= vgg13)"),
	vggEntry("vgg13", "B", false, 133047848, "vgg13", "VGG-13 as torchvision builds it (= vgg-b)"),
	vggEntry("vgg-c", "C", false, 133638952, "", "VGG configuration C, 16 weight layers: a 1×1 conv as the third conv of blocks 3, 4 and 5"),
	vggEntry("vgg-d", "D", false, 138357544, "", "VGG configuration D, 16 weight layers (= vgg16)"),
	vggEntry("vgg16", "D", false, 138357544, "vgg16", "VGG-16 as torchvision builds it (= vgg-d)"),
	vggEntry("vgg-e", "E", false, 143667240, "", "VGG configuration E, 19 weight layers (= vgg19)"),
	vggEntry("vgg19", "E", false, 143667240, "vgg19", "VGG-19 as torchvision builds it (= vgg-e)"),
	vggEntry("vgg11_bn", "A", true, 132868840, "vgg11_bn", "VGG-11 with batch normalisation after every conv, as torchvision's"),
	vggEntry("vgg13_bn", "B", true, 133053736, "vgg13_bn", "VGG-13 with batch normalisation after every conv, as torchvision's"),
	vggEntry("vgg16_bn", "D", true, 138365992, "vgg16_bn", "VGG-16 with batch normalisation after every conv, as torchvision's"),
	vggEntry("vgg19_bn", "E", true, 143678248, "vgg19_bn", "VGG-19 with batch normalisation after every conv, as torchvision's"),

	{info: ModelInfo{Name: "googlenet", Family: "googlenet", Input: [3]int{3, 224, 224}, Classes: 1000, Params: 6624904,
		Torchvision: "googlenet",
		Description: "GoogLeNet (Inception v1) as torchvision builds it: conv+batch-norm blocks, a 3×3 conv where the paper's branch has 5×5; auxiliary classifiers with Options.AuxLogits (13,004,888 parameters)"},
		build: func(rng *rand.Rand, o Options) nn.Module {
			return newGoogLeNet(rng, o.Classes, o.AuxLogits, o.TransformInput)
		},
		aux: true},

	resnetEntry("resnet18", 11689512),
	resnetEntry("resnet34", 21797672),
	resnetEntry("resnet50", 25557032),
	resnetEntry("resnet101", 44549160),
	resnetEntry("resnet152", 60192808),

	cifarEntry("resnet20", 269722), cifarEntry("resnet32", 464154), cifarEntry("resnet44", 658586),
	cifarEntry("resnet56", 853018), cifarEntry("resnet110", 1727962),
	cifarEntry("plain20", 269722), cifarEntry("plain32", 464154), cifarEntry("plain44", 658586),
	cifarEntry("plain56", 853018), cifarEntry("plain110", 1727962),
}

func lookup(name string) (*entry, error) {
	key := strings.ToLower(name)
	for i := range registry {
		if registry[i].info.Name == key {
			return &registry[i], nil
		}
	}
	if depth, residual, ok := parseCIFARName(key); ok {
		e := cifarDepthEntry(depth, residual)
		return &e, nil
	}
	return nil, &UnknownModelError{Name: name}
}

// Names returns the names of every model, in the lecture's order: LeNet,
// AlexNet, VGG, GoogLeNet, the ImageNet ResNets, the CIFAR ResNets and their
// plain twins at the paper's depths. (CIFAR ResNets of other depths, such
// as resnet8, are built by name too but not listed.)
func Names() []string {
	out := make([]string, len(registry))
	for i, e := range registry {
		out[i] = e.info.Name
	}
	return out
}

// Info describes the named model (names are matched without regard to
// case). Besides the names Names lists, every CIFAR depth 6n+2 up to
// MaxCIFARDepth is a model: resnet8, resnet14, plain8, … (resnet50 and
// resnet152 stay the ImageNet networks).
func Info(name string) (ModelInfo, error) {
	e, err := lookup(name)
	if err != nil {
		return ModelInfo{}, err
	}
	return e.info, nil
}

// New builds the named model (names are matched without regard to case),
// initialised from a generator seeded with opts.Seed.
func New(name string, opts Options) (nn.Module, error) {
	e, err := lookup(name)
	if err != nil {
		return nil, err
	}
	switch {
	case opts.Classes < 0:
		return nil, fmt.Errorf("models: %s with %d classes; it needs at least 1 (0 means the default, %d)",
			e.info.Name, opts.Classes, e.info.Classes)
	case opts.AuxLogits && !e.aux:
		return nil, fmt.Errorf("models: %s has no auxiliary classifiers (AuxLogits is for googlenet)", e.info.Name)
	case opts.TransformInput && !e.aux:
		return nil, fmt.Errorf("models: %s has no input transform (TransformInput is for googlenet)", e.info.Name)
	case opts.TorchInit && e.info.Family != "cifar-resnet":
		return nil, fmt.Errorf("models: %s keeps its own initialisation (TorchInit is for the CIFAR ResNets and plain nets)", e.info.Name)
	case opts.ZeroInitResidual && !hasResidualBranches(e.info):
		return nil, fmt.Errorf("models: %s has no residual branches (ZeroInitResidual is for the ResNets)", e.info.Name)
	}
	if opts.Classes == 0 {
		opts.Classes = e.info.Classes
	}
	m := e.build(tensor.NewRNG(opts.Seed), opts)
	if opts.ZeroInitResidual {
		zeroInitResidual(m)
	}
	nn.SeedDropout(m, opts.Seed)
	return m, nil
}
