package main

import (
	"github.com/spf13/cobra"

	"github.com/convnet/convnet/internal/bench"
)

func newBenchCmd() *cobra.Command {
	var (
		o      bench.Options
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Time the benchmark workloads (GEMM, convolutions, training steps, inference)",
		Long: `Time the workloads shared with the PyTorch reference script. With --json each
line is {"workload", "ms" (median), "min_ms", "runs"}, the format compare.py reads.
A workload whose model is not available is named on stderr and left out.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bench.Run(bench.Workloads(), o, cmd.OutOrStdout(), cmd.ErrOrStderr(), asJSON)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON lines")
	cmd.Flags().StringVar(&o.Only, "only", "", "run only workloads whose name starts with PREFIX")
	cmd.Flags().BoolVar(&o.Quick, "quick", false, "fewer repetitions")
	return cmd
}
