package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet/convnet/data/cifar10"
	"github.com/convnet/convnet/data/mnist"
	"github.com/convnet/convnet/experiment"
	"github.com/convnet/convnet/train"
)

// cifarFolder writes a CIFAR-10-shaped image folder, train/<class>/*.png
// and test/<class>/*.png, with perClass training images of each class
// (and half as many test images) in the class's own colour.
func cifarFolder(t *testing.T, perClass int) string {
	t.Helper()
	dir := t.TempDir()
	for split, n := range map[string]int{"train": perClass, "test": max(perClass/2, 1)} {
		for c, class := range cifar10.ClassNames {
			folder := filepath.Join(dir, split, class)
			if err := os.MkdirAll(folder, 0o755); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < n; i++ {
				img := image.NewRGBA(image.Rect(0, 0, 32, 32))
				for p := 0; p < 32*32; p++ {
					img.Set(p%32, p/32, color.RGBA{uint8(25 * c), uint8(250 - 25*c), uint8(7*p + i), 255})
				}
				var b bytes.Buffer
				if err := png.Encode(&b, img); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(folder, fmt.Sprintf("%04d.png", i)), b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return dir
}

// mnistFolder writes the four MNIST files with n training and n/2 test
// digits.
func mnistFolder(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, count int, images bool) {
		var b []byte
		if images {
			b = binary.BigEndian.AppendUint32(nil, mnist.ImagesMagic)
			b = binary.BigEndian.AppendUint32(b, uint32(count))
			b = binary.BigEndian.AppendUint32(b, mnist.Rows)
			b = binary.BigEndian.AppendUint32(b, mnist.Cols)
			for i := 0; i < count*mnist.Rows*mnist.Cols; i++ {
				b = append(b, byte(i*7+i/784))
			}
		} else {
			b = binary.BigEndian.AppendUint32(nil, mnist.LabelsMagic)
			b = binary.BigEndian.AppendUint32(b, uint32(count))
			for i := 0; i < count; i++ {
				b = append(b, byte(i%10))
			}
		}
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		w.Write(b)
		w.Close()
		if err := os.WriteFile(filepath.Join(dir, name), z.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(mnist.TrainImagesFile, n, true)
	write(mnist.TrainLabelsFile, n, false)
	write(mnist.TestImagesFile, n/2, true)
	write(mnist.TestLabelsFile, n/2, false)
	return dir
}

// TestTrainChoosesDataByModel trains a CIFAR model on a CIFAR-10 image
// folder and an MNIST model on an MNIST folder, each for one epoch, and
// evaluates the CIFAR checkpoint.
func TestTrainChoosesDataByModel(t *testing.T) {
	cifar := "cifar10:" + cifarFolder(t, 4)
	out := filepath.Join(t.TempDir(), "resnet8")
	log, err := run(t, "train", "ResNet8", "--data", cifar, "--epochs", "1", "--subset", "30", "--batch", "16", "--out", out)
	if err != nil || !strings.Contains(log, "CIFAR-10: 40 training and 20 test images") || !strings.Contains(log, "final test accuracy") {
		t.Fatalf("train resnet8: %v\n%s", err, log)
	}
	ck, err := train.ReadCheckpoint(filepath.Join(out, train.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	r := ck.Recipe
	if ck.Model != "resnet8" || r.Epochs != 1 || r.BatchSize != 16 || r.Optimizer != "sgd" || r.LR != 0.1 ||
		r.Momentum != 0.9 || r.WeightDecay != 1e-4 || r.Schedule != "multistep" {
		t.Errorf("checkpoint of %s with recipe %+v, want ResNet's scaled to 1 epoch of batch 16", ck.Model, r)
	}
	hist, err := train.ReadMetrics(filepath.Join(out, train.MetricsFile))
	if err != nil || len(hist) != 1 {
		t.Errorf("metrics: %v, %v", hist, err)
	}

	log, err = run(t, "eval", filepath.Join(out, train.CheckpointFile), "--data", cifar)
	if err != nil || !strings.Contains(log, "model resnet8, epoch 1") || !strings.Contains(log, "truck") {
		t.Errorf("eval of the CIFAR checkpoint: %v\n%s", err, log)
	}

	mnistDir := mnistFolder(t, 60)
	out = filepath.Join(t.TempDir(), "lenet5")
	log, err = run(t, "train", "lenet5", "--data", mnistDir, "--epochs", "1", "--subset", "40", "--out", out)
	if err != nil || !strings.Contains(log, "final test accuracy") {
		t.Fatalf("train lenet5: %v\n%s", err, log)
	}
	if ck, err := train.ReadCheckpoint(filepath.Join(out, train.CheckpointFile)); err != nil || ck.Recipe.Optimizer != "adam" || ck.Recipe.Epochs != 1 {
		t.Errorf("lenet5 checkpoint: %+v, %v", ck, err)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "lenet5", "--data", cifar}, "MNIST"},
		{[]string{"train", "resnet8", "--data", mnistDir}, "cifar10:PATH"},
		{[]string{"train", "alexnet"}, "3×224×224"},
		{[]string{"train", "resnet8", "--data", "cifar10:" + filepath.Join(t.TempDir(), "none")}, "no such file"},
	} {
		if _, err := run(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}

// TestExperimentCommand runs the degradation experiment at depth 8 for one
// epoch on a tiny image folder, then again, which trains nothing.
func TestExperimentCommand(t *testing.T) {
	cifar := "cifar10:" + cifarFolder(t, 3)
	out := t.TempDir()
	args := []string{"experiment", "degradation", "--data", cifar, "--depths", "8", "--epochs", "1", "--out", out}
	log, err := run(t, args...)
	if err != nil || !strings.Contains(log, "plain-8 ") || !strings.Contains(log, "ResNet-8 ") || !strings.Contains(log, "train error") {
		t.Fatalf("experiment: %v\n%s", err, log)
	}
	t.Logf("convnet %s:\n%s", strings.Join(args, " "), log)
	for _, f := range []string{experiment.LogFile, experiment.PlotBase + ".png", experiment.PlotBase + ".svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	log, err = run(t, args...)
	if err != nil || strings.Count(log, "resumed from") != 2 || strings.Contains(log, "batch") {
		t.Errorf("experiment run again: %v\n%s", err, log)
	}
	if _, err := run(t, "experiment", "degradation", "--data", cifar, "--depths", "9", "--out", out); err == nil || !strings.Contains(err.Error(), "6n+2") {
		t.Errorf("depth 9: %v", err)
	}
	for _, nets := range []string{"resnets", ""} {
		if _, err := run(t, "experiment", "degradation", "--data", cifar, "--depths", "8", "--nets", nets, "--out", out); err == nil || !strings.Contains(err.Error(), "--nets") {
			t.Errorf("--nets %q: %v", nets, err)
		}
	}
}

func TestParseNets(t *testing.T) {
	for _, c := range []struct {
		nets                    []string
		skipPlain, skipResidual bool
	}{
		{[]string{"plain", "resnet"}, false, false},
		{[]string{"resnet"}, true, false},
		{[]string{"plain"}, false, true},
		{[]string{"resnet", "plain", "resnet"}, false, false},
	} {
		p, r, err := parseNets(c.nets)
		if err != nil || p != c.skipPlain || r != c.skipResidual {
			t.Errorf("parseNets(%q) = %v, %v, %v", c.nets, p, r, err)
		}
	}
}
