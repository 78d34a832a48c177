package main

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/convnet/convnet/data/imagenet"
	"github.com/convnet/convnet/models"
	"github.com/convnet/convnet/weights"
)

// TestPredictImageNet runs predict --model --weights on a small synthetic
// image with random GoogLeNet weights: five classes, named, with
// probabilities that sum to at most 1.
func TestPredictImageNet(t *testing.T) {
	dir := t.TempDir()
	m, err := models.New("googlenet", models.Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	ts := weights.FromModule(m)
	w := filepath.Join(dir, "googlenet.safetensors")
	if err := weights.WriteSafetensors(w, ts, nil); err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for y := range 30 {
		for x := range 40 {
			img.SetRGBA(x, y, color.RGBA{uint8(6 * x), uint8(8 * y), 128, 255})
		}
	}
	pic := filepath.Join(dir, "pic.png")
	fh, err := os.Create(pic)
	if err != nil {
		t.Fatal(err)
	}
	png.Encode(fh, img)
	fh.Close()

	out, err := run(t, "predict", "--model", "googlenet", "--weights", w, pic)
	if err != nil {
		t.Fatalf("predict: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 6 || lines[0] != pic+":" {
		t.Fatalf("predict printed %d lines, want the image's name and 5 classes:\n%s", len(lines), out)
	}
	names := map[string]bool{}
	for _, n := range imagenet.Classes() {
		names[n] = true
	}
	var sum float64
	for _, l := range lines[1:] {
		// "   0.11%  tabby (281)"
		f := strings.Fields(l)
		p, err := strconv.ParseFloat(strings.TrimSuffix(f[0], "%"), 64)
		name := strings.Join(f[1:len(f)-1], " ")
		if err != nil || p < 0 || !names[name] || !strings.HasPrefix(f[len(f)-1], "(") {
			t.Errorf("line %q: want a probability, a class name and its index", l)
		}
		sum += p
	}
	if sum > 100.05 {
		t.Errorf("the top 5 probabilities sum to %.2f%%", sum)
	}

	// Strict loading: a file with a key missing and one too many is refused,
	// both named.
	ts[0].Name = "conv0.weight"
	bad := filepath.Join(dir, "bad.pth")
	if err := weights.WritePyTorch(bad, ts); err != nil {
		t.Fatal(err)
	}
	_, err = run(t, "predict", "--model", "googlenet", "--weights", bad, pic)
	if err == nil || !strings.Contains(err.Error(), `Missing key(s) in state_dict: "conv1.conv.weight"`) ||
		!strings.Contains(err.Error(), `Unexpected key(s) in state_dict: "conv0.weight"`) {
		t.Errorf("predict with mismatched weights: %v", err)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", "googlenet", pic}, "--model and --weights go together"},
		{[]string{"--model", "googlenet", "--weights", w}, "requires at least 1 arg"},
		{[]string{"--model", "lenet5", "--weights", w, pic}, "takes 1×28×28 images"},
		{[]string{"--model", "nosuchnet", "--weights", w, pic}, "unknown model"},
		{[]string{"--model", "resnet18", "--weights", w, "--transform-input", pic}, "TransformInput is for googlenet"},
		{[]string{"--model", "googlenet", "--weights", w, filepath.Join(dir, "none.png")}, "no such file"},
		{[]string{"--model", "googlenet", "--weights", w, w}, "not a PNG or JPEG"},
	} {
		_, err := run(t, append([]string{"predict"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("predict %v: error %v, want one containing %q", c.args, err, c.want)
		}
	}
}

// TestPredictDigits runs predict with a checkpoint (untrained LeNet-5):
// one line per image with the top 3 digits.
func TestPredictDigits(t *testing.T) {
	dir := t.TempDir()
	m, err := models.New("lenet5", models.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(dir, "checkpoint.safetensors")
	err = weights.WriteSafetensors(ck, weights.FromModule(m), map[string]string{
		"format": "convnet-checkpoint/1", "model": "lenet5", "config": "{}", "epoch": "0", "seed": "1",
		"recipe": "{}", "history": "[]",
	})
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 6; y < 22; y++ {
		img.Pix[y*28+14] = 0 // a "1"
	}
	pic := filepath.Join(dir, "one.png")
	fh, err := os.Create(pic)
	if err != nil {
		t.Fatal(err)
	}
	png.Encode(fh, img)
	fh.Close()
	out, err := run(t, "predict", ck, pic)
	if err != nil || !strings.HasPrefix(out, pic+":  ") || strings.Count(out, "%)") != 3 || strings.Count(out, "\n") != 1 {
		t.Errorf("predict CHECKPOINT IMAGE: %v\n%s", err, out)
	}
	if _, err := run(t, "predict", ck, pic, "--transform-input"); err == nil {
		t.Error("predict CHECKPOINT --transform-input: no error")
	}
}
