package optim

import (
	"fmt"
	"math"
	"sort"
)

// Schedule gives the learning rate at a step (an epoch or a batch, as the
// caller counts) from the optimizer's initial learning rate, like the
// closed forms of torch.optim.lr_scheduler.
type Schedule interface {
	LR(base float64, step int) float64
}

// MomentumSchedule is a Schedule that also sets the momentum (β₁ for Adam),
// as OneCycleLR does.
type MomentumSchedule interface {
	Schedule
	Momentum(step int) float64
}

// StepLR multiplies the rate by Gamma every StepSize steps.
type StepLR struct {
	StepSize int
	Gamma    float64
}

// LR returns base·γ^⌊step/StepSize⌋.
func (s StepLR) LR(base float64, step int) float64 {
	return base * math.Pow(s.Gamma, float64(step/s.StepSize))
}

// MultiStepLR multiplies the rate by Gamma at each milestone.
type MultiStepLR struct {
	Milestones []int
	Gamma      float64
}

// LR returns base·γ^(number of milestones ≤ step).
func (s MultiStepLR) LR(base float64, step int) float64 {
	n := sort.Search(len(s.Milestones), func(i int) bool { return s.Milestones[i] > step })
	return base * math.Pow(s.Gamma, float64(n))
}

// CosineAnnealingLR follows half a cosine from base down to EtaMin over
// TMax steps.
type CosineAnnealingLR struct {
	TMax   int
	EtaMin float64
}

// LR returns η_min + (base − η_min)·(1 + cos(π·step/T_max))/2.
func (s CosineAnnealingLR) LR(base float64, step int) float64 {
	return s.EtaMin + (base-s.EtaMin)*(1+math.Cos(math.Pi*float64(step)/float64(s.TMax)))/2
}

// LinearLR scales the rate linearly from StartFactor to EndFactor over
// TotalIters steps, then holds it: a linear warm-up. Zero fields take
// torch's defaults: StartFactor 1/3, EndFactor 1, TotalIters 5.
type LinearLR struct {
	StartFactor, EndFactor float64
	TotalIters             int
}

// LR returns base·(start + (end − start)·min(step, total)/total).
func (s LinearLR) LR(base float64, step int) float64 {
	if s.StartFactor == 0 {
		s.StartFactor = 1.0 / 3
	}
	if s.EndFactor == 0 {
		s.EndFactor = 1
	}
	if s.TotalIters == 0 {
		s.TotalIters = 5
	}
	f := s.EndFactor
	if step < s.TotalIters {
		f = s.StartFactor + (s.EndFactor-s.StartFactor)*float64(step)/float64(s.TotalIters)
	}
	return base * f
}

// Warmup runs a linear warm-up from StartFactor·base to base over Steps
// steps, then hands over to After, counting its steps from zero.
type Warmup struct {
	Steps       int
	StartFactor float64
	After       Schedule
}

// LR returns the warm-up rate, then After's.
func (s Warmup) LR(base float64, step int) float64 {
	if step < s.Steps {
		return base * (s.StartFactor + (1-s.StartFactor)*float64(step)/float64(s.Steps))
	}
	if s.After == nil {
		return base
	}
	return s.After.LR(base, step-s.Steps)
}

// OneCycleLR is torch's OneCycleLR with cosine annealing and two phases:
// the rate rises from MaxLR/DivFactor to MaxLR over PctStart of TotalSteps,
// then falls to that over FinalDivFactor; the momentum moves the other way
// between MaxMomentum and BaseMomentum. Zero fields take torch's defaults
// (PctStart 0.3, DivFactor 25, FinalDivFactor 1e4, momenta 0.85 and 0.95).
type OneCycleLR struct {
	MaxLR                     float64
	TotalSteps                int
	PctStart                  float64
	DivFactor, FinalDivFactor float64
	BaseMomentum, MaxMomentum float64
	NoCycleMomentum           bool
}

func (s OneCycleLR) withDefaults() OneCycleLR {
	if s.PctStart == 0 {
		s.PctStart = 0.3
	}
	if s.DivFactor == 0 {
		s.DivFactor = 25
	}
	if s.FinalDivFactor == 0 {
		s.FinalDivFactor = 1e4
	}
	if s.BaseMomentum == 0 {
		s.BaseMomentum = 0.85
	}
	if s.MaxMomentum == 0 {
		s.MaxMomentum = 0.95
	}
	return s
}

// phase returns the fraction through the current phase and whether it is
// the first (rising) one, as torch computes them.
func (s OneCycleLR) phase(step int) (pct float64, rising bool) {
	end1 := s.PctStart*float64(s.TotalSteps) - 1
	end2 := float64(s.TotalSteps) - 1
	if float64(step) <= end1 {
		return float64(step) / end1, true
	}
	return (float64(step) - end1) / (end2 - end1), false
}

func cosAnneal(start, end, pct float64) float64 {
	return end + (start-end)/2*(math.Cos(math.Pi*pct)+1)
}

// LR ignores base: one-cycle rates derive from MaxLR alone.
func (s OneCycleLR) LR(_ float64, step int) float64 {
	s = s.withDefaults()
	if s.TotalSteps < 2 {
		panic(fmt.Sprintf("optim: OneCycleLR needs at least 2 steps, got %d", s.TotalSteps))
	}
	initial := s.MaxLR / s.DivFactor
	minLR := initial / s.FinalDivFactor
	pct, rising := s.phase(step)
	if rising {
		return cosAnneal(initial, s.MaxLR, pct)
	}
	return cosAnneal(s.MaxLR, minLR, pct)
}

// Momentum returns the cycled momentum at step.
func (s OneCycleLR) Momentum(step int) float64 {
	s = s.withDefaults()
	pct, rising := s.phase(step)
	if rising {
		return cosAnneal(s.MaxMomentum, s.BaseMomentum, pct)
	}
	return cosAnneal(s.BaseMomentum, s.MaxMomentum, pct)
}

// Scheduler drives an optimizer's learning rate (and momentum) from a
// Schedule, one Step at a time, as torch's schedulers do: it sets step 0's
// rate when made, and each Step moves to the next.
type Scheduler struct {
	opt   Optimizer
	sched Schedule
	base  float64
	step  int
}

// NewScheduler takes the optimizer's current rate as the base rate and
// applies step 0.
func NewScheduler(opt Optimizer, s Schedule) *Scheduler {
	sc := &Scheduler{opt: opt, sched: s, base: opt.LR()}
	sc.apply()
	return sc
}

func (s *Scheduler) apply() {
	s.opt.SetLR(s.sched.LR(s.base, s.step))
	if ms, ok := s.sched.(MomentumSchedule); ok && cyclesMomentum(ms) {
		s.opt.SetMomentum(ms.Momentum(s.step))
	}
}

// cyclesMomentum reports whether a momentum schedule is to set the
// momentum: a OneCycleLR, given by value or by pointer, may opt out.
func cyclesMomentum(s Schedule) bool {
	switch oc := s.(type) {
	case OneCycleLR:
		return !oc.NoCycleMomentum
	case *OneCycleLR:
		return !oc.NoCycleMomentum
	}
	return true
}

// Step advances the schedule by one and updates the optimizer.
func (s *Scheduler) Step() {
	s.step++
	s.apply()
}

// LastStep returns how many Steps have been taken.
func (s *Scheduler) LastStep() int { return s.step }

// SchedulerState is what a checkpoint keeps of a scheduler.
type SchedulerState struct {
	Step int
	Base float64
}

// State returns the scheduler's position.
func (s *Scheduler) State() SchedulerState { return SchedulerState{Step: s.step, Base: s.base} }

// LoadState moves the scheduler to a saved position and applies it.
func (s *Scheduler) LoadState(st SchedulerState) error {
	if st.Step < 0 || st.Base < 0 || math.IsNaN(st.Base) {
		return &StateError{fmt.Sprintf("invalid scheduler state %+v", st)}
	}
	s.step, s.base = st.Step, st.Base
	s.apply()
	return nil
}
