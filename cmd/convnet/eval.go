package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/convnet/convnet/data"
	"github.com/convnet/convnet/data/mnist"
	"github.com/convnet/convnet/models"
	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/train"
)

// loadCheckpointModel builds the checkpoint's model and loads its weights.
func loadCheckpointModel(path string) (nn.Module, *train.Checkpoint, error) {
	ck, err := train.ReadCheckpoint(path)
	if err != nil {
		return nil, nil, err
	}
	opts := models.Options{}
	if c, ok := ck.Config["classes"].(float64); ok {
		opts.Classes = int(c)
	}
	m, err := models.New(ck.Model, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := train.LoadModel(m, ck); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	nn.Eval(m)
	return m, ck, nil
}

func newEvalCmd() *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:   "eval CHECKPOINT",
		Short: "Accuracy, per-class accuracy and confusion matrix of a checkpoint on the MNIST test set",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			model, ck, err := loadCheckpointModel(args[0])
			if err != nil {
				return err
			}
			info, err := models.Info(ck.Model)
			if err != nil {
				return err
			}
			logw := cmd.ErrOrStderr()
			dir, _, err := mnist.Locate(dataDir, func(format string, a ...any) { fmt.Fprintf(logw, format+"\n", a...) })
			if err != nil {
				return err
			}
			testSet, err := mnist.Load(dir, false)
			if err != nil {
				return err
			}
			pad := (info.Input[1] - testSet.Images.Rows) / 2
			norm := data.Normalize{Mean: []float32{mnistMean}, Std: []float32{mnistStd}}
			ev, err := train.Evaluate(model, mnistDataset(testSet, pad), []data.Transform{norm}, 500)
			if err != nil {
				return err
			}
			printEvaluation(cmd.OutOrStdout(), ck, ev)
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data", "", "folder with the MNIST IDX files (default: $CONVNET_DATA, then the GoMNIST module)")
	return cmd
}

func printEvaluation(w io.Writer, ck *train.Checkpoint, ev *train.Evaluation) {
	fmt.Fprintf(w, "model %s, epoch %d, seed %d\n", ck.Model, ck.Epoch, ck.Seed)
	fmt.Fprintf(w, "test accuracy %.2f%%  loss %.4f\n\n", 100*ev.Accuracy, ev.Loss)
	fmt.Fprintln(w, "class  accuracy")
	for c, a := range ev.PerClass() {
		fmt.Fprintf(w, "%5d  %7.2f%%\n", c, 100*a)
	}
	fmt.Fprintln(w, "\nconfusion matrix (rows: true class, columns: predicted)")
	var b strings.Builder
	b.WriteString("     ")
	for c := range ev.Confusion {
		fmt.Fprintf(&b, "%6d", c)
	}
	fmt.Fprintln(w, b.String())
	for i, row := range ev.Confusion {
		b.Reset()
		fmt.Fprintf(&b, "%5d", i)
		for _, v := range row {
			fmt.Fprintf(&b, "%6d", v)
		}
		fmt.Fprintln(w, b.String())
	}
}
