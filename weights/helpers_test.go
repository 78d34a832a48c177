package weights

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
)

// stFile builds a safetensors file from a header and data, as given.
func stFile(header string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func f32bytes(vs ...float32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

// entry is one file of a hand-made zip archive.
type entry struct {
	name   string
	data   []byte
	method uint16
}

// torchZip builds an archive laid out as torch.save's: data.pkl first,
// then the storages (key → bytes) in the order given, then version.
func torchZip(pkl []byte, storages ...any) []byte {
	es := []entry{{name: "archive/data.pkl", data: pkl}}
	for i := 0; i+1 < len(storages); i += 2 {
		es = append(es, entry{name: "archive/data/" + storages[i].(string), data: storages[i+1].([]byte)})
	}
	es = append(es, entry{name: "archive/version", data: []byte("3\n")})
	return makeZip(es...)
}

func makeZip(es ...entry) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range es {
		var w interface{ Write([]byte) (int, error) }
		var err error
		if e.method == zip.Deflate {
			w, err = zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate})
		} else {
			w, err = zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
		}
		if err != nil {
			panic(err)
		}
		w.Write(e.data)
	}
	zw.Close()
	return b.Bytes()
}

// pk assembles a pickle from opcodes (bytes), strings (written as
// BINUNICODE), globals ("G:module name", written as GLOBAL) and ints
// (written as the smallest BININT form).
func pk(parts ...any) []byte {
	var p pickleWriter
	for _, x := range parts {
		switch x := x.(type) {
		case byte:
			p.op(x)
		case []byte:
			p.b.Write(x)
		case string:
			if g, ok := strings.CutPrefix(x, "G:"); ok {
				mod, name, _ := strings.Cut(g, " ")
				p.op(opGlobal)
				p.b.WriteString(mod + "\n" + name + "\n")
			} else {
				p.str(x)
			}
		case int:
			p.int(int64(x))
		default:
			panic("pk: bad part")
		}
	}
	return p.b.Bytes()
}

// tensorPk is the pickle of _rebuild_tensor_v2 on storage key of the
// given type and element count, at offset, with shape and stride.
func tensorPk(storageType, key string, numel, offset int, shape, stride []int) []byte {
	var p pickleWriter
	p.b.Write(pk("G:torch._utils _rebuild_tensor_v2", byte(opMark), byte(opMark), "storage", "G:torch "+storageType, key, "cpu", numel, byte(opTuple), byte(opBinPersID), offset))
	p.ints(shape)
	p.ints(stride)
	p.b.Write(pk(byte(opNewFalse), "G:collections OrderedDict", byte(opEmptyTuple), byte(opReduce), byte(opTuple), byte(opReduce)))
	return p.b.Bytes()
}

// dictPk is the pickle of an OrderedDict of the given key, value-pickle
// pairs.
func dictPk(kv ...any) []byte {
	parts := []any{byte(opProto), byte(2), "G:collections OrderedDict", byte(opEmptyTuple), byte(opReduce), byte(opMark)}
	parts = append(parts, kv...)
	parts = append(parts, byte(opSetItems), byte(opStop))
	return pk(parts...)
}

// allocated returns the bytes fn allocates on the heap.
func allocated(fn func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	fn()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// allocLimit is what decoding n bytes may allocate: the budget, plus room
// for what the runtime and the error message take.
func allocLimit(n int) uint64 { return uint64(2*n+allocSlack) + 256<<10 }

// wantErr checks that err is a *FormatError whose text holds every want.
func wantErr(t *testing.T, err error, wants ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one containing %q", wants)
	}
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %T %v is not a *FormatError", err, err)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func equalFiles(t *testing.T, got, want []Tensor) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d tensors, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Name != w.Name || !equalInts(g.Shape, w.Shape) || !sameBits(g.Data, w.Data) {
			t.Errorf("tensor %d: got %q %v %v, want %q %v %v", i, g.Name, g.Shape, clip(g.Data), w.Name, w.Shape, clip(w.Data))
		}
	}
}

func clip(v []float32) []float32 { return v[:min(len(v), 8)] }

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
