package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/convnet/convnet/models"
	"github.com/convnet/convnet/summary"
)

func newSummaryCmd() *cobra.Command {
	var (
		inputFlag string
		batch     int
		depth     int
		asJSON    bool
	)
	cmd := &cobra.Command{
		Use:   "summary NAME",
		Short: "A model layer by layer: output shapes, parameters, multiply-adds, memory (as torchinfo)",
		Long: `summary prints a torchinfo-like table of a model of the zoo: each module's state-dict path,
type, output shape, parameters and multiply-adds, then the totals, the trainable and frozen
parameters, and the memory of the parameters and of the activations. It runs one forward pass
on a zero image. An input too small for the network is an error that names the layer and shows
the output-size rule out = ⌊(in − kernel + 2·padding)/stride⌋ + 1 with its numbers.`,
		Example: `  convnet summary vgg16
  convnet summary resnet50 --batch 8 --depth 2
  convnet summary resnet18 --input 3x64x64 --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			info, err := models.Info(args[0])
			if err != nil {
				return err
			}
			image := info.Input
			if inputFlag != "" {
				if image, err = parseImageShape(inputFlag); err != nil {
					return err
				}
			}
			input := []int{batch, image[0], image[1], image[2]}
			if err := summary.CheckInput(input); err != nil {
				return err
			}
			m, err := models.New(info.Name, models.Options{})
			if err != nil {
				return err
			}
			s, err := summary.Summarize(m, input)
			if err != nil {
				if image != info.Input {
					return fmt.Errorf("%s: %w (%s is built for %s)", info.Name, err, info.Name, imageShapeString(info.Input))
				}
				return fmt.Errorf("%s: %w", info.Name, err)
			}
			s.Model = info.Name
			if asJSON {
				return s.WriteJSON(cmd.OutOrStdout())
			}
			return s.WriteText(cmd.OutOrStdout(), depth)
		},
	}
	cmd.Flags().StringVar(&inputFlag, "input", "", "input image shape CxHxW (default: the model's own, e.g. 3x224x224)")
	cmd.Flags().IntVar(&batch, "batch", 1, "batch size N; the figures that depend on it scale with it")
	cmd.Flags().IntVar(&depth, "depth", 0, "show rows down to this depth only (0: all)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "write JSON instead of the table")
	return cmd
}

// parseImageShape reads C×H×W written as "3x224x224" (or with "×" or ",").
func parseImageShape(s string) ([3]int, error) {
	fields := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == 'x' || r == '×' || r == ',' })
	var out [3]int
	if len(fields) != 3 {
		return out, fmt.Errorf("--input %q: want CxHxW, such as 3x224x224", s)
	}
	for i, f := range fields {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return out, fmt.Errorf("--input %q: %q is not a positive size", s, f)
		}
		out[i] = v
	}
	return out, nil
}

func imageShapeString(s [3]int) string { return fmt.Sprintf("%d×%d×%d", s[0], s[1], s[2]) }
