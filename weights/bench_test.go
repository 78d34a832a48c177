package weights

import (
	"bytes"
	"testing"
)

// benchTensors is about 4 MiB of float32 in ResNet-like shapes.
func benchTensors() []Tensor {
	var ts []Tensor
	for i, shape := range [][]int{{64, 3, 7, 7}, {64}, {128, 64, 3, 3}, {256, 128, 3, 3}, {512, 256, 3, 3}, {1000, 512}} {
		n, _ := numel(shape, 1<<30)
		d := make([]float32, n)
		for j := range d {
			d[j] = float32(j%97) * 0.01
		}
		ts = append(ts, Tensor{Name: string(rune('a' + i)), Shape: shape, Data: d})
	}
	return ts
}

func BenchmarkDecodeSafetensors(b *testing.B) {
	var buf bytes.Buffer
	EncodeSafetensors(&buf, benchTensors(), nil)
	in := buf.Bytes()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeSafetensors(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodePyTorch(b *testing.B) {
	var buf bytes.Buffer
	EncodePyTorch(&buf, benchTensors())
	in := buf.Bytes()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodePyTorch(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodePyTorch(b *testing.B) {
	ts := benchTensors()
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := EncodePyTorch(&buf, ts); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(buf.Len()))
	}
}
