package models

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/convnet/convnet/nn"
)

func TestNames(t *testing.T) {
	names := Names()
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("name %q registered twice", n)
		}
		seen[n] = true
		if n != strings.ToLower(n) {
			t.Errorf("name %q is not lower case", n)
		}
		info, err := Info(n)
		if err != nil {
			t.Fatal(err)
		}
		if info.Name != n || info.Classes < 1 || info.Params < 1 || info.Description == "" || info.Family == "" {
			t.Errorf("Info(%q) = %+v", n, info)
		}
		if c, h, w := info.Input[0], info.Input[1], info.Input[2]; (c != 1 && c != 3) || h < 28 || w < 28 {
			t.Errorf("Info(%q).Input = %v", n, info.Input)
		}
	}
	for _, want := range []string{"lenet5", "lenet5-32", "alexnet", "alexnet-paper", "vgg-a", "vgg-a-lrn", "vgg-c",
		"vgg16", "vgg19_bn", "googlenet", "resnet18", "resnet152", "resnet20", "resnet110", "plain56"} {
		if !seen[want] {
			t.Errorf("Names() lacks %q", want)
		}
	}
}

func TestInfo(t *testing.T) {
	for _, c := range []struct {
		name    string
		input   [3]int
		classes int
	}{
		{"lenet5", [3]int{1, 28, 28}, 10},
		{"LeNet5-32", [3]int{1, 32, 32}, 10}, // names are matched without regard to case
		{"alexnet-paper", [3]int{3, 224, 224}, 1000},
		{"VGG-E", [3]int{3, 224, 224}, 1000},
		{"googlenet", [3]int{3, 224, 224}, 1000},
		{"resnet50", [3]int{3, 224, 224}, 1000},
		{"plain110", [3]int{3, 32, 32}, 10},
	} {
		info, err := Info(c.name)
		if err != nil {
			t.Errorf("Info(%q): %v", c.name, err)
			continue
		}
		if info.Input != c.input || info.Classes != c.classes {
			t.Errorf("Info(%q): input %v, %d classes; want %v, %d", c.name, info.Input, info.Classes, c.input, c.classes)
		}
	}
}

func TestUnknownModel(t *testing.T) {
	_, err := New("resnet19", Options{})
	var unknown *UnknownModelError
	if !errors.As(err, &unknown) || unknown.Name != "resnet19" {
		t.Fatalf("New(resnet19) error %v, want an *UnknownModelError", err)
	}
	for _, n := range Names() {
		if !strings.Contains(err.Error(), n) {
			t.Errorf("error %q does not list %q", err, n)
		}
	}
	if _, err := Info("vgg-f"); !errors.As(err, &unknown) {
		t.Errorf("Info(vgg-f) error %v, want an *UnknownModelError", err)
	}
}

func TestBadOptions(t *testing.T) {
	for _, c := range []struct {
		name string
		o    Options
		want string
	}{
		{"resnet20", Options{Classes: -1}, "at least 1"},
		{"resnet20", Options{AuxLogits: true}, "no auxiliary classifiers"},
		{"lenet5", Options{TransformInput: true}, "no input transform"},
	} {
		if _, err := New(c.name, c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%q, %+v) error %v, want one saying %q", c.name, c.o, err, c.want)
		}
	}
}

func TestClasses(t *testing.T) {
	for _, c := range []struct {
		name    string
		classes int
		last    string // the final layer's weight
		in      int
	}{
		{"lenet5", 7, "11.weight", 84},
		{"resnet20", 100, "fc.weight", 64},
		{"googlenet", 10, "fc.weight", 1024},
		{"alexnet", 10, "classifier.6.weight", 4096},
	} {
		m, err := New(c.name, Options{Classes: c.classes})
		if err != nil {
			t.Fatal(err)
		}
		ps := nn.Parameters(m)
		i := slices.IndexFunc(ps, func(p nn.Named) bool { return p.Name == c.last })
		if i < 0 || !slices.Equal(ps[i].Tensor.Shape(), []int{c.classes, c.in}) {
			t.Errorf("%s with %d classes: %s missing or of the wrong shape", c.name, c.classes, c.last)
		}
	}
}

// TestSeed checks that a seed fixes every parameter, and that another seed
// changes them.
func TestSeed(t *testing.T) {
	build := func(name string, seed uint64) []nn.Named {
		m, err := New(name, Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return nn.StateDict(m)
	}
	for _, name := range []string{"lenet5", "resnet20", "alexnet-paper"} {
		a, b, c := build(name, 3), build(name, 3), build(name, 4)
		same, differ := true, false
		for i := range a {
			if !slices.Equal(a[i].Tensor.Data(), b[i].Tensor.Data()) {
				same = false
			}
			if !slices.Equal(a[i].Tensor.Data(), c[i].Tensor.Data()) {
				differ = true
			}
		}
		if !same {
			t.Errorf("%s: two builds with seed 3 differ", name)
		}
		if !differ {
			t.Errorf("%s: seeds 3 and 4 build the same weights", name)
		}
	}
}

func ExampleInfo() {
	info, err := Info("vgg-c")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %d parameters, input %d×%d×%d, %d classes\n",
		info.Name, info.Params, info.Input[0], info.Input[1], info.Input[2], info.Classes)
	// Output: vgg-c: 133638952 parameters, input 3×224×224, 1000 classes
}
