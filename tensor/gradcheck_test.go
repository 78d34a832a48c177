package tensor

// Finite-difference gradient checks, in float64, for every differentiable op
// (every name in Ops()), on odd sizes.
//
// Each case runs one op on seeded random inputs and checks, against the
// naive float64 forward of internal/reference:
//
//   - the forward: max|ours − ref| ≤ 1e-5 · max|ref|;
//   - the gradient of L = Σ R⊙op(x), for a random R, with respect to every
//     input that requires it: max|ours − fd| ≤ 1e-4 · max|fd|, where fd is
//     the central difference of the float64 reference (step 1e-6);
//   - accumulation: a second, separately built graph (this time L is built
//     with Mul and Sum) adds to the leaves' gradients, as torch does;
//   - no graph: on inputs none of which requires gradients the op records
//     nothing and gives the same values;
//   - every element written: the op, run on intermediates (whose gradient
//     slots, like results, come from an Arena) with every arena buffer
//     poisoned with NaN beforehand, gives the same values and gradients.
//
// The float32 analytic gradients stay well within 1e-4 of the float64
// differences (about 3e-7 at worst; go test -v logs each op's largest), so
// no case loosens the tolerance. With -short the large cases, whose finite
// differences are taken at sampled elements, are skipped.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/convnet/convnet/internal/reference"
)

const (
	gcStep     = 1e-6 // central-difference step, relative to max(1, |x|)
	gcFwdTol   = 1e-5 // forward: max|ours − ref| / max|ref|
	gcGradTol  = 1e-4 // gradient: max|ours − fd| / max|fd|
	gcTinyNorm = 1e-6 // floor of the norms that errors are relative to
)

// gcInput is one input of a case: its values and whether it requires
// gradients (an input or a parameter) or not (a frozen one, running
// statistics).
type gcInput struct {
	base *Tensor
	grad bool
}

func gcVar(t *Tensor) gcInput    { return gcInput{base: t, grad: true} }
func gcFrozen(t *Tensor) gcInput { return gcInput{base: t} }

// gcCase checks one op on one set of inputs.
type gcCase struct {
	op, name string // op is the name in Ops() that fwd's result is recorded as
	in       []gcInput
	fwd      func(x []*Tensor) *Tensor
	ref      func(x []*reference.Array) *reference.Array
	sample   int // when > 0, take finite differences at this many random elements per input only
}

// leaves returns fresh copies of the inputs, requiring gradients as the
// case says when withGrad is set.
func (c *gcCase) leaves(withGrad bool) []*Tensor {
	ts := make([]*Tensor, len(c.in))
	for i, in := range c.in {
		ts[i] = in.base.Clone().SetRequiresGrad(withGrad && in.grad)
	}
	return ts
}

func (c *gcCase) refInputs() []*reference.Array {
	as := make([]*reference.Array, len(c.in))
	for i, in := range c.in {
		as[i] = gcToRef(in.base)
	}
	return as
}

func gcToRef(t *Tensor) *reference.Array { return reference.FromFloat32(t.data, t.shape...) }

// gcResult is what one case measured.
type gcResult struct {
	op, name  string
	fwd, grad float64
}

// gcRelErr returns max|got − want| / max(max|want|, gcTinyNorm) over the
// indexes idx (all when nil); a NaN or an infinity anywhere makes it +Inf.
func gcRelErr(got []float32, want []float64, idx []int) float64 {
	var diff, norm float64
	bad := false
	check := func(i int) {
		g := float64(got[i])
		if math.IsNaN(g) || math.IsInf(g, 0) {
			bad = true // and max would carry the NaN, which compares false
			return
		}
		diff = max(diff, math.Abs(g-want[i]))
		norm = max(norm, math.Abs(want[i]))
	}
	if idx == nil {
		for i := range want {
			check(i)
		}
	} else {
		for _, i := range idx {
			check(i)
		}
	}
	if bad {
		return math.Inf(1)
	}
	return diff / max(norm, gcTinyNorm)
}

// gcDot returns Σ r⊙y in float64.
func gcDot(y *reference.Array, r []float32) float64 {
	var s float64
	for i, v := range y.Data {
		s += float64(r[i]) * v
	}
	return s
}

// gcFiniteDiff returns, at each index of idx, the central difference of
// Σ r⊙ref(x) with respect to element k of input which (the rest is zero).
func gcFiniteDiff(c *gcCase, x []*reference.Array, which int, r []float32, idx []int) []float64 {
	a := x[which]
	fd := make([]float64, a.Len())
	for _, k := range idx {
		orig := a.Data[k]
		h := gcStep * max(1, math.Abs(orig))
		a.Data[k] = orig + h
		plus := gcDot(c.ref(x), r)
		a.Data[k] = orig - h
		minus := gcDot(c.ref(x), r)
		a.Data[k] = orig
		fd[k] = (plus - minus) / (2 * h)
	}
	return fd
}

func gcSameShape(t *testing.T, what string, got, want []int) bool {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: shape %v, reference %v", what, got, want)
		return false
	}
	return true
}

func runGradCase(t *testing.T, c *gcCase, seed uint64) gcResult {
	res := gcResult{op: c.op, name: c.name}
	rng := NewRNG(seed)
	ins := c.leaves(true)
	anyGrad := false
	for _, in := range c.in {
		anyGrad = anyGrad || in.grad
	}
	out := c.fwd(ins)
	if anyGrad && (out.node == nil || out.node.op != c.op) {
		got := "no op"
		if out.node != nil {
			got = out.node.op
		}
		t.Fatalf("result recorded as %s, want %s", got, c.op)
	}
	fwdData := append([]float32(nil), out.data...)

	// (a) the forward against the float64 reference.
	x := c.refInputs()
	want := c.ref(x)
	if !gcSameShape(t, "forward", out.shape, want.Shape) {
		return res
	}
	res.fwd = gcRelErr(out.data, want.Data, nil)
	if res.fwd > gcFwdTol {
		t.Errorf("forward: relative error %.3g > %g", res.fwd, gcFwdTol)
	}

	// (b) the gradients of Σ R⊙out against finite differences.
	r := RandU(rng, -1, 1, out.shape...)
	out.BackwardWith(r)
	first := make([][]float32, len(ins))
	for i, in := range c.in {
		if !in.grad {
			if ins[i].grad != nil {
				t.Errorf("input %d does not require grad but got one", i)
			}
			continue
		}
		g := ins[i].Grad()
		if g == nil {
			t.Errorf("input %d: no gradient", i)
			continue
		}
		if !gcSameShape(t, fmt.Sprintf("gradient of input %d", i), g.shape, in.base.shape) {
			continue
		}
		first[i] = append([]float32(nil), g.data...)
		var idx []int
		if c.sample > 0 && c.sample < in.base.Len() {
			idx = rng.Perm(in.base.Len())[:c.sample]
		} else {
			idx = make([]int, in.base.Len())
			for k := range idx {
				idx[k] = k
			}
		}
		fd := gcFiniteDiff(c, x, i, r.data, idx)
		e := gcRelErr(g.data, fd, idx)
		res.grad = max(res.grad, e)
		if e > gcGradTol {
			t.Errorf("gradient of input %d %v: relative error %.3g > %g", i, in.base.shape, e, gcGradTol)
		}
	}

	// Accumulation: a second graph over the same leaves adds to their
	// gradients. Its loss is built from tensor ops: L = Σ R⊙op(x).
	loss := Sum(Mul(c.fwd(ins), r))
	loss.Backward()
	for i := range c.in {
		if first[i] == nil {
			continue
		}
		twice := make([]float64, len(first[i]))
		for k, v := range first[i] {
			twice[k] = 2 * float64(v)
		}
		if e := gcRelErr(ins[i].grad.data, twice, nil); e > 1e-6 {
			t.Errorf("input %d: two backward passes give %.3g relative error from twice one", i, e)
		}
	}

	// No graph: none of the inputs requires gradients.
	frozen := c.fwd(c.leaves(false))
	if !frozen.IsLeaf() || frozen.RequiresGrad() {
		t.Errorf("op on inputs that need no gradients recorded a graph (leaf %v, requires grad %v)",
			frozen.IsLeaf(), frozen.RequiresGrad())
	}
	if !slices.Equal(frozen.data, fwdData) {
		t.Errorf("forward without gradients differs from forward with them")
	}

	gcDirtyArena(t, c, r, fwdData, first)
	return res
}

// gcDirtyArena runs the case on intermediates in an Arena whose every buffer
// holds NaN (index buffers: an index out of range), so that an op that
// leaves an element of its result, or of an input's fresh gradient slot,
// unwritten is caught.
func gcDirtyArena(t *testing.T, c *gcCase, r *Tensor, fwdData []float32, first [][]float32) {
	a := NewArena()
	run := func() ([]*Tensor, *Tensor) {
		leaves := make([]*Tensor, len(c.in))
		ins := make([]*Tensor, len(c.in))
		for i, in := range c.in {
			leaves[i] = a.FromSlice(in.base.data, in.base.shape...)
			ins[i] = leaves[i]
			if in.grad {
				leaves[i].SetRequiresGrad(true)
				ins[i] = MulScalar(leaves[i], 1) // an intermediate: its gradient slot comes from the arena
			}
		}
		out := c.fwd(ins)
		if out.requiresGrad {
			out.BackwardWith(r)
		}
		return leaves, out
	}
	run()
	for _, b := range a.used {
		for i := range b {
			b[i] = float32(math.NaN())
		}
	}
	for _, b := range a.usedInts {
		for i := range b {
			b[i] = math.MaxInt32
		}
	}
	a.Reset()
	leaves, out := run()
	if !slices.Equal(out.data, fwdData) {
		t.Errorf("forward in a dirty arena differs: an element of the result is left unwritten")
	}
	for i, g := range first {
		if g == nil {
			continue
		}
		want := make([]float64, len(g))
		for k, v := range g {
			want[k] = float64(v)
		}
		if e := gcRelErr(leaves[i].grad.data, want, nil); e > 1e-6 {
			t.Errorf("input %d: gradient through a dirty arena is off by %.3g: a fresh gradient slot is not fully written", i, e)
		}
	}
}

func TestGradCheck(t *testing.T) {
	cases := gradCases()
	var results []gcResult
	for i := range cases {
		c := &cases[i]
		t.Run(c.op+"/"+c.name, func(t *testing.T) {
			if c.sample > 0 && testing.Short() {
				t.Skip("large case, sampled finite differences")
			}
			results = append(results, runGradCase(t, c, uint64(1000+i)))
		})
	}
	// For the record (go test -v): per op, the case with the largest
	// gradient error, and the largest forward error over its cases.
	worst := map[string]gcResult{}
	fwd := map[string]float64{}
	for _, r := range results {
		if w, ok := worst[r.op]; !ok || r.grad >= w.grad {
			worst[r.op] = r
		}
		fwd[r.op] = max(fwd[r.op], r.fwd)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-20s %-44s %9s %9s %9s\n", "op", "worst-gradient case", "grad err", "fwd err", "max fwd")
	for _, op := range Ops() {
		if r, ok := worst[op]; ok {
			fmt.Fprintf(&b, "%-20s %-44s %9.2e %9.2e %9.2e\n", op, r.name, r.grad, r.fwd, fwd[op])
		}
	}
	t.Logf("%d cases; relative errors:\n%s", len(results), b.String())
}

// TestGradCheckCoversEveryOp fails when an op registered with a backward has
// no gradient check, or a case names an op that is not registered.
func TestGradCheckCoversEveryOp(t *testing.T) {
	covered := map[string]int{}
	for _, c := range gradCases() {
		covered[c.op]++
	}
	for _, op := range Ops() {
		if covered[op] == 0 {
			t.Errorf("op %q has no gradient check case", op)
		}
		delete(covered, op)
	}
	for op := range covered {
		t.Errorf("gradient check cases for %q, which is not a registered op", op)
	}
}

// gcGen makes seeded inputs.
type gcGen struct{ rng *rand.Rand }

func (g gcGen) normal(shape ...int) *Tensor { return RandN(g.rng, 0, 1, shape...) }

func (g gcGen) uniform(lo, hi float32, shape ...int) *Tensor { return RandU(g.rng, lo, hi, shape...) }

// nonzero draws |v| ∈ [0.2, 1.2) with a random sign: far from ReLU's kink
// and from a zero denominator.
func (g gcGen) nonzero(shape ...int) *Tensor {
	t := g.uniform(0.2, 1.2, shape...)
	for i := range t.data {
		if g.rng.IntN(2) == 0 {
			t.data[i] = -t.data[i]
		}
	}
	return t
}

// distinct is a shuffled even grid over [−1, 1]: no two elements are within
// 2/n of each other, so a max-pooling window never ties and the finite
// differences never move its maximum. Half the values are negative, so a
// padding that counted as 0 would win somewhere.
func (g gcGen) distinct(shape ...int) *Tensor {
	t := New(shape...)
	n := len(t.data)
	for i, p := range g.rng.Perm(n) {
		t.data[i] = float32(-1 + 2*(float64(p)+0.5)/float64(n))
	}
	return t
}

func gcUnary(op, name string, x gcInput, fwd func(*Tensor) *Tensor, ref func(*reference.Array) *reference.Array) gcCase {
	return gcCase{op: op, name: name, in: []gcInput{x},
		fwd: func(x []*Tensor) *Tensor { return fwd(x[0]) },
		ref: func(x []*reference.Array) *reference.Array { return ref(x[0]) }}
}

func gcBinary(op, name string, a, b gcInput, fwd func(a, b *Tensor) *Tensor, ref func(a, b *reference.Array) *reference.Array) gcCase {
	return gcCase{op: op, name: name, in: []gcInput{a, b},
		fwd: func(x []*Tensor) *Tensor { return fwd(x[0], x[1]) },
		ref: func(x []*reference.Array) *reference.Array { return ref(x[0], x[1]) }}
}

// gcConvRef turns ConvOptions into the reference's explicit parameters,
// with torch's defaults for the zero values.
func gcConvRef(o ConvOptions) reference.ConvParams {
	p := reference.ConvParams{Stride: o.Stride, Padding: o.Padding, Dilation: o.Dilation, Groups: max(o.Groups, 1)}
	for i := range 2 {
		p.Stride[i] = max(p.Stride[i], 1)
		p.Dilation[i] = max(p.Dilation[i], 1)
	}
	return p
}

// gcConv is a conv2d case; in holds x, w and optionally the bias.
func gcConv(name string, o ConvOptions, sample int, in ...gcInput) gcCase {
	p := gcConvRef(o)
	return gcCase{op: opConv2d, name: name, in: in, sample: sample,
		fwd: func(x []*Tensor) *Tensor {
			var b *Tensor
			if len(x) > 2 {
				b = x[2]
			}
			return Conv2d(x[0], x[1], b, o)
		},
		ref: func(x []*reference.Array) *reference.Array {
			var b *reference.Array
			if len(x) > 2 {
				b = x[2]
			}
			return reference.Conv2d(x[0], x[1], b, p)
		}}
}

// gcPoolRef turns PoolOptions into the reference's explicit parameters: a
// zero stride is the kernel, a zero dilation 1.
func gcPoolRef(o PoolOptions) reference.PoolParams {
	p := reference.PoolParams{Kernel: o.Kernel, Stride: o.Stride, Padding: o.Padding, Dilation: o.Dilation,
		CeilMode: o.CeilMode, CountIncludePad: o.CountIncludePad, DivisorOverride: o.DivisorOverride}
	for i := range 2 {
		if p.Stride[i] == 0 {
			p.Stride[i] = p.Kernel[i]
		}
		p.Dilation[i] = max(p.Dilation[i], 1)
	}
	return p
}

func gcMaxPool(name string, x *Tensor, o PoolOptions, sample int) gcCase {
	c := gcUnary(opMaxPool2d, name, gcVar(x), func(x *Tensor) *Tensor { return MaxPool2d(x, o) },
		func(x *reference.Array) *reference.Array { return reference.MaxPool2d(x, gcPoolRef(o)) })
	c.sample = sample
	return c
}

func gcAvgPool(name string, x *Tensor, o PoolOptions) gcCase {
	return gcUnary(opAvgPool2d, name, gcVar(x), func(x *Tensor) *Tensor { return AvgPool2d(x, o) },
		func(x *reference.Array) *reference.Array { return reference.AvgPool2d(x, gcPoolRef(o)) })
}

func gcAdaptive(name string, x *Tensor, oh, ow int) gcCase {
	return gcUnary(opAdaptiveAvgPool2d, name, gcVar(x), func(x *Tensor) *Tensor { return AdaptiveAvgPool2d(x, oh, ow) },
		func(x *reference.Array) *reference.Array { return reference.AdaptiveAvgPool2d(x, oh, ow) })
}

func gcLRN(name string, x *Tensor, size int, alpha, beta, k float64) gcCase {
	return gcUnary(opLocalResponseNorm, name, gcVar(x),
		func(x *Tensor) *Tensor { return LocalResponseNorm(x, size, alpha, beta, k) },
		func(x *reference.Array) *reference.Array { return reference.LocalResponseNorm(x, size, alpha, beta, k) })
}

// gcBatchNorm is a batch_norm case. The inputs are x, then weight and bias
// when affine, then the running mean and variance when given.
func gcBatchNorm(name string, training, affine, running bool, in ...gcInput) gcCase {
	return gcBatchNormOp(opBatchNorm, BatchNorm, func(a *reference.Array) *reference.Array { return a },
		name, training, affine, running, in...)
}

// gcBatchNormReLU is a batch_norm_relu case, with gcBatchNorm's inputs.
func gcBatchNormReLU(name string, training, affine, running bool, in ...gcInput) gcCase {
	return gcBatchNormOp(opBatchNormReLU, BatchNormReLU, reference.ReLU, name, training, affine, running, in...)
}

func gcBatchNormOp(op string, norm func(x, w, b, rm, rv *Tensor, o BatchNormOptions) *Tensor,
	after func(*reference.Array) *reference.Array, name string, training, affine, running bool, in ...gcInput) gcCase {
	o := BatchNormOptions{Training: training, Momentum: 0.1, Eps: 1e-5}
	p := reference.BatchNormParams{Training: training, Momentum: 0.1, Eps: 1e-5}
	return gcCase{op: op, name: name, in: in,
		fwd: func(x []*Tensor) *Tensor {
			var w, b, rm, rv *Tensor
			rest := x[1:]
			if affine {
				w, b, rest = rest[0], rest[1], rest[2:]
			}
			if running {
				rm, rv = rest[0], rest[1]
			}
			return norm(x[0], w, b, rm, rv, o)
		},
		ref: func(x []*reference.Array) *reference.Array {
			var w, b, rm, rv *reference.Array
			rest := x[1:]
			if affine {
				w, b, rest = rest[0], rest[1], rest[2:]
			}
			if running {
				rm, rv = rest[0], rest[1]
			}
			y, _, _ := reference.BatchNorm(x[0], w, b, rm, rv, p)
			return after(y)
		}}
}

func gcConcat(name string, axis int, in ...gcInput) gcCase {
	return gcCase{op: opConcat, name: name, in: in,
		fwd: func(x []*Tensor) *Tensor { return Concat(x, axis) },
		ref: func(x []*reference.Array) *reference.Array { return reference.Concat(x, axis) }}
}

func gcSoftmax(name string, logForm bool, x *Tensor, axis int) gcCase {
	if logForm {
		return gcUnary(opLogSoftmax, name, gcVar(x), func(x *Tensor) *Tensor { return LogSoftmax(x, axis) },
			func(x *reference.Array) *reference.Array { return reference.LogSoftmax(x, axis) })
	}
	return gcUnary(opSoftmax, name, gcVar(x), func(x *Tensor) *Tensor { return Softmax(x, axis) },
		func(x *reference.Array) *reference.Array { return reference.Softmax(x, axis) })
}

func gcCrossEntropy(name string, logits *Tensor, targets []int, o CrossEntropyOptions) gcCase {
	return gcUnary(opCrossEntropy, name, gcVar(logits),
		func(x *Tensor) *Tensor {
			loss, err := CrossEntropy(x, targets, o)
			if err != nil {
				panic(err)
			}
			return loss
		},
		func(x *reference.Array) *reference.Array {
			return reference.CrossEntropy(x, targets, o.Reduction == ReduceMean, o.LabelSmoothing)
		})
}

// gcDropout is a dropout case: the mask is the one the op draws from the
// seed, recovered from the ratio of its output to its input.
func gcDropout(name string, x *Tensor, p float64, seed uint64) gcCase {
	keep := gcDropoutMask(x, p, seed)
	return gcUnary(opDropout, name, gcVar(x), func(x *Tensor) *Tensor { return Dropout(x, p, NewRNG(seed)) },
		func(x *reference.Array) *reference.Array { return reference.Dropout(x, keep, p) })
}

// gcDropoutMask runs Dropout on x (whose elements must be nonzero) and
// returns which elements it kept; it panics when a ratio out/x is neither 0
// nor 1/(1−p).
func gcDropoutMask(x *Tensor, p float64, seed uint64) []bool {
	y := Dropout(x.Clone(), p, NewRNG(seed))
	keep := make([]bool, x.Len())
	for i, v := range y.data {
		ratio := float64(v) / float64(x.data[i])
		switch {
		case ratio == 0:
		case math.Abs(ratio*(1-p)-1) < 1e-6:
			keep[i] = true
		default:
			panic(fmt.Sprintf("dropout ratio %v at %d is neither 0 nor 1/(1-p) for p=%v", ratio, i, p))
		}
	}
	return keep
}

// gradCases is the table: at least one case for every op in Ops().
func gradCases() []gcCase {
	g := gcGen{rng: NewRNG(20240601)}
	R := func(shape ...int) func(*reference.Array) *reference.Array {
		return func(x *reference.Array) *reference.Array { return reference.Reshape(x, shape...) }
	}
	cs := []gcCase{
		// Element-wise arithmetic with numpy broadcasting.
		gcBinary(opAdd, "(2,3,4,5)+(3,1,1)", gcVar(g.normal(2, 3, 4, 5)), gcVar(g.normal(3, 1, 1)), Add, reference.Add),
		gcBinary(opAdd, "(4)+(2,4)", gcVar(g.normal(4)), gcVar(g.normal(2, 4)), Add, reference.Add),
		gcBinary(opAdd, "(3,5)+(3,5)", gcVar(g.normal(3, 5)), gcVar(g.normal(3, 5)), Add, reference.Add),
		gcBinary(opAddReLU, "relu((3,5)+(3,5))", gcVar(g.normal(3, 5)), gcVar(g.normal(3, 5)), AddReLU,
			func(a, b *reference.Array) *reference.Array { return reference.ReLU(reference.Add(a, b)) }),
		gcBinary(opAddReLU, "relu((2,3,4,5)+frozen)", gcVar(g.normal(2, 3, 4, 5)), gcFrozen(g.normal(2, 3, 4, 5)), AddReLU,
			func(a, b *reference.Array) *reference.Array { return reference.ReLU(reference.Add(a, b)) }),
		gcBinary(opAdd, "(3,1)+(1,7)", gcVar(g.normal(3, 1)), gcVar(g.normal(1, 7)), Add, reference.Add),
		gcBinary(opAdd, "()+(2,3)", gcVar(g.normal()), gcVar(g.normal(2, 3)), Add, reference.Add),
		gcBinary(opAdd, "(3,5)+frozen (5)", gcVar(g.normal(3, 5)), gcFrozen(g.normal(5)), Add, reference.Add),
		gcBinary(opSub, "(2,1,5)-(3,1)", gcVar(g.normal(2, 1, 5)), gcVar(g.normal(3, 1)), Sub, reference.Sub),
		gcBinary(opSub, "(3,7)-(7)", gcVar(g.normal(3, 7)), gcVar(g.normal(7)), Sub, reference.Sub),
		gcBinary(opSub, "frozen (3,5)-(3,5)", gcFrozen(g.normal(3, 5)), gcVar(g.normal(3, 5)), Sub, reference.Sub),
		gcBinary(opMul, "(5,1,3)*(4,3)", gcVar(g.normal(5, 1, 3)), gcVar(g.normal(4, 3)), Mul, reference.Mul),
		gcBinary(opMul, "(2,3,4,5)*frozen (3,1,1)", gcVar(g.normal(2, 3, 4, 5)), gcFrozen(g.normal(3, 1, 1)), Mul, reference.Mul),
		gcBinary(opMul, "(7,3)*(7,3)", gcVar(g.normal(7, 3)), gcVar(g.normal(7, 3)), Mul, reference.Mul),
		gcUnary(opMul, "x*x", gcVar(g.normal(3, 5)), func(x *Tensor) *Tensor { return Mul(x, x) },
			func(x *reference.Array) *reference.Array { return reference.Mul(x, x) }),
		gcBinary(opDiv, "(3,5)/(5)", gcVar(g.normal(3, 5)), gcVar(g.nonzero(5)), Div, reference.Div),
		gcBinary(opDiv, "(1,5)/(3,1)", gcVar(g.normal(1, 5)), gcVar(g.nonzero(3, 1)), Div, reference.Div),
		gcBinary(opDiv, "(4)/(2,4)", gcVar(g.normal(4)), gcVar(g.nonzero(2, 4)), Div, reference.Div),
		gcBinary(opDiv, "(7,3)/(7,3)", gcVar(g.normal(7, 3)), gcVar(g.nonzero(7, 3)), Div, reference.Div),
		gcUnary(opAdd, "x+x", gcVar(g.normal(3, 5)), func(x *Tensor) *Tensor { return Add(x, x) },
			func(x *reference.Array) *reference.Array { return reference.Add(x, x) }),

		gcUnary(opAddScalar, "(3,5,2)+0.75", gcVar(g.normal(3, 5, 2)), func(x *Tensor) *Tensor { return AddScalar(x, 0.75) },
			func(x *reference.Array) *reference.Array { return reference.AddScalar(x, 0.75) }),
		gcUnary(opMulScalar, "(7,3)*-1.5", gcVar(g.normal(7, 3)), func(x *Tensor) *Tensor { return MulScalar(x, -1.5) },
			func(x *reference.Array) *reference.Array { return reference.MulScalar(x, -1.5) }),
		gcUnary(opMulScalar, "Neg (2,3,5)", gcVar(g.normal(2, 3, 5)), Neg,
			func(x *reference.Array) *reference.Array { return reference.MulScalar(x, -1) }),
		gcUnary(opReLU, "(3,7,5)", gcVar(g.nonzero(3, 7, 5)), ReLU, reference.ReLU),
		gcUnary(opReLU, "(2,3,4,5)", gcVar(g.nonzero(2, 3, 4, 5)), ReLU, reference.ReLU),

		// Shapes.
		gcUnary(opReshape, "(3,4,5) to (6,-1)", gcVar(g.normal(3, 4, 5)), func(x *Tensor) *Tensor { return Reshape(x, 6, -1) }, R(6, 10)),
		gcUnary(opReshape, "Flatten (2,3,7,5)", gcVar(g.normal(2, 3, 7, 5)), Flatten, R(2, 105)),
		gcUnary(opReshape, "View (3,5,7) as (105)", gcVar(g.normal(3, 5, 7)), func(x *Tensor) *Tensor { return View(x, 105) }, R(105)),
		gcUnary(opTranspose, "(7,5)", gcVar(g.normal(7, 5)), Transpose, reference.Transpose),
		gcUnary(opTranspose, "(1,5)", gcVar(g.normal(1, 5)), Transpose, reference.Transpose),
		gcUnary(opTranspose, "(37,33) past one block", gcVar(g.normal(37, 33)), Transpose, reference.Transpose),
		gcUnary(opNarrow, "(5,3,2) [1,4)", gcVar(g.normal(5, 3, 2)), func(x *Tensor) *Tensor { return Narrow(x, 1, 3) },
			func(x *reference.Array) *reference.Array { return reference.Narrow(x, 1, 3) }),
		gcUnary(opNarrow, "(4,7) whole", gcVar(g.normal(4, 7)), func(x *Tensor) *Tensor { return Narrow(x, 0, 4) },
			func(x *reference.Array) *reference.Array { return reference.Narrow(x, 0, 4) }),
		gcUnary(opNarrow, "(3,2,2) last", gcVar(g.normal(3, 2, 2)), func(x *Tensor) *Tensor { return Narrow(x, 2, 1) },
			func(x *reference.Array) *reference.Array { return reference.Narrow(x, 2, 1) }),

		// Reductions.
		gcUnary(opSum, "Sum (3,5,7)", gcVar(g.normal(3, 5, 7)), Sum, reference.Sum),
		gcUnary(opSum, "Mean (2,3,5)", gcVar(g.normal(2, 3, 5)), Mean, reference.Mean),
		gcUnary(opSumAxis, "(3,5,7) axis 0", gcVar(g.normal(3, 5, 7)), func(x *Tensor) *Tensor { return SumAxis(x, 0, false) },
			func(x *reference.Array) *reference.Array { return reference.SumAxis(x, 0, false) }),
		gcUnary(opSumAxis, "(3,5,7) axis 1 keepdim", gcVar(g.normal(3, 5, 7)), func(x *Tensor) *Tensor { return SumAxis(x, 1, true) },
			func(x *reference.Array) *reference.Array { return reference.SumAxis(x, 1, true) }),
		gcUnary(opSumAxis, "(3,5,7) axis -1", gcVar(g.normal(3, 5, 7)), func(x *Tensor) *Tensor { return SumAxis(x, -1, false) },
			func(x *reference.Array) *reference.Array { return reference.SumAxis(x, -1, false) }),
		gcUnary(opSumAxis, "(7) axis 0 to scalar", gcVar(g.normal(7)), func(x *Tensor) *Tensor { return SumAxis(x, 0, false) },
			func(x *reference.Array) *reference.Array { return reference.SumAxis(x, 0, false) }),
		gcUnary(opSumAxis, "MeanAxis (3,5,7) axis 2 keepdim", gcVar(g.normal(3, 5, 7)), func(x *Tensor) *Tensor { return MeanAxis(x, 2, true) },
			func(x *reference.Array) *reference.Array { return reference.MeanAxis(x, 2, true) }),
		gcUnary(opSumAxis, "MeanAxis (3,5) axis 0", gcVar(g.normal(3, 5)), func(x *Tensor) *Tensor { return MeanAxis(x, 0, false) },
			func(x *reference.Array) *reference.Array { return reference.MeanAxis(x, 0, false) }),

		// Matrix products.
		gcBinary(opMatMul, "(3,5)x(5,7)", gcVar(g.normal(3, 5)), gcVar(g.normal(5, 7)), MatMul, reference.MatMul),
		gcBinary(opMatMul, "(7,1)x(1,3)", gcVar(g.normal(7, 1)), gcVar(g.normal(1, 3)), MatMul, reference.MatMul),
		gcBinary(opMatMul, "(1,1)x(1,1)", gcVar(g.normal(1, 1)), gcVar(g.normal(1, 1)), MatMul, reference.MatMul),
		gcBinary(opMatMul, "(4,6)x frozen (6,3)", gcVar(g.normal(4, 6)), gcFrozen(g.normal(6, 3)), MatMul, reference.MatMul),
		gcBinary(opMatMul, "frozen (4,6)x(6,3)", gcFrozen(g.normal(4, 6)), gcVar(g.normal(6, 3)), MatMul, reference.MatMul),
		func() gcCase {
			c := gcBinary(opMatMul, "(67,61)x(61,65) parallel, sampled", gcVar(g.normal(67, 61)), gcVar(g.normal(61, 65)), MatMul, reference.MatMul)
			c.sample = 40
			return c
		}(),
		gcCase{op: opLinear, name: "x(3,5) w(7,5) b(7)", in: []gcInput{gcVar(g.normal(3, 5)), gcVar(g.normal(7, 5)), gcVar(g.normal(7))},
			fwd: func(x []*Tensor) *Tensor { return Linear(x[0], x[1], x[2]) },
			ref: func(x []*reference.Array) *reference.Array { return reference.Linear(x[0], x[1], x[2]) }},
		gcCase{op: opLinear, name: "x(2,5) w(3,5) no bias", in: []gcInput{gcVar(g.normal(2, 5)), gcVar(g.normal(3, 5))},
			fwd: func(x []*Tensor) *Tensor { return Linear(x[0], x[1], nil) },
			ref: func(x []*reference.Array) *reference.Array { return reference.Linear(x[0], x[1], nil) }},
		gcCase{op: opLinear, name: "frozen x(3,5) w(7,5) b(7)", in: []gcInput{gcFrozen(g.normal(3, 5)), gcVar(g.normal(7, 5)), gcVar(g.normal(7))},
			fwd: func(x []*Tensor) *Tensor { return Linear(x[0], x[1], x[2]) },
			ref: func(x []*reference.Array) *reference.Array { return reference.Linear(x[0], x[1], x[2]) }},
		gcCase{op: opLinear, name: "x(3,5) frozen w(7,5) b(7)", in: []gcInput{gcVar(g.normal(3, 5)), gcFrozen(g.normal(7, 5)), gcFrozen(g.normal(7))},
			fwd: func(x []*Tensor) *Tensor { return Linear(x[0], x[1], x[2]) },
			ref: func(x []*reference.Array) *reference.Array { return reference.Linear(x[0], x[1], x[2]) }},
		gcCase{op: opLinear, name: "x(1,1) w(1,1) b(1)", in: []gcInput{gcVar(g.normal(1, 1)), gcVar(g.normal(1, 1)), gcVar(g.normal(1))},
			fwd: func(x []*Tensor) *Tensor { return Linear(x[0], x[1], x[2]) },
			ref: func(x []*reference.Array) *reference.Array { return reference.Linear(x[0], x[1], x[2]) }},
		gcCase{op: opLinear, name: "x(37,71) w(67,71) b(67) parallel, sampled", sample: 40,
			in:  []gcInput{gcVar(g.normal(37, 71)), gcVar(g.normal(67, 71)), gcVar(g.normal(67))},
			fwd: func(x []*Tensor) *Tensor { return Linear(x[0], x[1], x[2]) },
			ref: func(x []*reference.Array) *reference.Array { return reference.Linear(x[0], x[1], x[2]) }},

		// Convolution.
		gcConv("x(2,3,7,5) w(4,3,3,3) b", ConvOptions{}, 0, gcVar(g.normal(2, 3, 7, 5)), gcVar(g.normal(4, 3, 3, 3)), gcVar(g.normal(4))),
		gcConv("stride 2 pad 1, batch 3", ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, 0,
			gcVar(g.normal(3, 3, 7, 5)), gcVar(g.normal(5, 3, 3, 3)), gcVar(g.normal(5))),
		gcConv("k(3,2) stride (2,3) pad (1,2)", ConvOptions{Stride: [2]int{2, 3}, Padding: [2]int{1, 2}}, 0,
			gcVar(g.normal(2, 3, 7, 5)), gcVar(g.normal(4, 3, 3, 2)), gcVar(g.normal(4))),
		gcConv("dilation 2 pad 2", ConvOptions{Padding: [2]int{2, 2}, Dilation: [2]int{2, 2}}, 0,
			gcVar(g.normal(2, 3, 7, 5)), gcVar(g.normal(4, 3, 3, 3)), gcVar(g.normal(4))),
		gcConv("dilation (2,1) stride (1,2) k(2,3)", ConvOptions{Stride: [2]int{1, 2}, Dilation: [2]int{2, 1}}, 0,
			gcVar(g.normal(2, 3, 9, 7)), gcVar(g.normal(3, 3, 2, 3)), gcVar(g.normal(3))),
		gcConv("groups 3 pad 1", ConvOptions{Padding: [2]int{1, 1}, Groups: 3}, 0,
			gcVar(g.normal(2, 6, 7, 5)), gcVar(g.normal(9, 2, 3, 3)), gcVar(g.normal(9))),
		gcConv("depthwise stride 2", ConvOptions{Stride: [2]int{2, 2}, Groups: 3}, 0,
			gcVar(g.normal(2, 3, 7, 5)), gcVar(g.normal(3, 1, 3, 3)), gcVar(g.normal(3))),
		gcConv("pointwise 1x1", ConvOptions{}, 0, gcVar(g.normal(2, 3, 7, 5)), gcVar(g.normal(4, 3, 1, 1)), gcVar(g.normal(4))),
		gcConv("pointwise 1x1 groups 3", ConvOptions{Groups: 3}, 0,
			gcVar(g.normal(3, 6, 5, 7)), gcVar(g.normal(6, 2, 1, 1)), gcVar(g.normal(6))),
		gcConv("1x1 stride 2", ConvOptions{Stride: [2]int{2, 2}}, 0, gcVar(g.normal(2, 3, 7, 5)), gcVar(g.normal(4, 3, 1, 1))),
		gcConv("batch 1 k(5,3) pad (2,1) no bias", ConvOptions{Padding: [2]int{2, 1}}, 0,
			gcVar(g.normal(1, 3, 7, 5)), gcVar(g.normal(2, 3, 5, 3))),
		gcConv("frozen input", ConvOptions{Padding: [2]int{1, 1}}, 0,
			gcFrozen(g.normal(2, 3, 7, 5)), gcVar(g.normal(4, 3, 3, 3)), gcVar(g.normal(4))),
		gcConv("frozen weight and bias", ConvOptions{Stride: [2]int{2, 1}}, 0,
			gcVar(g.normal(2, 3, 7, 5)), gcFrozen(g.normal(4, 3, 3, 3)), gcFrozen(g.normal(4))),
		gcConv("frozen weight pointwise groups", ConvOptions{Groups: 2}, 0,
			gcVar(g.normal(2, 4, 3, 5)), gcFrozen(g.normal(6, 2, 1, 1))),
		gcConv("kernel covers input", ConvOptions{}, 0, gcVar(g.normal(2, 3, 5, 3)), gcVar(g.normal(2, 3, 5, 3)), gcVar(g.normal(2))),
		gcConv("x(2,8,11,9) w(24,8,3,3) parallel, sampled", ConvOptions{Padding: [2]int{1, 1}}, 40,
			gcVar(g.normal(2, 8, 11, 9)), gcVar(g.normal(24, 8, 3, 3)), gcVar(g.normal(24))),

		// Pooling.
		gcMaxPool("k3 s2", g.distinct(2, 3, 7, 5), PoolOptions{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}}, 0),
		gcMaxPool("k3 s2 p1 ceil", g.distinct(2, 3, 7, 5), PoolOptions{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, CeilMode: true}, 0),
		gcMaxPool("k2 s2 p1 ceil, last window dropped", g.distinct(2, 3, 5, 5), PoolOptions{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, CeilMode: true}, 0),
		gcMaxPool("k(3,2) s(2,1) p(1,0) ceil", g.distinct(3, 3, 7, 5), PoolOptions{Kernel: [2]int{3, 2}, Stride: [2]int{2, 1}, Padding: [2]int{1, 0}, CeilMode: true}, 0),
		gcMaxPool("k3 s1 dilation 2 p2", g.distinct(2, 3, 7, 5), PoolOptions{Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Padding: [2]int{2, 2}, Dilation: [2]int{2, 2}}, 0),
		gcMaxPool("k2 s(1,2) dilation (2,1) ceil", g.distinct(2, 2, 7, 6), PoolOptions{Kernel: [2]int{2, 2}, Stride: [2]int{1, 2}, Dilation: [2]int{2, 1}, CeilMode: true}, 0),
		gcMaxPool("k3 s1 overlapping", g.distinct(2, 3, 7, 5), PoolOptions{Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}}, 0),
		gcMaxPool("global k(7,5)", g.distinct(2, 3, 7, 5), PoolOptions{Kernel: [2]int{7, 5}}, 0),
		gcMaxPool("k2 default stride", g.distinct(2, 3, 7, 5), PoolOptions{Kernel: [2]int{2, 2}}, 0),
		gcMaxPool("x(4,10,33,31) k3 s2 p1 parallel, sampled", g.distinct(4, 10, 33, 31), PoolOptions{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, 60),
		gcAvgPool("k3 s2", g.normal(2, 3, 7, 5), PoolOptions{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}}),
		gcAvgPool("k3 s2 p1 count_include_pad", g.normal(2, 3, 7, 5), PoolOptions{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, CountIncludePad: true}),
		gcAvgPool("k3 s2 p1 exclude pad", g.normal(2, 3, 7, 5), PoolOptions{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}),
		gcAvgPool("k3 s2 p1 ceil count_include_pad", g.normal(2, 3, 6, 6), PoolOptions{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, CeilMode: true, CountIncludePad: true}),
		gcAvgPool("k3 s2 p1 ceil exclude pad", g.normal(2, 3, 6, 6), PoolOptions{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, CeilMode: true}),
		// 1×1 windows pick x[::SH, ::SW] (kernel.AvgPoolPlane's strided gather).
		gcAvgPool("k1 s2 odd sizes", g.normal(2, 3, 7, 5), PoolOptions{Kernel: [2]int{1, 1}, Stride: [2]int{2, 2}}),
		gcAvgPool("k1 s3x2 ceil", g.normal(2, 2, 8, 7), PoolOptions{Kernel: [2]int{1, 1}, Stride: [2]int{3, 2}, CeilMode: true}),
		gcAvgPool("k1 s2 divisor 1", g.normal(1, 2, 6, 6), PoolOptions{Kernel: [2]int{1, 1}, Stride: [2]int{2, 2}, DivisorOverride: 1}),
		gcAvgPool("k1 s2 divisor 3", g.normal(1, 2, 6, 6), PoolOptions{Kernel: [2]int{1, 1}, Stride: [2]int{2, 2}, DivisorOverride: 3}),
		gcAvgPool("k2 s2 p1 ceil count_include_pad", g.normal(2, 3, 7, 5), PoolOptions{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, CeilMode: true, CountIncludePad: true}),
		gcAvgPool("k3 s2 p1 ceil divisor 5", g.normal(2, 3, 6, 7), PoolOptions{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, CeilMode: true, DivisorOverride: 5}),
		gcAvgPool("k(2,3) s(1,2) p1 count_include_pad", g.normal(2, 3, 7, 5), PoolOptions{Kernel: [2]int{2, 3}, Stride: [2]int{1, 2}, Padding: [2]int{1, 1}, CountIncludePad: true}),
		gcAvgPool("global k(7,5)", g.normal(2, 3, 7, 5), PoolOptions{Kernel: [2]int{7, 5}}),
		gcAvgPool("k2 default stride", g.normal(2, 3, 7, 5), PoolOptions{Kernel: [2]int{2, 2}}),
		gcAdaptive("7x5 to 3x2", g.normal(2, 3, 7, 5), 3, 2),
		gcAdaptive("7x5 to 7x5", g.normal(2, 3, 7, 5), 7, 5),
		gcAdaptive("5x7 to 4x3", g.normal(2, 3, 5, 7), 4, 3),
		gcAdaptive("3x3 to 5x5", g.normal(2, 3, 3, 3), 5, 5),
		gcAdaptive("7x5 to 1x1", g.normal(3, 3, 7, 5), 1, 1),

		// Normalisation.
		gcLRN("AlexNet n5 a1e-4 b.75 k2", g.normal(2, 7, 5, 3), 5, 1e-4, 0.75, 2),
		gcLRN("n4 a.5 b.75 k1", g.normal(2, 7, 3, 3), 4, 0.5, 0.75, 1),
		gcLRN("3-D n3 a1 b.5 k1", g.normal(2, 3, 5), 3, 1, 0.5, 1),
		gcLRN("window past C: n9 a2 b1.5 k.5", g.normal(3, 3, 2, 2), 9, 2, 1.5, 0.5),
		gcLRN("n1 a1 b.75 k1", g.normal(2, 4, 3, 3), 1, 1, 0.75, 1),
		gcBatchNorm("train affine, running stats", true, true, true,
			gcVar(g.normal(3, 4, 5, 3)), gcVar(g.uniform(0.5, 1.5, 4)), gcVar(g.normal(4)),
			gcFrozen(g.normal(4)), gcFrozen(g.uniform(0.5, 2, 4))),
		gcBatchNorm("train, no affine", true, false, false, gcVar(g.normal(2, 3, 7, 5))),
		gcBatchNorm("train 2-D (5,4) affine", true, true, false,
			gcVar(g.normal(5, 4)), gcVar(g.uniform(0.5, 1.5, 4)), gcVar(g.normal(4))),
		gcBatchNorm("train, frozen weight", true, true, false,
			gcVar(g.normal(2, 3, 5, 3)), gcFrozen(g.uniform(0.5, 1.5, 3)), gcVar(g.normal(3))),
		gcBatchNorm("eval affine", false, true, true,
			gcVar(g.normal(2, 3, 7, 5)), gcVar(g.uniform(0.5, 1.5, 3)), gcVar(g.normal(3)),
			gcFrozen(g.normal(3)), gcFrozen(g.uniform(0.5, 2, 3))),
		gcBatchNorm("eval, no affine", false, false, true,
			gcVar(g.normal(2, 3, 7, 5)), gcFrozen(g.normal(3)), gcFrozen(g.uniform(0.5, 2, 3))),
		gcBatchNorm("eval, frozen x", false, true, true,
			gcFrozen(g.normal(3, 2, 5, 3)), gcVar(g.uniform(0.5, 1.5, 2)), gcVar(g.normal(2)),
			gcFrozen(g.normal(2)), gcFrozen(g.uniform(0.5, 2, 2))),
		gcBatchNormReLU("train affine, running stats", true, true, true,
			gcVar(g.normal(3, 4, 5, 3)), gcVar(g.uniform(0.5, 1.5, 4)), gcVar(g.normal(4)),
			gcFrozen(g.normal(4)), gcFrozen(g.uniform(0.5, 2, 4))),
		gcBatchNormReLU("train, no affine, planes of 35", true, false, false, gcVar(g.normal(2, 3, 7, 5))),
		gcBatchNormReLU("train, frozen weight", true, true, false,
			gcVar(g.normal(2, 3, 5, 3)), gcFrozen(g.uniform(0.5, 1.5, 3)), gcVar(g.normal(3))),
		gcBatchNormReLU("eval affine", false, true, true,
			gcVar(g.normal(2, 3, 7, 5)), gcVar(g.uniform(0.5, 1.5, 3)), gcVar(g.normal(3)),
			gcFrozen(g.normal(3)), gcFrozen(g.uniform(0.5, 2, 3))),

		// Joining.
		gcConcat("axis 1", 1, gcVar(g.normal(2, 3, 4)), gcVar(g.normal(2, 1, 4)), gcVar(g.normal(2, 2, 4))),
		gcConcat("axis 0", 0, gcVar(g.normal(1, 5)), gcVar(g.normal(3, 5))),
		gcConcat("axis -1, one frozen", -1, gcVar(g.normal(2, 3, 2)), gcFrozen(g.normal(2, 3, 5)), gcVar(g.normal(2, 3, 1))),
		gcConcat("axis 3 of 4-D", 3, gcVar(g.normal(2, 3, 2, 1)), gcVar(g.normal(2, 3, 2, 3))),
		gcConcat("axis 2, one tensor", 2, gcVar(g.normal(2, 3, 5))),

		// Softmax and losses.
		gcSoftmax("(3,7) axis 1", false, g.normal(3, 7), 1),
		gcSoftmax("(3,7) axis 0", false, g.normal(3, 7), 0),
		gcSoftmax("(2,3,4,5) axis 1", false, g.normal(2, 3, 4, 5), 1),
		gcSoftmax("(2,3,5)*4 axis -1", false, MulScalar(g.normal(2, 3, 5), 4), -1),
		gcSoftmax("(5) axis 0", false, g.normal(5), 0),
		gcSoftmax("(3,7) axis 1", true, g.normal(3, 7), 1),
		gcSoftmax("(3,7) axis 0", true, g.normal(3, 7), 0),
		gcSoftmax("(2,3,4,5) axis 2", true, g.normal(2, 3, 4, 5), 2),
		gcSoftmax("(2,3,5)*4 axis -1", true, MulScalar(g.normal(2, 3, 5), 4), -1),
		gcCrossEntropy("(3,5) mean", MulScalar(g.normal(3, 5), 2), []int{4, 0, 2}, CrossEntropyOptions{}),
		gcCrossEntropy("(3,5) sum", MulScalar(g.normal(3, 5), 2), []int{1, 1, 3}, CrossEntropyOptions{Reduction: ReduceSum}),
		gcCrossEntropy("(3,5) mean smoothing 0.1", MulScalar(g.normal(3, 5), 2), []int{4, 0, 2}, CrossEntropyOptions{LabelSmoothing: 0.1}),
		gcCrossEntropy("(6,10) sum smoothing 0.3", g.normal(6, 10), []int{9, 0, 3, 3, 7, 1}, CrossEntropyOptions{Reduction: ReduceSum, LabelSmoothing: 0.3}),
		gcCrossEntropy("(2,7) mean smoothing 1", g.normal(2, 7), []int{6, 0}, CrossEntropyOptions{LabelSmoothing: 1}),
		gcCrossEntropy("(1,7) mean", g.normal(1, 7), []int{5}, CrossEntropyOptions{}),

		// Dropout, with the mask it drew.
		gcDropout("p 0.3 (3,7,5)", g.nonzero(3, 7, 5), 0.3, 7),
		gcDropout("p 0.5 (2,3,4,5)", g.nonzero(2, 3, 4, 5), 0.5, 11),
		gcDropout("p 1 (3,5)", g.nonzero(3, 5), 1, 13),
	}
	return cs
}
