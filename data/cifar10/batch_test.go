package cifar10

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/convnet/convnet/data"
	"github.com/convnet/convnet/data/imagefolder"
)

func checkRecords(t *testing.T, d *data.Bytes, seeds []int, labels []byte) {
	t.Helper()
	if d.C != 3 || d.H != 32 || d.W != 32 || d.NumClasses != 10 {
		t.Fatalf("shape %d×%d×%d, %d classes", d.C, d.H, d.W, d.NumClasses)
	}
	if !bytes.Equal(d.Labels, labels) {
		t.Errorf("labels %v, want %v", d.Labels, labels)
	}
	if len(d.Pixels) != len(seeds)*ImageBytes {
		t.Fatalf("%d pixels for %d records", len(d.Pixels), len(seeds))
	}
	for i, s := range seeds {
		if !bytes.Equal(d.Pixels[i*ImageBytes:(i+1)*ImageBytes], record(0, s)[1:]) {
			t.Errorf("record %d: pixels are not those of seed %d", i, s)
		}
	}
}

func TestReadBatch(t *testing.T) {
	b := batch(7, 0, 9, 5)
	for _, size := range []int64{int64(len(b)), -1} {
		d, err := ReadBatch(bytes.NewReader(b), size)
		if err != nil {
			t.Fatal(err)
		}
		checkRecords(t, d, []int{7, 8, 9}, []byte{0, 9, 5})
		// Pixel (c, y, x) is byte 1 + c·1024 + y·32 + x of the record.
		img := make([]float32, ImageBytes)
		if l := d.Example(1, img); l != 9 || img[1024+32+2] != float32((8+1024+32+2)%256)/255 {
			t.Errorf("Example(1) = %d, %v", l, img[1024+32+2])
		}
	}
}

func TestReadBatchErrors(t *testing.T) {
	two := batch(0, 1, 2)
	tests := []struct {
		name   string
		b      []byte
		size   int64 // 0 means len(b); the test also runs with -1 unless sized
		sized  bool  // only with the given size
		want   string
		record int
		is     error
	}{
		{"empty", nil, 0, false, "empty file: expected records of 3073 bytes", -1, io.ErrUnexpectedEOF},
		{"3072 bytes", two[:3072], 0, true, "record 0 (offset 0): file of 3072 bytes is not a multiple of the 3073-byte record: the last record has 3072 bytes", 0, io.ErrUnexpectedEOF},
		{"3072 bytes unsized", two[:3072], -1, true, "record 0 (offset 0): record ends after 3072 of 3073 bytes", 0, io.ErrUnexpectedEOF},
		{"one byte more", append(bytes.Clone(two), 3), 0, true, "record 2 (offset 6146): file of 6147 bytes is not a multiple of the 3073-byte record: the last record has 1 bytes", 2, io.ErrUnexpectedEOF},
		{"one byte more unsized", append(bytes.Clone(two), 3), -1, true, "record 2 (offset 6146): record ends after 1 of 3073 bytes", 2, io.ErrUnexpectedEOF},
		{"label 10", batch(0, 1, 2, 10, 3), 0, false, "record 2 (offset 6146): label 10: expected 0–9", 2, nil},
		{"label 255", batch(0, 255), 0, false, "record 0 (offset 0): label 255: expected 0–9", 0, nil},
		{"size says fewer", two, RecordBytes, true, "record 1 (offset 3073): data after the 1 records of a 3073-byte file", 1, nil},
		{"size says more", two, 3 * RecordBytes, true, "record 2 (offset 6146): file ends after 2 of the 3 records its size announces", 2, io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		sizes := []int64{tt.size}
		if tt.size == 0 {
			sizes[0] = int64(len(tt.b))
		}
		if !tt.sized {
			sizes = append(sizes, -1)
		}
		for _, size := range sizes {
			_, err := ReadBatch(bytes.NewReader(tt.b), size)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("%s, size %d: got %v, want a *FormatError", tt.name, size, err)
			}
			if err.Error() != "cifar10: "+tt.want && !strings.HasPrefix(err.Error(), "cifar10: "+tt.want+": ") {
				t.Errorf("%s, size %d:\n got %q\nwant %q", tt.name, size, err, "cifar10: "+tt.want)
			}
			if fe.Record != tt.record {
				t.Errorf("%s, size %d: record %d, want %d", tt.name, size, fe.Record, tt.record)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("%s, size %d: %v does not wrap %v", tt.name, size, err, tt.is)
			}
		}
	}

	// A reader's own error is passed on, with the record it broke.
	boom := errors.New("boom")
	_, err := ReadBatch(io.MultiReader(bytes.NewReader(batch(0, 1, 2)[:4000]), iotest.ErrReader(boom)), -1)
	var fe *FormatError
	if !errors.Is(err, boom) || !errors.As(err, &fe) || fe.Record != 1 || fe.Offset != 4000 {
		t.Errorf("got %v, want boom at record 1, offset 4000", err)
	}
}

func TestReadBatchFile(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, filepath.Join(dir, "data_batch_1.bin"), batch(0, 1, 11))
	_, err := ReadBatchFile(p)
	if err == nil || err.Error() != "cifar10: "+p+": record 1 (offset 3073): label 11: expected 0–9" {
		t.Errorf("got %v", err)
	}
	if _, err := ReadBatchFile(dir); err == nil || !strings.Contains(err.Error(), "is a folder") {
		t.Errorf("folder: got %v", err)
	}
	if _, err := ReadBatchFile(filepath.Join(dir, "nope")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: got %v", err)
	}
}

func TestLoad(t *testing.T) {
	flat := t.TempDir()
	writeBatches(t, flat)
	nested := t.TempDir()
	writeBatches(t, filepath.Join(nested, BatchDir))
	for _, dir := range []string{flat, nested} {
		train, err := Load(dir, true)
		if err != nil {
			t.Fatal(err)
		}
		checkRecords(t, train, []int{10, 11, 20, 21, 30, 31, 40, 41, 50, 51}, []byte{0, 5, 1, 6, 2, 7, 3, 8, 4, 9})
		test, err := Load(dir, false)
		if err != nil {
			t.Fatal(err)
		}
		checkRecords(t, test, []int{100, 101, 102}, []byte{9, 0, 3})
	}

	os.Remove(filepath.Join(flat, "data_batch_3.bin"))
	if _, err := Load(flat, true); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "data_batch_3.bin") {
		t.Errorf("missing batch: got %v", err)
	}
	if _, err := Load(t.TempDir(), false); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), BatchDir) {
		t.Errorf("empty folder: got %v", err)
	}
	writeFile(t, filepath.Join(flat, "test_batch.bin"), batch(0, 1)[:100])
	if _, err := Load(flat, false); err == nil || !strings.Contains(err.Error(), filepath.Join(flat, "test_batch.bin")+": record 0") {
		t.Errorf("short batch: got %v", err)
	}
}

func TestReadArchive(t *testing.T) {
	for _, gz := range []bool{false, true} {
		train, test, err := ReadArchive(bytes.NewReader(binaryArchive(gz)), "a.tgz")
		if err != nil {
			t.Fatal(err)
		}
		checkRecords(t, train, []int{10, 11, 20, 21, 30, 31, 40, 41, 50, 51}, []byte{0, 5, 1, 6, 2, 7, 3, 8, 4, 9})
		checkRecords(t, test, []int{100, 101, 102}, []byte{9, 0, 3})
	}

	files := officialLike()
	all := func(extra ...member) []member {
		var ms []member
		for _, n := range append(TrainFiles[:], TestFile) {
			ms = append(ms, member{name: "x/" + n, body: files[n]})
		}
		return append(ms, extra...)
	}
	tests := []struct {
		name string
		ms   []member
		want string
		is   error
	}{
		{"missing", all()[:5], "cifar10: a.tgz: no test_batch.bin in the archive", fs.ErrNotExist},
		{"two missing", all()[1:5], "cifar10: a.tgz: no data_batch_1.bin, test_batch.bin in the archive", fs.ErrNotExist},
		{"twice", all(member{name: "y/data_batch_2.bin", body: files["data_batch_2.bin"]}),
			"cifar10: a.tgz: y/data_batch_2.bin: a second data_batch_2.bin (the first is x/data_batch_2.bin)", nil},
		{"bad label", append(all()[:1], member{name: "x/data_batch_2.bin", body: batch(0, 1, 12)}),
			"cifar10: a.tgz: x/data_batch_2.bin: record 1 (offset 3073): label 12: expected 0–9", nil},
		{"bad size", append(all()[:1], member{name: "x/data_batch_2.bin", body: batch(0, 1, 2)[:5000]}),
			"cifar10: a.tgz: x/data_batch_2.bin: record 1 (offset 3073): file of 5000 bytes is not a multiple", io.ErrUnexpectedEOF},
		{"symlink", all(member{name: "x/l", typ: '2', link: "../../etc"}), `imagefolder: a.tgz: x/l: link to "../../etc" refused`, imagefolder.ErrUnsafeEntry},
		{"dotdot", all(member{name: "../data_batch_1.bin", body: files["data_batch_1.bin"]}), "imagefolder: a.tgz: ../data_batch_1.bin: name with", imagefolder.ErrUnsafeEntry},
	}
	for _, tt := range tests {
		_, _, err := ReadArchive(bytes.NewReader(tarball(true, tt.ms...)), "a.tgz")
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s:\n got %v\nwant %s…", tt.name, err, tt.want)
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("%s: %v does not wrap %v", tt.name, err, tt.is)
		}
	}
}
