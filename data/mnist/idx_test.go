package mnist

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"io"
	"math"
	"runtime"
	"strings"
	"testing"
)

// encodings run every case as a raw file and as a gzip file, each with its
// size known in advance and unknown (-1), since those take different paths.
var encodings = []struct {
	name      string
	encode    func([]byte) []byte
	knownSize bool
}{
	{"raw", func(b []byte) []byte { return b }, true},
	{"raw-unsized", func(b []byte) []byte { return b }, false},
	{"gzip", gz, true},
	{"gzip-unsized", gz, false},
}

func size(b []byte, known bool) int64 {
	if known {
		return int64(len(b))
	}
	return -1
}

func TestReadImages(t *testing.T) {
	for _, n := range []int{0, 1, 5} {
		for _, enc := range encodings {
			b := enc.encode(testImages(n))
			m, err := ReadImages(bytes.NewReader(b), size(b, enc.knownSize))
			if err != nil {
				t.Fatalf("%s n=%d: %v", enc.name, n, err)
			}
			if m.Count != n || m.Rows != Rows || m.Cols != Cols || len(m.Pix) != n*Rows*Cols {
				t.Fatalf("%s n=%d: got count %d, %d×%d, %d pixels", enc.name, n, m.Count, m.Rows, m.Cols, len(m.Pix))
			}
			for i := range n {
				img := m.Image(i)
				if img[0] != byte(i) || img[783] != byte(i+783) {
					t.Fatalf("%s: image %d starts %d ends %d", enc.name, i, img[0], img[783])
				}
			}
		}
	}
}

func TestReadLabels(t *testing.T) {
	for _, enc := range encodings {
		b := enc.encode(testLabels(25))
		l, err := ReadLabels(bytes.NewReader(b), size(b, enc.knownSize))
		if err != nil {
			t.Fatalf("%s: %v", enc.name, err)
		}
		if len(l) != 25 || l[0] != 0 || l[13] != 3 {
			t.Fatalf("%s: got %v", enc.name, l)
		}
	}
}

// TestMalformed checks that every malformed file gives a *FormatError that
// says what is wrong, and wraps io.ErrUnexpectedEOF exactly when the file
// is short.
func TestMalformed(t *testing.T) {
	pix := make([]byte, 784)
	tests := []struct {
		name    string
		labels  bool // read with ReadLabels, else ReadImages
		data    []byte
		short   bool   // want errors.Is(err, io.ErrUnexpectedEOF)
		msg     string // want in the message
		offset  int64  // want as FormatError.Offset; -1: not checked
		rawOnly bool   // the case is about raw bytes (gzip would change it)
	}{
		{"empty", false, nil, true, "empty file", 0, false},
		{"empty labels", true, []byte{}, true, "empty file", 0, false},
		{"3 bytes", false, []byte{0, 0, 8}, true, "short header: expected 16 bytes, found 3", 3, false},
		{"1 byte 0x1f", false, []byte{0x1f}, true, "short header", 1, true},
		{"half header", false, idxImages(ImagesMagic, 1, 28, 28, nil)[:10], true, "short header: expected 16 bytes, found 10", 10, false},
		{"header only", false, idxImages(ImagesMagic, 1, 28, 28, nil), true, "784 bytes", 16, false},
		{"header only labels", true, idxLabels(LabelsMagic, 4, nil), true, "4 labels", -1, false},
		{"zero count", false, idxImages(ImagesMagic, 0, 28, 28, nil), false, "", -1, false},
		{"label magic in image file", false, idxImages(LabelsMagic, 1, 28, 28, pix), false,
			"bad magic number: expected 0x00000803 (images), found 0x00000801 (a label file)", 0, false},
		{"image magic in label file", true, testImages(1), false, "found 0x00000803 (an image file)", 0, false},
		{"not IDX", false, []byte("hello, world, this is text"), false, "not an IDX file", 0, false},
		{"float IDX", false, idxImages(0x00000d03, 1, 28, 28, pix), false, "element type 0x0d", 0, false},
		{"4 dims", false, idxImages(0x00000804, 1, 28, 28, pix), false, "4 dimensions", 0, false},
		{"dims 32×32", false, idxImages(ImagesMagic, 1, 32, 32, make([]byte, 1024)), false, "expected 28×28, found 32×32", 8, false},
		{"dims 0×0", false, idxImages(ImagesMagic, 1, 0, 0, nil), false, "expected 28×28, found 0×0", 8, false},
		{"dims huge", false, idxImages(ImagesMagic, 1, math.MaxUint32, math.MaxUint32, nil), false, "found 4294967295×4294967295", 8, false},
		{"dims swapped count", false, idxImages(ImagesMagic, 28, 28, 1, pix), false, "found 28×1", 8, false},
		{"count 2^31", false, idxImages(ImagesMagic, 1<<31, 28, 28, pix[:100]), true, "2147483648 images", -1, false},
		{"count 2^32-1 labels", true, idxLabels(LabelsMagic, math.MaxUint32, []byte{1, 2, 3}), true, "4294967295", -1, false},
		{"one byte short", false, idxImages(ImagesMagic, 1, 28, 28, pix[:783]), true, "784 bytes", -1, false},
		{"trailing byte", false, idxImages(ImagesMagic, 1, 28, 28, append(pix, 0)), false, "trailing", 800, false},
		{"trailing labels", true, idxLabels(LabelsMagic, 1, []byte{1, 2}), false, "trailing", 9, false},
		{"label 10", true, idxLabels(LabelsMagic, 4, []byte{1, 2, 10, 3}), false, "label at index 2: expected a digit 0–9, found 10", 10, false},
		{"label 255", true, idxLabels(LabelsMagic, 1, []byte{255}), false, "index 0", 8, false},
	}
	for _, tt := range tests {
		for _, enc := range encodings {
			if tt.rawOnly && strings.HasPrefix(enc.name, "gzip") {
				continue
			}
			t.Run(tt.name+"/"+enc.name, func(t *testing.T) {
				b := enc.encode(tt.data)
				err := read(tt.labels, b, size(b, enc.knownSize))
				if tt.msg == "" {
					if err != nil {
						t.Fatalf("want no error, got %v", err)
					}
					return
				}
				checkFormatError(t, err, tt.short, tt.msg, tt.offset)
			})
		}
	}
}

func read(labels bool, b []byte, size int64) error {
	if labels {
		_, err := ReadLabels(bytes.NewReader(b), size)
		return err
	}
	_, err := ReadImages(bytes.NewReader(b), size)
	return err
}

func checkFormatError(t *testing.T, err error, short bool, msg string, offset int64) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error containing %q, got none", msg)
	}
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("want *FormatError, got %T: %v", err, err)
	}
	if !strings.HasPrefix(err.Error(), "mnist: ") || !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q: want prefix \"mnist: \" and %q", err, msg)
	}
	if got := errors.Is(err, io.ErrUnexpectedEOF); got != short {
		t.Errorf("error %q: errors.Is(err, io.ErrUnexpectedEOF) = %v, want %v", err, got, short)
	}
	if offset >= 0 && fe.Offset != offset {
		t.Errorf("error %q: offset %d, want %d", err, fe.Offset, offset)
	}
}

// TestGzipDamage checks damage that only a gzip file can have.
func TestGzipDamage(t *testing.T) {
	good := gz(testImages(20))
	badCRC := bytes.Clone(good)
	badCRC[len(badCRC)-8] ^= 0xff // CRC-32 in the trailer
	badLen := bytes.Clone(good)
	badLen[len(badLen)-1] ^= 0xff // ISIZE in the trailer
	badDeflate := append([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	badHeader := []byte{0x1f, 0x8b, 7, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3}

	tests := []struct {
		name   string
		data   []byte
		short  bool
		target error // want errors.Is, or nil
		msg    string
	}{
		{"magic only", good[:2], true, nil, "gzip header"},
		{"truncated header", good[:6], true, nil, "gzip header"},
		{"truncated half", good[:len(good)/2], true, nil, "reading pixels"},
		{"truncated trailer", good[:len(good)-4], true, nil, ""},
		{"bad CRC", badCRC, false, gzip.ErrChecksum, "reading end of pixels"},
		{"bad length", badLen, false, gzip.ErrChecksum, ""},
		{"bad method", badHeader, false, gzip.ErrHeader, "gzip header"},
	}
	for _, tt := range tests {
		for _, known := range []bool{true, false} {
			_, err := ReadImages(bytes.NewReader(tt.data), size(tt.data, known))
			checkFormatError(t, err, tt.short, tt.msg, -1)
			if tt.target != nil && !errors.Is(err, tt.target) {
				t.Errorf("%s: error %v does not wrap %v", tt.name, err, tt.target)
			}
		}
	}
	_, err := ReadImages(bytes.NewReader(badDeflate), -1)
	var ce flate.CorruptInputError
	if !errors.As(err, &ce) {
		t.Errorf("corrupt deflate: got %v, want a flate.CorruptInputError inside", err)
	}
}

// TestHugeCountAllocatesLittle checks that a header claiming billions of
// images in a small file errors without allocating for the claim.
func TestHugeCountAllocatesLittle(t *testing.T) {
	cases := map[string][]byte{
		"images 2^31":   idxImages(ImagesMagic, 1<<31, 28, 28, make([]byte, 100)),
		"images 2^32-1": idxImages(ImagesMagic, math.MaxUint32, 28, 28, make([]byte, 5000)),
		"labels 2^32-1": idxLabels(LabelsMagic, math.MaxUint32, make([]byte, 100)),
	}
	for name, data := range cases {
		for _, enc := range encodings {
			b := enc.encode(data)
			labels := strings.HasPrefix(name, "labels")
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err := read(labels, b, size(b, enc.knownSize))
			runtime.ReadMemStats(&after)
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("%s/%s: want io.ErrUnexpectedEOF, got %v", name, enc.name, err)
			}
			const limit = 10 << 20
			if d := after.TotalAlloc - before.TotalAlloc; d > limit {
				t.Errorf("%s/%s: allocated %d bytes, want < %d", name, enc.name, d, limit)
			}
		}
	}
}

// TestGrowthFollowsData checks that growth follows the bytes present: a
// large claim with a large but short stream allocates about the data seen.
func TestGrowthFollowsData(t *testing.T) {
	const have = 3 << 20
	data := idxImages(ImagesMagic, 1<<20, 28, 28, make([]byte, have)) // claims 784 MiB
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadImages(io.MultiReader(bytes.NewReader(data)), -1)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("want io.ErrUnexpectedEOF, got %v", err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 4*have {
		t.Errorf("allocated %d bytes for %d bytes of data", d, have)
	}
}

func TestFormatErrorText(t *testing.T) {
	e := &FormatError{File: "a.gz", Offset: 8, Msg: "bad", Err: io.ErrUnexpectedEOF}
	if got, want := e.Error(), "mnist: a.gz: offset 8: bad: unexpected EOF"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	e = &FormatError{Offset: 0, Msg: "bad"}
	if got, want := e.Error(), "mnist: offset 0: bad"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
