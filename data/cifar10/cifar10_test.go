package cifar10

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/convnet/convnet/data"
)

func TestTransforms(t *testing.T) {
	d, err := ReadBatch(bytes.NewReader(batch(3, 0, 1, 2, 3)), -1)
	if err != nil {
		t.Fatal(err)
	}
	epoch := func(tr []data.Transform, seed uint64) [][]float32 {
		l := &data.Loader{Dataset: d, BatchSize: 2, Seed: seed, Transforms: tr}
		var out [][]float32
		for b := range l.Epoch(0) {
			out = append(out, slices.Clone(b.Images))
		}
		return out
	}
	// Normalisation alone: (x − mean)/std per channel.
	n := epoch(EvalTransforms(), 1)
	for c := range 3 {
		x := float32(byte(3+c*1024)) / 255
		if got, want := n[0][c*1024], (x-Mean[c])/Std[c]; math.Abs(float64(got-want)) > 1e-6 {
			t.Errorf("channel %d: %v, want %v", c, got, want)
		}
	}
	// Augmentation is seeded: the same seed repeats it, another differs.
	a, b2, c := epoch(TrainTransforms(), 1), epoch(TrainTransforms(), 1), epoch(TrainTransforms(), 2)
	if !slices.EqualFunc(a, b2, slices.Equal) {
		t.Error("same seed, different augmentation")
	}
	if slices.EqualFunc(a, c, slices.Equal) || slices.EqualFunc(a, n, slices.Equal) {
		t.Error("augmentation does nothing or ignores the seed")
	}
}

// moduleRoot returns the folder holding go.mod, above the working folder.
func moduleRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod above the working folder")
		}
		dir = up
	}
}

// TestSharedJPEG reads the full CIFAR-10 JPEG copy beside the repository
// (../shared/data/cifar10-jpeg.tar.gz from the module root), as CI has it.
func TestSharedJPEG(t *testing.T) {
	p := filepath.Join(moduleRoot(t), "..", "shared", "data", JPEGArchiveName)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no %s beside the module (CI has it): %v", p, err)
	}
	if testing.Short() {
		t.Skip("decodes 60,000 JPEGs; skipped with -short")
	}
	start := time.Now()
	s, err := Open("cifar10:" + p)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("read and decoded %s in %v on %d goroutines: %s", p, time.Since(start).Round(time.Millisecond), runtime.GOMAXPROCS(0), s.Source)
	if !slices.Equal(s.Classes, ClassNames[:]) {
		t.Errorf("classes %q", s.Classes)
	}
	for _, sp := range []struct {
		name   string
		d      *data.Bytes
		n, per int
	}{{"train", s.Train, TrainCount, 5000}, {"test", s.Test, TestCount, 1000}} {
		if sp.d.Len() != sp.n || len(sp.d.Pixels) != sp.n*ImageBytes {
			t.Fatalf("%s: %d images, %d pixels", sp.name, sp.d.Len(), len(sp.d.Pixels))
		}
		var count [NumClasses]int
		for _, l := range sp.d.Labels {
			count[l]++
		}
		for c, k := range count {
			if k != sp.per {
				t.Errorf("%s: %d images of %s, want %d", sp.name, k, ClassNames[c], sp.per)
			}
		}
	}
	// The training set's statistics are those of Mean and Std, give or
	// take what JPEG changes: the channels are R, G, B in planar order.
	var sum, sq [3]float64
	for i, v := range s.Train.Pixels {
		c := i / 1024 % 3
		x := float64(v) / 255
		sum[c] += x
		sq[c] += x * x
	}
	n := float64(TrainCount * 1024)
	for c := range 3 {
		mean := sum[c] / n
		std := math.Sqrt(sq[c]/n - mean*mean)
		t.Logf("channel %d: mean %.4f (Mean %.4f), std %.4f (Std %.4f)", c, mean, Mean[c], std, Std[c])
		if math.Abs(mean-float64(Mean[c])) > 0.003 || math.Abs(std-float64(Std[c])) > 0.003 {
			t.Errorf("channel %d: mean %.4f, std %.4f; want about %.4f, %.4f", c, mean, std, Mean[c], Std[c])
		}
	}
}
