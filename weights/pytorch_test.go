package weights

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convnet/convnet/nn"
)

// bf16 rounds x to bfloat16 (nearest, ties to even), as torch does.
func bf16(x float32) float32 {
	b := math.Float32bits(x)
	b += 0x7fff + (b>>16)&1
	return math.Float32frombits(b &^ 0xffff)
}

func TestReadTorchViews(t *testing.T) {
	f, err := ReadPyTorch("testdata/torch_views.pth")
	if err != nil {
		t.Fatal(err)
	}
	inf := float32(math.Inf(1))
	want := []Tensor{
		{"base", []int{3, 4}, []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
		{"t", []int{4, 3}, []float32{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}},
		{"v", []int{2, 3}, []float32{5, 6, 7, 9, 10, 11}},
		{"row", []int{4}, []float32{8, 9, 10, 11}},
		{"h", []int{6}, []float32{1.5, -2, 65504, 1.0 / (1 << 24), float32(math.Copysign(0, -1)), inf}},
		{"b", []int{4}, []float32{1.5, -2, bf16(3e38), float32(math.Ldexp(1, -130))}},
		{"d", []int{2}, []float32{0.1, -inf}},
		{"p", []int{1, 2}, []float32{1, 2}},
		{"scalar", []int{}, []float32{3.5}},
		{"empty", []int{0, 3}, []float32{}},
		{"bn.num_batches_tracked", []int{}, []float32{7}},
	}
	equalFiles(t, f.Tensors, want)
	if f.Metadata != nil {
		t.Errorf("metadata %v, want none", f.Metadata)
	}
}

// tinyNet is the Go twin of the Sequential in gen_weight_fixtures.py.
func tinyNet() *nn.Sequential {
	rng := rand.New(rand.NewPCG(1, 2))
	return nn.NewSequential(
		nn.NewConv2d(rng, nn.Conv2dConfig{In: 1, Out: 2, Kernel: 3}),
		nn.NewBatchNorm2d(2),
		nn.NewReLU(),
		nn.NewFlatten(),
		nn.NewLinear(rng, 8, 3, true),
	)
}

func TestReadTorchCheckpoint(t *testing.T) {
	f, err := Read("testdata/torch_checkpoint.pth") // picks "model" beside epoch, optimizer, …
	if err != nil {
		t.Fatal(err)
	}
	m := tinyNet()
	if err := LoadIntoModule(m, f, true); err != nil {
		t.Fatal(err)
	}
	for _, p := range nn.StateDict(m) {
		for i, v := range p.Tensor.Data() {
			want := float32(i)/8 - 1
			if strings.HasSuffix(p.Name, "num_batches_tracked") {
				want = 5
			}
			if v != want {
				t.Fatalf("%s[%d] = %v, want %v", p.Name, i, v, want)
			}
		}
	}
}

func TestPyTorchRoundTrip(t *testing.T) {
	ts := []Tensor{
		{"conv.weight", []int{2, 1, 2, 2}, []float32{1, -2, 3.5, float32(math.NaN()), 0, 1e-40, -0, float32(math.Inf(-1))}},
		{"scalar", []int{}, []float32{42}},
		{"empty", []int{3, 0}, nil},
		{"big", []int{70000}, make([]float32, 70000)}, // beyond one read chunk and BININT2
		{"ünï \"quoted\"", []int{1}, []float32{7}},
	}
	for i := range ts[3].Data {
		ts[3].Data[i] = float32(i)
	}
	path := filepath.Join(t.TempDir(), "w.pth")
	if err := WritePyTorch(path, ts); err != nil {
		t.Fatal(err)
	}
	f, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	ts[2].Data = []float32{}
	equalFiles(t, f.Tensors, ts)

	// Every entry's data starts 64-byte aligned, as in torch's archives.
	b, _ := os.ReadFile(path)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range zr.File {
		if off, _ := e.DataOffset(); off%64 != 0 {
			t.Errorf("entry %s data at %d, not 64-byte aligned", e.Name, off)
		}
	}
	if zr.File[0].Name != "archive/data.pkl" {
		t.Errorf("first entry %s; torch reads the archive name from the first", zr.File[0].Name)
	}
}

func TestWritePyTorchErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.pth")
	bad := [][]Tensor{
		{{"a", []int{2}, []float32{1}}},
		{{"a", nil, []float32{1}}, {"a", nil, []float32{1}}},
		{{"", nil, []float32{1}}},
		{{"\xff", nil, []float32{1}}},
		{{"neg", []int{-1}, nil}},
	}
	for _, ts := range bad {
		if err := WritePyTorch(path, ts); err == nil {
			t.Errorf("WritePyTorch(%v) succeeded", ts)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed write left %s behind", path)
	}
}

// Hand-made pickles: the parts of a valid one, reused by the hostile cases.
var (
	f32Storage   = f32bytes(1, 2, 3, 4, 5, 6)
	validPickle  = dictPk("w", tensorPk("FloatStorage", "0", 6, 0, []int{2, 3}, []int{3, 1}))
	validTorchPk = torchZip(validPickle, "0", f32Storage)
)

// pytorchCase is a hostile or broken .pth and what its error must say.
type pytorchCase struct {
	name  string
	in    []byte
	wants []string
}

func pytorchCases() []pytorchCase {
	one := func(pkl []byte, storages ...any) []byte { return torchZip(pkl, storages...) }
	evilOS := pk(byte(opProto), byte(2), "G:os system", "touch /tmp/convnet-weights-pwned", byte(opTuple1), byte(opReduce), byte(opStop))
	truncated := validTorchPk[:len(validTorchPk)/2]
	corrupt := bytes.Clone(validTorchPk)
	corrupt[bytes.Index(corrupt, f32Storage)+1] ^= 0x40
	bigEndian := makeZip(entry{name: "archive/data.pkl", data: validPickle}, entry{name: "archive/byteorder", data: []byte("big")},
		entry{name: "archive/data/0", data: f32Storage})
	deflated := makeZip(entry{name: "archive/data.pkl", data: validPickle}, entry{name: "archive/data/0", data: f32Storage, method: zip.Deflate})
	return []pytorchCase{
		{"empty", nil, []string{"the file is empty"}},
		{"0xFF", []byte{0xff}, []string{"not a PyTorch zip", "ff"}},
		{"wrong magic", []byte("GIF89a........"), []string{"not a PyTorch zip", "47 49 46 38"}},
		{"legacy", append(bytes.Clone(legacyMagic), 0x2e), []string{"legacy format", "save it again"}},
		{"bare pickle", validPickle, []string{"bare pickle"}},
		{"truncated zip", truncated, []string{"not a valid zip"}},
		{"crc", corrupt, []string{"CRC-32 mismatch"}},
		{"os.system", one(evilOS), []string{`"os.system"`, "refused", "nothing is executed"}},
		{"builtins.eval", one(pk(byte(opProto), byte(2), "G:builtins eval", "1", byte(opTuple1), byte(opReduce), byte(opStop))), []string{"builtins.eval"}},
		{"stack global", one(pk(byte(opProto), byte(4), "subprocess", "Popen", byte(opStackGlobal), byte(opStop))), []string{"subprocess.Popen"}},
		{"whole module", one(pk(byte(opProto), byte(2), "G:torch.nn.modules.container Sequential", byte(opStop))),
			[]string{"torch.nn.modules.container.Sequential", "model.state_dict()"}},
		{"pickle 0xFF", one([]byte{0xff}), []string{"unknown opcode 0xff"}},
		{"pickle empty", one(nil), []string{"ends without STOP"}},
		{"FRAME huge", one([]byte{0x95, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}), []string{"FRAME of", "remain"}},
		{"BINBYTES huge", one([]byte{'B', 0xff, 0xff, 0xff, 0xef, 0, 0, 0, 0}), []string{"needs 4026531839 bytes"}},
		{"BINUNICODE8 huge", one([]byte{0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), []string{"remain"}},
		{"LONG4 huge", one([]byte{0x8b, 0xff, 0xff, 0xff, 0x7f}), []string{"remain"}},
		{"LONG1 9 bytes", one([]byte{0x8a, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, '.'}), []string{"too large"}},
		{"memo miss", one(pk(byte(opProto), byte(2), byte(opBinGet), byte(7), byte(opStop))), []string{"memo key 7"}},
		{"underflow", one(pk(byte(opProto), byte(2), byte(opReduce))), []string{"stack underflow"}},
		{"no mark", one(pk(byte(opProto), byte(2), byte(opTuple))), []string{"no MARK"}},
		{"protocol 0", one([]byte{0x80, 0, '.'}), []string{"protocol 0"}},
		{"text opcode", one([]byte("I1\n.")), []string{"INT"}},
		{"top-level list", one(pk(byte(opEmptyList), byte(opStop))), []string{"holds a list"}},
		{"single tensor", one(append(pk(byte(opProto), byte(2)), append(tensorPk("FloatStorage", "0", 6, 0, []int{6}, []int{1}), '.')...), "0", f32Storage),
			[]string{"holds a tensor"}},
		{"no state dict", one(pk(byte(opEmptyDict), "epoch", 3, byte(opSetItem), "optimizer", byte(opEmptyDict), byte(opSetItem), byte(opStop))),
			[]string{"no state dict found", `"epoch": int`, `"optimizer": dict of 0`}},
		{"ambiguous", one(pk(byte(opEmptyDict), "state_dict", byte(opEmptyDict), byte(opSetItem), "model", byte(opEmptyDict), byte(opSetItem), byte(opStop))),
			[]string{"ambiguous", "state_dict", "model"}},
		{"view past end", one(dictPk("w", tensorPk("FloatStorage", "0", 6, 4, []int{2, 3}, []int{3, 1})), "0", f32Storage),
			[]string{"reaches past the end of storage"}},
		{"view offset past end", one(dictPk("w", tensorPk("FloatStorage", "0", 6, 7, []int{0}, []int{1})), "0", f32Storage),
			[]string{"starts at element 7"}},
		{"storage larger than file", one(dictPk("w", tensorPk("FloatStorage", "0", 1<<40, 0, []int{2}, []int{1})), "0", f32Storage),
			[]string{"claims 1099511627776 elements"}},
		{"expanded 8 GiB", one(dictPk("w", tensorPk("FloatStorage", "0", 6, 0, []int{1 << 16, 1 << 15}, []int{0, 0})), "0", f32Storage),
			[]string{`"w"`, "more elements than the file can hold"}},
		{"expanded 12 MB", one(dictPk("w", tensorPk("FloatStorage", "0", 6, 0, []int{3000, 1000}, []int{0, 0})), "0", f32Storage),
			[]string{`"w"`, "more memory than twice the file's size"}},
		{"storage missing", one(validPickle), []string{"archive/data/0", "no entry"}},
		{"storage size", one(validPickle, "0", f32Storage[:20]), []string{"holds 20 bytes", "24 bytes"}},
		{"int32 tensor", one(dictPk("w", tensorPk("IntStorage", "0", 6, 0, []int{6}, []int{1})), "0", f32Storage),
			[]string{`"w"`, "torch.IntStorage tensors are not read"}},
		{"int64 tensor", one(dictPk("idx", tensorPk("LongStorage", "0", 3, 0, []int{3}, []int{1})), "0", f32Storage),
			[]string{`"idx"`, "only num_batches_tracked"}},
		{"shape stride rank", one(dictPk("w", tensorPk("FloatStorage", "0", 6, 0, []int{6}, []int{1, 1})), "0", f32Storage),
			[]string{"differ in length"}},
		{"big endian", bigEndian, []string{`byte order "big"`}},
		{"deflated", deflated, []string{"compressed"}},
		{"no data.pkl", makeZip(entry{name: "archive/version", data: []byte("3\n")}), []string{"no <name>/data.pkl"}},
		{"two data.pkl", makeZip(entry{name: "a/data.pkl", data: validPickle}, entry{name: "b/data.pkl", data: validPickle}), []string{"second data.pkl"}},
		{"torchscript", makeZip(entry{name: "archive/data.pkl", data: validPickle}, entry{name: "archive/constants.pkl", data: nil}), []string{"TorchScript"}},
		{"duplicate entry", makeZip(entry{name: "archive/data.pkl", data: validPickle}, entry{name: "archive/data/0", data: f32Storage}, entry{name: "archive/data/0", data: f32Storage}),
			[]string{"appears twice"}},
		{"empty name", one(dictPk("", tensorPk("FloatStorage", "0", 6, 0, []int{6}, []int{1})), "0", f32Storage), []string{"empty name"}},
		{"bad utf-8", one(pk(byte(opProto), byte(2), byte(opShortBinUni), byte(1), byte(0x89), byte(opStop))), []string{"not valid UTF-8"}},
		{"build on list", one(pk(byte(opEmptyList), byte(opEmptyDict), byte(opBuild), byte(opStop))), []string{"BUILD"}},
		{"unhashable key", one(pk(byte(opEmptyDict), byte(opEmptyList), 1, byte(opSetItem), byte(opStop))), []string{"dict key of type list"}},
		{"persid not storage", one(pk(byte(opProto), byte(2), "x", byte(opBinPersID), byte(opStop))), []string{"persistent id"}},
	}
}

func TestPyTorchHostile(t *testing.T) {
	os.Remove("/tmp/convnet-weights-pwned")
	for _, c := range pytorchCases() {
		t.Run(c.name, func(t *testing.T) {
			var f *File
			var err error
			if n := allocated(func() { f, err = DecodePyTorch(c.in) }); n > allocLimit(len(c.in)) {
				t.Errorf("decoding %d bytes allocated %d", len(c.in), n)
			}
			if f != nil {
				t.Fatalf("decoded %v", f.Tensors)
			}
			wantErr(t, err, c.wants...)
		})
	}
	if _, err := os.Stat("/tmp/convnet-weights-pwned"); err == nil {
		t.Fatal("the os.system pickle ran")
	}
}

func TestPyTorchShortReadIsUnexpectedEOF(t *testing.T) {
	_, err := DecodePyTorch(torchZip([]byte{'X', 10, 0, 0, 0, 'a'}))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestPyTorchValid(t *testing.T) {
	f, err := DecodePyTorch(validTorchPk)
	if err != nil {
		t.Fatal(err)
	}
	equalFiles(t, f.Tensors, []Tensor{{"w", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}}})

	// Nested under "state_dict", beside other entries, with a memoized
	// storage shared by two views.
	inner := append(pk(byte(opProto), byte(2), byte(opEmptyDict), "epoch", 1, byte(opSetItem), "state_dict",
		"G:collections OrderedDict", byte(opEmptyTuple), byte(opReduce), byte(opMark), "a"),
		tensorPk("HalfStorage", "k", 4, 1, []int{3}, []int{1})...)
	inner = append(inner, pk("b")...)
	inner = append(inner, tensorPk("HalfStorage", "k", 4, 0, []int{2, 2}, []int{1, 2})...)
	inner = append(inner, pk(byte(opSetItems), byte(opSetItem), byte(opStop))...)
	half := []byte{0x00, 0x3c, 0x00, 0x40, 0x00, 0x42, 0x00, 0x44} // 1, 2, 3, 4
	f, err = DecodePyTorch(torchZip(inner, "k", half))
	if err != nil {
		t.Fatal(err)
	}
	equalFiles(t, f.Tensors, []Tensor{{"a", []int{3}, []float32{2, 3, 4}}, {"b", []int{2, 2}, []float32{1, 3, 2, 4}}})

	// An empty state dict is a state dict.
	f, err = DecodePyTorch(torchZip(dictPk()))
	if err != nil || len(f.Tensors) != 0 {
		t.Fatalf("empty dict: %v, %v", f, err)
	}
}

func TestReadErrorsNameThePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.pth")
	os.WriteFile(path, []byte("nope"), 0o644)
	for _, read := range []func(string) (*File, error){Read, ReadPyTorch} {
		_, err := read(path)
		wantErr(t, err, path, "pytorch")
	}
	_, err := ReadSafetensors(path)
	wantErr(t, err, path, "safetensors")
	if _, err := Read(filepath.Join(t.TempDir(), "missing.pth")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestHalfToFloat(t *testing.T) {
	cases := map[uint16]float32{
		0x0000: 0, 0x3c00: 1, 0xc000: -2, 0x7bff: 65504, 0x0001: 1.0 / (1 << 24), 0x03ff: 1023.0 / (1 << 24),
		0x0400: 1.0 / (1 << 14), 0x3555: 0.333251953125, 0x7c00: float32(math.Inf(1)), 0xfc00: float32(math.Inf(-1)),
	}
	for h, want := range cases {
		if got := halfToFloat(h); got != want {
			t.Errorf("halfToFloat(%#04x) = %v, want %v", h, got, want)
		}
	}
	if got := halfToFloat(0x8000); math.Float32bits(got) != 0x80000000 {
		t.Errorf("halfToFloat(-0) = %v", got)
	}
	if got := halfToFloat(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("halfToFloat(NaN) = %v", got)
	}
}
