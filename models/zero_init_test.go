package models

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/convnet/convnet/nn"
)

// TestZeroInitResidual checks that ZeroInitResidual zeroes exactly the
// weights torchvision's zero_init_residual zeroes — the last batch norm of
// every residual branch — and leaves every other tensor as without it.
func TestZeroInitResidual(t *testing.T) {
	for _, c := range []struct {
		model  string
		zeroed string // the batch-norm weights that start at 0
		count  int
	}{
		{"resnet18", `^layer[1-4]\.[0-9]+\.bn2\.weight$`, 8},
		{"resnet50", `^layer[1-4]\.[0-9]+\.bn3\.weight$`, 16},
		{"resnet20", `^layer[1-3]\.[0-9]+\.bn2\.weight$`, 9},
		{"resnet8", `^layer[1-3]\.[0-9]+\.bn2\.weight$`, 3},
	} {
		plain, err := New(c.model, Options{Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		zero, err := New(c.model, Options{Seed: 3, ZeroInitResidual: true})
		if err != nil {
			t.Fatal(err)
		}
		want := regexp.MustCompile(c.zeroed)
		before, after := nn.StateDict(plain), nn.StateDict(zero)
		if len(before) != len(after) {
			t.Fatalf("%s: %d tensors with ZeroInitResidual, %d without", c.model, len(after), len(before))
		}
		zeroed := 0
		for i, a := range after {
			b := before[i]
			if !want.MatchString(a.Name) {
				if !slices.Equal(a.Tensor.Data(), b.Tensor.Data()) {
					t.Errorf("%s: %s changed", c.model, a.Name)
				}
				continue
			}
			zeroed++
			if !strings.HasSuffix(a.Name, ".weight") || slices.ContainsFunc(a.Tensor.Data(), func(v float32) bool { return v != 0 }) {
				t.Errorf("%s: %s = %v…, want zeros", c.model, a.Name, a.Tensor.Data()[:1])
			}
			if slices.ContainsFunc(b.Tensor.Data(), func(v float32) bool { return v != 1 }) {
				t.Errorf("%s: %s without ZeroInitResidual is not ones", c.model, b.Name)
			}
		}
		if zeroed != c.count {
			t.Errorf("%s: %d batch norms zeroed, want %d", c.model, zeroed, c.count)
		}
	}
}

// TestZeroInitResidualRefused checks that models without residual branches
// refuse the option rather than ignore it.
func TestZeroInitResidualRefused(t *testing.T) {
	for _, name := range []string{"plain20", "plain8", "vgg11", "lenet5", "googlenet", "alexnet"} {
		if _, err := New(name, Options{ZeroInitResidual: true}); err == nil || !strings.Contains(err.Error(), "no residual branches") {
			t.Errorf("New(%s, ZeroInitResidual) = %v, want a refusal", name, err)
		}
	}
}
