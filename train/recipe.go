package train

import (
	"fmt"

	"github.com/convnet/convnet/optim"
	"github.com/convnet/convnet/tensor"
)

// Recipe is how a model is trained: optimizer, schedule and batch size.
type Recipe struct {
	Epochs    int     `json:"epochs"`
	BatchSize int     `json:"batch_size"`
	Optimizer string  `json:"optimizer"` // "adam", "adamw" or "sgd"
	LR        float64 `json:"lr"`        // the peak rate for "onecycle"
	Momentum  float64 `json:"momentum"`  // SGD only
	// WeightDecay is L2 for SGD and Adam, decoupled for AdamW.
	WeightDecay float64 `json:"weight_decay"`
	Nesterov    bool    `json:"nesterov"`
	// Schedule is "onecycle" (cosine, per step), "multistep" (÷10 at
	// Milestones, fractions of the run), "cosine" or "constant".
	Schedule       string    `json:"schedule"`
	Milestones     []float64 `json:"milestones,omitempty"`
	LabelSmoothing float64   `json:"label_smoothing"`
	// AuxWeight weighs the losses of auxiliary classifiers (GoogLeNet's);
	// 0 means the paper's 0.3.
	AuxWeight float64 `json:"aux_weight,omitempty"`
}

// ResNetCIFARRecipe is the CIFAR-10 recipe of He et al. 2016, §4.2, scaled
// to the given number of epochs: SGD with momentum 0.9 and weight decay
// 1e-4 on batches of 128, the learning rate 0.1 divided by 10 at 50% and
// 75% of the run (the paper's 32k and 48k of 64k iterations, about 164
// epochs of 45k images).
func ResNetCIFARRecipe(epochs int) Recipe {
	return Recipe{Epochs: epochs, BatchSize: 128, Optimizer: "sgd", LR: 0.1, Momentum: 0.9, WeightDecay: 1e-4,
		Schedule: "multistep", Milestones: []float64{0.5, 0.75}}
}

// Validate reports a recipe that cannot run.
func (r Recipe) Validate() error {
	switch {
	case r.Epochs < 1:
		return fmt.Errorf("train: epochs must be at least 1, got %d", r.Epochs)
	case r.BatchSize < 1:
		return fmt.Errorf("train: batch size must be at least 1, got %d", r.BatchSize)
	case r.LR <= 0:
		return fmt.Errorf("train: learning rate must be positive, got %g", r.LR)
	case r.LabelSmoothing < 0 || r.LabelSmoothing > 1:
		return fmt.Errorf("train: label smoothing %g outside [0, 1]", r.LabelSmoothing)
	}
	switch r.Optimizer {
	case "adam", "adamw", "sgd":
	default:
		return fmt.Errorf("train: unknown optimizer %q (want adam, adamw or sgd)", r.Optimizer)
	}
	switch r.Schedule {
	case "onecycle", "multistep", "cosine", "constant":
	default:
		return fmt.Errorf("train: unknown schedule %q (want onecycle, multistep, cosine or constant)", r.Schedule)
	}
	return nil
}

// newOptimizer builds the recipe's optimizer over params.
func (r Recipe) newOptimizer(params []*tensor.Tensor) optim.Optimizer {
	switch r.Optimizer {
	case "sgd":
		return optim.NewSGD(params, optim.SGDConfig{LR: r.LR, Momentum: r.Momentum, WeightDecay: r.WeightDecay, Nesterov: r.Nesterov})
	case "adamw":
		return optim.NewAdamW(params, optim.AdamConfig{LR: r.LR, WeightDecay: r.WeightDecay})
	default:
		return optim.NewAdam(params, optim.AdamConfig{LR: r.LR, WeightDecay: r.WeightDecay})
	}
}

// schedule returns the per-step schedule for a run of total steps.
func (r Recipe) schedule(stepsPerEpoch int) optim.Schedule {
	total := r.Epochs * stepsPerEpoch
	switch r.Schedule {
	case "onecycle":
		return optim.OneCycleLR{MaxLR: r.LR, TotalSteps: max(total, 2), NoCycleMomentum: r.Optimizer == "sgd" && r.Momentum == 0}
	case "multistep":
		ms := make([]int, len(r.Milestones))
		for i, f := range r.Milestones {
			ms[i] = int(f * float64(total))
		}
		return optim.MultiStepLR{Milestones: ms, Gamma: 0.1}
	case "cosine":
		return optim.CosineAnnealingLR{TMax: max(total, 1)}
	default:
		return optim.StepLR{StepSize: 1 << 30, Gamma: 1}
	}
}
