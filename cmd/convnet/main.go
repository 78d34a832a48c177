// Command convnet builds, trains, evaluates and runs the classic
// convolutional networks: LeNet-5, AlexNet, VGG, GoogLeNet and ResNet.
//
//	convnet train lenet5            # train LeNet-5 on MNIST to ≥ 99.2%
//	convnet eval runs/lenet5/checkpoint.safetensors
//	convnet predict runs/lenet5/checkpoint.safetensors digit.png
//	convnet serve                   # the LeNet-5 demo page on 127.0.0.1:8080
//	convnet summary vgg16           # layers, parameters, multiply-adds
//	convnet train resnet20 --data cifar10
//	convnet experiment degradation  # plain vs residual nets on CIFAR-10
//	convnet convert model.pth model.safetensors
//	convnet bench --json            # the benchmark workloads
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRoot().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "convnet:", err)
		os.Exit(1)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "convnet",
		Short:         "Build, train, evaluate and run the classic convolutional networks",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newTrainCmd(), newEvalCmd(), newPredictCmd(), newConvertCmd(), newBenchCmd(), newSummaryCmd(), newModelsCmd(), newExplainCmd(), newServeCmd(), newExperimentCmd())
	return root
}
