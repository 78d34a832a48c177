package weights

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSafetensorsRoundTrip(t *testing.T) {
	ts := []Tensor{
		{"features.0.weight", []int{2, 1, 2, 2}, []float32{1, -2, 3.5, float32(math.NaN()), 0, 1e-40, float32(math.Copysign(0, -1)), float32(math.Inf(1))}},
		{"scalar", []int{}, []float32{42}},
		{"empty", []int{0, 4}, []float32{}},
		{"big", []int{40000}, make([]float32, 40000)}, // beyond one read chunk
		{"ünï \"quoted\" \\ <tag>", []int{1}, []float32{7}},
		{"a", []int{1}, []float32{-1}}, // order is kept, not sorted
	}
	for i := range ts[3].Data {
		ts[3].Data[i] = float32(i) * 0.5
	}
	meta := map[string]string{"model": "resnet18", "config": `{"num_classes": 10}`, "ключ": "значение"}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := WriteSafetensors(path, ts, meta); err != nil {
		t.Fatal(err)
	}
	f, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	equalFiles(t, f.Tensors, ts)
	if len(f.Metadata) != len(meta) {
		t.Errorf("metadata %v, want %v", f.Metadata, meta)
	}
	for k, v := range meta {
		if f.Metadata[k] != v {
			t.Errorf("metadata[%q] = %q, want %q", k, f.Metadata[k], v)
		}
	}
	b, _ := os.ReadFile(path)
	if n := binary.LittleEndian.Uint64(b); n%8 != 0 {
		t.Errorf("header length %d; the data should start 8-byte aligned", n)
	}
	var buf bytes.Buffer
	if err := EncodeSafetensors(&buf, ts, meta); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), b) {
		t.Error("EncodeSafetensors and WriteSafetensors differ")
	}

	// No metadata: no __metadata__ entry.
	buf.Reset()
	EncodeSafetensors(&buf, ts[:1], nil)
	f, err = DecodeSafetensors(buf.Bytes())
	if err != nil || f.Metadata != nil || strings.Contains(buf.String(), "__metadata__") {
		t.Errorf("no metadata: %v %v", f.Metadata, err)
	}
}

func TestSafetensorsDtypes(t *testing.T) {
	h := `{"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},` +
		`"b":{"dtype":"BF16","shape":[2],"data_offsets":[6,10]},` +
		`"d":{"dtype":"F64","shape":[1],"data_offsets":[10,18]},` +
		`"bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[18,26]},` +
		`"__metadata__":{"format":"pt"}}`
	var data []byte
	data = append(data, 0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00) // F16 1, -2, 2^-24
	data = append(data, 0xc0, 0x3f, 0x80, 0xbf)             // BF16 1.5, -1
	data = binary.LittleEndian.AppendUint64(data, math.Float64bits(0.1))
	data = binary.LittleEndian.AppendUint64(data, 12345)
	f, err := DecodeSafetensors(stFile(h, data))
	if err != nil {
		t.Fatal(err)
	}
	equalFiles(t, f.Tensors, []Tensor{
		{"h", []int{3}, []float32{1, -2, 1.0 / (1 << 24)}},
		{"b", []int{2}, []float32{1.5, -1}},
		{"d", []int{1}, []float32{0.1}},
		{"bn.num_batches_tracked", []int{}, []float32{12345}},
	})
	if f.Metadata["format"] != "pt" {
		t.Errorf("metadata %v", f.Metadata)
	}
}

func TestSafetensorsFileOrder(t *testing.T) {
	// The header lists b before a; the file order is the data's.
	h := `{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}, "e":{"dtype":"F32","shape":[0],"data_offsets":[8,8]},"x":{"dtype":"F32","shape":[1],"data_offsets":[8,12],"extra":[1,{"y":null}]}}   `
	f, err := DecodeSafetensors(stFile(h, f32bytes(1, 2, 3)))
	if err != nil {
		t.Fatal(err)
	}
	equalFiles(t, f.Tensors, []Tensor{{"a", []int{1}, []float32{1}}, {"b", []int{1}, []float32{2}}, {"e", []int{0}, []float32{}}, {"x", []int{1}, []float32{3}}})
}

type safetensorsCase struct {
	name  string
	in    []byte
	wants []string
}

func safetensorsCases() []safetensorsCase {
	ten := func(name, dtype, shape, offs string) string {
		return `"` + name + `":{"dtype":"` + dtype + `","shape":` + shape + `,"data_offsets":` + offs + `}`
	}
	one := func(body string, data []byte) []byte { return stFile("{"+body+"}", data) }
	huge := make([]byte, 8)
	binary.LittleEndian.PutUint64(huge, 1<<60)
	return []safetensorsCase{
		{"empty", nil, []string{"shorter than the 8-byte header length"}},
		{"7 bytes", []byte{1, 2, 3, 4, 5, 6, 7}, []string{"shorter"}},
		{"header 2^60", append(huge, "{}"...), []string{"header length 1152921504606846976 exceeds the format's limit"}},
		{"header past end", stFile("{}", nil)[:9], []string{"header length 2 exceeds the 1 bytes"}},
		{"header tiny", stFile("{", nil), []string{"too short"}},
		{"not an object", stFile("[1, 2]", nil), []string{"does not start with '{'"}},
		{"not utf-8", stFile("{\"\xff\":1}", nil), []string{"not valid UTF-8"}},
		{"not json", stFile("{hello}", nil), []string{"expected '\"'"}},
		{"unterminated", stFile(`{"a`, nil), []string{"unterminated string"}},
		{"trailing", stFile(`{} x`, nil), []string{"data after the header"}},
		{"duplicate tensor", one(ten("w", "F32", "[1]", "[0,4]")+","+ten("w", "F32", "[1]", "[4,8]"), f32bytes(1, 2)), []string{`key "w" given twice`}},
		{"duplicate metadata", one(`"__metadata__":{"a":"1","a":"2"}`, nil), []string{`key "a" given twice`}},
		{"duplicate field", one(`"w":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}`, f32bytes(1)), []string{`key "dtype" given twice`}},
		{"escaped duplicate", one(ten("w", "F32", "[1]", "[0,4]")+","+ten(`\u0077`, "F32", "[1]", "[4,8]"), f32bytes(1, 2)), []string{`key "w" given twice`}},
		{"metadata not string", one(`"__metadata__":{"a":1}`, nil), []string{"not a string"}},
		{"out of range", one(ten("w", "F32", "[2]", "[0,8]"), f32bytes(1)), []string{`"w"`, "end past the 4 bytes of tensor data"}},
		{"offsets 2^63", one(ten("w", "F32", "[1]", "[9223372036854775807,9223372036854775807]"), f32bytes(1)), []string{"end past"}},
		{"offsets 2^64", one(ten("w", "F32", "[1]", "[0,18446744073709551616]"), f32bytes(1)), []string{"out of range"}},
		{"overlap", one(ten("a", "F32", "[2]", "[0,8]")+","+ten("b", "F32", "[2]", "[4,12]"), f32bytes(1, 2, 3)), []string{`"b"`, `overlap tensor "a"`}},
		{"gap", one(ten("a", "F32", "[1]", "[0,4]")+","+ten("b", "F32", "[1]", "[8,12]"), f32bytes(1, 2, 3)), []string{`"b"`, "gap of 4 bytes after tensor \"a\""}},
		{"leading gap", one(ten("a", "F32", "[1]", "[4,8]"), f32bytes(1, 2)), []string{"gap of 4 bytes at the start"}},
		{"trailing bytes", one(ten("a", "F32", "[1]", "[0,4]"), f32bytes(1, 2)), []string{"4 bytes after the last tensor"}},
		{"reversed offsets", one(ten("a", "F32", "[0]", "[4,0]"), f32bytes(1)), []string{"end before they begin"}},
		{"shape disagrees", one(ten("a", "F32", "[3]", "[0,8]"), f32bytes(1, 2)), []string{"hold 8 bytes; shape [3] of F32 needs 12"}},
		{"shape overflow", one(ten("a", "F32", "[4294967296,4294967296,16]", "[0,4]"), f32bytes(1)), []string{"more elements than the file can hold"}},
		{"unsupported dtype", one(ten("a", "I32", "[1]", "[0,4]"), f32bytes(1)), []string{`"a"`, `dtype "I32" is not supported`}},
		{"int64 weight", one(ten("a", "I64", "[1]", "[0,8]"), make([]byte, 8)), []string{"only num_batches_tracked"}},
		{"no dtype", one(`"a":{"shape":[1],"data_offsets":[0,4]}`, f32bytes(1)), []string{"no dtype"}},
		{"no shape", one(`"a":{"dtype":"F32","data_offsets":[0,4]}`, f32bytes(1)), []string{"no shape"}},
		{"no offsets", one(`"a":{"dtype":"F32","shape":[1]}`, f32bytes(1)), []string{"no data_offsets"}},
		{"three offsets", one(ten("a", "F32", "[1]", "[0,4,4]"), f32bytes(1)), []string{"more than two"}},
		{"one offset", one(ten("a", "F32", "[1]", "[4]"), f32bytes(1)), []string{"[begin, end]"}},
		{"negative dim", one(ten("a", "F32", "[-1]", "[0,4]"), f32bytes(1)), []string{"non-negative integer"}},
		{"float dim", one(ten("a", "F32", "[1.0]", "[0,4]"), f32bytes(1)), []string{"non-negative integer"}},
		{"exponent offset", one(ten("a", "F32", "[1]", "[0,4e0]"), f32bytes(1)), []string{"non-negative integer"}},
		{"leading zero", one(ten("a", "F32", "[01]", "[0,4]"), f32bytes(1)), []string{"leading zero"}},
		{"deep", one(`"a":{"x":`+strings.Repeat("[", 100)+strings.Repeat("]", 100)+`}`, nil), []string{"nested more than 64"}},
		{"bad number", one(`"a":{"x":-}`, nil), []string{"malformed number"}},
		{"bad literal", one(`"a":{"x":nul}`, nil), []string{"expected null"}},
		{"control char", one("\"a\n\":1", nil), []string{"control character"}},
		{"bad escape", one(`"\x":1`, nil), []string{"bad string"}},
		{"empty name", one(ten("", "F32", "[1]", "[0,4]"), f32bytes(1)), []string{"empty name"}},
		{"tensor not object", one(`"a":[]`, nil), []string{`expected '{'`}},
	}
}

func TestSafetensorsHostile(t *testing.T) {
	for _, c := range safetensorsCases() {
		t.Run(c.name, func(t *testing.T) {
			var f *File
			var err error
			if n := allocated(func() { f, err = DecodeSafetensors(c.in) }); n > allocLimit(len(c.in)) {
				t.Errorf("decoding %d bytes allocated %d", len(c.in), n)
			}
			if f != nil {
				t.Fatalf("decoded %v", f.Tensors)
			}
			wantErr(t, err, c.wants...)
		})
	}
}

func TestSafetensorsShortIsUnexpectedEOF(t *testing.T) {
	for _, in := range [][]byte{{1, 2}, stFile(`{"a":1}`, nil)[:10]} {
		if _, err := DecodeSafetensors(in); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%q: err = %v, want io.ErrUnexpectedEOF", in, err)
		}
	}
}

func TestEncodeSafetensorsErrors(t *testing.T) {
	bad := [][]Tensor{
		{{"a", []int{2}, []float32{1}}},
		{{"a", nil, []float32{1}}, {"a", nil, []float32{1}}},
		{{"__metadata__", nil, []float32{1}}},
		{{"", nil, []float32{1}}},
		{{"\xff", nil, []float32{1}}},
	}
	for _, ts := range bad {
		if err := EncodeSafetensors(io.Discard, ts, nil); err == nil {
			t.Errorf("EncodeSafetensors(%v) succeeded", ts)
		}
	}
	if err := EncodeSafetensors(io.Discard, nil, map[string]string{"k": "\xff"}); err == nil {
		t.Error("metadata that is not UTF-8 was written")
	}
	path := filepath.Join(t.TempDir(), "x.safetensors")
	os.WriteFile(path, []byte("old"), 0o644)
	if err := WriteSafetensors(path, bad[0], nil); err == nil {
		t.Error("WriteSafetensors of a bad tensor succeeded")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("a failed write changed the file to %q", b)
	}
}
