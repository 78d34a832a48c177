package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/convnet/convnet/data/imagenet"
	"github.com/convnet/convnet/data/mnist"
	"github.com/convnet/convnet/models"
	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
	"github.com/convnet/convnet/weights"
)

func newPredictCmd() *cobra.Command {
	var (
		modelName      string
		weightsPath    string
		transformInput bool
	)
	cmd := &cobra.Command{
		Use:   "predict {CHECKPOINT | --model NAME --weights FILE} IMAGE...",
		Short: "Classify images: digits with a trained checkpoint, or photos with ImageNet weights",
		Long: `Classify PNG or JPEG images, in one of two ways.

With a CHECKPOINT of convnet train on MNIST, the images are handwritten
digits, prepared as MNIST's were: grayscale, a dark digit on light paper
inverted, cropped to the digit, scaled into 20×20 and centred by mass in
28×28. Prints the top 3 classes.

With --model NAME --weights FILE, NAME is an ImageNet model of the zoo
(alexnet, vgg16, googlenet, resnet50, …) and FILE its weights: a torchvision
state dict as .pth or .safetensors, loaded strictly (every key must match).
Each image is prepared as torchvision's ImageNet evaluation does: the shorter
side scaled to 256 (bilinear, antialiased), the central 224×224 kept, and
each channel normalised with ImageNet's mean (0.485, 0.456, 0.406) and
standard deviation (0.229, 0.224, 0.225). Prints the top 5 of the 1000
ImageNet classes with their probabilities.

torchvision's own GoogLeNet weights expect --transform-input (torchvision
turns it on when it loads them).`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case modelName == "" && weightsPath == "":
				return cobra.MinimumNArgs(2)(cmd, args)
			case modelName == "" || weightsPath == "":
				return errors.New("predict: --model and --weights go together")
			}
			return cobra.MinimumNArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if modelName != "" {
				return predictImageNet(cmd.OutOrStdout(), modelName, weightsPath, transformInput, args)
			}
			if transformInput {
				return errors.New("predict: --transform-input goes with --model googlenet")
			}
			return predictDigits(cmd.OutOrStdout(), args[0], args[1:])
		},
	}
	f := cmd.Flags()
	f.StringVar(&modelName, "model", "", "an ImageNet model of the zoo (3×224×224 input), with --weights")
	f.StringVar(&weightsPath, "weights", "", "the model's weights: a torchvision state dict, .pth or .safetensors")
	f.BoolVar(&transformInput, "transform-input", false, "googlenet: re-normalise the input as torchvision's pretrained GoogLeNet expects")
	return cmd
}

// predictDigits classifies images of handwritten digits with a checkpoint.
func predictDigits(out io.Writer, checkpoint string, paths []string) error {
	model, ck, err := loadCheckpointModel(checkpoint)
	if err != nil {
		return err
	}
	info, err := models.Info(ck.Model)
	if err != nil {
		return err
	}
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		pix, err := mnist.Preprocess(f, mnist.MaxImagePixels)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		x := tensor.FromSlice(mnist.Normalized(pix, info.Input[1]), 1, 1, info.Input[1], info.Input[2])
		probs := tensor.Softmax(model.Forward(x), 1).Data()
		fmt.Fprintf(out, "%s:", path)
		for _, c := range topK(probs, 3) {
			fmt.Fprintf(out, "  %d (%.1f%%)", c, 100*probs[c])
		}
		fmt.Fprintln(out)
	}
	return nil
}

// predictImageNet classifies photos with a zoo model and ImageNet weights,
// printing the top 5 classes of each.
func predictImageNet(out io.Writer, name, weightsPath string, transformInput bool, paths []string) error {
	info, err := models.Info(name)
	if err != nil {
		return err
	}
	if info.Input != [3]int{3, imagenet.CropSize, imagenet.CropSize} {
		return fmt.Errorf("predict: %s takes %d×%d×%d images; --model is for the ImageNet models, which take 3×224×224",
			info.Name, info.Input[0], info.Input[1], info.Input[2])
	}
	model, err := loadWeightsModel(info.Name, weightsPath, transformInput)
	if err != nil {
		return err
	}
	names := imagenet.Classes()
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		x, err := imagenet.Preprocess(f, imagenet.MaxImagePixels)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		probs := tensor.Softmax(model.Forward(tensor.FromSlice(x, 1, 3, imagenet.CropSize, imagenet.CropSize)), 1).Data()
		fmt.Fprintf(out, "%s:\n", path)
		for _, c := range topK(probs, 5) {
			label := fmt.Sprintf("class %d", c)
			if len(probs) == imagenet.NumClasses {
				label = fmt.Sprintf("%s (%d)", names[c], c)
			}
			fmt.Fprintf(out, "  %6.2f%%  %s\n", 100*probs[c], label)
		}
	}
	return nil
}

// loadWeightsModel builds the named model and loads a state dict into it,
// strictly. GoogLeNet is built with its auxiliary classifiers when the file
// has them, as torchvision's pretrained file does.
func loadWeightsModel(name, path string, transformInput bool) (nn.Module, error) {
	f, err := weights.Read(path)
	if err != nil {
		return nil, err
	}
	opts := models.Options{TransformInput: transformInput}
	if name == "googlenet" {
		for _, t := range f.Tensors {
			if strings.HasPrefix(t.Name, "aux1.") {
				opts.AuxLogits = true
				break
			}
		}
	}
	m, err := models.New(name, opts)
	if err != nil {
		return nil, err
	}
	if err := weights.LoadIntoModule(m, f, true); err != nil {
		return nil, fmt.Errorf("%s into %s: %w", path, name, err)
	}
	nn.Eval(m)
	nn.Freeze(m)
	return m, nil
}

// topK returns the indexes of the k largest values, largest first (ties
// in index order).
func topK(v []float32, k int) []int {
	order := make([]int, len(v))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return v[order[a]] > v[order[b]] })
	return order[:min(k, len(order))]
}
