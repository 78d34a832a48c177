package main

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/convnet/convnet/summary"
)

func newExplainCmd() *cobra.Command {
	var (
		channels, size int
		asJSON         bool
	)
	cmd := &cobra.Command{
		Use:   "explain",
		Short: "The lecture's cost arguments, computed from real layers",
		Long: `explain builds real layers and counts their weights and multiply-adds for two arguments of
the lecture: one 7×7 convolution against three stacked 3×3 convolutions with C channels (49C²
against 27C² weights, the same 7×7 receptive field; VGG, §2.3), and what GoogLeNet's 1×1
reductions save in an Inception module (inception (3a), with and without them).`,
		Example: `  convnet explain
  convnet explain --channels 256 --size 14`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := summary.Explain(channels, size)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(e)
			}
			return e.WriteText(cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntVar(&channels, "channels", 64, "channels C in and out of the 7×7 and 3×3 convolutions")
	cmd.Flags().IntVar(&size, "size", 56, "side of the feature map they run on")
	cmd.Flags().BoolVar(&asJSON, "json", false, "write JSON instead of the tables")
	return cmd
}
