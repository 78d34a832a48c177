package weights

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"testing"
)

// Large inputs made of the cheapest constructs each format has: every one
// must be decoded, or refused, within the allocation budget of twice its
// size plus allocSlack.

func repeatPk(head []byte, unit []byte, n int, tail []byte) []byte {
	b := append([]byte{}, head...)
	for i := 0; i < n; i++ {
		b = append(b, unit...)
	}
	return append(b, tail...)
}

var pathologicalSize = 1 << 20

func pathologicalPickles() map[string][]byte {
	n := pathologicalSize
	memo := []byte{}
	for i := 0; i < n/8; i++ {
		memo = append(memo, 'N', 'r')
		memo = binary.LittleEndian.AppendUint32(memo, uint32(i))
		memo = append(memo, '0')
	}
	dictInts := []byte{'}', '('}
	for i := 0; i < n/8; i++ {
		dictInts = append(dictInts, 'J')
		dictInts = binary.LittleEndian.AppendUint32(dictInts, uint32(i)+1000)
		dictInts = append(dictInts, 'N')
	}
	dictInts = append(dictInts, 'u', '.')
	storages := []byte{0x80, 2}
	for i := 0; i < n/64; i++ {
		storages = append(storages, pk(byte(opMark), "storage", "G:torch FloatStorage", fmt.Sprint(i), "cpu", 0, byte(opTuple), byte(opBinPersID), byte(opPop))...)
	}
	storages = append(storages, '}', '.')
	return map[string][]byte{
		"None pushes":   repeatPk(nil, []byte{'N'}, n, []byte{'.'}),
		"marks":         repeatPk(nil, []byte{'('}, n, []byte{'N', '.'}),
		"empty dicts":   repeatPk(nil, []byte{'}'}, n, []byte{'.'}),
		"empty lists":   repeatPk(nil, []byte{']'}, n, []byte{'.'}),
		"empty tuples":  repeatPk(nil, []byte{')'}, n, []byte{'.'}),
		"memo":          append(memo, '}', '.'),
		"get":           repeatPk([]byte{'N', 'q', 0}, []byte{'h', 0}, n/2, []byte{'.'}),
		"tuple of gets": repeatPk([]byte{'N', 'q', 0, '('}, []byte{'h', 0}, n/2, []byte{'t', '.'}),
		"appends":       repeatPk([]byte{']', 'q', 0, '('}, []byte{'h', 0}, n/2, []byte{'e', '.'}),
		"dup":           repeatPk([]byte{'}'}, []byte{'2'}, n, []byte{'.'}),
		"dict ints":     dictInts,
		"strings":       repeatPk(nil, []byte{0x8c, 0}, n/2, []byte{'}', '.'}),
		"floats":        repeatPk(nil, []byte{'G', 0, 0, 0, 0, 0, 0, 0, 0}, n/9, []byte{'}', '.'}),
		"storages":      storages,
		"globals":       repeatPk(nil, []byte("ccollections\nOrderedDict\n"), n/25, []byte{'}', '.'}),
	}
}

func TestPickleAllocationBound(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates tens of MB")
	}
	for name, pkl := range pathologicalPickles() {
		in := torchZip(pkl)
		var err error
		n := allocated(func() { _, err = DecodePyTorch(in) })
		t.Logf("%-14s %8d bytes: allocated %9d (%.2f×), err %v", name, len(in), n, float64(n)/float64(len(in)), err)
		if n > allocLimit(len(in)) {
			t.Errorf("%s: decoding %d bytes allocated %d", name, len(in), n)
		}
	}
}

func TestZipAllocationBound(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates tens of MB")
	}
	for _, count := range []int{1000, 30000} {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: "archive/data.pkl", Method: zip.Store})
		w.Write(dictPk())
		for i := 0; i < count; i++ {
			zw.CreateRaw(&zip.FileHeader{Name: "", Method: zip.Store})
		}
		zw.Close()
		var err error
		n := allocated(func() { _, err = DecodePyTorch(b.Bytes()) })
		t.Logf("%d empty entries, %d bytes: allocated %d, err %v", count, b.Len(), n, err)
		if n > allocLimit(b.Len()) {
			t.Errorf("decoding %d bytes allocated %d", b.Len(), n)
		}
	}
}

func TestSafetensorsAllocationBound(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates tens of MB")
	}
	var meta, tensors, shape, escaped strings.Builder
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&meta, `"%d":"",`, i)
		fmt.Fprintf(&tensors, `"%d":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},`, i)
		fmt.Fprintf(&escaped, `"\n%d":"\t",`, i)
	}
	shape.WriteString(`"a":{"dtype":"F32","data_offsets":[0,0],"shape":[0`)
	shape.WriteString(strings.Repeat(",1", 500000))
	shape.WriteString(`]}`)
	cases := map[string]string{
		"metadata": `{"__metadata__":{` + strings.TrimSuffix(meta.String(), ",") + `}}`,
		"tensors":  `{` + strings.TrimSuffix(tensors.String(), ",") + `}`,
		"shape":    `{` + shape.String() + `}`,
		"escapes":  `{"__metadata__":{` + strings.TrimSuffix(escaped.String(), ",") + `}}`,
		"skip":     `{"a":{"dtype":"F32","shape":[],"data_offsets":[0,0],"x":[` + strings.Repeat(`{"a":[1e5,true,null,"x"]},`, 40000) + `0]}}`,
	}
	for name, h := range cases {
		in := stFile(h, nil)
		var err error
		n := allocated(func() { _, err = DecodeSafetensors(in) })
		t.Logf("%-9s %8d bytes: allocated %9d (%.2f×), err %v", name, len(in), n, float64(n)/float64(len(in)), err)
		if n > allocLimit(len(in)) {
			t.Errorf("%s: decoding %d bytes allocated %d", name, len(in), n)
		}
	}
}

// TestFixtureAllocation checks the bound on ordinary files too: decoding
// the committed PyTorch files and a larger safetensors file.
func TestFixtureAllocation(t *testing.T) {
	var inputs [][]byte
	for _, name := range []string{"testdata/torch_views.pth", "testdata/torch_checkpoint.pth"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, b)
	}
	var buf bytes.Buffer
	EncodeSafetensors(&buf, []Tensor{{"w", []int{1 << 20}, make([]float32, 1<<20)}}, nil)
	inputs = append(inputs, buf.Bytes())
	for i, in := range inputs {
		var err error
		n := allocated(func() { _, err = Decode(in) })
		if err != nil {
			t.Fatal(err)
		}
		if n > allocLimit(len(in)) {
			t.Errorf("input %d: decoding %d bytes allocated %d", i, len(in), n)
		}
	}
}

// Decode decodes either format, for the tests.
func Decode(b []byte) (*File, error) {
	if bytes.HasPrefix(b, []byte("PK")) {
		return DecodePyTorch(b)
	}
	return DecodeSafetensors(b)
}
