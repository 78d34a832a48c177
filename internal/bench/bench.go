// Package bench defines the workloads of the benchmark suite shared with the
// PyTorch reference (one JSON object a line: workload, median and minimum
// milliseconds, runs) and times them the same way: warm-up calls, then the
// median of timed calls.
package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/convnet/convnet/internal/kernel"
	"github.com/convnet/convnet/models"
	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/optim"
	"github.com/convnet/convnet/tensor"
)

// Result is one workload's timing.
type Result struct {
	Workload string  `json:"workload"`
	MS       float64 `json:"ms"`
	MinMS    float64 `json:"min_ms"`
	Runs     int     `json:"runs"`
}

// Workload is a named call to time, made by a setup that may fail (a model
// that is not built yet).
type Workload struct {
	Name       string
	Reps, Warm int
	Setup      func() (call func(), err error)
}

// Options select and shorten the run.
type Options struct {
	Only  string // run workloads whose name starts with this
	Quick bool   // fewer repetitions, as torch_anchor.py --quick
}

// Run times each selected workload, writing results to out as JSON lines
// (or a table when asJSON is false) and skipped workloads to errw.
func Run(ws []Workload, o Options, out, errw io.Writer, asJSON bool) []Result {
	var res []Result
	for _, w := range ws {
		if o.Only != "" && !strings.HasPrefix(w.Name, o.Only) {
			continue
		}
		call, err := w.Setup()
		if err != nil {
			fmt.Fprintf(errw, "skipped %s: %v\n", w.Name, err)
			continue
		}
		// Collect the garbage of the workloads before (VGG-16 at batch 32
		// leaves gigabytes) now: the collection it makes due would
		// otherwise run during this one's timing, its mark workers taking
		// a quarter of the cores (ResNet-18 at batch 1: 35 ms, not 23).
		runtime.GC()
		reps, warm := w.Reps, w.Warm
		if o.Quick {
			reps, warm = max(3, reps/3), 1
		}
		for i := 0; i < warm; i++ {
			call()
		}
		ts := make([]float64, reps)
		for i := range ts {
			t := time.Now()
			call()
			ts[i] = float64(time.Since(t).Nanoseconds()) / 1e6
		}
		slices.Sort(ts)
		r := Result{Workload: w.Name, MS: round4(ts[len(ts)/2]), MinMS: round4(ts[0]), Runs: reps}
		res = append(res, r)
		if asJSON {
			b, _ := json.Marshal(r)
			fmt.Fprintln(out, string(b))
		} else {
			fmt.Fprintf(out, "%-24s %10.3f ms  (min %.3f, %d runs)\n", r.Workload, r.MS, r.MinMS, r.Runs)
		}
	}
	return res
}

func round4(v float64) float64 { return float64(int64(v*1e4+0.5)) / 1e4 }

// Workloads returns the suite of WORKLOADS.md, in the reference's order.
func Workloads() []Workload {
	var ws []Workload
	for _, n := range []int{256, 512, 1024, 2048} {
		reps := 20
		if n == 2048 {
			reps = 8
		}
		ws = append(ws, Workload{Name: fmt.Sprintf("sgemm/%d", n), Reps: reps, Warm: 3, Setup: sgemmSetup(n)})
	}
	for _, c := range []struct {
		tag                    string
		cin, cout, k, s, p, hw int
	}{
		{"alexnet1", 3, 64, 11, 4, 2, 224},
		{"vgg3_1", 128, 256, 3, 1, 1, 56},
		{"resnet3x3", 64, 64, 3, 1, 1, 56},
		{"pointwise", 256, 64, 1, 1, 0, 56},
	} {
		ws = append(ws, Workload{Name: "conv/" + c.tag + "/b1", Reps: 20, Warm: 3, Setup: convSetup(c.cin, c.cout, c.k, c.s, c.p, c.hw)})
	}
	for _, b := range []int{64, 128} {
		ws = append(ws, Workload{Name: fmt.Sprintf("train/lenet5/b%d", b), Reps: 50, Warm: 10, Setup: trainSetup("lenet5", b, []int{1, 28, 28}, 10)})
	}
	for _, d := range []int{20, 56} {
		for _, kind := range []string{"resnet", "plain"} {
			name := fmt.Sprintf("%s%d", kind, d)
			ws = append(ws, Workload{Name: "train/" + name + "/b128", Reps: 5, Warm: 1, Setup: trainSetup(name, 128, []int{3, 32, 32}, 10)})
		}
	}
	ws = append(ws, Workload{Name: "train/resnet18/b16", Reps: 3, Warm: 1, Setup: trainSetup("resnet18", 16, []int{3, 224, 224}, 1000)})
	for _, m := range []struct {
		name  string
		shape []int
	}{
		{"lenet5", []int{1, 28, 28}}, {"alexnet", []int{3, 224, 224}}, {"vgg16", []int{3, 224, 224}},
		{"googlenet", []int{3, 224, 224}}, {"resnet18", []int{3, 224, 224}}, {"resnet50", []int{3, 224, 224}},
	} {
		for _, b := range []int{1, 32} {
			reps, warm := 10, 2
			if b == 32 {
				reps, warm = 3, 1
			}
			ws = append(ws, Workload{Name: fmt.Sprintf("infer/%s/b%d", m.name, b), Reps: reps, Warm: warm, Setup: inferSetup(m.name, b, m.shape)})
		}
	}
	return ws
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

func sgemmSetup(n int) func() (func(), error) {
	return func() (func(), error) {
		rng := tensor.NewRNG(0)
		a, b, c := randSlice(rng, n*n), randSlice(rng, n*n), make([]float32, n*n)
		return func() { kernel.Sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n) }, nil
	}
}

func convSetup(cin, cout, k, s, p, hw int) func() (func(), error) {
	return func() (func(), error) {
		rng := tensor.NewRNG(0)
		conv := nn.NewConv2d(rng, nn.Conv2dConfig{In: cin, Out: cout, Kernel: k, Stride: s, Padding: p})
		nn.Freeze(conv)
		// The output comes from an arena, as in inferSetup: a fresh heap
		// buffer each call would time the kernel's page faults
		// (AlexNet's first layer: 0.95 ms a call instead of 0.67).
		x := tensor.RandN(rng, 0, 1, 1, cin, hw, hw)
		arena := tensor.NewArena()
		xs := arena.View(x.Data(), x.Shape()...)
		return func() {
			arena.Reset()
			conv.Forward(xs)
		}, nil
	}
}

// trainSetup is one SGD-momentum step (zero grads, forward, cross-entropy,
// backward, update), as the reference times it.
func trainSetup(name string, batch int, shape []int, classes int) func() (func(), error) {
	return func() (func(), error) {
		m, err := models.New(name, models.Options{Seed: 0})
		if err != nil {
			return nil, err
		}
		rng := tensor.NewRNG(0)
		x := randSlice(rng, batch*shape[0]*shape[1]*shape[2])
		y := make([]int, batch)
		for i := range y {
			y[i] = rng.IntN(classes)
		}
		opt := optim.NewSGD(nn.ParameterTensors(m), optim.SGDConfig{LR: 0.01, Momentum: 0.9})
		arena := tensor.NewArena()
		return func() {
			arena.Reset()
			opt.ZeroGrad()
			logits := m.Forward(arena.FromSlice(x, batch, shape[0], shape[1], shape[2]))
			loss, err := tensor.CrossEntropy(logits, y, tensor.CrossEntropyOptions{})
			if err != nil {
				panic(err) // labels are made above, in range
			}
			loss.Backward()
			opt.Step()
		}, nil
	}
}

func inferSetup(name string, batch int, shape []int) func() (func(), error) {
	return func() (func(), error) {
		m, err := models.New(name, models.Options{Seed: 0})
		if err != nil {
			return nil, err
		}
		nn.Eval(m)
		nn.Freeze(m)
		x := tensor.RandN(tensor.NewRNG(0), 0, 1, append([]int{batch}, shape...)...)
		arena := tensor.NewArena()
		return func() {
			arena.Reset()
			m.Forward(arena.FromSlice(x.Data(), x.Shape()...))
		}, nil
	}
}
