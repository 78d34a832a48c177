package optim_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/optim"
	"github.com/convnet/convnet/tensor"
)

// resumeCases are the optimizers and schedules whose resumption is
// checked: every optimizer buffer (momentum, both moments, AMSGrad's
// maximum, step counts) and a schedule that cycles the momentum.
var resumeCases = []struct {
	name  string
	opt   optimizerEntry
	sched optim.Schedule
}{
	{"sgd_nesterov_onecycle", optimizerEntry{Kind: "sgd", Config: optimConfig{LR: 0.1, Momentum: 0.9, Nesterov: true, WeightDecay: 5e-4}},
		optim.OneCycleLR{MaxLR: 0.2, TotalSteps: 20}},
	{"sgd_dampening_step", optimizerEntry{Kind: "sgd", Config: optimConfig{LR: 0.1, Momentum: 0.9, Dampening: 0.1}},
		optim.StepLR{StepSize: 5, Gamma: 0.5}},
	{"sgd_plain_cosine", optimizerEntry{Kind: "sgd", Config: optimConfig{LR: 0.1}},
		optim.CosineAnnealingLR{TMax: 20, EtaMin: 1e-4}},
	{"adam_amsgrad_onecycle", optimizerEntry{Kind: "adam", Config: optimConfig{LR: 0.01, AMSGrad: true, Betas: []float64{0.9, 0.9}}},
		optim.OneCycleLR{MaxLR: 0.02, TotalSteps: 20}},
	{"adam_warmup", optimizerEntry{Kind: "adam", Config: optimConfig{LR: 0.01, WeightDecay: 0.01}},
		optim.LinearLR{StartFactor: 0.1, EndFactor: 1, TotalIters: 5}},
	{"adamw_multistep", optimizerEntry{Kind: "adamw", Config: optimConfig{LR: 0.01, WeightDecay: 0.01}},
		optim.MultiStepLR{Milestones: []int{5, 12}, Gamma: 0.1}},
}

func paramData(m nn.Module) [][]float32 {
	var out [][]float32
	for _, p := range nn.Parameters(m) {
		out = append(out, slices.Clone(p.Tensor.Data()))
	}
	return out
}

// TestResumeIsExact runs 10 steps, saves the optimizer's and scheduler's
// state and the parameters, rebuilds everything fresh, loads the state and
// runs 10 more: the parameters must equal those of 20 uninterrupted steps
// bit for bit.
func TestResumeIsExact(t *testing.T) {
	var fx optimFixture
	loadFixture(t, fixturePath, &fx)
	for _, c := range resumeCases {
		t.Run(c.name, func(t *testing.T) {
			// 20 uninterrupted steps.
			ref := tinyNet()
			loadInit(t, ref, fx.Init)
			opt := newOptimizer(t, nn.ParameterTensors(ref), c.opt)
			train(t, &fx, ref, opt, optim.NewScheduler(opt, c.sched), 0, 20, nil)

			// 10 steps, then a checkpoint.
			net := tinyNet()
			loadInit(t, net, fx.Init)
			opt = newOptimizer(t, nn.ParameterTensors(net), c.opt)
			sch := optim.NewScheduler(opt, c.sched)
			train(t, &fx, net, opt, sch, 0, 10, nil)
			st, sst, params := opt.State(), sch.State(), paramData(net)
			// The state is a copy: training on must not change it.
			before := slices.Clone(firstBuffer(t, st).Data())
			train(t, &fx, net, opt, sch, 10, 12, nil)
			if !slices.Equal(before, firstBuffer(t, st).Data()) {
				t.Fatal("State shares its buffers with the optimizer")
			}

			// A fresh network, optimizer and scheduler, resumed.
			net2 := tinyNet()
			for i, p := range nn.Parameters(net2) {
				copy(p.Tensor.Data(), params[i])
			}
			opt2 := newOptimizer(t, nn.ParameterTensors(net2), c.opt)
			sch2 := optim.NewScheduler(opt2, c.sched)
			if err := opt2.LoadState(st); err != nil {
				t.Fatal(err)
			}
			if err := sch2.LoadState(sst); err != nil {
				t.Fatal(err)
			}
			if sch2.LastStep() != 10 {
				t.Errorf("resumed scheduler at step %d, want 10", sch2.LastStep())
			}
			train(t, &fx, net2, opt2, sch2, 10, 20, nil)

			want, got := paramData(ref), paramData(net2)
			for i, p := range nn.Parameters(ref) {
				if !slices.Equal(got[i], want[i]) {
					t.Errorf("%s after a resumed run differs from 20 uninterrupted steps (relative %.3g)", p.Name, relErr(got[i], want[i]))
				}
			}
		})
	}
}

// firstBuffer returns the state's buffer of the first parameter, which
// every case but plain SGD has; for plain SGD a zero-length stand-in.
func firstBuffer(t *testing.T, st optim.State) *tensor.Tensor {
	t.Helper()
	for _, k := range []string{"0.momentum_buffer", "0.exp_avg"} {
		if b, ok := st.Buffers[k]; ok {
			return b
		}
	}
	return tensor.New(0)
}

// TestLoadStateErrors feeds LoadState states that do not fit: each must be
// an *optim.StateError, never a panic, and must leave the optimizer as it
// was.
func TestLoadStateErrors(t *testing.T) {
	var fx optimFixture
	loadFixture(t, fixturePath, &fx)
	sgdCfg := optimizerEntry{Kind: "sgd", Config: optimConfig{LR: 0.1, Momentum: 0.9}}
	adamCfg := optimizerEntry{Kind: "adam", Config: optimConfig{LR: 0.01, AMSGrad: true}}
	adamWCfg := optimizerEntry{Kind: "adamw", Config: optimConfig{LR: 0.01, WeightDecay: 0.01}}

	// trained returns an optimizer after 3 steps, and its state.
	trained := func(o optimizerEntry) (optim.Optimizer, optim.State) {
		net := tinyNet()
		loadInit(t, net, fx.Init)
		opt := newOptimizer(t, nn.ParameterTensors(net), o)
		train(t, &fx, net, opt, nil, 0, 3, nil)
		return opt, opt.State()
	}
	_, sgdState := trained(sgdCfg)
	_, adamState := trained(adamCfg)
	_, adamWState := trained(adamWCfg)
	_, plainAdam := trained(optimizerEntry{Kind: "adam", Config: optimConfig{LR: 0.01}})

	// edit returns a deep copy of st changed by fn.
	edit := func(st optim.State, fn func(*optim.State)) optim.State {
		c := optim.State{Kind: st.Kind, Scalars: map[string]float64{}, Buffers: map[string]*tensor.Tensor{}}
		for k, v := range st.Scalars {
			c.Scalars[k] = v
		}
		for k, v := range st.Buffers {
			c.Buffers[k] = v.Clone()
		}
		fn(&c)
		return c
	}
	cases := []struct {
		name string
		into optimizerEntry
		st   optim.State
	}{
		{"adam state into sgd", sgdCfg, adamState},
		{"sgd state into adam", adamCfg, sgdState},
		{"adamw state into adam", adamCfg, adamWState},
		{"adam state into adamw", adamWCfg, plainAdam},
		{"empty kind", sgdCfg, edit(sgdState, func(s *optim.State) { s.Kind = "" })},
		{"sgd buffer too small", sgdCfg, edit(sgdState, func(s *optim.State) { s.Buffers["0.momentum_buffer"] = tensor.New(3) })},
		{"sgd buffer too large", sgdCfg, edit(sgdState, func(s *optim.State) { s.Buffers["3.momentum_buffer"] = tensor.New(5) })},
		{"sgd nil buffer", sgdCfg, edit(sgdState, func(s *optim.State) { s.Buffers["1.momentum_buffer"] = nil })},
		{"adam moment wrong size", adamCfg, edit(adamState, func(s *optim.State) { s.Buffers["2.exp_avg_sq"] = tensor.New(2, 2) })},
		{"sgd unknown buffer name", sgdCfg, edit(sgdState, func(s *optim.State) { s.Buffers["0.exp_avg"] = tensor.New(54) })},
		{"sgd buffer of parameter 4", sgdCfg, edit(sgdState, func(s *optim.State) { s.Buffers["4.momentum_buffer"] = tensor.New(4) })},
		{"sgd buffer of parameter -1", sgdCfg, edit(sgdState, func(s *optim.State) { s.Buffers["-1.momentum_buffer"] = tensor.New(4) })},
		{"sgd key without index", sgdCfg, edit(sgdState, func(s *optim.State) { s.Buffers["momentum_buffer"] = tensor.New(4) })},
		{"sgd key 00", sgdCfg, edit(sgdState, func(s *optim.State) { s.Buffers["00.momentum_buffer"] = tensor.New(54) })},
		{"adam unknown buffer name", adamCfg, edit(adamState, func(s *optim.State) { s.Buffers["0.momentum_buffer"] = tensor.New(54) })},
		{"adam unknown scalar", adamCfg, edit(adamState, func(s *optim.State) { s.Scalars["0.bogus"] = 1 })},
		{"sgd unknown scalar", sgdCfg, edit(sgdState, func(s *optim.State) { s.Scalars["nesterov"] = 1 })},
		{"sgd lacks lr", sgdCfg, edit(sgdState, func(s *optim.State) { delete(s.Scalars, "lr") })},
		{"adam lacks beta1", adamCfg, edit(adamState, func(s *optim.State) { delete(s.Scalars, "beta1") })},
		{"adam lacks step", adamCfg, edit(adamState, func(s *optim.State) { delete(s.Scalars, "1.step") })},
		{"adam negative step", adamCfg, edit(adamState, func(s *optim.State) { s.Scalars["1.step"] = -3 })},
		{"adam fractional step", adamCfg, edit(adamState, func(s *optim.State) { s.Scalars["1.step"] = 2.5 })},
		{"adam lacks exp_avg", adamCfg, edit(adamState, func(s *optim.State) { delete(s.Buffers, "0.exp_avg") })},
		{"amsgrad lacks max_exp_avg_sq", adamCfg, edit(adamState, func(s *optim.State) { delete(s.Buffers, "2.max_exp_avg_sq") })},
		{"amsgrad state without amsgrad", optimizerEntry{Kind: "adam", Config: optimConfig{LR: 0.01}}, adamState},
		{"nil maps", sgdCfg, optim.State{Kind: "sgd"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opt, st := trained(c.into)
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("LoadState panicked: %v", r)
					}
				}()
				err = opt.LoadState(c.st)
			}()
			var se *optim.StateError
			if !errors.As(err, &se) {
				t.Fatalf("LoadState returned %v, want an *optim.StateError", err)
			}
			if got := opt.State(); !sameState(got, st) {
				t.Error("a failed LoadState changed the optimizer")
			}
		})
	}

	// A state loads into a fresh optimizer of its own kind, and unchanged
	// gives back the same state.
	for _, o := range []optimizerEntry{sgdCfg, adamCfg, adamWCfg} {
		opt, st := trained(o)
		fresh := newOptimizer(t, nn.ParameterTensors(tinyNet()), o)
		if err := fresh.LoadState(st); err != nil {
			t.Errorf("%s: LoadState of its own state: %v", o.Kind, err)
		} else if !sameState(fresh.State(), opt.State()) {
			t.Errorf("%s: the loaded state differs from the saved one", o.Kind)
		}
	}
}

func sameState(a, b optim.State) bool {
	if a.Kind != b.Kind || len(a.Scalars) != len(b.Scalars) || len(a.Buffers) != len(b.Buffers) {
		return false
	}
	for k, v := range a.Scalars {
		if w, ok := b.Scalars[k]; !ok || w != v {
			return false
		}
	}
	for k, v := range a.Buffers {
		w, ok := b.Buffers[k]
		if !ok || !slices.Equal(v.Shape(), w.Shape()) || !slices.Equal(v.Data(), w.Data()) {
			return false
		}
	}
	return true
}

func TestSchedulerLoadStateErrors(t *testing.T) {
	opt := optim.NewSGD(nil, optim.SGDConfig{LR: 0.1})
	sch := optim.NewScheduler(opt, optim.StepLR{StepSize: 2, Gamma: 0.5})
	sch.Step()
	for _, st := range []optim.SchedulerState{{Step: -1, Base: 0.1}, {Step: 3, Base: -1}} {
		var se *optim.StateError
		if err := sch.LoadState(st); !errors.As(err, &se) {
			t.Errorf("LoadState(%+v) = %v, want an *optim.StateError", st, err)
		}
	}
	if sch.LastStep() != 1 || opt.LR() != 0.1 {
		t.Errorf("a failed LoadState moved the scheduler to step %d, rate %v", sch.LastStep(), opt.LR())
	}
	if err := sch.LoadState(optim.SchedulerState{Step: 4, Base: 0.1}); err != nil {
		t.Fatal(err)
	}
	if sch.LastStep() != 4 || opt.LR() != 0.025 {
		t.Errorf("after loading step 4: step %d, rate %v; want 4, 0.025", sch.LastStep(), opt.LR())
	}
}
