package nn_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

// record installs a hook on m that logs every report as "before path" or
// "after path shape".
func record(m nn.Module) *[]string {
	var log []string
	nn.SetForwardHook(m, &nn.ForwardHook{
		Before: func(path string, _ nn.Module, in *tensor.Tensor) { log = append(log, "before "+path) },
		After: func(path string, _ nn.Module, in, out *tensor.Tensor) {
			log = append(log, fmt.Sprintf("after %s %v", path, out.Shape()))
		},
	})
	return &log
}

func TestForwardHookReportsEveryModuleOnce(t *testing.T) {
	m := nested()
	nn.Eval(m)
	log := record(m)
	m.Forward(tensor.New(2, 1, 4, 4))
	want := []string{
		"before ",
		"before 0", "after 0 [2 2 4 4]",
		// a module of another package, reported by the Sequential around it;
		// its tensor.ReLU is not a module and is not seen
		"before 1",
		"before 1.conv", "after 1.conv [2 2 4 4]",
		"before 1.bn", "after 1.bn [2 2 4 4]",
		"before 1.drop", "after 1.drop [2 2 4 4]",
		"after 1 [2 2 4 4]",
		"before 2",
		"before 2.0", "before 2.0.0", "after 2.0.0 [2 2 4 4]", "before 2.0.1", "after 2.0.1 [2 2 4 4]", "after 2.0 [2 2 4 4]",
		"before 2.1", "after 2.1 [2 2 4 4]",
		"after 2 [2 4 4 4]",
		"before 3", "before 3.0", "before 3.0.0", "after 3.0.0 [2 4 4 4]", "after 3.0 [2 4 4 4]", "after 3 [2 4 4 4]",
		"after  [2 4 4 4]",
	}
	if !slices.Equal(*log, want) {
		t.Errorf("reports:\n%q\nwant:\n%q", *log, want)
	}

	nn.SetForwardHook(m, nil)
	*log = nil
	m.Forward(tensor.New(2, 1, 4, 4))
	if len(*log) != 0 {
		t.Errorf("after removing the hook it still reported %q", *log)
	}
}

func TestForwardHookSharedModuleAndPanic(t *testing.T) {
	relu := nn.NewReLU()
	m := nn.NewSequential(relu, relu, nn.NewLinear(tensor.NewRNG(1), 3, 2, true))
	log := record(m)
	func() {
		defer func() { _ = recover() }()
		m.Forward(tensor.New(1, 4)) // Linear(3→2) panics on 4 features
	}()
	want := []string{"before ", "before 0", "after 0 [1 4]", "before 0", "after 0 [1 4]", "before 2"}
	if !slices.Equal(*log, want) {
		t.Errorf("reports:\n%q\nwant:\n%q", *log, want)
	}
	// The panic left the calls in progress unfinished; installing the hook
	// again starts afresh.
	log = record(m)
	m.Forward(tensor.New(1, 3))
	if got := (*log)[len(*log)-1]; got != "after  [1 2]" {
		t.Errorf("last report after reinstalling: %q", got)
	}
}

// TestConvBNHonoursHooks checks that ConvBN fuses only where no hook would
// miss a layer: with a hook set, every layer of a Sequential of conv,
// batch norm and ReLU still reports, and the output is the same.
func TestConvBNHonoursHooks(t *testing.T) {
	rng := tensor.NewRNG(5)
	s := nn.NewSequential(nn.NewConv2d(rng, nn.Conv2dConfig{In: 3, Out: 4, Kernel: 3, Padding: 1}), nn.NewBatchNorm2d(4), nn.NewReLU())
	nn.Eval(s)
	nn.Freeze(s)
	x := tensor.RandN(rng, 0, 1, 1, 3, 40, 40)
	fused := s.Forward(x)
	var seen []string
	nn.SetForwardHook(s, &nn.ForwardHook{After: func(path string, _ nn.Module, _, _ *tensor.Tensor) { seen = append(seen, path) }})
	hooked := s.Forward(x)
	nn.SetForwardHook(s, nil)
	if want := []string{"0", "1", "2", ""}; fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("hooked layers %v, want %v", seen, want)
	}
	for i, v := range fused.Data() {
		if v != hooked.Data()[i] {
			t.Fatalf("element %d: fused %v, layer by layer %v", i, v, hooked.Data()[i])
		}
	}
}

// TestAddReLUHonoursHooks checks that AddReLU fuses the sum and the ReLU
// only where the ReLU has no hook: with one, the hook sees the sum as the
// ReLU's input, and the output is the same bit for bit.
func TestAddReLUHonoursHooks(t *testing.T) {
	rng := tensor.NewRNG(6)
	relu := nn.NewReLU()
	a, b := tensor.RandN(rng, 0, 1, 2, 3, 5, 7), tensor.RandN(rng, 0, 1, 2, 3, 5, 7)
	fused := nn.AddReLU(relu, a, b)
	var input *tensor.Tensor
	nn.SetForwardHook(relu, &nn.ForwardHook{After: func(_ string, _ nn.Module, x, _ *tensor.Tensor) { input = x }})
	hooked := nn.AddReLU(relu, a, b)
	nn.SetForwardHook(relu, nil)
	if input == nil {
		t.Fatal("the ReLU's hook did not run")
	}
	sum := tensor.Add(a, b)
	for i, v := range fused.Data() {
		if input.Data()[i] != sum.Data()[i] || v != hooked.Data()[i] {
			t.Fatalf("element %d: hook saw %v (sum %v); fused %v, hooked %v", i, input.Data()[i], sum.Data()[i], v, hooked.Data()[i])
		}
	}
}
