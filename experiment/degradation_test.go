package experiment

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/convnet/convnet/data"
	"github.com/convnet/convnet/train"
)

// colours is a learnable CIFAR-shaped set: each class has its own colour,
// drawn over noise, which neither shifts nor flips change.
func colours(n int, seed uint64) *data.Bytes {
	rng := rand.New(rand.NewPCG(seed, 2))
	const size = 3 * 32 * 32
	d := &data.Bytes{Pixels: make([]uint8, n*size), Labels: make([]uint8, n), C: 3, H: 32, W: 32, NumClasses: 10}
	for i := 0; i < n; i++ {
		c := i % 10 // stored class by class would be as good: BalancedSubset draws
		d.Labels[i] = uint8(c)
		rgb := [3]int{40 + 20*c, 240 - 20*c, 60 + 15*(c%4)}
		for ch := 0; ch < 3; ch++ {
			for j := 0; j < 1024; j++ {
				d.Pixels[i*size+ch*1024+j] = uint8(rgb[ch] + rng.IntN(16))
			}
		}
	}
	return d
}

// cancelAt cancels a context when a message starting with prefix arrives.
type cancelAt struct {
	prefix string
	cancel context.CancelFunc
	log    *strings.Builder
}

func (p *cancelAt) Message(msg string) {
	p.log.WriteString(msg + "\n")
	if strings.HasPrefix(msg, p.prefix) {
		p.cancel()
	}
}
func (p *cancelAt) StartEpoch(int, int, int)      {}
func (p *cancelAt) Batch(train.BatchStatus)       {}
func (p *cancelAt) EndEpoch(m train.EpochMetrics) {}

func modTimes(t *testing.T, dir string, nets ...string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	for _, n := range nets {
		for _, f := range []string{train.CheckpointFile, train.OptimizerFile(train.CheckpointFile)} {
			st, err := os.Stat(filepath.Join(dir, n, f))
			if err != nil {
				t.Fatal(err)
			}
			out[n+"/"+f] = st.ModTime()
		}
	}
	return out
}

// TestDegradationSmall runs the experiment small enough for CI — 300
// images, one epoch, depths 8 and 14 — stopping it after two nets and
// resuming it twice: the log, the figure and the table come out, and
// finished nets are never trained again.
func TestDegradationSmall(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{
		Depths: []int{14, 8}, Train: colours(400, 1), Test: colours(100, 2), Subset: 300,
		Recipe: train.ResNetCIFARRecipe(1), Seed: 5, OutDir: dir,
	}

	// Stopped as the third net starts (plain-14): the first two are done.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var log strings.Builder
	cfg.Progress = &cancelAt{prefix: "plain-14", cancel: cancel, log: &log}
	res, err := Degradation(ctx, cfg)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped experiment: error %v\n%s", err, log.String())
	}
	if len(res.Runs) != 3 || len(res.Runs[0].History) != 1 || len(res.Runs[2].History) != 1 || len(res.Runs[1].History) != 0 {
		t.Fatalf("stopped experiment has %d runs: %+v", len(res.Runs), res.Runs)
	}
	rows, err := ReadLog(filepath.Join(dir, LogFile))
	if err != nil || len(rows) != 2 || rows[0].Net != "plain8" || rows[1].Net != "resnet8" || !rows[1].Residual {
		t.Fatalf("log of the stopped experiment: %+v, %v", rows, err)
	}
	done := modTimes(t, dir, "plain8", "resnet8")

	// Resumed: plain-8 and ResNet-8 are read back, the 14s trained.
	cfg.Progress = nil
	res, err = Degradation(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, r := range res.Runs {
		labels = append(labels, r.Label())
		if len(r.History) != 1 || r.Resumed != map[bool]int{true: 1, false: 0}[r.Depth == 8] {
			t.Errorf("%s: %d epochs, %d resumed", r.Label(), len(r.History), r.Resumed)
		}
	}
	if got := strings.Join(labels, " "); got != "plain-8 plain-14 ResNet-8 ResNet-14" {
		t.Errorf("runs %s, want Figure 6's order", got)
	}
	for k, was := range modTimes(t, dir, "plain8", "resnet8") {
		if !was.Equal(done[k]) {
			t.Errorf("%s was written again", k)
		}
	}
	for _, f := range []string{LogFile, PlotBase + ".png", PlotBase + ".svg", SettingsFile,
		filepath.Join("plain14", train.MetricsFile), filepath.Join("resnet14", train.PlotBase+".png")} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if svg, _ := os.ReadFile(filepath.Join(dir, PlotBase+".svg")); !bytes.Contains(svg, []byte("plain-14 train")) ||
		!bytes.Contains(svg, []byte("ResNet-8 test")) || !bytes.Contains(svg, []byte("ResNets")) {
		t.Error("the SVG lacks the legend or the panel titles")
	}
	rows, err = ReadLog(res.Log)
	if err != nil || len(rows) != 4 {
		t.Fatalf("log: %d rows, %v", len(rows), err)
	}
	for _, r := range rows {
		if r.Epoch != 1 || r.TrainError < 0 || r.TrainError > 1 || r.TestError < 0 || r.TestError > 1 {
			t.Errorf("log row %+v", r)
		}
	}
	var table bytes.Buffer
	if err := res.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(table.String()), "\n")
	if len(lines) != 5 || !strings.Contains(lines[0], "train error") || !strings.Contains(lines[3], "ResNet-8") ||
		!strings.Contains(lines[1], "75,290") {
		t.Errorf("table:\n%s", table.String())
	}
	t.Logf("table:\n%s", table.String())

	// Finished: nothing trains again.
	all := modTimes(t, dir, "plain8", "resnet8", "plain14", "resnet14")
	start := time.Now()
	res2, err := Degradation(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for k, was := range modTimes(t, dir, "plain8", "resnet8", "plain14", "resnet14") {
		if !was.Equal(all[k]) {
			t.Errorf("%s was written again", k)
		}
	}
	for i, r := range res2.Runs {
		if r.Resumed != 1 || r.History[0] != res.Runs[i].History[0] {
			t.Errorf("%s: resumed %d, history %+v, want %+v", r.Label(), r.Resumed, r.History, res.Runs[i].History)
		}
	}
	t.Logf("finished experiment read back in %v", time.Since(start))

	// Another seed or initialisation in the same folder is refused.
	for _, change := range []func(*Config){
		func(c *Config) { c.Seed = 6 },
		func(c *Config) { c.ZeroInitResidual = true },
		func(c *Config) { c.TorchInit = true },
	} {
		other := cfg
		change(&other)
		if _, err := Degradation(context.Background(), other); err == nil || !strings.Contains(err.Error(), "another output folder") {
			t.Errorf("other settings in the same folder: %v", err)
		}
	}
}

// TestDegradationOneFamily trains the ResNets alone, then adds the plain
// nets to the same folder: the ResNets are not trained again and the
// figure gains its left panel.
func TestDegradationOneFamily(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{Depths: []int{8}, Train: colours(200, 1), Test: colours(50, 2), Subset: 100,
		Recipe: train.ResNetCIFARRecipe(1), Seed: 3, OutDir: dir, SkipPlain: true}
	res, err := Degradation(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 1 || res.Runs[0].Label() != "ResNet-8" || len(res.Runs[0].History) != 1 {
		t.Fatalf("runs %+v", res.Runs)
	}
	if _, err := os.Stat(filepath.Join(dir, "plain8")); !os.IsNotExist(err) {
		t.Errorf("plain-8 has a folder: %v", err)
	}
	svg, _ := os.ReadFile(filepath.Join(dir, PlotBase+".svg"))
	if !bytes.Contains(svg, []byte("ResNets")) || bytes.Contains(svg, []byte("plain networks")) {
		t.Error("the ResNets alone should draw their panel alone")
	}
	resnet := modTimes(t, dir, "resnet8")

	cfg.SkipPlain = false
	if res, err = Degradation(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 2 || res.Runs[0].Label() != "plain-8" || res.Runs[1].Resumed != 1 {
		t.Fatalf("runs %+v", res.Runs)
	}
	for k, was := range modTimes(t, dir, "resnet8") {
		if !was.Equal(resnet[k]) {
			t.Errorf("%s was written again", k)
		}
	}
	svg, _ = os.ReadFile(filepath.Join(dir, PlotBase+".svg"))
	if !bytes.Contains(svg, []byte("plain networks")) {
		t.Error("both families should draw both panels")
	}
}

func TestDegradationRefuses(t *testing.T) {
	good := Config{Depths: []int{8}, Train: colours(20, 1), Test: colours(10, 2), Recipe: train.ResNetCIFARRecipe(1), OutDir: t.TempDir()}
	for _, c := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Depths = nil }, "no depths"},
		{func(c *Config) { c.Depths = []int{8, 21} }, "6n+2"},
		{func(c *Config) { c.Depths = []int{50} }, "ImageNet"},
		{func(c *Config) { c.Depths = []int{2} }, "6n+2"},
		{func(c *Config) { c.Train = &data.Bytes{C: 1, H: 28, W: 28, NumClasses: 10} }, "3×32×32"},
		{func(c *Config) { c.Recipe.Epochs = 0 }, "epochs"},
		{func(c *Config) { c.OutDir = "" }, "output folder"},
		{func(c *Config) { c.SkipPlain, c.SkipResidual = true, true }, "nothing to train"},
	} {
		cfg := good
		c.change(&cfg)
		if _, err := Degradation(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one saying %q", err, c.want)
		}
	}
}

// TestDegradationZeroInitResidual trains the ResNets from zero-initialised
// residual branches beside plain nets, which have none to zero: both build
// and train, and the setting is kept with the folder.
func TestDegradationZeroInitResidual(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{Depths: []int{8}, Train: colours(200, 1), Test: colours(50, 2), Subset: 100,
		Recipe: train.ResNetCIFARRecipe(1), Seed: 3, OutDir: dir, ZeroInitResidual: true}
	res, err := Degradation(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 2 || len(res.Runs[0].History) != 1 || len(res.Runs[1].History) != 1 {
		t.Fatalf("runs %+v", res.Runs)
	}
	settings, err := os.ReadFile(filepath.Join(dir, SettingsFile))
	if err != nil || !bytes.Contains(settings, []byte(`"zero_init_residual": true`)) {
		t.Errorf("settings %s, %v", settings, err)
	}
}
