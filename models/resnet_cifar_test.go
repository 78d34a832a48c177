package models

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

// TestShortcutA checks the option-A shortcut against its definition,
// y = pad(x[:, :, ::s, ::s], channels (out−C)/2 each side), forward and
// backward.
func TestShortcutA(t *testing.T) {
	for _, c := range []struct {
		shape       []int
		stride, out int
		want        []int
	}{
		{[]int{2, 4, 5, 5}, 2, 8, []int{2, 8, 3, 3}}, // odd size: ::2 keeps ⌈5/2⌉
		{[]int{2, 16, 32, 32}, 2, 32, []int{2, 32, 16, 16}},
		{[]int{1, 3, 6, 4}, 2, 6, []int{1, 6, 3, 2}}, // (6−3)/2 = 1 before, 2 after
		{[]int{2, 4, 3, 3}, 1, 4, []int{2, 4, 3, 3}}, // the identity
		{[]int{1, 2, 7, 7}, 3, 2, []int{1, 2, 3, 3}}, // subsampling only
	} {
		x := tensor.RandN(tensor.NewRNG(5), 0, 1, c.shape...).SetRequiresGrad(true)
		y := ShortcutA(x, c.stride, c.out)
		if !slices.Equal(y.Shape(), c.want) {
			t.Errorf("ShortcutA(%v, %d, %d) has shape %v, want %v", c.shape, c.stride, c.out, y.Shape(), c.want)
			continue
		}
		r := tensor.RandN(tensor.NewRNG(6), 0, 1, c.want...)
		tensor.Sum(tensor.Mul(y, r)).Backward()
		n, cin, h, w := c.shape[0], c.shape[1], c.shape[2], c.shape[3]
		before := (c.out - cin) / 2
		wantGrad := make([]float32, x.Len())
		for b := 0; b < n; b++ {
			for ch := 0; ch < c.out; ch++ {
				for i := 0; i < c.want[2]; i++ {
					for j := 0; j < c.want[3]; j++ {
						got := y.At(b, ch, i, j)
						src := ch - before
						if src < 0 || src >= cin {
							if got != 0 {
								t.Errorf("%v: padding channel %d is %v at (%d,%d)", c.shape, ch, got, i, j)
							}
							continue
						}
						if want := x.At(b, src, i*c.stride, j*c.stride); got != want {
							t.Errorf("%v: y[%d,%d,%d,%d] = %v, want x[..., %d, %d] = %v", c.shape, b, ch, i, j, got, i*c.stride, j*c.stride, want)
						}
						wantGrad[((b*cin+src)*h+i*c.stride)*w+j*c.stride] = r.At(b, ch, i, j)
					}
				}
			}
		}
		if !slices.Equal(x.Grad().Data(), wantGrad) {
			t.Errorf("%v: gradient is not R at the kept positions and 0 elsewhere", c.shape)
		}
	}
}

// TestCIFARResNetStages runs ResNet-20 stage by stage and checks the shapes
// its comments give, and that the plain twin has no shortcut.
func TestCIFARResNetStages(t *testing.T) {
	for _, name := range []string{"resnet20", "plain20"} {
		m, err := New(name, Options{})
		if err != nil {
			t.Fatal(err)
		}
		r := m.(*CIFARResNet)
		for _, l := range r.Layers {
			for _, b := range l.Layers {
				if b.(*CIFARBlock).Residual != (name == "resnet20") {
					t.Errorf("%s: a block has Residual %v", name, b.(*CIFARBlock).Residual)
				}
			}
		}
		nn.Eval(m)
		x := tensor.RandN(tensor.NewRNG(1), 0, 1, 2, 3, 32, 32)
		x = r.ReLU.Forward(r.BN1.Forward(r.Conv1.Forward(x)))
		checkShape(t, name+" conv1", x, 2, 16, 32, 32)
		for i, want := range [][]int{{2, 16, 32, 32}, {2, 32, 16, 16}, {2, 64, 8, 8}} {
			x = r.Layers[i].Forward(x)
			checkShape(t, name+" layer", x, want...)
		}
		x = r.AvgPool.Forward(x)
		checkShape(t, name+" avgpool", x, 2, 64, 1, 1)
		checkShape(t, name+" fc", r.FC.Forward(tensor.Flatten(x)), 2, 10)
	}
}

// TestLeNetLayers checks the shape after every layer of both LeNets.
func TestLeNetLayers(t *testing.T) {
	for _, c := range []struct {
		name string
		size int
	}{{"lenet5", 28}, {"lenet5-32", 32}} {
		m, err := New(c.name, Options{})
		if err != nil {
			t.Fatal(err)
		}
		x := tensor.RandN(tensor.NewRNG(1), 0, 1, 2, 1, c.size, c.size)
		want := [][]int{{2, 6, 28, 28}, {2, 6, 28, 28}, {2, 6, 14, 14}, {2, 16, 10, 10}, {2, 16, 10, 10}, {2, 16, 5, 5},
			{2, 400}, {2, 120}, {2, 120}, {2, 84}, {2, 84}, {2, 10}}
		layers := m.(*nn.Sequential).Layers
		if len(layers) != len(want) {
			t.Fatalf("%s has %d layers, want %d", c.name, len(layers), len(want))
		}
		for i, l := range layers {
			x = l.Forward(x)
			checkShape(t, c.name, x, want[i]...)
		}
	}
}

func checkShape(t *testing.T, what string, x *tensor.Tensor, want ...int) {
	t.Helper()
	if !slices.Equal(x.Shape(), want) {
		t.Errorf("%s: shape %v, want %v", what, x.Shape(), want)
	}
}

// TestTrainingStep runs one forward and backward pass in training mode on
// small models and checks that every parameter receives a gradient, the
// shortcuts' included.
func TestTrainingStep(t *testing.T) {
	for _, name := range []string{"lenet5", "resnet20", "plain20"} {
		info, _ := Info(name)
		m, err := New(name, Options{Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		x := tensor.RandN(tensor.NewRNG(3), 0, 1, 4, info.Input[0], info.Input[1], info.Input[2])
		loss, err := tensor.CrossEntropy(m.Forward(x), []int{0, 3, 9, 1}, tensor.CrossEntropyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		loss.Backward()
		for _, p := range nn.Parameters(m) {
			if p.Tensor.Grad() == nil {
				t.Errorf("%s: %s has no gradient", name, p.Name)
			}
		}
	}
}

// TestShortcutCarriesGradient checks that in ResNet-20 the input gradient
// of a block that changes shape flows through its shortcut as well: with
// the block's convolutions zeroed, only the shortcut is left.
func TestShortcutCarriesGradient(t *testing.T) {
	for _, residual := range []bool{true, false} {
		rng := tensor.NewRNG(1)
		conv := func(in, out, stride int) *nn.Conv2d { return cifarConv(rng, in, out, stride, false) }
		b := newCIFARBlock(conv, 16, 32, 2, residual)
		b.Conv2.Weight.Fill(0)
		nn.Eval(b)
		x := tensor.RandN(tensor.NewRNG(2), 0, 1, 2, 16, 8, 8).SetRequiresGrad(true)
		y := b.Forward(x)
		checkShape(t, "block", y, 2, 32, 4, 4)
		tensor.Sum(y).Backward()
		var norm float64
		for _, g := range x.Grad().Data() {
			norm += float64(g * g)
		}
		if residual != (norm > 0) {
			t.Errorf("residual %v: input gradient norm² %v", residual, norm)
		}
	}
}

// TestCIFARAnyDepth checks that every depth 6n+2 builds by name, with the
// counted parameters and 2 + 2·3n + 1 weight layers, and that other names
// stay unknown.
func TestCIFARAnyDepth(t *testing.T) {
	for _, name := range []string{"resnet8", "plain8", "resnet14", "plain14", "ResNet26", "plain50"} {
		info, err := Info(name)
		if err != nil {
			t.Fatalf("Info(%q): %v", name, err)
		}
		depth, _, _ := parseCIFARName(strings.ToLower(name))
		if info.Family != "cifar-resnet" || info.Input != [3]int{3, 32, 32} || info.Params != CIFARResNetParams(depth, 10) {
			t.Errorf("Info(%q) = %+v", name, info)
		}
		m, err := New(name, Options{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		count, convs := 0, 0
		for _, p := range nn.Parameters(m) {
			count += p.Tensor.Len()
			if strings.HasSuffix(p.Name, "conv1.weight") || strings.HasSuffix(p.Name, "conv2.weight") || p.Name == "fc.weight" {
				convs++
			}
		}
		if count != info.Params || convs != depth {
			t.Errorf("%s: %d parameters in %d weight layers, want %d in %d", name, count, convs, info.Params, depth)
		}
		residual := strings.HasPrefix(strings.ToLower(name), "resnet")
		if b := m.(*CIFARResNet).Layers[0].Layers[0].(*CIFARBlock); b.Residual != residual {
			t.Errorf("%s: Residual %v", name, b.Residual)
		}
	}
	// The registered depths agree with the count, and resnet50 and
	// resnet152 (depths 6n+2 too) stay the ImageNet networks.
	for _, name := range Names() {
		info, _ := Info(name)
		if d, _, ok := parseCIFARName(name); ok && info.Family == "cifar-resnet" && info.Params != CIFARResNetParams(d, 10) {
			t.Errorf("%s: registered with %d parameters, counted %d", name, info.Params, CIFARResNetParams(d, 10))
		}
	}
	for _, name := range []string{"resnet50", "resnet152"} {
		if info, _ := Info(name); info.Family != "resnet" {
			t.Errorf("%s is %+v, want the ImageNet ResNet", name, info)
		}
	}
	for _, name := range []string{"resnet2", "resnet9", "plain19", "resnet020", "plain1208", "resnet-8", "plain", "resnet+8"} {
		var unknown *UnknownModelError
		if _, err := Info(name); !errors.As(err, &unknown) {
			t.Errorf("Info(%q) error %v, want an *UnknownModelError", name, err)
		}
	}
}

// TestCIFARTorchInit checks the two initialisations of a CIFAR ResNet by
// the statistics of every conv's and the linear layer's weights: the
// paper's kaiming-normal with fan-in (standard deviation √(2/fan_in),
// values past the uniform bound), and with TorchInit torch's own
// kaiming-uniform with a = √5 (every value within 1/√fan_in, standard
// deviation 1/√(3·fan_in)); and that other models refuse TorchInit.
func TestCIFARTorchInit(t *testing.T) {
	for _, torchInit := range []bool{false, true} {
		m, err := New("resnet20", Options{Seed: 3, TorchInit: torchInit})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range nn.Parameters(m) {
			w := p.Tensor
			if w.Rank() < 2 {
				continue // biases and batch norm
			}
			fanIn := w.Len() / w.Dim(0)
			bound := 1 / math.Sqrt(float64(fanIn))
			var ss, most float64
			for _, v := range w.Data() {
				ss += float64(v) * float64(v)
				most = max(most, math.Abs(float64(v)))
			}
			std := math.Sqrt(ss / float64(w.Len()))
			want := math.Sqrt(2 / float64(fanIn))
			if torchInit {
				want = bound / math.Sqrt(3)
				if most > bound {
					t.Errorf("TorchInit %s: |w| reaches %.4g past the bound %.4g", p.Name, most, bound)
				}
			} else if w.Len() >= 1000 && most <= bound {
				t.Errorf("paper init %s: no weight past %.4g, as a normal of std %.4g would have", p.Name, bound, want)
			}
			if tol := 4 * want / math.Sqrt(float64(w.Len())); math.Abs(std-want) > max(tol, 0.05*want) {
				t.Errorf("torchInit=%v %s: std %.4g, want %.4g", torchInit, p.Name, std, want)
			}
		}
	}
	if _, err := New("resnet18", Options{TorchInit: true}); err == nil {
		t.Error("resnet18 took TorchInit")
	}
}
