package data

import (
	"slices"
	"testing"
)

// countingSet labels example i with i and fills its image with i.
type countingSet struct{ n int }

func (d countingSet) Len() int               { return d.n }
func (d countingSet) Shape() (int, int, int) { return 1, 2, 2 }
func (d countingSet) Classes() int           { return d.n }
func (d countingSet) Example(i int, dst []float32) int {
	for j := range dst {
		dst[j] = float32(i)
	}
	return i
}

func collect(t *testing.T, l *Loader, epoch int) (labels [][]int) {
	t.Helper()
	for b := range l.Epoch(epoch) {
		if len(b.Images) != b.N*4 {
			t.Fatalf("batch %d has %d values for %d images", b.Index, len(b.Images), b.N)
		}
		for i, lab := range b.Labels {
			if b.Images[i*4] != float32(lab) {
				t.Fatalf("batch %d image %d does not match its label %d", b.Index, i, lab)
			}
		}
		labels = append(labels, slices.Clone(b.Labels))
	}
	return labels
}

func TestLoaderBatches(t *testing.T) {
	tests := []struct {
		name              string
		n, batch          int
		dropLast, shuffle bool
		wantSizes         []int
	}{
		{"exact", 8, 4, false, false, []int{4, 4}},
		{"partial last", 10, 4, false, false, []int{4, 4, 2}},
		{"drop last", 10, 4, true, false, []int{4, 4}},
		{"one batch bigger than set", 3, 8, false, true, []int{3}},
		{"drop the only partial", 3, 8, true, true, nil},
		{"batch of one", 5, 1, false, true, []int{1, 1, 1, 1, 1}},
		{"empty", 0, 4, false, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := &Loader{Dataset: countingSet{tc.n}, BatchSize: tc.batch, DropLast: tc.dropLast, Shuffle: tc.shuffle, Seed: 7}
			got := collect(t, l, 0)
			var sizes []int
			seen := map[int]bool{}
			for _, b := range got {
				sizes = append(sizes, len(b))
				for _, v := range b {
					if seen[v] {
						t.Fatalf("example %d appears twice", v)
					}
					seen[v] = true
				}
			}
			if !slices.Equal(sizes, tc.wantSizes) {
				t.Fatalf("batch sizes %v, want %v", sizes, tc.wantSizes)
			}
			if l.NumBatches() != len(tc.wantSizes) {
				t.Fatalf("NumBatches %d, want %d", l.NumBatches(), len(tc.wantSizes))
			}
		})
	}
}

func TestLoaderShuffleIsSeeded(t *testing.T) {
	mk := func(seed uint64, workers int) *Loader {
		return &Loader{Dataset: countingSet{100}, BatchSize: 7, Shuffle: true, Seed: seed, Workers: workers}
	}
	a, b := collect(t, mk(1, 1), 3), collect(t, mk(1, 4), 3)
	if !slices.EqualFunc(a, b, slices.Equal) {
		t.Fatal("same seed and epoch gave different orders with different worker counts")
	}
	if c := collect(t, mk(1, 2), 4); slices.EqualFunc(a, c, slices.Equal) {
		t.Fatal("two epochs had the same order")
	}
	if d := collect(t, mk(2, 2), 3); slices.EqualFunc(a, d, slices.Equal) {
		t.Fatal("two seeds had the same order")
	}
}

func TestLoaderEarlyBreakStops(t *testing.T) {
	l := &Loader{Dataset: countingSet{1000}, BatchSize: 3, Workers: 3, Prefetch: 2}
	for i := 0; i < 50; i++ {
		for b := range l.Epoch(i) {
			if b.Index == 2 {
				break
			}
		}
	}
}
