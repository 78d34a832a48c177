package tensor

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

// PyTorch parity: every op of the package against torch 1.13 in float32, on
// the cases that tools/parity/gen_op_fixtures.py wrote to testdata/parity.
// One helper, checkParity, replays a fixture file in the manner of
// tinygrad's helper_test_op: build the inputs (those torch differentiated
// with requires-grad), run our op, compare the forward result, call
// BackwardWith(R) with torch's upstream gradient, compare every gradient.
//
// Errors are relative to the largest torch value: max|ours−torch| /
// max|torch| (the absolute error when torch's tensor is all zeros).
//
//	go test -v -run Parity ./tensor/           # the table of worst errors
//	go test -run Parity -update ./tensor/      # regenerate the fixtures

const (
	parityForwardTol = 1e-5
	parityGradTol    = 1e-4
)

// parityOp runs one op on a case's inputs. It returns the result and any
// tensors the op updated in place that the case's outputs name beside
// "out" (batch norm's running statistics).
type parityOp func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor)

// parityOps maps the op names the generator writes to our ops.
var parityOps = map[string]parityOp{
	"conv2d": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		o := ConvOptions{Stride: c.pair(t, "stride"), Padding: c.pair(t, "padding"),
			Dilation: c.pair(t, "dilation"), Groups: c.int(t, "groups")}
		return Conv2d(in["x"], in["w"], in["b"], o), nil
	},
	"max_pool2d": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return MaxPool2d(in["x"], poolOptions(t, c)), nil
	},
	"avg_pool2d": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return AvgPool2d(in["x"], poolOptions(t, c)), nil
	},
	"adaptive_avg_pool2d": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		o := c.pair(t, "output_size")
		return AdaptiveAvgPool2d(in["x"], o[0], o[1]), nil
	},
	"local_response_norm": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return LocalResponseNorm(in["x"], c.int(t, "size"), c.float(t, "alpha"), c.float(t, "beta"), c.float(t, "k")), nil
	},
	"batch_norm": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return parityBatchNorm(t, c, in, BatchNorm)
	},
	"batch_norm_relu": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return parityBatchNorm(t, c, in, BatchNormReLU)
	},
	"softmax": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return Softmax(in["x"], c.int(t, "axis")), nil
	},
	"log_softmax": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return LogSoftmax(in["x"], c.int(t, "axis")), nil
	},
	"cross_entropy": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		o := CrossEntropyOptions{LabelSmoothing: c.float(t, "label_smoothing")}
		switch r := c.string(t, "reduction"); r {
		case "mean":
			o.Reduction = ReduceMean
		case "sum":
			o.Reduction = ReduceSum
		default:
			t.Fatalf("unknown reduction %q", r)
		}
		out, err := CrossEntropy(in["logits"], c.ints(t, "targets"), o)
		if err != nil {
			t.Fatal(err)
		}
		return out, nil
	},
	"linear": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return Linear(in["x"], in["w"], in["b"]), nil
	},
	"matmul": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return MatMul(in["a"], in["b"]), nil
	},
	"add": binaryParity(Add),
	"sub": binaryParity(Sub),
	"mul": binaryParity(Mul),
	"div": binaryParity(Div),
	"add_scalar": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return AddScalar(in["x"], float32(c.float(t, "scalar"))), nil
	},
	"mul_scalar": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return MulScalar(in["x"], float32(c.float(t, "scalar"))), nil
	},
	"neg": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return Neg(in["x"]), nil
	},
	"relu": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return ReLU(in["x"]), nil
	},
	"add_relu": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return AddReLU(in["a"], in["b"]), nil
	},
	"sum": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return Sum(in["x"]), nil
	},
	"mean": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return Mean(in["x"]), nil
	},
	"sum_axis": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return SumAxis(in["x"], c.int(t, "axis"), c.bool(t, "keepdim")), nil
	},
	"mean_axis": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return MeanAxis(in["x"], c.int(t, "axis"), c.bool(t, "keepdim")), nil
	},
	"concat": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		var ts []*Tensor // x0, x1, … in the fixture's order, or as "repeat" lists them
		if _, ok := c.Attrs["repeat"]; ok {
			for _, i := range c.ints(t, "repeat") {
				ts = append(ts, in[c.Inputs[i].Name])
			}
		} else {
			for _, nt := range c.Inputs {
				ts = append(ts, in[nt.Name])
			}
		}
		return Concat(ts, c.int(t, "axis")), nil
	},
	"reshape": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return Reshape(in["x"], c.ints(t, "shape")...), nil
	},
	"flatten": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return Flatten(in["x"]), nil
	},
	"transpose": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return Transpose(in["x"]), nil
	},
	"narrow": func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		return Narrow(in["x"], c.int(t, "start"), c.int(t, "length")), nil
	},
}

// binaryParity runs a ∘ b, or a ∘ a when the case has no b.
func binaryParity(f func(a, b *Tensor) *Tensor) parityOp {
	return func(t *testing.T, c *parityCase, in map[string]*Tensor) (*Tensor, map[string]*Tensor) {
		a, b := in["a"], in["b"]
		if b == nil {
			b = a
		}
		return f(a, b), nil
	}
}

func poolOptions(t *testing.T, c *parityCase) PoolOptions {
	return PoolOptions{
		Kernel:          c.pair(t, "kernel"),
		Stride:          c.pair(t, "stride"),
		Padding:         c.pair(t, "padding"),
		Dilation:        c.pair(t, "dilation"),
		CeilMode:        c.bool(t, "ceil_mode"),
		CountIncludePad: c.bool(t, "count_include_pad"),
		DivisorOverride: c.int(t, "divisor_override"),
	}
}

func parityBatchNorm(t *testing.T, c *parityCase, in map[string]*Tensor,
	norm func(x, w, b, rm, rv *Tensor, o BatchNormOptions) *Tensor) (*Tensor, map[string]*Tensor) {
	o := BatchNormOptions{Training: c.bool(t, "training"), Momentum: c.float(t, "momentum"), Eps: c.float(t, "eps")}
	rm, rv := in["running_mean"], in["running_var"]
	out := norm(in["x"], in["weight"], in["bias"], rm, rv, o)
	return out, map[string]*Tensor{"running_mean": rm, "running_var": rv}
}

// parityFamilies are the fixture files, one per op family.
var parityFamilies = []string{
	"conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "local_response_norm", "batch_norm",
	"softmax", "cross_entropy", "linear", "matmul", "binary", "scalar", "relu", "reduce", "concat", "shape",
}

// parityWorst is the largest error seen for one op, over its cases.
type parityWorst struct {
	cases             int
	forward, gradient float64
	fwdCase, gradCase string
}

var (
	parityMu    sync.Mutex
	parityTable = map[string]*parityWorst{} // by op, for TestParitySummary
	parityTorch = map[string]bool{}         // torch versions of the fixtures read
	parityNotes = map[string]string{}       // ops checked otherwise (dropout)
)

func (w *parityWorst) String() string {
	return fmt.Sprintf("%3d cases  forward %8.2e (%s)  gradient %8.2e (%s)", w.cases, w.forward, w.fwdCase, w.gradient, w.gradCase)
}

// checkParity replays every case of one fixture file and logs, per op, the
// worst forward and gradient errors.
func checkParity(t *testing.T, family string) {
	f := loadParity(t, family+".json")
	parityMu.Lock()
	parityTorch[f.Torch] = true
	parityMu.Unlock()
	worst := map[string]*parityWorst{}
	for i := range f.Cases {
		c := &f.Cases[i]
		run, ok := parityOps[c.Op]
		if !ok {
			t.Errorf("case %s: no runner for op %q", c.Name, c.Op)
			continue
		}
		w := worst[c.Op]
		if w == nil {
			w = &parityWorst{}
			worst[c.Op] = w
		}
		w.cases++
		t.Run(c.Name, func(t *testing.T) {
			fwd, grad := runParityCase(t, c, run)
			if fwd > w.forward || w.fwdCase == "" {
				w.forward, w.fwdCase = fwd, c.Name
			}
			if grad > w.gradient || w.gradCase == "" {
				w.gradient, w.gradCase = grad, c.Name
			}
		})
	}
	parityMu.Lock()
	defer parityMu.Unlock()
	for _, op := range paritySortedKeys(worst) {
		t.Logf("parity %-20s %s", op, worst[op])
		parityTable[op] = worst[op]
	}
}

// runParityCase is the one helper every op goes through. It returns the
// worst relative errors of the forward outputs and of the gradients over
// three passes:
//
//   - heap: the inputs are leaves, as in torch;
//   - arena: the inputs come from an Arena and reach the op through an
//     identity op, so that the op's result and the gradients of its inputs
//     are arena buffers left over from an earlier pass and filled with NaN:
//     an element that forward or backward forgets to write shows;
//   - accumulate: the same leaves go through the op and backward a second
//     time, so every gradient must be twice torch's (torch accumulates too).
func runParityCase(t *testing.T, c *parityCase, run parityOp) (fwdErr, gradErr float64) {
	if len(c.Grads) == 0 {
		t.Fatalf("case %s has no gradients to compare", c.Name)
	}
	fwdErr, gradErr = parityPass(t, "heap", c, run, nil, 1)
	a := NewArena()
	parityPass(t, "arena (fresh)", c, run, a, 1) // fills the arena with this case's buffers
	for _, b := range a.used {
		for i := range b {
			b[i] = float32(math.NaN())
		}
	}
	a.Reset()
	f, g := parityPass(t, "arena (reused, NaN-filled)", c, run, a, 2)
	return max(fwdErr, f), max(gradErr, g)
}

// parityPass runs a case repeats times on the same inputs (from the arena
// when a is not nil), comparing the first forward and, after each
// backward, the accumulated gradients against repeats × torch's.
func parityPass(t *testing.T, pass string, c *parityCase, run parityOp, a *Arena, repeats int) (fwdErr, gradErr float64) {
	t.Helper()
	leaves := map[string]*Tensor{}
	for _, nt := range c.Inputs {
		x := nt.Tensor.tensor(t)
		if a != nil {
			x = a.FromSlice(x.Data(), x.Shape()...)
		}
		leaves[nt.Name] = x.SetRequiresGrad(nt.RequiresGrad)
	}
	r := c.Upstream.tensor(t)
	for rep := 1; rep <= repeats; rep++ {
		label := pass
		if rep > 1 {
			label = fmt.Sprintf("%s, accumulate ×%d", pass, rep)
		}
		in := leaves
		if a != nil { // reach the op through an intermediate, whose gradient lives in the arena
			in = map[string]*Tensor{}
			for name, x := range leaves {
				if x.RequiresGrad() {
					x = AddScalar(x, 0)
				}
				in[name] = x
			}
		}
		out, state := run(t, c, in)
		if rep == 1 {
			for _, o := range c.Outputs {
				got := out
				if o.Name != "out" {
					got = state[o.Name]
				}
				if got == nil {
					t.Fatalf("op %s returned no %q to compare", c.Op, o.Name)
				}
				e := compareParity(t, label+": forward "+o.Name, got, o.Tensor.tensor(t), 1, parityForwardTol)
				fwdErr = max(fwdErr, e)
			}
		}
		if !out.RequiresGrad() {
			t.Fatalf("%s: result of %s does not require gradients though its inputs do", label, c.Op)
		}
		if !sameShape(r.Shape(), out.Shape()) {
			t.Fatalf("upstream gradient %v for a result of shape %v", r.Shape(), out.Shape())
		}
		out.BackwardWith(r)

		compared := map[string]bool{}
		for _, g := range c.Grads {
			x := leaves[g.Name]
			if x == nil || x.Grad() == nil {
				t.Errorf("%s: no gradient for input %q", label, g.Name)
				continue
			}
			e := compareParity(t, label+": grad "+g.Name, x.Grad(), g.Tensor.tensor(t), float32(rep), parityGradTol)
			gradErr = max(gradErr, e)
			compared[g.Name] = true
		}
		for _, nt := range c.Inputs {
			switch {
			case nt.RequiresGrad && !compared[nt.Name]:
				t.Errorf("input %q requires gradients but the fixture has none for it", nt.Name)
			case !nt.RequiresGrad && leaves[nt.Name].Grad() != nil:
				t.Errorf("%s: input %q does not require gradients but got one", label, nt.Name)
			}
		}
	}
	return fwdErr, gradErr
}

// compareParity checks got against scale × torch's want (scale is exact:
// 1 or 2) and returns the relative error max|got−want| / max|want|.
func compareParity(t *testing.T, what string, got, want *Tensor, scale float32, tol float64) float64 {
	t.Helper()
	if !sameShape(got.Shape(), want.Shape()) {
		t.Errorf("%s: shape %v, torch %v", what, got.Shape(), want.Shape())
		return math.Inf(1)
	}
	w := want.Data()
	if scale != 1 {
		w = make([]float32, len(w))
		for i, v := range want.Data() {
			w[i] = v * scale
		}
	}
	rel, at := parityRelErr(got.Data(), w)
	if rel > tol {
		t.Errorf("%s: relative error %.3g > %.0e; worst at flat index %d: ours %.9g, torch %.9g",
			what, rel, tol, at, got.Data()[at], w[at])
	}
	return rel
}

// parityRelErr returns max|got−want| / max|want| (max|got−want| when want
// is all zeros) and the index of the largest difference. A NaN in got
// counts as an infinite error.
func parityRelErr(got, want []float32) (float64, int) {
	var diff, scale float64
	at := 0
	for i := range want {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		if d > diff {
			diff, at = d, i
		}
		scale = max(scale, math.Abs(float64(want[i])))
	}
	if scale == 0 {
		return diff, at
	}
	return diff / scale, at
}

func paritySortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// One test per op family.

func TestParityConv2d(t *testing.T)            { checkParity(t, "conv2d") }
func TestParityMaxPool2d(t *testing.T)         { checkParity(t, "max_pool2d") }
func TestParityAvgPool2d(t *testing.T)         { checkParity(t, "avg_pool2d") }
func TestParityAdaptiveAvgPool2d(t *testing.T) { checkParity(t, "adaptive_avg_pool2d") }
func TestParityLocalResponseNorm(t *testing.T) { checkParity(t, "local_response_norm") }
func TestParityBatchNorm(t *testing.T)         { checkParity(t, "batch_norm") }
func TestParitySoftmax(t *testing.T)           { checkParity(t, "softmax") }
func TestParityCrossEntropy(t *testing.T)      { checkParity(t, "cross_entropy") }
func TestParityLinear(t *testing.T)            { checkParity(t, "linear") }
func TestParityMatMul(t *testing.T)            { checkParity(t, "matmul") }
func TestParityBinary(t *testing.T)            { checkParity(t, "binary") }
func TestParityScalar(t *testing.T)            { checkParity(t, "scalar") }
func TestParityReLU(t *testing.T)              { checkParity(t, "relu") }
func TestParityReduce(t *testing.T)            { checkParity(t, "reduce") }
func TestParityConcat(t *testing.T)            { checkParity(t, "concat") }
func TestParityShape(t *testing.T)             { checkParity(t, "shape") }

// TestParityCoversEveryOp holds the fixtures and the op registry together:
// every differentiable op has PyTorch cases (dropout, whose random stream
// torch cannot share, is checked statistically below), every fixture file
// has its test, and every op named in a fixture has a runner.
func TestParityCoversEveryOp(t *testing.T) {
	covered := map[string]bool{}
	for _, fam := range parityFamilies {
		for _, c := range loadParity(t, fam+".json").Cases {
			covered[c.Op] = true
			if _, ok := parityOps[c.Op]; !ok {
				t.Errorf("%s.json case %s: op %q has no runner", fam, c.Name, c.Op)
			}
		}
	}
	for _, op := range Ops() {
		if op != opDropout && !covered[op] {
			t.Errorf("op %q has no PyTorch parity cases in %s (add them to tools/parity/gen_op_fixtures.py)", op, parityDir)
		}
	}
	files, err := filepath.Glob(filepath.Join(parityDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if fam := strings.TrimSuffix(filepath.Base(f), ".json"); !slices.Contains(parityFamilies, fam) {
			t.Errorf("%s is not in parityFamilies, so no test reads it", f)
		}
	}
	var size int64
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		size += fi.Size()
	}
	t.Logf("%d fixture files, %d bytes", len(files), size)
	if size > 1<<20 {
		t.Errorf("fixtures in %s total %d bytes; keep them under 1 MiB", parityDir, size)
	}
}

// TestParityDropout checks dropout's contract with torch where no shared
// random stream is possible: each element is kept with probability 1−p,
// survivors are scaled by exactly 1/(1−p), the gradient uses the same mask,
// and a seed repeats the mask.
func TestParityDropout(t *testing.T) {
	const n = 100000
	rng := NewRNG(7)
	x := RandU(rng, 1, 2, n) // never zero, so a zero output means dropped
	r := RandN(rng, 0, 1, n)
	worstSigma := 0.0
	for _, p := range []float64{0.1, 0.5, 0.8} {
		t.Run(fmt.Sprintf("p=%v", p), func(t *testing.T) {
			xi := x.Clone().SetRequiresGrad(true)
			out := Dropout(xi, p, NewRNG(42))
			scale := float32(1 / (1 - p))
			kept := 0
			var sumOut, sumX, varSum float64
			for i, v := range out.Data() {
				xv := xi.Data()[i]
				switch v {
				case 0:
				case xv * scale:
					kept++
				default:
					t.Fatalf("element %d: %v is neither 0 nor x·1/(1−p) = %v", i, v, xv*scale)
				}
				sumOut += float64(v)
				sumX += float64(xv)
				varSum += float64(xv) * float64(xv) * p / (1 - p)
			}
			// Binomial(n, 1−p): allow 6 standard deviations.
			frac := float64(kept) / n
			sd := math.Sqrt(p * (1 - p) / n)
			sigma := math.Abs(frac-(1-p)) / sd
			worstSigma = max(worstSigma, sigma)
			if sigma > 6 {
				t.Errorf("kept fraction %.5f, want %.5f ± %.5f (6σ)", frac, 1-p, 6*sd)
			}
			// Dropout keeps the expectation: Σout ≈ Σx within 6σ.
			if d := math.Abs(sumOut - sumX); d > 6*math.Sqrt(varSum) {
				t.Errorf("Σout = %.1f, Σx = %.1f: differ by %.1f > 6σ = %.1f", sumOut, sumX, d, 6*math.Sqrt(varSum))
			}
			out.BackwardWith(r)
			g := xi.Grad().Data()
			for i, v := range out.Data() {
				want := float32(0)
				if v != 0 {
					want = r.Data()[i] * scale
				}
				if g[i] != want {
					t.Fatalf("grad %d = %v, want %v (mask of the forward pass)", i, g[i], want)
				}
			}
			again := Dropout(x, p, NewRNG(42))
			if !slices.Equal(again.Data(), out.Data()) {
				t.Errorf("the same seed gave a different mask")
			}
			t.Logf("p=%v: kept %.5f (want %.5f, %.2fσ); survivors scaled by %v", p, frac, 1-p, sigma, scale)
		})
	}
	t.Run("p=0 is the identity", func(t *testing.T) {
		if out := Dropout(x, 0, NewRNG(1)); out != x {
			t.Errorf("Dropout(x, 0) did not return x")
		}
	})
	t.Run("p=1 drops everything", func(t *testing.T) {
		xi := x.Clone().SetRequiresGrad(true)
		out := Dropout(xi, 1, NewRNG(1))
		out.BackwardWith(r)
		for i, v := range out.Data() {
			if v != 0 || xi.Grad().Data()[i] != 0 {
				t.Fatalf("element %d: out %v grad %v, want 0", i, v, xi.Grad().Data()[i])
			}
		}
	})
	parityMu.Lock()
	parityNotes[opDropout] = fmt.Sprintf("statistical: kept fraction within %.2fσ of 1−p (n=%d), survivors ×1/(1−p) exactly", worstSigma, n)
	parityMu.Unlock()
}

// TestParitySummary prints the worst error of every op checked above, the
// table the project's notes quote. It runs last in this file, so it sees
// what the tests before it recorded (all of them unless -run filters).
func TestParitySummary(t *testing.T) {
	parityMu.Lock()
	defer parityMu.Unlock()
	if len(parityTable) == 0 && len(parityNotes) == 0 {
		t.Log("no parity test ran before this one (filtered by -run?), nothing to summarise")
		return
	}
	t.Logf("worst relative error against PyTorch %s, float32 (tolerance: forward %.0e, gradient %.0e)",
		strings.Join(paritySortedKeys(parityTorch), ", "), parityForwardTol, parityGradTol)
	for _, op := range paritySortedKeys(parityTable) {
		t.Logf("  %-20s %s", op, parityTable[op])
	}
	for _, op := range paritySortedKeys(parityNotes) {
		t.Logf("  %-20s %s", op, parityNotes[op])
	}
}
