package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/convnet/convnet/data"
	"github.com/convnet/convnet/data/cifar10"
	"github.com/convnet/convnet/internal/atomicfile"
	"github.com/convnet/convnet/models"
	"github.com/convnet/convnet/train"
)

// Config is one degradation experiment.
type Config struct {
	// Depths are the network depths, each 6n+2 (20, 32, 44, 56, 110 in the
	// paper; 8 and 14 make a quick check). Each trains as a plain net and
	// as a ResNet.
	Depths []int
	// Train and Test are 3×32×32 datasets such as CIFAR-10's splits.
	Train, Test data.Dataset
	// Subset, if positive, trains on that many training images only,
	// drawn class-balanced with Seed (data.BalancedSubset); the test set
	// is always used whole.
	Subset int
	// Recipe trains every net: train.ResNetCIFARRecipe(epochs) is the
	// paper's.
	Recipe train.Recipe
	// TrainTransforms and TestTransforms default to
	// cifar10.TrainTransforms() and cifar10.EvalTransforms().
	TrainTransforms, TestTransforms []data.Transform
	// Seed seeds every net's initial weights, the data order, the
	// augmentation and the subset: all nets see the same images in the
	// same order.
	Seed uint64
	// TorchInit initialises every net as PyTorch's layers initialise
	// themselves rather than as the paper (models.Options.TorchInit).
	TorchInit bool
	// ZeroInitResidual starts every ResNet's residual branches with the
	// weight of their last batch norm at 0 (models.Options.ZeroInitResidual);
	// the plain nets, which have no shortcuts, are built as without it.
	ZeroInitResidual bool
	// OutDir receives a folder per net (named as the model: plain20,
	// resnet20, …) and the experiment's files.
	OutDir string
	// Progress receives the runs' events; nil is silent.
	Progress train.Progress
	// SkipPlain and SkipResidual leave out the plain nets or the ResNets
	// (not both): a longer run of one family costs half the time.
	SkipPlain, SkipResidual bool
}

// families are the kinds of net cfg trains at each depth, plain first.
func (cfg Config) families() []bool {
	var residual []bool
	if !cfg.SkipPlain {
		residual = append(residual, false)
	}
	if !cfg.SkipResidual {
		residual = append(residual, true)
	}
	return residual
}

// Run is one net of the experiment.
type Run struct {
	Model      string // the zoo's name: "plain20", "resnet20"
	Depth      int
	Residual   bool
	Params     int
	Dir        string // the run's folder
	Checkpoint string
	History    []train.EpochMetrics
	Resumed    int // epochs read back from the checkpoint
}

// Label is the net's name as the paper writes it: "plain-20", "ResNet-20".
func (r *Run) Label() string { return label(r.Depth, r.Residual) }

func label(depth int, residual bool) string {
	if residual {
		return fmt.Sprintf("ResNet-%d", depth)
	}
	return fmt.Sprintf("plain-%d", depth)
}

// Result is a finished (or stopped) experiment.
type Result struct {
	// Runs are the nets in Figure 6's order: the plain nets by depth, then
	// the ResNets by depth. A stopped experiment lists those started.
	Runs []*Run
	// Log is the path of degradation.jsonl, Plot the base of
	// degradation.png and degradation.svg.
	Log, Plot string
}

// File names inside Config.OutDir.
const (
	LogFile      = "degradation.jsonl"
	PlotBase     = "degradation"
	SettingsFile = "experiment.json"
)

// settings are what every run of an output folder must share; they are
// kept in SettingsFile.
type settings struct {
	Experiment  string       `json:"experiment"`
	Recipe      train.Recipe `json:"recipe"`
	Seed        uint64       `json:"seed"`
	Subset      int          `json:"subset"`
	Init        string       `json:"init,omitempty"` // "torch" with TorchInit; the paper's when empty
	ZeroInit    bool         `json:"zero_init_residual,omitempty"`
	TrainImages int          `json:"train_images"` // after Subset
	TestImages  int          `json:"test_images"`
}

// Degradation trains a plain net and a ResNet at each of cfg.Depths, the
// shallowest first and the plain net before the ResNet, writes the log and
// the figure after every epoch, and returns the histories. Runs finished in
// an earlier call are read back from their checkpoints. When ctx is done it
// stops after writing the last finished epoch's checkpoint and returns
// what it has with ctx's error; calling it again resumes.
func Degradation(ctx context.Context, cfg Config) (*Result, error) {
	depths, err := checkConfig(cfg)
	if err != nil {
		return nil, err
	}
	trainSet := data.BalancedSubset(cfg.Train, cfg.Subset, cfg.Seed)
	trainT, testT := cfg.TrainTransforms, cfg.TestTransforms
	if trainT == nil {
		trainT = cifar10.TrainTransforms()
	}
	if testT == nil {
		testT = cifar10.EvalTransforms()
	}
	progress := cfg.Progress
	if progress == nil {
		progress = silent{}
	}
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("experiment: %w", err)
	}
	st := settings{Experiment: "degradation", Recipe: cfg.Recipe, Seed: cfg.Seed, Subset: max(cfg.Subset, 0),
		TrainImages: trainSet.Len(), TestImages: cfg.Test.Len(), ZeroInit: cfg.ZeroInitResidual}
	if cfg.TorchInit {
		st.Init = "torch"
	}
	if err := checkSettings(filepath.Join(cfg.OutDir, SettingsFile), st); err != nil {
		return nil, err
	}

	res := &Result{Log: filepath.Join(cfg.OutDir, LogFile), Plot: filepath.Join(cfg.OutDir, PlotBase)}
	update := func() error {
		if err := writeLog(res.Log, res.Runs); err != nil {
			return err
		}
		return Plot(res.Runs, res.Plot)
	}
	classes := cfg.Train.Classes()
	families := cfg.families()
	total := len(families) * len(depths)
	for i, depth := range depths {
		for j, residual := range families {
			name := modelName(depth, residual)
			info, _ := models.Info(name) // checked in checkConfig
			model, err := models.New(name, models.Options{Classes: classes, Seed: cfg.Seed,
				TorchInit: cfg.TorchInit, ZeroInitResidual: cfg.ZeroInitResidual && residual})
			if err != nil {
				return res, err
			}
			run := &Run{Model: name, Depth: depth, Residual: residual, Params: info.Params,
				Dir: filepath.Join(cfg.OutDir, name)}
			if classes != info.Classes {
				run.Params = models.CIFARResNetParams(depth, classes)
			}
			if ck, err := train.ReadCheckpoint(filepath.Join(run.Dir, train.CheckpointFile)); err == nil {
				run.History = ck.History // for the log while the run goes on; train.Run checks the checkpoint
			}
			res.Runs = append(res.Runs, run)
			sortRuns(res.Runs)
			progress.Message(fmt.Sprintf("%s (%d of %d, %s parameters) in %s", run.Label(), len(families)*i+j+1, total, thousands(run.Params), run.Dir))
			r, err := train.Run(ctx, train.Config{
				ModelName: name, ModelConfig: map[string]any{"classes": classes}, Model: model,
				Train: trainSet, Test: cfg.Test, TrainTransforms: trainT, TestTransforms: testT,
				Recipe: cfg.Recipe, Seed: cfg.Seed, OutDir: run.Dir, Resume: true, Progress: progress,
				AfterEpoch: func(m train.EpochMetrics) error {
					run.History = append(slices.Clone(run.History[:min(len(run.History), m.Epoch-1)]), m)
					return update()
				},
			})
			if r != nil {
				run.History, run.Checkpoint, run.Resumed = r.History, r.Checkpoint, r.Resumed
			}
			if err != nil {
				if uerr := update(); uerr != nil {
					err = errors.Join(err, uerr)
				}
				return res, err
			}
		}
	}
	return res, update()
}

// modelName is the zoo's name of the net.
func modelName(depth int, residual bool) string {
	if residual {
		return fmt.Sprintf("resnet%d", depth)
	}
	return fmt.Sprintf("plain%d", depth)
}

// checkConfig validates cfg and returns its depths sorted, without repeats.
func checkConfig(cfg Config) ([]int, error) {
	if err := cfg.Recipe.Validate(); err != nil {
		return nil, err
	}
	if cfg.Train == nil || cfg.Test == nil {
		return nil, errors.New("experiment: Config needs both datasets")
	}
	if cfg.OutDir == "" {
		return nil, errors.New("experiment: Config needs an output folder")
	}
	if len(cfg.Depths) == 0 {
		return nil, errors.New("experiment: no depths to train")
	}
	if cfg.SkipPlain && cfg.SkipResidual {
		return nil, errors.New("experiment: both families of nets left out: nothing to train")
	}
	for _, d := range []data.Dataset{cfg.Train, cfg.Test} {
		if c, h, w := d.Shape(); c != 3 || h != 32 || w != 32 {
			return nil, fmt.Errorf("experiment: the CIFAR networks take 3×32×32 images, not %d×%d×%d", c, h, w)
		}
	}
	if cfg.Train.Len() == 0 || cfg.Test.Len() == 0 {
		return nil, errors.New("experiment: a dataset is empty")
	}
	if cfg.Train.Classes() < 1 {
		return nil, fmt.Errorf("experiment: the training set has %d classes", cfg.Train.Classes())
	}
	depths := slices.Clone(cfg.Depths)
	slices.Sort(depths)
	depths = slices.Compact(depths)
	for _, d := range depths {
		if d < 8 || (d-2)%6 != 0 || d > models.MaxCIFARDepth {
			return nil, fmt.Errorf("experiment: depth %d: the CIFAR networks have depth 6n+2 (8, 14, 20, …, %d)", d, models.MaxCIFARDepth)
		}
		for _, residual := range []bool{false, true} {
			name := modelName(d, residual)
			info, err := models.Info(name)
			if err != nil {
				return nil, fmt.Errorf("experiment: depth %d: %w", d, err)
			}
			if info.Family != "cifar-resnet" {
				return nil, fmt.Errorf("experiment: depth %d: %s names the ImageNet network in the zoo; choose another depth", d, name)
			}
		}
	}
	return depths, nil
}

// checkSettings writes st to path, or, when path exists, checks that it
// holds the same settings.
func checkSettings(path string, st settings) error {
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return atomicfile.Write(path, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(st)
		})
	case err != nil:
		return fmt.Errorf("experiment: %w", err)
	}
	var old settings
	if err := json.Unmarshal(b, &old); err != nil {
		return fmt.Errorf("experiment: %s: %w", path, err)
	}
	was, _ := json.Marshal(old)
	now, _ := json.Marshal(st)
	if !bytes.Equal(was, now) {
		return fmt.Errorf("experiment: %s holds runs made with %s; this experiment is %s (choose another output folder)",
			filepath.Dir(path), was, now)
	}
	return nil
}

// sortRuns puts runs in Figure 6's order: plain nets, then ResNets, each by
// depth.
func sortRuns(runs []*Run) {
	slices.SortStableFunc(runs, func(a, b *Run) int {
		if a.Residual != b.Residual {
			if a.Residual {
				return 1
			}
			return -1
		}
		return a.Depth - b.Depth
	})
}

type silent struct{}

func (silent) Message(string)              {}
func (silent) StartEpoch(int, int, int)    {}
func (silent) Batch(train.BatchStatus)     {}
func (silent) EndEpoch(train.EpochMetrics) {}
