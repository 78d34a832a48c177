package experiment

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/convnet/convnet/train"
)

// fakeRun is a run whose errors fall from start towards floor over epochs.
func fakeRun(depth int, residual bool, epochs int, start, floor float64) *Run {
	r := &Run{Model: modelName(depth, residual), Depth: depth, Residual: residual}
	for e := 1; e <= epochs; e++ {
		trainErr := floor + (start-floor)*math.Exp(-float64(e)/4)
		r.History = append(r.History, train.EpochMetrics{Epoch: e, TrainAcc: 1 - trainErr, TestAcc: 1 - trainErr - 0.02})
	}
	return r
}

func TestPlot(t *testing.T) {
	dir := t.TempDir()
	if out := os.Getenv("CONVNET_FIGURE_DIR"); out != "" {
		dir = out // to look at the figure
	}
	base := filepath.Join(dir, "figure6")
	runs := []*Run{
		fakeRun(20, false, 20, 0.8, 0.19), fakeRun(56, false, 20, 0.9, 0.52),
		fakeRun(20, true, 20, 0.75, 0.13), fakeRun(56, true, 20, 0.8, 0.10),
		{Model: "resnet110", Depth: 110, Residual: true}, // not started: left out
	}
	if err := Plot(runs, base); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".png", ".svg"} {
		if st, err := os.Stat(base + ext); err != nil || st.Size() == 0 {
			t.Errorf("%s%s: %v", base, ext, err)
		}
	}
	none := filepath.Join(dir, "none")
	if err := Plot(runs[4:], none); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(none + ".png"); !os.IsNotExist(err) {
		t.Errorf("a figure without data: %v", err)
	}
}
