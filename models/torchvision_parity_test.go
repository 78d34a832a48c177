package models_test

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/convnet/convnet/models"
	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
	"github.com/convnet/convnet/weights"
)

// Whole-model parity with torchvision: tools/parity/gen_torchvision_logits.py
// builds each model that torchvision has with seeded random weights
// (batch-norm buffers randomised too), saves it as .pth and .safetensors and
// records its logits on a seeded batch of 2 in eval mode. Here each file is
// loaded, strictly, into the model of our registry, which must give the
// same logits: max|ours − torch| / max|torch| ≤ 1e-4.
//
// The test runs PyTorch (Debian's python3-torch and python3-torchvision, as
// CI installs them) and is skipped only when /usr/bin/python3 cannot import
// them. With -short it checks alexnet, googlenet and resnet18 only; with
// -parity-models the models named (go test ./models/ -run
// TorchvisionParity -parity-models=vgg16,resnet50).

const (
	python        = "/usr/bin/python3"
	logitsScript  = "../tools/parity/gen_torchvision_logits.py"
	parityRelTol  = 1e-4
	parityBatch   = 2
	parityClasses = 1000
)

var parityModels = flag.String("parity-models", "",
	"comma-separated models for TestTorchvisionParity (default: every model torchvision has; with -short alexnet, googlenet, resnet18)")

// shortParity are the models that TestTorchvisionParity checks with -short.
var shortParity = []string{"alexnet", "googlenet", "resnet18"}

var torchvisionCheck = sync.OnceValue(func() string {
	out, err := exec.Command(python, "-c", "import torch, torchvision; print(torch.__version__, torchvision.__version__)").CombinedOutput()
	if err != nil {
		return fmt.Sprintf("%s cannot import torch and torchvision (%v: %s); install python3-torch and python3-torchvision to run the parity tests",
			python, err, strings.TrimSpace(string(out)))
	}
	return ""
})

// torchvisionModels returns the registry's models that torchvision has,
// by their torchvision names, in the registry's order.
func torchvisionModels(t *testing.T) []string {
	var names []string
	for _, n := range models.Names() {
		info, err := models.Info(n)
		if err != nil {
			t.Fatal(err)
		}
		if info.Torchvision != "" && !slices.Contains(names, info.Torchvision) {
			names = append(names, info.Torchvision)
		}
	}
	return names
}

func TestTorchvisionParity(t *testing.T) {
	if why := torchvisionCheck(); why != "" {
		t.Skip(why)
	}
	names := torchvisionModels(t)
	if len(names) != 15 {
		t.Errorf("the registry has %d models that torchvision has, want 15 (alexnet, vgg11…19 and _bn, googlenet, resnet18…152): %v", len(names), names)
	}
	switch {
	case *parityModels != "":
		names = strings.Split(*parityModels, ",")
	case testing.Short():
		names = shortParity
	}

	start := time.Now()
	dir := t.TempDir()
	cmd := exec.Command(python, logitsScript, "--out", dir, "--models", strings.Join(names, ","))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The script prints each model's name once its files are written; the
	// models are checked as they come, and their files removed, so that at
	// most a few of them (VGG's are 1.1 GB a model) are on disk at once.
	ready := make(chan string)
	go func() {
		defer close(ready)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			ready <- sc.Text()
		}
	}()
	done := false
	defer func() {
		if !done {
			cmd.Process.Kill()
			for range ready {
			}
			cmd.Wait()
		}
	}()

	var input []float32
	for _, name := range names {
		got, ok := <-ready
		if !ok {
			cmd.Wait()
			t.Fatalf("%s ended before writing %s:\n%s", logitsScript, name, stderr.String())
		}
		if got != name {
			t.Fatalf("%s wrote %q, want %q", logitsScript, got, name)
		}
		if input == nil {
			input = readTensor(t, filepath.Join(dir, "input.safetensors"), "input", []int{parityBatch, 3, 224, 224})
		}
		t.Run(name, func(t *testing.T) { checkParity(t, dir, name, input) })
		for _, ext := range []string{".pth", ".safetensors", ".logits.safetensors"} {
			os.Remove(filepath.Join(dir, name+ext))
		}
		runtime.GC() // VGG's weights are 0.55 GB; let them go before the next model's
	}
	var extra []string
	for line := range ready {
		extra = append(extra, line)
	}
	done = true
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s: %v\n%s", logitsScript, err, stderr.String())
	}
	if len(extra) > 0 {
		t.Errorf("%s wrote more than the models asked for: %q", logitsScript, extra)
	}
	t.Logf("%d models in %v (%s)", len(names), time.Since(start).Round(time.Second), strings.TrimSpace(stderr.String()))
}

// checkParity loads name's .pth and .safetensors into our model and compares
// its logits with torch's.
func checkParity(t *testing.T, dir, name string, input []float32) {
	start := time.Now()
	want := readTensor(t, filepath.Join(dir, name+".logits.safetensors"), "logits", []int{parityBatch, parityClasses})
	m, err := models.New(name, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	nn.Eval(m)
	nn.Freeze(m)
	var errs []string
	for _, format := range []string{"pth", "safetensors"} {
		f, err := weights.Read(filepath.Join(dir, name+"."+format))
		if err != nil {
			t.Fatal(err)
		}
		if err := weights.LoadIntoModule(m, f, true); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		f = nil
		got := m.Forward(tensor.FromSlice(input, parityBatch, 3, 224, 224)).Data()
		rel := relErr(got, want)
		errs = append(errs, fmt.Sprintf("%s %.2e", format, rel))
		if !(rel <= parityRelTol) {
			t.Errorf("%s: max|ours − torch| / max|torch| = %.3g > %g", format, rel, parityRelTol)
		}
	}
	t.Logf("max relative error: %s (max|torch| %.3g; %v)", strings.Join(errs, ", "), maxAbs(want), time.Since(start).Round(time.Millisecond))
}

// relErr is max|got − want| / max|want|; NaN when the lengths differ or a
// value is not finite.
func relErr(got, want []float32) float64 {
	if len(got) != len(want) {
		return math.NaN()
	}
	var d float64
	for i := range got {
		e := math.Abs(float64(got[i]) - float64(want[i]))
		if math.IsNaN(e) || math.IsInf(e, 0) {
			return math.NaN()
		}
		d = max(d, e)
	}
	return d / maxAbs(want)
}

func maxAbs(v []float32) float64 {
	var m float64
	for _, x := range v {
		m = max(m, math.Abs(float64(x)))
	}
	return m
}

// readTensor reads the one tensor named key, of the given shape, from a
// safetensors file.
func readTensor(t *testing.T, path, key string, shape []int) []float32 {
	t.Helper()
	f, err := weights.ReadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	x, ok := f.Lookup(key)
	if !ok {
		t.Fatalf("%s has no tensor %q", path, key)
	}
	if !slices.Equal(x.Shape, shape) {
		t.Fatalf("%s: %q has shape %v, want %v", path, key, x.Shape, shape)
	}
	return x.Data
}
