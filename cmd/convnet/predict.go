package main

import (
	"fmt"
	"os"
	"sort"

	"github.com/spf13/cobra"

	"github.com/convnet/convnet/data/mnist"
	"github.com/convnet/convnet/models"
	"github.com/convnet/convnet/tensor"
)

func newPredictCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "predict CHECKPOINT IMAGE...",
		Short: "Classify images of handwritten digits (PNG or JPEG) with a trained checkpoint",
		Long: `Classify PNG or JPEG images of handwritten digits. Each image is prepared as
MNIST's were: grayscale, a dark digit on light paper inverted, cropped to the
digit, scaled into 20×20 and centred by mass in 28×28. Prints the top 3 classes.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			model, ck, err := loadCheckpointModel(args[0])
			if err != nil {
				return err
			}
			info, err := models.Info(ck.Model)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, path := range args[1:] {
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
				order := make([]int, len(probs))
				for i := range order {
					order[i] = i
				}
				sort.SliceStable(order, func(a, b int) bool { return probs[order[a]] > probs[order[b]] })
				fmt.Fprintf(out, "%s:", path)
				for _, c := range order[:min(3, len(order))] {
					fmt.Fprintf(out, "  %d (%.1f%%)", c, 100*probs[c])
				}
				fmt.Fprintln(out)
			}
			return nil
		},
	}
	return cmd
}
