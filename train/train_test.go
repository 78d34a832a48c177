package train

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/convnet/convnet/data"
	"github.com/convnet/convnet/data/mnist"
	"github.com/convnet/convnet/models"
	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/weights"
)

// stripes is a learnable synthetic set: the label is the row of a bright
// horizontal stripe, drawn over noise.
func stripes(n int, seed uint64) *data.Bytes {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := &data.Bytes{Pixels: make([]uint8, n*28*28), Labels: make([]uint8, n), C: 1, H: 28, W: 28, NumClasses: 10}
	for i := 0; i < n; i++ {
		lab := rng.IntN(10)
		d.Labels[i] = uint8(lab)
		img := d.Pixels[i*784 : (i+1)*784]
		for j := range img {
			img[j] = uint8(rng.IntN(60))
		}
		row := 3 + 2*lab
		for x := 4; x < 24; x++ {
			img[row*28+x] = 255
		}
	}
	return d
}

func config(t *testing.T, dir string, epochs int) Config {
	t.Helper()
	m, err := models.New("lenet5", models.Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		ModelName: "lenet5", ModelConfig: map[string]any{"classes": 10}, Model: m,
		Train: stripes(640, 1), Test: stripes(200, 2),
		TrainTransforms: []data.Transform{data.RandomShift{Max: 1}, data.Normalize{Mean: []float32{0.2}, Std: []float32{0.3}}},
		TestTransforms:  []data.Transform{data.Normalize{Mean: []float32{0.2}, Std: []float32{0.3}}},
		Recipe:          Recipe{Epochs: epochs, BatchSize: 64, Optimizer: "adam", LR: 3e-3, Schedule: "onecycle"},
		Seed:            11, OutDir: dir,
	}
}

func stateOf(t *testing.T, m nn.Module) []weights.Tensor {
	t.Helper()
	return weights.FromModule(m)
}

func sameWeights(t *testing.T, a, b []weights.Tensor) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d tensors vs %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Name != b[i].Name || len(a[i].Data) != len(b[i].Data) {
			t.Fatalf("tensor %d: %s vs %s", i, a[i].Name, b[i].Name)
		}
		for j := range a[i].Data {
			if a[i].Data[j] != b[i].Data[j] {
				t.Fatalf("%s[%d]: %v vs %v: the runs differ", a[i].Name, j, a[i].Data[j], b[i].Data[j])
			}
		}
	}
}

func TestRunIsDeterministic(t *testing.T) {
	a := config(t, t.TempDir(), 2)
	b := config(t, t.TempDir(), 2)
	ra, err := Run(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	sameWeights(t, stateOf(t, a.Model), stateOf(t, b.Model))
	if last := ra.History[len(ra.History)-1]; last.TestAcc < 0.9 {
		t.Fatalf("synthetic stripes reached only %.1f%% test accuracy", 100*last.TestAcc)
	}
}

func TestResumeMatchesUninterrupted(t *testing.T) {
	whole := config(t, t.TempDir(), 3)
	if _, err := Run(context.Background(), whole); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	killed := config(t, dir, 3)
	errKilled := errors.New("killed after epoch 1")
	killed.AfterEpoch = func(m EpochMetrics) error {
		if m.Epoch == 1 {
			return errKilled
		}
		return nil
	}
	if _, err := Run(context.Background(), killed); !errors.Is(err, errKilled) {
		t.Fatalf("first run: %v", err)
	}
	// A run killed while writing leaves a temporary file behind.
	stale := filepath.Join(dir, "."+CheckpointFile+".tmp-12345")
	if err := os.WriteFile(stale, []byte("half a checkpoint"), 0o644); err != nil {
		t.Fatal(err)
	}

	resumed := config(t, dir, 3) // a fresh model: everything must come from the checkpoint
	resumed.Resume = true
	res, err := Run(context.Background(), resumed)
	if err != nil {
		t.Fatal(err)
	}
	if res.Resumed != 1 || len(res.History) != 3 {
		t.Fatalf("resumed after %d epochs with %d in history, want 1 and 3", res.Resumed, len(res.History))
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stale temporary file not cleaned: %v", err)
	}
	sameWeights(t, stateOf(t, whole.Model), stateOf(t, resumed.Model))
	hist, err := ReadMetrics(filepath.Join(dir, MetricsFile))
	if err != nil || len(hist) != 3 {
		t.Fatalf("metrics file: %d epochs, %v", len(hist), err)
	}
	for _, f := range []string{PlotBase + ".png", PlotBase + ".svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Fatalf("plot %s: %v", f, err)
		}
	}
}

func TestResumeRefusesAnotherRun(t *testing.T) {
	dir := t.TempDir()
	if _, err := Run(context.Background(), config(t, dir, 1)); err != nil {
		t.Fatal(err)
	}
	other := config(t, dir, 1)
	other.Seed = 99
	other.Resume = true
	if _, err := Run(context.Background(), other); err == nil {
		t.Fatal("resumed a checkpoint of another seed")
	}
}

func TestCheckpointReadsBack(t *testing.T) {
	dir := t.TempDir()
	cfg := config(t, dir, 1)
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ck, err := ReadCheckpoint(res.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Model != "lenet5" || ck.Epoch != 1 || ck.Seed != 11 || ck.Recipe.BatchSize != 64 || len(ck.History) != 1 {
		t.Fatalf("checkpoint description %+v", ck)
	}
	m, _ := models.New("lenet5", models.Options{})
	if err := LoadModel(m, ck); err != nil {
		t.Fatal(err)
	}
	sameWeights(t, stateOf(t, cfg.Model), stateOf(t, m))
}

func TestRecipeValidate(t *testing.T) {
	good := Recipe{Epochs: 1, BatchSize: 8, Optimizer: "sgd", LR: 0.1, Schedule: "multistep"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []func(*Recipe){
		func(r *Recipe) { r.Epochs = 0 },
		func(r *Recipe) { r.BatchSize = 0 },
		func(r *Recipe) { r.LR = 0 },
		func(r *Recipe) { r.Optimizer = "lbfgs" },
		func(r *Recipe) { r.Schedule = "exponential" },
		func(r *Recipe) { r.LabelSmoothing = 2 },
	} {
		r := good
		bad(&r)
		if r.Validate() == nil {
			t.Errorf("recipe %+v accepted", r)
		}
	}
}

// TestShortMNIST trains LeNet-5 on the first 6,000 MNIST digits for two
// epochs; it must reach 90% on the first 2,000 test digits.
func TestShortMNIST(t *testing.T) {
	dir, _, err := mnist.Locate("", t.Logf)
	if err != nil {
		t.Skipf("MNIST is not available here: %v", err)
	}
	trainSet, err := mnist.Load(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	testSet, err := mnist.Load(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	asData := func(s *mnist.Set) data.Dataset {
		return &data.Bytes{Pixels: s.Images.Pix, Labels: s.Labels, C: 1, H: 28, W: 28, NumClasses: 10}
	}
	m, _ := models.New("lenet5", models.Options{Seed: 1})
	norm := data.Normalize{Mean: []float32{mnist.Mean}, Std: []float32{mnist.Std}}
	res, err := Run(context.Background(), Config{
		ModelName: "lenet5", Model: m,
		Train: data.Head(asData(trainSet), 6000), Test: data.Head(asData(testSet), 2000),
		TrainTransforms: []data.Transform{data.RandomShift{Max: 2}, norm}, TestTransforms: []data.Transform{norm},
		Recipe: Recipe{Epochs: 2, BatchSize: 128, Optimizer: "adam", LR: 3e-3, Schedule: "onecycle"},
		Seed:   1, OutDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	acc := res.History[len(res.History)-1].TestAcc
	t.Logf("LeNet-5, 6,000 digits, 2 epochs: %.2f%% on 2,000 test digits", 100*acc)
	if acc < 0.90 {
		t.Fatalf("test accuracy %.2f%%, want ≥ 90%%", 100*acc)
	}
}
