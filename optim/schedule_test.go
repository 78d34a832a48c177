package optim_test

import (
	"testing"

	"github.com/convnet/convnet/optim"
)

// TestWarmupMatchesTorchLinearLR checks that Warmup without a successor is
// torch's LinearLR(start_factor, 1.0, total_iters), against the rates of
// the parity fixture.
func TestWarmupMatchesTorchLinearLR(t *testing.T) {
	var fx optimFixture
	loadFixture(t, fixturePath, &fx)
	n := 0
	for _, s := range fx.Schedules {
		if s.Schedule != "linear" {
			continue
		}
		n++
		w := optim.Warmup{Steps: int(num(t, s.Config, "total_iters")), StartFactor: num(t, s.Config, "start_factor")}
		if num(t, s.Config, "end_factor") != 1 {
			t.Fatalf("fixture LinearLR ends at %v, not 1", s.Config["end_factor"])
		}
		opt := optim.NewSGD(nil, optim.SGDConfig{LR: s.BaseLR})
		sch := optim.NewScheduler(opt, w)
		for i, want := range s.LRs {
			if i > 0 {
				sch.Step()
			}
			if e := relErr64(opt.LR(), want); e > lrTol {
				t.Errorf("base %v, step %d: Warmup rate %.17g, torch LinearLR %.17g", s.BaseLR, i, opt.LR(), want)
			}
		}
	}
	if n == 0 {
		t.Fatal("the fixture has no LinearLR trajectory")
	}
}

// TestWarmupThenAfter checks the hand-over: After counts its steps from
// the end of the warm-up.
func TestWarmupThenAfter(t *testing.T) {
	w := optim.Warmup{Steps: 3, StartFactor: 0.25, After: optim.StepLR{StepSize: 2, Gamma: 0.5}}
	want := []float64{0.25, 0.5, 0.75, 1, 1, 0.5, 0.5, 0.25}
	for i, v := range want {
		if got := w.LR(1, i); relErr64(got, v) > 1e-15 {
			t.Errorf("step %d: %v, want %v", i, got, v)
		}
	}
}

// TestOneCycleMomentumOptOut checks that NoCycleMomentum leaves the
// momentum alone whether the schedule is given by value or by pointer, and
// that by default the momentum starts at MaxMomentum, as torch's does.
func TestOneCycleMomentumOptOut(t *testing.T) {
	for _, s := range []optim.Schedule{
		optim.OneCycleLR{MaxLR: 1, TotalSteps: 10, NoCycleMomentum: true},
		&optim.OneCycleLR{MaxLR: 1, TotalSteps: 10, NoCycleMomentum: true},
	} {
		opt := optim.NewSGD(nil, optim.SGDConfig{LR: 0.1, Momentum: 0.5})
		sch := optim.NewScheduler(opt, s)
		sch.Step()
		if m := momentumOf(opt); m != 0.5 {
			t.Errorf("%T: momentum %v, want 0.5 left alone", s, m)
		}
		if want := 1.0 / 25; opt.LR() <= want {
			t.Errorf("%T: rate %v after one step, want above the initial %v", s, opt.LR(), want)
		}
	}
	opt := optim.NewAdam(nil, optim.AdamConfig{LR: 0.1})
	optim.NewScheduler(opt, optim.OneCycleLR{MaxLR: 1, TotalSteps: 10})
	if m := momentumOf(opt); m != 0.95 {
		t.Errorf("Adam β₁ %v at the start of a one-cycle schedule, want 0.95", m)
	}
	if relErr64(opt.LR(), 1.0/25) > lrTol { // torch computes 1 + (0.04 − 1)/2·2
		t.Errorf("one-cycle rate %v at the start, want MaxLR/25 = %v", opt.LR(), 1.0/25)
	}
}
