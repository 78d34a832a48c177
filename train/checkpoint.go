package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/convnet/convnet/internal/atomicfile"
	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/optim"
	"github.com/convnet/convnet/tensor"
	"github.com/convnet/convnet/weights"
)

// A checkpoint is two safetensors files written after every epoch: the
// model's state dict, loadable as it is by PyTorch's safetensors, with the
// run's description in its metadata; and beside it the optimizer's and the
// schedule's state. The optimizer file is written first, so a model file on
// disk always has a matching one; both carry the epoch.
const (
	metaFormat    = "format"
	formatVersion = "convnet-checkpoint/1"
	metaModel     = "model"
	metaConfig    = "config"
	metaEpoch     = "epoch"
	metaSeed      = "seed"
	metaRecipe    = "recipe"
	metaHistory   = "history"
	metaOptimizer = "optimizer"
	metaScalars   = "scalars"
	metaScheduler = "scheduler"
)

// OptimizerFile returns the path of the optimizer state beside a checkpoint.
func OptimizerFile(checkpoint string) string {
	return strings.TrimSuffix(checkpoint, ".safetensors") + ".optim.safetensors"
}

// Checkpoint is a checkpoint's description, read back.
type Checkpoint struct {
	Model   string
	Config  map[string]any
	Epoch   int
	Seed    uint64
	Recipe  Recipe
	History []EpochMetrics
	Weights *weights.File
}

func saveCheckpoint(path string, cfg Config, opt optim.Optimizer, sched *optim.Scheduler, history []EpochMetrics) error {
	epoch := strconv.Itoa(len(history))
	st := opt.State()
	var ots []weights.Tensor
	for name, t := range st.Buffers {
		ots = append(ots, weights.Tensor{Name: name, Shape: t.Shape(), Data: t.Data()})
	}
	sortTensors(ots)
	scalars, _ := json.Marshal(st.Scalars)
	schedState, _ := json.Marshal(sched.State())
	if err := weights.WriteSafetensors(OptimizerFile(path), ots, map[string]string{
		metaFormat: formatVersion, metaEpoch: epoch, metaOptimizer: st.Kind,
		metaScalars: string(scalars), metaScheduler: string(schedState),
	}); err != nil {
		return fmt.Errorf("train: writing optimizer state: %w", err)
	}
	config, _ := json.Marshal(cfg.ModelConfig)
	recipe, _ := json.Marshal(cfg.Recipe)
	hist, _ := json.Marshal(history)
	if err := weights.WriteSafetensors(path, weights.FromModule(cfg.Model), map[string]string{
		metaFormat: formatVersion, metaModel: cfg.ModelName, metaConfig: string(config), metaEpoch: epoch,
		metaSeed: strconv.FormatUint(cfg.Seed, 10), metaRecipe: string(recipe), metaHistory: string(hist),
	}); err != nil {
		return fmt.Errorf("train: writing checkpoint: %w", err)
	}
	return nil
}

func sortTensors(ts []weights.Tensor) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Name < ts[j-1].Name; j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

// ReadCheckpoint reads a checkpoint's weights and description.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	f, err := weights.ReadSafetensors(path)
	if err != nil {
		return nil, err
	}
	md := f.Metadata
	if md[metaFormat] != formatVersion {
		return nil, fmt.Errorf("train: %s is not a convnet checkpoint (format %q)", path, md[metaFormat])
	}
	ck := &Checkpoint{Model: md[metaModel], Weights: f}
	if ck.Epoch, err = strconv.Atoi(md[metaEpoch]); err != nil || ck.Epoch < 0 {
		return nil, fmt.Errorf("train: %s: bad epoch %q", path, md[metaEpoch])
	}
	if ck.Seed, err = strconv.ParseUint(md[metaSeed], 10, 64); err != nil {
		return nil, fmt.Errorf("train: %s: bad seed %q", path, md[metaSeed])
	}
	for key, dst := range map[string]any{metaConfig: &ck.Config, metaRecipe: &ck.Recipe, metaHistory: &ck.History} {
		if err := json.Unmarshal([]byte(md[key]), dst); err != nil {
			return nil, fmt.Errorf("train: %s: metadata %q: %w", path, key, err)
		}
	}
	if len(ck.History) != ck.Epoch {
		return nil, fmt.Errorf("train: %s: %d epochs of history for epoch %d", path, len(ck.History), ck.Epoch)
	}
	return ck, nil
}

// loadCheckpoint restores model, optimizer and schedule from path for a
// resumed run, after checking that it is the same run.
func loadCheckpoint(path string, cfg Config, opt optim.Optimizer, sched *optim.Scheduler) (*Checkpoint, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	ck, err := ReadCheckpoint(path)
	if err != nil {
		return nil, err
	}
	if ck.Model != cfg.ModelName || ck.Seed != cfg.Seed {
		return nil, fmt.Errorf("train: %s holds model %q with seed %d; this run is %q with seed %d (use another --out or drop --resume)",
			path, ck.Model, ck.Seed, cfg.ModelName, cfg.Seed)
	}
	if ck.Recipe.Epochs != cfg.Recipe.Epochs || ck.Recipe.BatchSize != cfg.Recipe.BatchSize || ck.Recipe.Optimizer != cfg.Recipe.Optimizer {
		return nil, fmt.Errorf("train: %s was made with recipe %+v; this run's is %+v", path, ck.Recipe, cfg.Recipe)
	}
	of, err := weights.ReadSafetensors(OptimizerFile(path))
	if err != nil {
		return nil, fmt.Errorf("train: optimizer state for %s: %w", path, err)
	}
	if of.Metadata[metaEpoch] != strconv.Itoa(ck.Epoch) {
		return nil, fmt.Errorf("train: optimizer state is of epoch %q, checkpoint of epoch %d", of.Metadata[metaEpoch], ck.Epoch)
	}
	st := optim.State{Kind: of.Metadata[metaOptimizer], Buffers: map[string]*tensor.Tensor{}}
	if err := json.Unmarshal([]byte(of.Metadata[metaScalars]), &st.Scalars); err != nil {
		return nil, fmt.Errorf("train: optimizer scalars: %w", err)
	}
	for _, t := range of.Tensors {
		st.Buffers[t.Name] = tensor.FromSlice(t.Data, t.Shape...)
	}
	var ss optim.SchedulerState
	if err := json.Unmarshal([]byte(of.Metadata[metaScheduler]), &ss); err != nil {
		return nil, fmt.Errorf("train: scheduler state: %w", err)
	}
	if err := weights.LoadIntoModule(cfg.Model, ck.Weights, true); err != nil {
		return nil, err
	}
	if err := opt.LoadState(st); err != nil {
		return nil, err
	}
	if err := sched.LoadState(ss); err != nil {
		return nil, err
	}
	return ck, nil
}

// cleanStale removes temporary files that a killed run left in dir.
func cleanStale(dir string) error {
	for _, base := range []string{CheckpointFile, filepath.Base(OptimizerFile(CheckpointFile))} {
		if err := atomicfile.CleanStale(dir, base); err != nil {
			return fmt.Errorf("train: %w", err)
		}
	}
	return nil
}

// LoadModel reads a checkpoint into a model built by the caller.
func LoadModel(m nn.Module, ck *Checkpoint) error {
	return weights.LoadIntoModule(m, ck.Weights, true)
}
