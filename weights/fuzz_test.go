package weights

import (
	"archive/zip"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "regenerate testdata: the PyTorch fixtures (needs /usr/bin/python3 with torch) and the fuzz seed corpora")

func safetensorsSeeds() map[string][]byte {
	seeds := map[string][]byte{}
	for _, c := range safetensorsCases() {
		seeds[c.name] = c.in
	}
	var b bytes.Buffer
	EncodeSafetensors(&b, []Tensor{{"w", []int{2, 2}, []float32{1, 2, 3, 4}}, {"s", nil, []float32{5}}, {"e", []int{0}, nil}},
		map[string]string{"model": "tiny"})
	seeds["valid f32"] = b.Bytes()
	seeds["valid f16 bf16"] = stFile(`{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]}}`,
		[]byte{0x00, 0x3c, 0x00, 0xc0, 0xc0, 0x3f})
	return seeds
}

func pytorchSeeds() map[string][]byte {
	seeds := map[string][]byte{}
	for _, c := range pytorchCases() {
		seeds[c.name] = c.in
	}
	seeds["valid"] = validTorchPk
	var b bytes.Buffer
	EncodePyTorch(&b, []Tensor{{"w", []int{2, 2}, []float32{1, 2, 3, 4}}, {"s", nil, []float32{5}}})
	seeds["written"] = b.Bytes()
	for _, name := range []string{"torch_views.pth", "torch_checkpoint.pth"} {
		if data, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			seeds[name] = data
		}
	}
	return seeds
}

// checkDecoded checks what a fuzzed decoder returned: an error that is a
// *FormatError, or tensors consistent with their shapes that survive
// encoding and decoding again unchanged; and in either case no more
// memory than the budget.
func checkDecoded(t *testing.T, in []byte, decode func([]byte) (*File, error), encode func(*bytes.Buffer, *File) error) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f, err := decode(in)
	runtime.ReadMemStats(&after)
	// Another goroutine of the fuzzing engine may allocate meanwhile:
	// allow a little more.
	if n := after.TotalAlloc - before.TotalAlloc; n > allocLimit(len(in))+1<<20 {
		t.Fatalf("decoding %d bytes allocated %d", len(in), n)
	}
	if err != nil {
		var fe *FormatError
		if !errors.As(err, &fe) || f != nil {
			t.Fatalf("error %T %v, file %v", err, err, f)
		}
		return
	}
	seen := map[string]bool{}
	for _, x := range f.Tensors {
		n, err := numel(x.Shape, int64(len(in))*4)
		if err != nil || n != int64(len(x.Data)) || seen[x.Name] {
			t.Fatalf("tensor %q: shape %v, %d values, seen before %v", x.Name, x.Shape, len(x.Data), seen[x.Name])
		}
		seen[x.Name] = true
	}
	var b bytes.Buffer
	if err := encode(&b, f); err != nil {
		t.Fatalf("re-encoding a decoded file: %v", err)
	}
	g, err := decode(b.Bytes())
	if err != nil {
		t.Fatalf("decoding a re-encoded file: %v", err)
	}
	equalFiles(t, g.Tensors, f.Tensors)
	if !maps.Equal(g.Metadata, f.Metadata) && len(g.Metadata)+len(f.Metadata) > 0 {
		t.Fatalf("metadata %v became %v", f.Metadata, g.Metadata)
	}
}

func FuzzDecodeSafetensors(f *testing.F) {
	for _, s := range safetensorsSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkDecoded(t, in, DecodeSafetensors, func(b *bytes.Buffer, f *File) error { return EncodeSafetensors(b, f.Tensors, f.Metadata) })
	})
}

func FuzzDecodePyTorch(f *testing.F) {
	for _, s := range pytorchSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkDecoded(t, in, DecodePyTorch, func(b *bytes.Buffer, f *File) error { return EncodePyTorch(b, f.Tensors) })
	})
}

// TestUpdateTestdata regenerates, with -update, the PyTorch fixtures and
// the committed seed corpora of the fuzz targets
// (testdata/fuzz/<target>/<case>, in go test's corpus format).
func TestUpdateTestdata(t *testing.T) {
	if !*update {
		t.Skip("regenerates testdata with -update")
	}
	needTorch(t)
	if out, err := runCmd(python, "../tools/parity/gen_weight_fixtures.py", "--out", "testdata"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	bad := regexp.MustCompile(`[^a-zA-Z0-9._-]+`)
	for target, seeds := range map[string]map[string][]byte{
		"FuzzDecodeSafetensors":   safetensorsSeeds(),
		"FuzzDecodePyTorch":       pytorchSeeds(),
		"FuzzDecodePyTorchPickle": pickleSeeds(),
	} {
		dir := filepath.Join("testdata", "fuzz", target) // inputs that fuzzing found stay
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range seeds {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(data)))
			if err := os.WriteFile(filepath.Join(dir, bad.ReplaceAllString(name, "_")), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// pickleSeeds are the data.pkl of every PyTorch seed that has one.
func pickleSeeds() map[string][]byte {
	seeds := map[string][]byte{}
	for name, b := range pytorchSeeds() {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			continue
		}
		for _, f := range zr.File {
			if strings.HasSuffix(f.Name, "/data.pkl") {
				if r, err := f.Open(); err == nil {
					pkl, _ := io.ReadAll(r)
					seeds[name] = pkl
				}
			}
		}
	}
	return seeds
}

// zipForPickle wraps a pickle in an archive that holds, for each storage
// the pickle names (up to 64 KiB each), an entry of the right size, so
// that fuzzing reaches the tensor views rather than stopping at a
// missing entry or a CRC.
func zipForPickle(pkl []byte) []byte {
	var storages []any
	u := &unpickler{b: pkl, bud: newBudget(int64(len(pkl)), "pytorch"), maxBytes: 1 << 16, memo: map[uint32]any{}, storages: map[string]*pyStorage{}}
	for u.i < len(u.b) {
		u.op = u.i
		op := u.b[u.i]
		u.i++
		if op == opStop || u.step(op) != nil {
			break
		}
	}
	for key, s := range u.storages {
		size := s.numel
		if s.ok {
			size *= dtypeSize[s.dt]
		}
		if size <= 1<<16 {
			data := make([]byte, size)
			for i := range data {
				data[i] = byte(i * 7)
			}
			storages = append(storages, key, data)
		}
	}
	return torchZip(pkl, storages...)
}

func FuzzDecodePyTorchPickle(f *testing.F) {
	for _, s := range pickleSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pkl []byte) {
		checkDecoded(t, zipForPickle(pkl), DecodePyTorch, func(b *bytes.Buffer, f *File) error { return EncodePyTorch(b, f.Tensors) })
	})
}
