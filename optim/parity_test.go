package optim_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/optim"
	"github.com/convnet/convnet/tensor"
)

// Tolerances of the optimizer parity test: the parameters after 20 steps
// relative to max|torch| of each tensor, and the learning rates (and
// momenta) relative to torch's.
const (
	paramTol = 1e-5
	lrTol    = 1e-12
)

type optimFixture struct {
	Torch      string           `json:"torch"`
	Steps      int              `json:"steps"`
	Batch      int              `json:"batch"`
	Classes    int              `json:"classes"`
	Image      []int            `json:"image"`
	Init       []initEntry      `json:"init"`
	InputSeed  uint64           `json:"input_seed"`
	LabelSeed  uint64           `json:"label_seed"`
	Optimizers []optimizerEntry `json:"optimizers"`
	Schedules  []scheduleEntry  `json:"schedules"`
	Runs       []optimRun       `json:"runs"`
}

type initEntry struct {
	Key   string  `json:"key"`
	Shape []int   `json:"shape"`
	Seed  uint64  `json:"seed"`
	Scale float64 `json:"scale"`
}

// optimizerEntry is a torch optimizer: its class ("sgd", "adam", "adamw")
// and keyword arguments.
type optimizerEntry struct {
	Name   string      `json:"name"`
	Kind   string      `json:"kind"`
	Config optimConfig `json:"config"`
}

type optimConfig struct {
	LR          float64   `json:"lr"`
	Momentum    float64   `json:"momentum"`
	Dampening   float64   `json:"dampening"`
	WeightDecay float64   `json:"weight_decay"`
	Nesterov    bool      `json:"nesterov"`
	Betas       []float64 `json:"betas"`
	AMSGrad     bool      `json:"amsgrad"`
}

// scheduleEntry is torch's learning rate (and momentum, for one-cycle)
// before the first step and after each scheduler step, for one schedule
// and base rate.
type scheduleEntry struct {
	Schedule string         `json:"schedule"`
	Config   map[string]any `json:"config"`
	BaseLR   float64        `json:"base_lr"`
	LRs      []float64      `json:"lrs"`
	Momenta  []float64      `json:"momenta"`
}

// optimRun is one optimizer under one schedule: the first and last losses
// and the parameters after the last step.
type optimRun struct {
	Optimizer string               `json:"optimizer"`
	Schedule  string               `json:"schedule"`
	Losses    []float64            `json:"losses"`
	Params    map[string]fixTensor `json:"params"`
}

// tinyNet is the fixture's network: Conv2d(2→3, 3×3, padding 1), ReLU,
// MaxPool2d(2), Flatten, Linear(12→4), on 2×4×4 images.
func tinyNet() *nn.Sequential {
	rng := tensor.NewRNG(1)
	return nn.NewSequential(
		nn.NewConv2d(rng, nn.Conv2dConfig{In: 2, Out: 3, Kernel: 3, Padding: 1}), // 3×4×4
		nn.NewReLU(),
		nn.NewMaxPool2d(2, 0, 0, false), // 3×2×2
		nn.NewFlatten(),                 // 12
		nn.NewLinear(rng, 12, 4, true),
	)
}

// loadInit fills the network by name with the fixture's initial values,
// checking the names and shapes against torch's state_dict.
func loadInit(t *testing.T, m nn.Module, init []initEntry) {
	t.Helper()
	sd := nn.StateDict(m)
	if len(sd) != len(init) {
		t.Fatalf("state dict has %d entries, torch's %d", len(sd), len(init))
	}
	for i, e := range init {
		if sd[i].Name != e.Key || !slices.Equal(sd[i].Tensor.Shape(), e.Shape) {
			t.Fatalf("state dict entry %d is %s%v, torch's %s%v", i, sd[i].Name, sd[i].Tensor.Shape(), e.Key, e.Shape)
		}
		copy(sd[i].Tensor.Data(), drawValues(e.Seed, sd[i].Tensor.Len(), e.Scale))
	}
}

// batch returns the input and labels of a step.
func (fx *optimFixture) batch(step int) (*tensor.Tensor, []int) {
	shape := append([]int{fx.Batch}, fx.Image...)
	n := fx.Batch
	for _, d := range fx.Image {
		n *= d
	}
	x := tensor.FromSlice(drawValues(fx.InputSeed+uint64(step), n, 1), shape...)
	return x, drawLabels(fx.LabelSeed+uint64(step), fx.Batch, fx.Classes)
}

func newOptimizer(t *testing.T, params []*tensor.Tensor, o optimizerEntry) optim.Optimizer {
	t.Helper()
	c := o.Config
	switch o.Kind {
	case "sgd":
		return optim.NewSGD(params, optim.SGDConfig{LR: c.LR, Momentum: c.Momentum, Dampening: c.Dampening,
			WeightDecay: c.WeightDecay, Nesterov: c.Nesterov})
	case "adam", "adamw":
		cfg := optim.AdamConfig{LR: c.LR, WeightDecay: c.WeightDecay, AMSGrad: c.AMSGrad}
		if c.Betas != nil {
			cfg.Beta1, cfg.Beta2 = c.Betas[0], c.Betas[1]
		}
		if o.Kind == "adamw" {
			return optim.NewAdamW(params, cfg)
		}
		return optim.NewAdam(params, cfg)
	}
	t.Fatalf("unknown optimizer kind %q", o.Kind)
	return nil
}

func num(t *testing.T, cfg map[string]any, k string) float64 {
	t.Helper()
	n, ok := cfg[k].(json.Number)
	if !ok {
		t.Fatalf("schedule config %v lacks %q", cfg, k)
	}
	v, err := n.Float64()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// newSchedule is our equivalent of the torch scheduler; nil for none.
func newSchedule(t *testing.T, s scheduleEntry) optim.Schedule {
	t.Helper()
	c := s.Config
	switch s.Schedule {
	case "none":
		return nil
	case "step":
		return optim.StepLR{StepSize: int(num(t, c, "step_size")), Gamma: num(t, c, "gamma")}
	case "multistep":
		var ms []int
		for _, m := range c["milestones"].([]any) {
			v, _ := m.(json.Number).Int64()
			ms = append(ms, int(v))
		}
		return optim.MultiStepLR{Milestones: ms, Gamma: num(t, c, "gamma")}
	case "cosine":
		return optim.CosineAnnealingLR{TMax: int(num(t, c, "t_max")), EtaMin: num(t, c, "eta_min")}
	case "onecycle":
		// torch's OneCycleLR ignores the optimizer's rate and, by default,
		// cycles SGD's momentum or Adam's β₁.
		return optim.OneCycleLR{MaxLR: num(t, c, "max_lr"), TotalSteps: int(num(t, c, "total_steps"))}
	case "linear":
		return optim.LinearLR{StartFactor: num(t, c, "start_factor"), EndFactor: num(t, c, "end_factor"),
			TotalIters: int(num(t, c, "total_iters"))}
	}
	t.Fatalf("unknown schedule %q", s.Schedule)
	return nil
}

// momentumOf reads SGD's momentum or Adam's β₁ from the optimizer's state.
func momentumOf(o optim.Optimizer) float64 {
	s := o.State().Scalars
	if v, ok := s["beta1"]; ok {
		return v
	}
	return s["momentum"]
}

// trainRun is what a run of the tiny network gives.
type trainRun struct {
	lrs, momenta []float64
	losses       []float32
}

// train runs steps [from, to) on net: zero the gradients, forward,
// cross-entropy, backward, optimizer step, then scheduler step (sch may be
// nil), recording the rate and momentum after each.
func train(t *testing.T, fx *optimFixture, net nn.Module, opt optim.Optimizer, sch *optim.Scheduler, from, to int, r *trainRun) {
	t.Helper()
	for step := from; step < to; step++ {
		x, labels := fx.batch(step)
		opt.ZeroGrad()
		loss, err := tensor.CrossEntropy(net.Forward(x), labels, tensor.CrossEntropyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		loss.Backward()
		opt.Step()
		if sch != nil {
			sch.Step()
		}
		if r != nil {
			r.losses = append(r.losses, loss.Item())
			r.lrs = append(r.lrs, opt.LR())
			r.momenta = append(r.momenta, momentumOf(opt))
		}
	}
}

// TestOptimizerParity trains the tiny network for 20 steps with every
// optimizer configuration under every schedule, as torch did, and compares
// the learning rates, momenta and final parameters.
func TestOptimizerParity(t *testing.T) {
	var fx optimFixture
	loadFixture(t, fixturePath, &fx)
	opts := map[string]optimizerEntry{}
	for _, o := range fx.Optimizers {
		opts[o.Name] = o
	}
	scheds := map[string]scheduleEntry{}
	for _, s := range fx.Schedules {
		scheds[fmt.Sprint(s.Schedule, "@", s.BaseLR)] = s
	}
	worst := map[string]map[string]float64{} // optimizer → schedule → worst parameter error
	var worstLR float64
	covered := map[string]map[string]bool{}
	for _, run := range fx.Runs {
		o, ok := opts[run.Optimizer]
		if !ok {
			t.Fatalf("run of unknown optimizer %q", run.Optimizer)
		}
		s, ok := scheds[fmt.Sprint(run.Schedule, "@", o.Config.LR)]
		if !ok {
			t.Fatalf("no %s trajectory for base rate %v", run.Schedule, o.Config.LR)
		}
		if covered[o.Kind] == nil {
			covered[o.Kind] = map[string]bool{}
		}
		covered[o.Kind][run.Schedule] = true
		t.Run(run.Optimizer+"/"+run.Schedule, func(t *testing.T) {
			net := tinyNet()
			loadInit(t, net, fx.Init)
			opt := newOptimizer(t, nn.ParameterTensors(net), o)
			var sch *optim.Scheduler
			if sc := newSchedule(t, s); sc != nil {
				sch = optim.NewScheduler(opt, sc)
			}
			r := &trainRun{lrs: []float64{opt.LR()}, momenta: []float64{momentumOf(opt)}}
			train(t, &fx, net, opt, sch, 0, fx.Steps, r)

			if len(r.lrs) != len(s.LRs) {
				t.Fatalf("%d learning rates, torch %d", len(r.lrs), len(s.LRs))
			}
			for i := range s.LRs {
				e := relErr64(r.lrs[i], s.LRs[i])
				worstLR = max(worstLR, e)
				if e > lrTol {
					t.Errorf("learning rate after %d steps: %.17g, torch %.17g", i, r.lrs[i], s.LRs[i])
				}
			}
			for i := range s.Momenta {
				e := relErr64(r.momenta[i], s.Momenta[i])
				worstLR = max(worstLR, e)
				if e > lrTol {
					t.Errorf("momentum after %d steps: %.17g, torch %.17g", i, r.momenta[i], s.Momenta[i])
				}
			}
			if e := relErr64(float64(r.losses[0]), run.Losses[0]); e > 1e-6 {
				t.Errorf("first loss %v, torch %v", r.losses[0], run.Losses[0])
			}
			if e := relErr64(float64(r.losses[len(r.losses)-1]), run.Losses[1]); e > paramTol {
				t.Errorf("last loss %v, torch %v", r.losses[len(r.losses)-1], run.Losses[1])
			}

			var w float64
			ps := nn.Parameters(net)
			if len(ps) != len(run.Params) {
				t.Errorf("%d parameters, torch %d", len(ps), len(run.Params))
			}
			for _, p := range ps {
				want, ok := run.Params[p.Name]
				if !ok {
					t.Errorf("torch has no parameter %s", p.Name)
					continue
				}
				e := relErr(p.Tensor.Data(), want.floats(t))
				w = max(w, e)
				if e > paramTol {
					t.Errorf("%s after %d steps: relative error %.3g > %.0g", p.Name, fx.Steps, e, paramTol)
				}
			}
			if worst[run.Optimizer] == nil {
				worst[run.Optimizer] = map[string]float64{}
			}
			worst[run.Optimizer][run.Schedule] = w
		})
	}
	for _, kind := range []string{"sgd", "adam", "adamw"} {
		for _, s := range []string{"none", "step", "multistep", "cosine", "onecycle", "linear"} {
			if !covered[kind][s] {
				t.Errorf("the fixture has no run of %s with schedule %s", kind, s)
			}
		}
	}
	logWorst(t, fx.Torch, worst, worstLR)
}

// logWorst prints the worst parameter error of each optimizer × schedule.
func logWorst(t *testing.T, torch string, worst map[string]map[string]float64, worstLR float64) {
	var names []string
	cols := map[string]bool{}
	for n, row := range worst {
		names = append(names, n)
		for s := range row {
			cols[s] = true
		}
	}
	sort.Strings(names)
	order := []string{"none", "step", "multistep", "cosine", "onecycle", "linear"}
	var b strings.Builder
	fmt.Fprintf(&b, "worst max|ours−torch|/max|torch| per parameter tensor after 20 steps (torch %s):\n%-26s", torch, "")
	for _, s := range order {
		if cols[s] {
			fmt.Fprintf(&b, " %9s", s)
		}
	}
	for _, n := range names {
		fmt.Fprintf(&b, "\n%-26s", n)
		for _, s := range order {
			if !cols[s] {
				continue
			}
			if v, ok := worst[n][s]; ok {
				fmt.Fprintf(&b, " %9.2g", v)
			} else {
				fmt.Fprintf(&b, " %9s", "-")
			}
		}
	}
	fmt.Fprintf(&b, "\nworst learning-rate / momentum relative error: %.2g", worstLR)
	t.Log(b.String())
}
