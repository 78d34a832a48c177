package imagenet_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/convnet/convnet/data/imagenet"
)

func TestClasses(t *testing.T) {
	c := imagenet.Classes()
	if len(c) != imagenet.NumClasses {
		t.Fatalf("%d classes, want %d", len(c), imagenet.NumClasses)
	}
	for i, want := range map[int]string{0: "tench", 1: "goldfish", 207: "golden retriever", 281: "tabby", 999: "toilet tissue"} {
		if c[i] != want {
			t.Errorf("class %d is %q, want %q", i, c[i], want)
		}
	}
	seen := map[string]int{}
	for i, n := range c {
		if n == "" || strings.TrimSpace(n) != n {
			t.Errorf("class %d has name %q", i, n)
		}
		if j, dup := seen[n]; dup {
			t.Errorf("classes %d and %d are both %q", j, i, n)
		}
		seen[n] = i
	}
	c[0] = "changed"
	if imagenet.Classes()[0] != "tench" {
		t.Error("Classes returns a shared slice")
	}
}

func TestResizedSize(t *testing.T) {
	for _, c := range []struct{ w, h, rw, rh int }{
		{256, 256, 256, 256},
		{320, 240, 341, 256}, // ⌊256·320/240⌋ = ⌊341.33⌋
		{200, 300, 256, 384},
		{17, 9, 483, 256},
		{1, 1000, 256, 256000},
	} {
		if rw, rh := imagenet.ResizedSize(c.w, c.h); rw != c.rw || rh != c.rh {
			t.Errorf("ResizedSize(%d, %d) = %d, %d; want %d, %d", c.w, c.h, rw, rh, c.rw, c.rh)
		}
	}
}

// TestPrepareUniform checks the normalisation: a uniform image gives
// (v/255 − mean)/std in every pixel of its channel.
func TestPrepareUniform(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 300, 260))
	rgb := [3]uint8{200, 100, 30}
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []uint8{rgb[0], rgb[1], rgb[2], 255})
	}
	x := imagenet.PrepareImage(img)
	if len(x) != 3*224*224 {
		t.Fatalf("%d values, want 3×224×224", len(x))
	}
	for ch := range 3 {
		want := (float32(rgb[ch])/255 - imagenet.Mean[ch]) / imagenet.Std[ch]
		for i, v := range x[ch*224*224 : (ch+1)*224*224] {
			if math.Abs(float64(v-want)) > 1e-6 {
				t.Fatalf("channel %d pixel %d = %v, want %v", ch, i, v, want)
			}
		}
	}
}

func TestPreprocessErrors(t *testing.T) {
	if _, err := imagenet.Preprocess(strings.NewReader("not an image"), imagenet.MaxImagePixels); err == nil {
		t.Error("no error for a non-image")
	}
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 100, 100)))
	if _, err := imagenet.Preprocess(bytes.NewReader(b.Bytes()), 99*100); err == nil || !strings.Contains(err.Error(), "100×100") {
		t.Errorf("error %v for a 100×100 image with a limit of 9900 pixels", err)
	}
	b.Reset()
	png.Encode(&b, image.NewGray(image.Rect(0, 0, imagenet.MaxSide+1, 1)))
	if _, err := imagenet.Preprocess(bytes.NewReader(b.Bytes()), imagenet.MaxImagePixels); err == nil {
		t.Errorf("no error for a side of %d", imagenet.MaxSide+1)
	}
}

// testImages are images whose preprocessing is compared with torchvision's:
// smooth and noisy, shrunk and enlarged, landscape and portrait, a crop
// offset that Python rounds half to even (320×240: (341 − 224)/2 = 58.5),
// grayscale and transparent.
func testImages() map[string]image.Image {
	rng := rand.New(rand.NewPCG(1, 2))
	smooth := func(w, h int) image.Image {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				fx, fy := float64(x)/float64(w), float64(y)/float64(h)
				r := 127.5 + 127.5*math.Sin(7*fx+3*fy)
				g := 255 * fx * fy
				b := 127.5 + 127.5*math.Cos(11*fy-5*fx*fx)
				img.SetRGBA(x, y, color.RGBA{uint8(r), uint8(g), uint8(b), 255})
			}
		}
		return img
	}
	noise := func(w, h int, alpha bool) image.Image {
		img := image.NewNRGBA(image.Rect(0, 0, w, h))
		for i := 0; i < len(img.Pix); i += 4 {
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255
			if alpha {
				img.Pix[i+3] = uint8(rng.IntN(256))
			}
		}
		return img
	}
	gray := image.NewGray(image.Rect(0, 0, 300, 280))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i*7 + i/300*13)
	}
	return map[string]image.Image{
		"smooth320x240": smooth(320, 240),
		"smooth200x300": smooth(200, 300),
		"smooth17x9":    smooth(17, 9),
		"smooth256":     smooth(256, 256),
		"noise640x480":  noise(640, 480, false),
		"noise300x500":  noise(300, 500, false),
		"alpha400x300":  noise(400, 300, true),
		"gray300x280":   gray,
	}
}

// TestPreprocessTorchvision compares Preprocess with torchvision's
// transforms on the same PNG files (run by
// tools/parity/gen_torchvision_logits.py). The resampling differs in its
// intermediate rounding (see the package documentation), so values may
// differ by one 8-bit level: 1/255/std, at most 0.0175 after normalisation.
func TestPreprocessTorchvision(t *testing.T) {
	const python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import torch, torchvision").CombinedOutput(); err != nil {
		t.Skipf("%s cannot import torch and torchvision (%v: %s); install python3-torch and python3-torchvision to run the parity tests",
			python, err, strings.TrimSpace(string(out)))
	}
	dir := t.TempDir()
	imgs := testImages()
	names := make([]string, 0, len(imgs))
	for name := range imgs {
		names = append(names, name)
	}
	slices.Sort(names)
	args := []string{"../../tools/parity/gen_torchvision_logits.py", "--out", dir, "--models", "none", "--preprocess"}
	for _, name := range names {
		var b bytes.Buffer
		if err := png.Encode(&b, imgs[name]); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name+".png")
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, path)
	}
	if out, err := exec.Command(python, args...).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := readSafetensors(t, filepath.Join(dir, "preprocess.safetensors"))

	for _, name := range names {
		raw, err := os.ReadFile(filepath.Join(dir, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := imagenet.Preprocess(bytes.NewReader(raw), imagenet.MaxImagePixels)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		w, ok := want[name]
		if !ok || len(w) != len(got) {
			t.Fatalf("%s: torchvision gave %d values, we %d", name, len(w), len(got))
		}
		// Differences in 8-bit levels, before normalisation: the largest,
		// how many, and their mean (a bias would show rounding done wrong).
		var maxLevels, maxNorm float64
		differ := 0
		var signed float64
		for i := range got {
			d := math.Abs(float64(got[i]) - float64(w[i]))
			maxNorm = max(maxNorm, d)
			levels := d * float64(imagenet.Std[i/(224*224)]) * 255
			maxLevels = max(maxLevels, levels)
			signed += (float64(got[i]) - float64(w[i])) * float64(imagenet.Std[i/(224*224)]) * 255
			if levels > 0.5 {
				differ++
			}
		}
		bias := signed / float64(len(got))
		t.Logf("%-14s max difference %.4f after normalisation (%.2f 8-bit levels); %5.2f%% of values differ; mean difference %+.4f levels",
			name, maxNorm, maxLevels, 100*float64(differ)/float64(len(got)), bias)
		if maxLevels > 1.01 {
			t.Errorf("%s: values differ from torchvision's by up to %.2f 8-bit levels (%.4f after normalisation); want at most 1",
				name, maxLevels, maxNorm)
		}
		if math.Abs(bias) > 0.02 {
			t.Errorf("%s: values differ from torchvision's by %+.4f 8-bit levels on average; want no bias (|mean| ≤ 0.02)", name, bias)
		}
	}
}

// readSafetensors reads the F32 tensors of a safetensors file, by the
// format's definition (this package does not depend on package weights).
func readSafetensors(t *testing.T, path string) map[string][]float32 {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(raw)
	var hdr map[string]json.RawMessage
	if err := json.Unmarshal(raw[8:8+n], &hdr); err != nil {
		t.Fatal(err)
	}
	data := raw[8+n:]
	out := map[string][]float32{}
	for k, v := range hdr {
		var e struct {
			Dtype   string `json:"dtype"`
			Offsets [2]int `json:"data_offsets"`
		}
		if err := json.Unmarshal(v, &e); err != nil || e.Dtype != "F32" {
			t.Fatalf("%s: tensor %q: %v %s", path, k, err, v)
		}
		b := data[e.Offsets[0]:e.Offsets[1]]
		x := make([]float32, len(b)/4)
		for i := range x {
			x[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		out[k] = x
	}
	return out
}

func Example() {
	img := image.NewRGBA(image.Rect(0, 0, 640, 480)) // a decoded photo
	x := imagenet.PrepareImage(img)                  // 3×224×224, normalised
	fmt.Println(len(x), imagenet.Classes()[281])
	// Output: 150528 tabby
}
