package data

import (
	"slices"
	"testing"
)

// sorted is a dataset stored class by class, as an image folder is: 50
// examples of class 0, then 50 of class 1, … (class 9 has only 5).
func sorted() *Bytes {
	d := &Bytes{C: 1, H: 1, W: 1, NumClasses: 10}
	for c := 0; c < 10; c++ {
		n := 50
		if c == 9 {
			n = 5
		}
		for i := 0; i < n; i++ {
			d.Labels = append(d.Labels, uint8(c))
			d.Pixels = append(d.Pixels, uint8(len(d.Pixels)))
		}
	}
	return d
}

func classCounts(d Dataset) []int {
	counts := make([]int, d.Classes())
	buf := make([]float32, 1)
	for i := 0; i < d.Len(); i++ {
		counts[d.Example(i, buf)]++
	}
	return counts
}

func TestBalancedSubset(t *testing.T) {
	d := sorted()
	for _, c := range []struct {
		n    int
		want []int
	}{
		{100, []int{11, 11, 11, 11, 11, 10, 10, 10, 10, 5}}, // class 9 runs out
		{13, []int{2, 2, 2, 1, 1, 1, 1, 1, 1, 1}},
		{140, []int{15, 15, 15, 15, 15, 15, 15, 15, 15, 5}},
	} {
		s := BalancedSubset(d, c.n, 7)
		if s.Len() != c.n {
			t.Fatalf("BalancedSubset(%d) has %d examples", c.n, s.Len())
		}
		if got := classCounts(s); !slices.Equal(got, c.want) {
			t.Errorf("BalancedSubset(%d): classes %v, want %v", c.n, got, c.want)
		}
		idx := s.(*Subset).Indexes
		if !slices.IsSorted(idx) || len(slices.Compact(slices.Clone(idx))) != len(idx) {
			t.Errorf("BalancedSubset(%d): indexes %v not increasing", c.n, idx)
		}
	}
	// The same seed draws the same examples, another seed others; a
	// dataset that is not *Bytes gives the same draw.
	a := BalancedSubset(d, 30, 1).(*Subset).Indexes
	if b := BalancedSubset(d, 30, 1).(*Subset).Indexes; !slices.Equal(a, b) {
		t.Error("the same seed drew different examples")
	}
	if b := BalancedSubset(d, 30, 2).(*Subset).Indexes; slices.Equal(a, b) {
		t.Error("seeds 1 and 2 drew the same examples")
	}
	all := &Subset{Dataset: d}
	for i := range d.Len() {
		all.Indexes = append(all.Indexes, i)
	}
	if b := BalancedSubset(all, 30, 1).(*Subset).Indexes; !slices.Equal(a, b) {
		t.Errorf("through another Dataset: %v, want %v", b, a)
	}
	for _, n := range []int{0, -1, d.Len(), d.Len() + 1} {
		if s := BalancedSubset(d, n, 1); s != Dataset(d) {
			t.Errorf("BalancedSubset(%d) is not the dataset itself", n)
		}
	}
}
