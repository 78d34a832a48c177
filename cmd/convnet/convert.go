package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/convnet/convnet/weights"
)

func newConvertCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "convert IN OUT",
		Short: "Convert weights between PyTorch .pth/.pt and .safetensors",
		Long: `Convert a state dict between PyTorch's .pth/.pt files and safetensors. IN is
read by its content (a zip archive is PyTorch's, else safetensors); OUT's
format is chosen by its extension: .safetensors, or .pth, .pt or .bin. Tensor
names and order are kept. Float16, bfloat16 and float64 tensors are written
as float32, and BatchNorm's num_batches_tracked as a float32 scalar. From a
PyTorch training checkpoint only its state dict is kept (the dict under
"state_dict", "model" or "model_state_dict"); from safetensors to PyTorch the
metadata is dropped (a state dict has none). OUT is written atomically:
replaced whole, or not at all.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, out := args[0], args[1]
			write, err := weightsWriter(out)
			if err != nil {
				return err
			}
			f, err := weights.Read(in)
			if err != nil {
				return err
			}
			if err := write(out, f); err != nil {
				return fmt.Errorf("%s: %w", out, err)
			}
			values := 0
			for _, t := range f.Tensors {
				values += len(t.Data)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d tensors, %d float32 values (%s), from %s\n",
				out, len(f.Tensors), values, megabytes(4*int64(values)), in)
			if len(f.Metadata) > 0 && !isSafetensors(out) {
				fmt.Fprintf(cmd.ErrOrStderr(), "note: the %d metadata entries of %s are not kept: a PyTorch state dict has none\n",
					len(f.Metadata), in)
			}
			return nil
		},
	}
}

func isSafetensors(path string) bool {
	return strings.EqualFold(filepath.Ext(path), ".safetensors")
}

// weightsWriter returns the writer of the format that path's extension names.
func weightsWriter(path string) (func(string, *weights.File) error, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".safetensors":
		return func(p string, f *weights.File) error { return weights.WriteSafetensors(p, f.Tensors, f.Metadata) }, nil
	case ".pth", ".pt", ".bin":
		return func(p string, f *weights.File) error { return weights.WritePyTorch(p, f.Tensors) }, nil
	}
	return nil, fmt.Errorf("convert: cannot tell the format to write from the name %q: end it in .safetensors, .pth or .pt", path)
}

// megabytes formats a byte count in MB, or in bytes below one kB.
func megabytes(n int64) string {
	if n < 1000 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%.3g MB", float64(n)/1e6)
}
