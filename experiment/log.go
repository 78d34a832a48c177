package experiment

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/convnet/convnet/internal/atomicfile"
)

// Row is one line of degradation.jsonl: one net after one epoch. Errors
// are fractions (1 − accuracy), as the metrics' accuracies are.
type Row struct {
	Net        string  `json:"net"` // the zoo's name: plain20, resnet20
	Depth      int     `json:"depth"`
	Residual   bool    `json:"residual"`
	Epoch      int     `json:"epoch"`
	TrainError float64 `json:"train_error"`
	TestError  float64 `json:"test_error"`
	TrainLoss  float64 `json:"train_loss"`
	TestLoss   float64 `json:"test_loss"`
	LR         float64 `json:"lr"`
	Seconds    float64 `json:"seconds"` // since the net's run started
}

// Rows flattens the runs' histories into log rows, run by run.
func Rows(runs []*Run) []Row {
	var rows []Row
	for _, r := range runs {
		for _, m := range r.History {
			rows = append(rows, Row{Net: r.Model, Depth: r.Depth, Residual: r.Residual, Epoch: m.Epoch,
				TrainError: 1 - m.TrainAcc, TestError: 1 - m.TestAcc, TrainLoss: m.TrainLoss, TestLoss: m.TestLoss,
				LR: m.LR, Seconds: m.Seconds})
		}
	}
	return rows
}

// writeLog replaces path with the runs' rows, one JSON object a line.
func writeLog(path string, runs []*Run) error {
	err := atomicfile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		for _, row := range Rows(runs) {
			if err := enc.Encode(row); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("experiment: writing the log: %w", err)
	}
	return nil
}

// ReadLog reads a degradation.jsonl file.
func ReadLog(path string) ([]Row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("experiment: %w", err)
	}
	defer f.Close()
	var rows []Row
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		var r Row
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("experiment: %s line %d: %w", path, line, err)
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("experiment: %s: %w", path, err)
	}
	return rows, nil
}

// WriteTable writes the final training and test error of every net, in
// the order of res.Runs, as a text table:
//
//	net         params  epochs  train error  test error     time
//	plain-20   269,722      20        18.9%       20.2%   1h0m0s
//	ResNet-20  269,722      20        13.4%       16.0%  1h1m40s
func (res *Result) WriteTable(w io.Writer) error {
	// Names align left, numbers right: tabwriter lays out the numbers, and
	// each line is prefixed with its name padded to one width.
	names := []string{"net"}
	width := len(names[0])
	var cells bytes.Buffer
	tw := tabwriter.NewWriter(&cells, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "params\tepochs\ttrain error\ttest error\ttime\t\n")
	for _, r := range res.Runs {
		names = append(names, r.Label())
		width = max(width, len(r.Label()))
		if len(r.History) == 0 {
			fmt.Fprintf(tw, "%s\t0\t–\t–\t–\t\n", thousands(r.Params))
			continue
		}
		last := r.History[len(r.History)-1]
		fmt.Fprintf(tw, "%s\t%d\t%.1f%%\t%.1f%%\t%s\t\n", thousands(r.Params), last.Epoch,
			100*(1-last.TrainAcc), 100*(1-last.TestAcc), time.Duration(last.Seconds*float64(time.Second)).Round(time.Second))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for i, line := range strings.SplitAfter(strings.TrimSuffix(cells.String(), "\n"), "\n") {
		if _, err := fmt.Fprintf(w, "%-*s%s", width, names[i], strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// thousands writes n with commas: 269,722.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
