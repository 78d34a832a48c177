package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/convnet/convnet/models"
	"github.com/convnet/convnet/summary"
)

// modelRow is one model as `convnet models --json` writes it.
type modelRow struct {
	models.ModelInfo
	MultAdds int64 `json:"MultAdds,omitempty"` // at batch 1, torchinfo's convention
}

func newModelsCmd() *cobra.Command {
	var noMACs, asJSON bool
	cmd := &cobra.Command{
		Use:   "models",
		Short: "List the models of the zoo with their input size, parameters and multiply-adds",
		Long: `models lists every model name that train, summary and the library's models.New accept,
with the input it is built for, its parameters and its multiply-adds for one image (counted as
torchinfo counts them; see convnet summary). Counting the multiply-adds builds each model and
runs one forward pass, some seconds in all; --no-macs lists the rest at once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			names := models.Names()
			width := len("name")
			for _, n := range names {
				width = max(width, len(n))
			}
			var rows []modelRow
			if !asJSON {
				fmt.Fprintf(w, "%-*s  %-11s  %11s  %10s  %s\n", width, "name", "input", "params", "mult-adds", "torchvision")
			}
			for _, name := range names {
				info, err := models.Info(name)
				if err != nil {
					return err
				}
				row := modelRow{ModelInfo: info}
				if !noMACs {
					if row.MultAdds, err = multAdds(info); err != nil {
						return err
					}
				}
				if asJSON {
					rows = append(rows, row)
					continue
				}
				macs := "-"
				if !noMACs {
					macs = summary.Readable(row.MultAdds)
				}
				line := fmt.Sprintf("%-*s  %-11s  %11s  %10s  %s", width, name, imageShapeString(info.Input),
					summary.Thousands(int64(info.Params)), macs, info.Torchvision)
				fmt.Fprintln(w, strings.TrimRight(line, " "))
			}
			if asJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noMACs, "no-macs", false, "skip counting the multiply-adds (which builds and runs every model)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "write JSON instead of the table")
	return cmd
}

// multAdds builds the model and counts its multiply-adds on one image of
// the size it is built for.
func multAdds(info models.ModelInfo) (int64, error) {
	m, err := models.New(info.Name, models.Options{})
	if err != nil {
		return 0, err
	}
	s, err := summary.Summarize(m, []int{1, info.Input[0], info.Input[1], info.Input[2]})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", info.Name, err)
	}
	return s.MultAdds, nil
}
