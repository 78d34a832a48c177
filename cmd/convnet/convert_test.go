package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/convnet/convnet/weights"
)

// TestConvertRoundTrip converts .pth → .safetensors → .pth and checks
// that names, order, shapes and values survive, and that F16 becomes F32.
func TestConvertRoundTrip(t *testing.T) {
	dir := t.TempDir()
	ts := []weights.Tensor{
		{Name: "features.0.weight", Shape: []int{2, 1, 2, 2}, Data: []float32{1, -2, 3.5, 1e-30, 0, -0, 7, 8}},
		{Name: "features.1.running_mean", Shape: []int{2}, Data: []float32{0.25, -0.5}},
		{Name: "features.1.num_batches_tracked", Shape: []int{}, Data: []float32{7}},
		{Name: "a.bias", Shape: []int{3}, Data: []float32{1, 2, 3}}, // out of alphabetical order
	}
	in := filepath.Join(dir, "in.pth")
	if err := weights.WritePyTorch(in, ts); err != nil {
		t.Fatal(err)
	}
	st, back := filepath.Join(dir, "mid.safetensors"), filepath.Join(dir, "back.pt")
	for _, c := range [][2]string{{in, st}, {st, back}} {
		out, err := run(t, "convert", c[0], c[1])
		if err != nil || !strings.Contains(out, "4 tensors, 14 float32 values (56 bytes)") {
			t.Fatalf("convert %s %s: %v\n%s", c[0], c[1], err, out)
		}
	}
	for _, path := range []string{st, back} {
		f, err := weights.Read(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Tensors) != len(ts) {
			t.Fatalf("%s: %d tensors, want %d", path, len(f.Tensors), len(ts))
		}
		for i, got := range f.Tensors {
			if got.Name != ts[i].Name || !slices.Equal(got.Shape, ts[i].Shape) || !slices.Equal(got.Data, ts[i].Data) {
				t.Errorf("%s: tensor %d is %v, want %v", path, i, got, ts[i])
			}
		}
	}

	// A float16 safetensors file with metadata: F32 out, metadata kept.
	half := filepath.Join(dir, "half.safetensors")
	hdr := `{"__metadata__":{"format":"pt"},"w":{"dtype":"F16","shape":[3],"data_offsets":[0,6]}}`
	raw := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	raw = append(append(raw, hdr...), 0x00, 0x3e, 0x00, 0xc0, 0x00, 0x3c) // 1.5, -2, 1
	if err := os.WriteFile(half, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	full := filepath.Join(dir, "full.safetensors")
	if out, err := run(t, "convert", half, full); err != nil {
		t.Fatalf("convert F16: %v\n%s", err, out)
	}
	f, err := weights.ReadSafetensors(full)
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := f.Lookup("w"); !slices.Equal(w.Data, []float32{1.5, -2, 1}) || f.Metadata["format"] != "pt" {
		t.Errorf("F16 converted to %v, metadata %v", w, f.Metadata)
	}
	raw, _ = os.ReadFile(full)
	if !strings.Contains(string(raw[:200]), `"dtype":"F32"`) {
		t.Errorf("converted file is not F32: %q", raw[:100])
	}
	if out, err := run(t, "convert", half, filepath.Join(dir, "half.pth")); err != nil || !strings.Contains(out, "metadata") {
		t.Errorf("convert to .pth with metadata: %v; want a note that it is dropped\n%s", err, out)
	}
}

func TestConvertErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.safetensors")
	if err := weights.WriteSafetensors(good, []weights.Tensor{{Name: "w", Shape: []int{1}, Data: []float32{1}}}, nil); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.pth")
	os.WriteFile(bad, []byte("PK\x03\x04 not really a zip"), 0o644)
	out := filepath.Join(dir, "out.safetensors")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{good, filepath.Join(dir, "out.onnx")}, `cannot tell the format to write from the name`},
		{[]string{filepath.Join(dir, "missing.pth"), out}, "no such file"},
		{[]string{bad, out}, "bad.pth"},
		{[]string{good}, "accepts 2 arg(s)"},
	} {
		_, err := run(t, append([]string{"convert"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("convert %v: error %v, want one containing %q", c.args, err, c.want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed convert left %s behind (%v)", out, err)
	}
}
