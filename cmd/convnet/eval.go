package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

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
	var (
		dataFlag string
		download bool
	)
	cmd := &cobra.Command{
		Use:   "eval CHECKPOINT",
		Short: "Accuracy, per-class accuracy and confusion matrix of a checkpoint on its test set (MNIST or CIFAR-10)",
		Long: `Evaluate a checkpoint on the test set its model's input calls for: MNIST's
10,000 digits for 1×28×28 and 1×32×32 models, CIFAR-10's 10,000 images for
3×32×32 models. --data is as for train.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			model, ck, err := loadCheckpointModel(args[0])
			if err != nil {
				return err
			}
			info, err := models.Info(ck.Model)
			if err != nil {
				return err
			}
			ds, err := openDataset(cmd, info, dataFlag, download)
			if err != nil {
				return err
			}
			ev, err := train.Evaluate(model, ds.test, ds.testTransforms, 500)
			if err != nil {
				return err
			}
			printEvaluation(cmd.OutOrStdout(), ck, ev, ds.classes)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataFlag, "data", "", "MNIST: folder with the IDX files (default: $CONVNET_DATA, then the GoMNIST module); "+
		"CIFAR-10: cifar10 or cifar10:PATH (default cifar10)")
	f.BoolVar(&download, "download", false, "CIFAR-10: download the official archive (170 MB) into the cache folder when no copy is found")
	return cmd
}

// printEvaluation writes the accuracy, per class (named by names, when
// given), and the confusion matrix.
func printEvaluation(w io.Writer, ck *train.Checkpoint, ev *train.Evaluation, names []string) {
	fmt.Fprintf(w, "model %s, epoch %d, seed %d\n", ck.Model, ck.Epoch, ck.Seed)
	fmt.Fprintf(w, "test accuracy %.2f%%  loss %.4f\n\n", 100*ev.Accuracy, ev.Loss)
	fmt.Fprintln(w, "class  accuracy")
	for c, a := range ev.PerClass() {
		name := ""
		if c < len(names) {
			name = "  " + names[c]
		}
		fmt.Fprintf(w, "%5d  %7.2f%%%s\n", c, 100*a, name)
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
