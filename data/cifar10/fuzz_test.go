package cifar10

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the seed corpus in testdata/fuzz")

type seed struct {
	name string
	b    []byte
}

// seeds are the seed corpus of FuzzReadBatch, in testdata/fuzz/FuzzReadBatch.
func seeds() []seed {
	return []seed{
		{"valid-1", batch(0, 3)},
		{"valid-3", batch(5, 0, 9, 4)},
		{"empty", nil},
		{"3072-bytes", batch(0, 1)[:3072]},
		{"3074-bytes", append(batch(0, 1), 0)},
		{"label-10", batch(0, 1, 10)},
		{"label-255", batch(0, 255)},
		{"one-byte", []byte{7}},
	}
}

func FuzzReadBatch(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s.b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var ok [2]bool
		for i, size := range []int64{int64(len(b)), -1} {
			d, err := ReadBatch(bytes.NewReader(b), size)
			if err != nil {
				var fe *FormatError
				if !errors.As(err, &fe) {
					t.Fatalf("size %d: error %T is not a *FormatError: %v", size, err, err)
				}
				if fe.Record < -1 || fe.Offset < 0 || fe.Offset > int64(len(b)) {
					t.Fatalf("size %d: record %d, offset %d of %d bytes", size, fe.Record, fe.Offset, len(b))
				}
				continue
			}
			ok[i] = true
			n := d.Len()
			if n == 0 || len(b) != n*RecordBytes || len(d.Pixels) != n*ImageBytes || d.C != 3 || d.H != 32 || d.W != 32 {
				t.Fatalf("size %d: %d bytes read as %d records, %d pixels, %d×%d×%d", size, len(b), n, len(d.Pixels), d.C, d.H, d.W)
			}
			for r := range n {
				rec := b[r*RecordBytes : (r+1)*RecordBytes]
				if d.Labels[r] != rec[0] || rec[0] > 9 || !bytes.Equal(d.Pixels[r*ImageBytes:(r+1)*ImageBytes], rec[1:]) {
					t.Fatalf("size %d: record %d read wrongly", size, r)
				}
			}
		}
		if ok[0] != ok[1] {
			t.Fatalf("known size succeeded: %v, unknown size succeeded: %v", ok[0], ok[1])
		}
	})
}

// TestSeedCorpus checks that the committed corpus holds every seed and,
// with -update, writes it.
func TestSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzReadBatch")
	for _, s := range seeds() {
		p := filepath.Join(dir, s.name)
		if *update {
			os.MkdirAll(dir, 0o755)
			if err := os.WriteFile(p, fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", s.b), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("seed %s missing (go test -run TestSeedCorpus -args -update): %v", s.name, err)
		}
	}
}
