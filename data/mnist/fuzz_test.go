package mnist

import (
	"bytes"
	"errors"
	"testing"
)

// The seed corpus is in testdata/fuzz/Fuzz*: well-formed raw and gzip
// files, and short, oversized-claim, wrong-magic, trailing-data, bad-CRC and
// bad-label ones.

func FuzzReadImages(f *testing.F) {
	f.Add(testImages(1))
	f.Add(gz(testImages(2)))
	f.Fuzz(func(t *testing.T, data []byte) {
		var ok [2]bool
		for i, size := range []int64{int64(len(data)), -1} {
			m, err := ReadImages(bytes.NewReader(data), size)
			if err != nil {
				var fe *FormatError
				if !errors.As(err, &fe) {
					t.Fatalf("size %d: error %T is not a *FormatError: %v", size, err, err)
				}
				continue
			}
			ok[i] = true
			if m.Rows != Rows || m.Cols != Cols || len(m.Pix) != m.Count*Rows*Cols {
				t.Fatalf("size %d: %d images of %d×%d with %d pixels", size, m.Count, m.Rows, m.Cols, len(m.Pix))
			}
			if data[0] != 0x1f && len(data) != imagesHeaderLen+len(m.Pix) {
				t.Fatalf("raw file of %d bytes read as %d pixels", len(data), len(m.Pix))
			}
		}
		if ok[0] != ok[1] {
			t.Fatalf("known size succeeded: %v, unknown size succeeded: %v", ok[0], ok[1])
		}
	})
}

func FuzzReadLabels(f *testing.F) {
	f.Add(testLabels(10))
	f.Add(gz(testLabels(3)))
	f.Fuzz(func(t *testing.T, data []byte) {
		var ok [2]bool
		for i, size := range []int64{int64(len(data)), -1} {
			l, err := ReadLabels(bytes.NewReader(data), size)
			if err != nil {
				var fe *FormatError
				if !errors.As(err, &fe) {
					t.Fatalf("size %d: error %T is not a *FormatError: %v", size, err, err)
				}
				continue
			}
			ok[i] = true
			for j, v := range l {
				if v > 9 {
					t.Fatalf("size %d: label %d at %d accepted", size, v, j)
				}
			}
			if data[0] != 0x1f && len(data) != labelsHeaderLen+len(l) {
				t.Fatalf("raw file of %d bytes read as %d labels", len(data), len(l))
			}
		}
		if ok[0] != ok[1] {
			t.Fatalf("known size succeeded: %v, unknown size succeeded: %v", ok[0], ok[1])
		}
	})
}
