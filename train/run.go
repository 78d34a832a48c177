package train

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/convnet/convnet/data"
	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/optim"
	"github.com/convnet/convnet/tensor"
)

// Config is one training run.
type Config struct {
	ModelName   string         // recorded in checkpoints
	ModelConfig map[string]any // recorded in checkpoints (classes, …)
	Model       nn.Module
	Train, Test data.Dataset
	// Transforms for training (augmentation and normalisation) and for
	// evaluation (normalisation only).
	TrainTransforms, TestTransforms []data.Transform
	Recipe                          Recipe
	Seed                            uint64
	// OutDir receives checkpoint.safetensors, metrics.jsonl and the plots.
	OutDir string
	// Resume continues from OutDir's checkpoint when there is one.
	Resume   bool
	Progress Progress // nil: silent
	// AfterEpoch, if set, is called after each epoch's checkpoint is
	// written; returning an error stops the run with it.
	AfterEpoch func(EpochMetrics) error
}

// EpochMetrics are the figures of one finished epoch.
type EpochMetrics struct {
	Epoch     int     `json:"epoch"` // 1-based
	TrainLoss float64 `json:"train_loss"`
	TrainAcc  float64 `json:"train_acc"`
	TestLoss  float64 `json:"test_loss"`
	TestAcc   float64 `json:"test_acc"`
	LR        float64 `json:"lr"`
	Seconds   float64 `json:"seconds"` // wall time since the run (first) started, evaluation included
}

// Result is what a finished run reports.
type Result struct {
	History    []EpochMetrics
	Checkpoint string
	Resumed    int // epochs taken from a checkpoint
}

// File names inside OutDir.
const (
	CheckpointFile = "checkpoint.safetensors"
	MetricsFile    = "metrics.jsonl"
	PlotBase       = "curves"
)

// Run trains cfg.Model and returns the per-epoch metrics. It stops early,
// with the checkpoint of the last finished epoch on disk, when ctx is done.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	r := cfg.Recipe
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if cfg.Train == nil || cfg.Test == nil || cfg.Model == nil {
		return nil, errors.New("train: Config needs a model and both datasets")
	}
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if err := cleanStale(cfg.OutDir); err != nil {
		return nil, err
	}
	progress := cfg.Progress
	if progress == nil {
		progress = silent{}
	}
	loader := &data.Loader{Dataset: cfg.Train, BatchSize: r.BatchSize, Shuffle: true, Seed: cfg.Seed, Transforms: cfg.TrainTransforms}
	steps := loader.NumBatches()
	if steps == 0 {
		return nil, fmt.Errorf("train: the training set has no examples")
	}
	opt := r.newOptimizer(nn.ParameterTensors(cfg.Model))
	sched := optim.NewScheduler(opt, r.schedule(steps))
	res := &Result{Checkpoint: filepath.Join(cfg.OutDir, CheckpointFile)}

	var elapsedBefore float64
	if cfg.Resume {
		ck, err := loadCheckpoint(res.Checkpoint, cfg, opt, sched)
		switch {
		case errors.Is(err, os.ErrNotExist):
			progress.Message(fmt.Sprintf("no checkpoint in %s: starting from scratch", cfg.OutDir))
		case err != nil:
			return nil, err
		default:
			res.History, res.Resumed = ck.History, len(ck.History)
			if n := len(ck.History); n > 0 {
				elapsedBefore = ck.History[n-1].Seconds
			}
			progress.Message(fmt.Sprintf("resumed from %s after epoch %d", res.Checkpoint, res.Resumed))
		}
	}
	metrics, err := openMetrics(filepath.Join(cfg.OutDir, MetricsFile), res.History)
	if err != nil {
		return nil, err
	}
	defer metrics.Close()

	start := time.Now()
	arena := tensor.NewArena()
	c, h, w := cfg.Train.Shape()
	for epoch := res.Resumed; epoch < r.Epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		nn.Train(cfg.Model)
		nn.SeedDropout(cfg.Model, cfg.Seed*7919+uint64(epoch))
		progress.StartEpoch(epoch+1, r.Epochs, steps)
		var lossSum float64
		var correct, seen int
		epochStart := time.Now()
		for b := range loader.Epoch(epoch) {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			arena.Reset()
			x := arena.FromSlice(b.Images, b.N, c, h, w)
			logits, loss, err := r.loss(cfg.Model, x, b.Labels)
			if err != nil {
				return res, fmt.Errorf("train: batch %d of epoch %d: %w", b.Index, epoch+1, err)
			}
			opt.ZeroGrad()
			loss.Backward()
			opt.Step()
			sched.Step()
			lossSum += float64(loss.Item()) * float64(b.N)
			correct += countCorrect(logits, b.Labels)
			seen += b.N
			progress.Batch(BatchStatus{Batch: b.Index + 1, Batches: steps, Loss: lossSum / float64(seen),
				Acc: float64(correct) / float64(seen), Images: seen, Elapsed: time.Since(epochStart)})
		}
		testLoss, testAcc, err := evaluateLoss(cfg.Model, cfg.Test, cfg.TestTransforms, r.BatchSize)
		if err != nil {
			return res, err
		}
		m := EpochMetrics{Epoch: epoch + 1, TrainLoss: lossSum / float64(seen), TrainAcc: float64(correct) / float64(seen),
			TestLoss: testLoss, TestAcc: testAcc, LR: opt.LR(), Seconds: elapsedBefore + time.Since(start).Seconds()}
		res.History = append(res.History, m)
		if err := saveCheckpoint(res.Checkpoint, cfg, opt, sched, res.History); err != nil {
			return res, err
		}
		if err := metrics.Write(m); err != nil {
			return res, err
		}
		progress.EndEpoch(m)
		if cfg.AfterEpoch != nil {
			if err := cfg.AfterEpoch(m); err != nil {
				return res, err
			}
		}
	}
	if err := Plot(res.History, filepath.Join(cfg.OutDir, PlotBase)); err != nil {
		return res, err
	}
	return res, nil
}

// countCorrect counts the rows of logits whose largest entry is the label.
func countCorrect(logits *tensor.Tensor, labels []int) int {
	k := logits.Dim(1)
	d := logits.Data()
	n := 0
	for i, l := range labels {
		if argmax(d[i*k:(i+1)*k]) == l {
			n++
		}
	}
	return n
}

func argmax(row []float32) int {
	best := 0
	for j, v := range row {
		if v > row[best] {
			best = j
		}
	}
	return best
}

// auxClassifier is a model with auxiliary heads that train with it
// (GoogLeNet's two, which run only in training mode).
type auxClassifier interface {
	ForwardAux(x *tensor.Tensor) (logits, aux1, aux2 *tensor.Tensor)
}

// loss runs the model and returns its logits and the training loss: the
// cross-entropy of the logits plus, for a model with auxiliary heads,
// AuxWeight times theirs (GoogLeNet's recipe, §5 of Szegedy et al. 2015).
func (r Recipe) loss(m nn.Module, x *tensor.Tensor, labels []int) (logits, loss *tensor.Tensor, err error) {
	ce := tensor.CrossEntropyOptions{LabelSmoothing: r.LabelSmoothing}
	var aux []*tensor.Tensor
	if a, ok := m.(auxClassifier); ok {
		var a1, a2 *tensor.Tensor
		logits, a1, a2 = a.ForwardAux(x)
		for _, t := range []*tensor.Tensor{a1, a2} {
			if t != nil {
				aux = append(aux, t)
			}
		}
	} else {
		logits = m.Forward(x)
	}
	if loss, err = tensor.CrossEntropy(logits, labels, ce); err != nil {
		return nil, nil, err
	}
	for _, t := range aux {
		l, err := tensor.CrossEntropy(t, labels, ce)
		if err != nil {
			return nil, nil, err
		}
		loss = tensor.Add(loss, tensor.MulScalar(l, float32(r.auxWeight())))
	}
	return logits, loss, nil
}

// auxWeight is AuxWeight, or GoogLeNet's 0.3 when unset.
func (r Recipe) auxWeight() float64 {
	if r.AuxWeight == 0 {
		return 0.3
	}
	return r.AuxWeight
}
