package experiment

import (
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/convnet/convnet/train"
)

// palette gives each depth its colour, shallowest first (Okabe and Ito's
// colour-blind-safe set); more depths than colours repeat them.
var palette = []color.RGBA{
	{230, 159, 0, 255},   // orange
	{0, 114, 178, 255},   // blue
	{0, 158, 115, 255},   // green
	{213, 94, 0, 255},    // vermilion
	{204, 121, 167, 255}, // purple
	{86, 180, 233, 255},  // sky blue
	{0, 0, 0, 255},       // black
	{240, 228, 66, 255},  // yellow
}

// Plot draws the runs in the layout of Figure 6 of He et al. 2016 to
// base.png and base.svg: plain nets in the left panel, ResNets in the
// right, error (%) against epochs, one colour per depth (the same in both
// panels), training error thin and dashed, test error bold and solid, and
// one y scale for both panels so that they compare at a glance. Runs
// without history are left out; with none at all it writes nothing; with
// one family only it draws that panel alone.
func Plot(runs []*Run, base string) error {
	var depths []int
	var drawn [2]bool // plain, residual
	top := 0.0
	for _, r := range runs {
		if len(r.History) == 0 {
			continue
		}
		drawn[boolIndex(r.Residual)] = true
		if !slices.Contains(depths, r.Depth) {
			depths = append(depths, r.Depth)
		}
		for _, m := range r.History {
			top = max(top, 100*(1-m.TrainAcc), 100*(1-m.TestAcc))
		}
	}
	if len(depths) == 0 {
		return nil
	}
	slices.Sort(depths)
	colour := func(depth int) color.Color {
		for i, d := range depths {
			if d == depth {
				return palette[i%len(palette)]
			}
		}
		return palette[0]
	}
	ymax := math.Min(100, 10*math.Ceil(top/10+1e-9))

	panels := [2]*plot.Plot{plot.New(), plot.New()}
	panels[0].Title.Text, panels[1].Title.Text = "plain networks", "ResNets"
	for i, p := range panels {
		p.X.Label.Text, p.Y.Label.Text = "epoch", "error (%)"
		p.Y.Min, p.Y.Max = 0, ymax
		p.X.Min = 0
		p.Add(plotter.NewGrid())
		p.Legend.Top = true
		// Plain nets left, ResNets right.
		for _, r := range runs {
			if r.Residual != (i == 1) || len(r.History) == 0 {
				continue
			}
			for _, s := range []struct {
				name  string
				get   func(train.EpochMetrics) float64
				width vg.Length
				dash  []vg.Length
			}{
				{"train", func(m train.EpochMetrics) float64 { return m.TrainAcc }, vg.Points(1), []vg.Length{vg.Points(4), vg.Points(3)}},
				{"test", func(m train.EpochMetrics) float64 { return m.TestAcc }, vg.Points(2.2), nil},
			} {
				xy := make(plotter.XYs, len(r.History))
				for k, m := range r.History {
					xy[k].X, xy[k].Y = float64(m.Epoch), 100*(1-s.get(m))
				}
				l, pts, err := plotter.NewLinePoints(xy)
				if err != nil {
					return err
				}
				c := colour(r.Depth)
				l.Color, l.Width, l.Dashes = c, s.width, s.dash
				p.Add(l)
				if len(xy) == 1 { // a lone epoch draws no line: mark it
					pts.Color, pts.Radius, pts.Shape = c, s.width+vg.Points(1), draw.CircleGlyph{}
					p.Add(pts)
				}
				p.Legend.Add(r.Label()+" "+s.name, l)
			}
		}
	}
	var row []*plot.Plot
	for i, p := range panels {
		if drawn[i] {
			row = append(row, p)
		}
	}
	return train.SavePlots(base, vg.Length(len(row))*5*vg.Inch, 4*vg.Inch, [][]*plot.Plot{row})
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}
