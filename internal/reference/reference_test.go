package reference

import (
	"math"
	"testing"
)

// The reference is checked here on examples small enough to work out by
// hand from the definitions (PyTorch's documentation and CPU kernels).

func arr(shape []int, v ...float64) *Array {
	a := New(shape...)
	copy(a.Data, v)
	if len(v) != a.Len() {
		panic("arr: wrong number of values")
	}
	return a
}

func expect(t *testing.T, name string, got *Array, shape []int, want ...float64) {
	t.Helper()
	if len(got.Shape) != len(shape) {
		t.Fatalf("%s: shape %v, want %v", name, got.Shape, shape)
	}
	for i := range shape {
		if got.Shape[i] != shape[i] {
			t.Fatalf("%s: shape %v, want %v", name, got.Shape, shape)
		}
	}
	for i, w := range want {
		if math.Abs(got.Data[i]-w) > 1e-12*max(1, math.Abs(w)) {
			t.Fatalf("%s: got %v, want %v", name, got.Data, want)
		}
	}
}

func TestElementwise(t *testing.T) {
	a := arr([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	b := arr([]int{3}, 10, 20, 30)
	expect(t, "add (2,3)+(3)", Add(a, b), []int{2, 3}, 11, 22, 33, 14, 25, 36)
	c := arr([]int{2, 1}, 1, 2)
	expect(t, "sub (2,1)-(3)", Sub(c, b), []int{2, 3}, -9, -19, -29, -8, -18, -28)
	expect(t, "mul (3)*(2,1)", Mul(b, c), []int{2, 3}, 10, 20, 30, 20, 40, 60)
	expect(t, "div (2,3)/() ", Div(a, arr([]int{}, 2)), []int{2, 3}, 0.5, 1, 1.5, 2, 2.5, 3)
	expect(t, "relu", ReLU(arr([]int{3}, -1, 0, 2)), []int{3}, 0, 0, 2)
	expect(t, "add_scalar", AddScalar(b, 1), []int{3}, 11, 21, 31)
	expect(t, "mul_scalar", MulScalar(b, -2), []int{3}, -20, -40, -60)
	if s := BroadcastShape([]int{2, 3, 4, 5}, []int{3, 1, 1}); len(s) != 4 || s[1] != 3 || s[3] != 5 {
		t.Fatalf("BroadcastShape = %v", s)
	}
}

func TestShapesAndReductions(t *testing.T) {
	a := arr([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	expect(t, "transpose", Transpose(a), []int{3, 2}, 1, 4, 2, 5, 3, 6)
	expect(t, "narrow", Narrow(a, 1, 1), []int{1, 3}, 4, 5, 6)
	expect(t, "reshape", Reshape(a, 3, 2), []int{3, 2}, 1, 2, 3, 4, 5, 6)
	expect(t, "sum", Sum(a), []int{}, 21)
	expect(t, "mean", Mean(a), []int{}, 3.5)
	expect(t, "sum_axis 0", SumAxis(a, 0, false), []int{3}, 5, 7, 9)
	expect(t, "sum_axis -1 keep", SumAxis(a, -1, true), []int{2, 1}, 6, 15)
	expect(t, "mean_axis 1", MeanAxis(a, 1, false), []int{2}, 2, 5)
	b := arr([]int{2, 1}, 7, 8)
	expect(t, "concat 1", Concat([]*Array{a, b}, 1), []int{2, 4}, 1, 2, 3, 7, 4, 5, 6, 8)
	expect(t, "concat 0", Concat([]*Array{a, a}, 0), []int{4, 3}, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6)
	expect(t, "dropout", Dropout(arr([]int{3}, 1, 2, 3), []bool{true, false, true}, 0.5), []int{3}, 2, 0, 6)
	expect(t, "matmul", MatMul(a, arr([]int{3, 1}, 1, 0, -1)), []int{2, 1}, -2, -2)
	expect(t, "linear", Linear(a, arr([]int{1, 3}, 1, 0, -1), arr([]int{1}, 10)), []int{2, 1}, 8, 8)
}

func TestConv2d(t *testing.T) {
	x := arr([]int{1, 1, 3, 3}, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	diag := arr([]int{1, 1, 2, 2}, 1, 0, 0, 1)
	one := ConvParams{Stride: [2]int{1, 1}, Dilation: [2]int{1, 1}, Groups: 1}
	expect(t, "plain", Conv2d(x, diag, nil, one), []int{1, 1, 2, 2}, 6, 8, 12, 14)
	p := one
	p.Stride, p.Padding = [2]int{2, 2}, [2]int{1, 1}
	expect(t, "stride 2 pad 1", Conv2d(x, diag, arr([]int{1}, 0.5), p), []int{1, 1, 2, 2}, 1.5, 3.5, 7.5, 14.5)
	p = one
	p.Dilation = [2]int{2, 2}
	expect(t, "dilation 2", Conv2d(x, arr([]int{1, 1, 2, 2}, 1, 1, 1, 1), nil, p), []int{1, 1, 1, 1}, 20)
	p = one
	p.Groups = 2
	expect(t, "groups 2", Conv2d(arr([]int{1, 2, 1, 1}, 2, 3), arr([]int{2, 1, 1, 1}, 10, 100), nil, p),
		[]int{1, 2, 1, 1}, 20, 300)
}

func TestConv2dGrads(t *testing.T) {
	x := arr([]int{1, 1, 3, 3}, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	diag := arr([]int{1, 1, 2, 2}, 1, 0, 0, 1)
	one := ConvParams{Stride: [2]int{1, 1}, Dilation: [2]int{1, 1}, Groups: 1}
	dx, dw := Conv2dGrads(x, diag, arr([]int{1, 1, 2, 2}, 1, 1, 1, 1), one)
	expect(t, "plain dW", dw, []int{1, 1, 2, 2}, 12, 16, 24, 28)
	expect(t, "plain dX", dx, []int{1, 1, 3, 3}, 1, 1, 0, 1, 2, 1, 0, 1, 1)
	p := one
	p.Stride, p.Padding = [2]int{2, 2}, [2]int{1, 1}
	dx, dw = Conv2dGrads(x, diag, arr([]int{1, 1, 2, 2}, 1, 2, 3, 4), p)
	expect(t, "stride 2 pad 1 dW", dw, []int{1, 1, 2, 2}, 20, 36, 36, 64)
	expect(t, "stride 2 pad 1 dX", dx, []int{1, 1, 3, 3}, 1, 0, 2, 0, 4, 0, 3, 0, 4)
	p = one
	p.Groups = 2
	dx, dw = Conv2dGrads(arr([]int{1, 2, 1, 1}, 2, 3), arr([]int{2, 1, 1, 1}, 10, 100), arr([]int{1, 2, 1, 1}, 1, 0.5), p)
	expect(t, "groups 2 dW", dw, []int{2, 1, 1, 1}, 2, 1.5)
	expect(t, "groups 2 dX", dx, []int{1, 2, 1, 1}, 10, 50)
}

func TestPooling(t *testing.T) {
	// Width 5, kernel 2, stride 2, padding 1, ceil_mode: ⌈5/2⌉+1 = 4 windows,
	// but the 4th would start in the right padding, so 3; padding never wins.
	x := arr([]int{1, 1, 1, 5}, -5, -4, -3, -2, -1)
	mp := PoolParams{Kernel: [2]int{1, 2}, Stride: [2]int{1, 2}, Padding: [2]int{0, 1}, Dilation: [2]int{1, 1}, CeilMode: true}
	expect(t, "max ceil", MaxPool2d(x, mp), []int{1, 1, 1, 3}, -5, -3, -1)
	mp.Dilation = [2]int{1, 2}
	mp.Padding = [2]int{0, 0}
	mp.CeilMode = false
	expect(t, "max dilation", MaxPool2d(x, mp), []int{1, 1, 1, 2}, -3, -1)

	// Width 6, kernel 3, stride 2, padding 1, ceil_mode: windows start at
	// −1, 1, 3, 5; the last ends at min(5+3, 6+1) = 7, so count_include_pad
	// divides it by 2, not 3.
	y := arr([]int{1, 1, 1, 6}, 1, 2, 3, 4, 5, 6)
	ap := PoolParams{Kernel: [2]int{1, 3}, Stride: [2]int{1, 2}, Padding: [2]int{0, 1}, CeilMode: true, CountIncludePad: true}
	expect(t, "avg include pad", AvgPool2d(y, ap), []int{1, 1, 1, 4}, 1, 3, 5, 3)
	ap.CountIncludePad = false
	expect(t, "avg exclude pad", AvgPool2d(y, ap), []int{1, 1, 1, 4}, 1.5, 3, 5, 6)
	ap.DivisorOverride = 5
	expect(t, "avg divisor", AvgPool2d(y, ap), []int{1, 1, 1, 4}, 0.6, 1.8, 3, 1.2)

	expect(t, "adaptive 5→3", AdaptiveAvgPool2d(arr([]int{1, 1, 1, 5}, 1, 2, 3, 4, 5), 1, 3),
		[]int{1, 1, 1, 3}, 1.5, 3, 4.5)
	expect(t, "adaptive 2→3", AdaptiveAvgPool2d(arr([]int{1, 1, 1, 2}, 1, 3), 1, 3),
		[]int{1, 1, 1, 3}, 1, 2, 3)
	if got := PoolOutSize(7, 3, 2, 1, 1, true); got != 4 {
		t.Fatalf("PoolOutSize(7, 3, 2, 1, ceil) = %d, want 4", got)
	}
}

func TestNorms(t *testing.T) {
	// size 2: channel c sees c−1 and c; α/n = 1.5.
	x := arr([]int{1, 3, 1, 1}, 1, 2, 3)
	expect(t, "lrn", LocalResponseNorm(x, 2, 3, 1, 1), []int{1, 3, 1, 1}, 1/2.5, 2/8.5, 3/20.5)

	b := arr([]int{2, 1}, 1, 3)
	y, m, v := BatchNorm(b, nil, nil, arr([]int{1}, 0), arr([]int{1}, 1), BatchNormParams{Training: true, Momentum: 0.1})
	expect(t, "bn train", y, []int{2, 1}, -1, 1)
	expect(t, "bn running mean", m, []int{1}, 0.2)
	expect(t, "bn running var", v, []int{1}, 0.9+0.1*2)
	y, _, _ = BatchNorm(b, arr([]int{1}, 2), arr([]int{1}, 1), arr([]int{1}, 1), arr([]int{1}, 4), BatchNormParams{})
	expect(t, "bn eval", y, []int{2, 1}, 1, 3)
}

func TestSoftmax(t *testing.T) {
	x := arr([]int{1, 2}, 0, math.Log(3))
	expect(t, "softmax", Softmax(x, 1), []int{1, 2}, 0.25, 0.75)
	expect(t, "softmax axis 0", Softmax(x, 0), []int{1, 2}, 1, 1)
	expect(t, "log_softmax", LogSoftmax(x, -1), []int{1, 2}, math.Log(0.25), math.Log(0.75))
	expect(t, "cross_entropy", CrossEntropy(x, []int{0}, true, 0), []int{}, math.Log(4))
	expect(t, "cross_entropy smoothing", CrossEntropy(x, []int{0}, false, 0.5), []int{},
		0.5*math.Log(4)+0.25*(math.Log(4)+math.Log(4.0/3)))
	two := arr([]int{2, 2}, 0, math.Log(3), 0, math.Log(3))
	expect(t, "cross_entropy mean", CrossEntropy(two, []int{0, 1}, true, 0), []int{}, (math.Log(4)+math.Log(4.0/3))/2)
}
