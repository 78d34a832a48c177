package train

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image/color"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// metricsLog appends one JSON object per epoch to a file.
type metricsLog struct {
	f *os.File
}

// openMetrics starts the metrics file afresh with the epochs already done
// (a resumed run rewrites what its checkpoint holds, dropping any line of
// an epoch whose checkpoint was not written).
func openMetrics(path string, done []EpochMetrics) (*metricsLog, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	m := &metricsLog{f: f}
	for _, e := range done {
		if err := m.Write(e); err != nil {
			f.Close()
			return nil, err
		}
	}
	return m, nil
}

func (m *metricsLog) Write(e EpochMetrics) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if _, err := m.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("train: writing metrics: %w", err)
	}
	return m.f.Sync()
}

func (m *metricsLog) Close() error { return m.f.Close() }

// ReadMetrics reads a metrics.jsonl file.
func ReadMetrics(path string) ([]EpochMetrics, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []EpochMetrics
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		var e EpochMetrics
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("train: %s line %d: %w", path, line, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// Plot draws loss and accuracy per epoch, train and test, side by side, to
// base.png and base.svg.
func Plot(history []EpochMetrics, base string) error {
	if len(history) == 0 {
		return nil
	}
	loss, acc := plot.New(), plot.New()
	loss.Title.Text, loss.X.Label.Text, loss.Y.Label.Text = "Loss", "epoch", "cross-entropy"
	acc.Title.Text, acc.X.Label.Text, acc.Y.Label.Text = "Accuracy", "epoch", "%"
	series := func(get func(EpochMetrics) float64, scale float64) plotter.XYs {
		xy := make(plotter.XYs, len(history))
		for i, e := range history {
			xy[i].X, xy[i].Y = float64(e.Epoch), get(e)*scale
		}
		return xy
	}
	blue, red := color.RGBA{B: 200, A: 255}, color.RGBA{R: 200, A: 255}
	for _, s := range []struct {
		p      *plot.Plot
		name   string
		get    func(EpochMetrics) float64
		scale  float64
		colour color.Color
		dashed bool
	}{
		{loss, "train", func(e EpochMetrics) float64 { return e.TrainLoss }, 1, blue, true},
		{loss, "test", func(e EpochMetrics) float64 { return e.TestLoss }, 1, red, false},
		{acc, "train", func(e EpochMetrics) float64 { return e.TrainAcc }, 100, blue, true},
		{acc, "test", func(e EpochMetrics) float64 { return e.TestAcc }, 100, red, false},
	} {
		l, pts, err := plotter.NewLinePoints(series(s.get, s.scale))
		if err != nil {
			return err
		}
		l.Color, pts.Color = s.colour, s.colour
		if s.dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		s.p.Add(l, pts)
		s.p.Legend.Add(s.name, l)
	}
	acc.Legend.Left, acc.Legend.Top = false, false
	return SavePlots(base, 10*vg.Inch, 4*vg.Inch, [][]*plot.Plot{{loss, acc}})
}

// SavePlots tiles plots in a grid (rows of columns) on a canvas w by h and
// writes it to base.png and base.svg.
func SavePlots(base string, w, h vg.Length, grid [][]*plot.Plot) error {
	for _, ext := range []string{"png", "svg"} {
		c, err := draw.NewFormattedCanvas(w, h, ext)
		if err != nil {
			return err
		}
		tiles := draw.Tiles{Rows: len(grid), Cols: len(grid[0]), PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
			PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2}
		canvases := plot.Align(grid, tiles, draw.New(c))
		for i := range grid {
			for j, p := range grid[i] {
				p.Draw(canvases[i][j])
			}
		}
		f, err := os.Create(base + "." + ext)
		if err != nil {
			return fmt.Errorf("train: %w", err)
		}
		if _, err := c.WriteTo(f); err != nil {
			f.Close()
			return fmt.Errorf("train: writing %s.%s: %w", base, ext, err)
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
