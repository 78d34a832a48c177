package mnist

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// IDX magic numbers (LeCun et al., "THE MNIST DATABASE", file formats): two
// zero bytes, the element type (0x08 = unsigned byte) and the number of
// dimensions.
const (
	ImagesMagic = 0x00000803 // unsigned bytes, 3 dimensions: count, rows, cols
	LabelsMagic = 0x00000801 // unsigned bytes, 1 dimension: count
)

// Shape of one MNIST image and the number of classes.
const (
	Rows       = 28
	Cols       = 28
	NumClasses = 10
)

const (
	imagesHeaderLen = 16 // magic + 3 dimensions
	labelsHeaderLen = 8  // magic + 1 dimension

	// initialChunk caps the first allocation when the number of bytes
	// actually present is not known (gzip, or a reader of unknown size):
	// the buffer then grows only as data arrives, so a header that claims
	// 2^32 images costs at most this much before the short read is noticed.
	initialChunk = 1 << 20

	// maxDeflateRatio bounds how far a deflate stream can expand: a
	// 258-byte match coded in 2 bits gives 1032:1 (RFC 1951), so a gzip
	// file of n bytes never decompresses to more than 1032·n bytes.
	maxDeflateRatio = 1032
)

// FormatError reports a file that is not a well-formed MNIST IDX file, or
// that could not be read to its end. Offset counts bytes of the decompressed
// IDX stream. Err, when not nil, is the underlying cause: io.ErrUnexpectedEOF
// for a short file, or an error of compress/gzip for a damaged gzip stream.
type FormatError struct {
	File   string // file name; empty when read from a plain io.Reader
	Offset int64  // offset into the (decompressed) IDX data
	Msg    string // what was expected and what was found
	Err    error  // underlying cause, or nil
}

func (e *FormatError) Error() string {
	s := "mnist: "
	if e.File != "" {
		s += e.File + ": "
	}
	s += fmt.Sprintf("offset %d: %s", e.Offset, e.Msg)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FormatError) Unwrap() error { return e.Err }

// Images holds Count grayscale images of Rows×Cols pixels, row-major, one
// after another: image i is Pix[i*Rows*Cols : (i+1)*Rows*Cols]. Pixel values
// run from 0 (background) to 255 (ink), as in the IDX files.
type Images struct {
	Count, Rows, Cols int
	Pix               []uint8
}

// Image returns the pixels of image i, sharing memory with m.Pix. It panics
// if i is out of range, as slice indexing does.
func (m *Images) Image(i int) []uint8 {
	if i < 0 || i >= m.Count {
		panic(fmt.Sprintf("mnist: image index %d out of range [0, %d)", i, m.Count))
	}
	n := m.Rows * m.Cols
	return m.Pix[i*n : (i+1)*n : (i+1)*n]
}

// ReadImages reads an IDX3 image file, gzip-compressed or raw (told apart by
// the gzip magic bytes 0x1f 0x8b), from r. size is the number of bytes r
// holds, or -1 if unknown; when known, the counts in the header are checked
// against it before anything is allocated. The images must be 28×28.
//
// Every failure is a *FormatError; a file that ends early wraps
// io.ErrUnexpectedEOF. ReadImages never allocates much more than the data
// actually present, whatever the header claims.
func ReadImages(r io.Reader, size int64) (*Images, error) {
	return readImages(r, size, "")
}

// ReadLabels reads an IDX1 label file, gzip-compressed or raw, from r. size
// is as for ReadImages. Every label must be a digit 0–9; one that is not is a
// *FormatError naming its index.
func ReadLabels(r io.Reader, size int64) ([]uint8, error) {
	return readLabels(r, size, "")
}

func readImages(r io.Reader, size int64, name string) (*Images, error) {
	d, err := newDecoder(r, size, name)
	if err != nil {
		return nil, err
	}
	dims, err := d.header(ImagesMagic, 3, "images")
	if err != nil {
		return nil, err
	}
	count, rows, cols := dims[0], dims[1], dims[2]
	if rows != Rows || cols != Cols {
		return nil, d.errorf(8, nil, "image size: expected %d×%d, found %d×%d", Rows, Cols, rows, cols)
	}
	need := uint64(count) * Rows * Cols // at most 2^32·784: no uint64 overflow
	desc := fmt.Sprintf("%d images of %d×%d", count, rows, cols)
	if err := d.checkAvailable(need, desc); err != nil {
		return nil, err
	}
	pix, err := d.body(int64(need), "pixels", desc)
	if err != nil {
		return nil, err
	}
	return &Images{Count: int(count), Rows: Rows, Cols: Cols, Pix: pix}, nil
}

func readLabels(r io.Reader, size int64, name string) ([]uint8, error) {
	d, err := newDecoder(r, size, name)
	if err != nil {
		return nil, err
	}
	dims, err := d.header(LabelsMagic, 1, "labels")
	if err != nil {
		return nil, err
	}
	count := dims[0]
	desc := fmt.Sprintf("%d labels", count)
	if err := d.checkAvailable(uint64(count), desc); err != nil {
		return nil, err
	}
	labels, err := d.body(int64(count), "labels", desc)
	if err != nil {
		return nil, err
	}
	for i, l := range labels {
		if l >= NumClasses {
			return nil, d.errorf(labelsHeaderLen+int64(i), nil,
				"label at index %d: expected a digit 0–9, found %d", i, l)
		}
	}
	return labels, nil
}

// decoder reads one IDX stream and keeps the offset for error messages.
type decoder struct {
	name string
	r    io.Reader // the decompressed IDX stream
	off  int64     // bytes of r consumed so far
	gz   bool
	size int64 // bytes in the file as stored (compressed when gz), -1 if unknown
}

func newDecoder(r io.Reader, size int64, name string) (*decoder, error) {
	d := &decoder{name: name, size: size}
	br := bufio.NewReader(r)
	magic, err := br.Peek(2)
	if err != nil && len(magic) == 0 && err != io.EOF {
		return nil, d.errorf(0, err, "reading header")
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, d.errorf(0, err, "reading gzip header")
		}
		d.r, d.gz = zr, true
		return d, nil
	}
	d.r = br
	return d, nil
}

func (d *decoder) errorf(off int64, err error, format string, args ...any) *FormatError {
	return &FormatError{File: d.name, Offset: off, Msg: fmt.Sprintf(format, args...), Err: err}
}

// header reads and checks the magic number and the ndim dimensions.
func (d *decoder) header(magic uint32, ndim int, what string) ([]uint32, error) {
	n := 4 + 4*ndim
	var buf [16]byte
	got, err := io.ReadFull(d.r, buf[:n])
	if err != nil {
		if got == 0 && d.off == 0 && err == io.EOF {
			return nil, d.errorf(0, io.ErrUnexpectedEOF,
				"empty file: expected an IDX header for %s (%d bytes)", what, n)
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if got < 4 {
			return nil, d.errorf(int64(got), err, "short header: expected %d bytes, found %d", n, got)
		}
	}
	if m := binary.BigEndian.Uint32(buf[:4]); m != magic {
		return nil, d.errorf(0, nil, "bad magic number: expected %#08x (%s), found %#08x%s",
			magic, what, m, magicHint(m))
	}
	if err != nil {
		return nil, d.errorf(int64(got), err, "short header: expected %d bytes, found %d", n, got)
	}
	d.off = int64(n)
	dims := make([]uint32, ndim)
	for i := range dims {
		dims[i] = binary.BigEndian.Uint32(buf[4+4*i:])
	}
	return dims, nil
}

func magicHint(m uint32) string {
	switch {
	case m == ImagesMagic:
		return " (an image file)"
	case m == LabelsMagic:
		return " (a label file)"
	case m>>16 == 0x1f8b:
		return " (gzip data inside gzip?)"
	case m>>16 == 0 && byte(m>>8) != 0x08:
		return fmt.Sprintf(" (element type %#02x; MNIST uses 0x08, unsigned byte)", byte(m>>8))
	case m>>16 == 0:
		return fmt.Sprintf(" (%d dimensions)", byte(m))
	}
	return " (not an IDX file)"
}

// checkAvailable rejects a header whose claimed data cannot fit in the bytes
// present, before anything is allocated for it. desc says what was claimed.
func (d *decoder) checkAvailable(need uint64, desc string) error {
	if need > math.MaxInt || need > math.MaxInt64/2 {
		return d.errorf(d.off, nil, "header claims %s (%d bytes): too large for this machine", desc, need)
	}
	if d.size < 0 {
		return nil
	}
	if d.gz {
		if d.size <= math.MaxInt64/maxDeflateRatio && d.off+int64(need) > d.size*maxDeflateRatio {
			return d.errorf(d.off, io.ErrUnexpectedEOF,
				"header claims %s (%d bytes) but a %d-byte gzip file holds at most %d bytes",
				desc, need, d.size, d.size*maxDeflateRatio)
		}
		return nil
	}
	avail := d.size - d.off
	switch {
	case avail < int64(need):
		return d.errorf(d.off, io.ErrUnexpectedEOF,
			"header claims %s (%d bytes) but only %d bytes follow", desc, need, max(avail, 0))
	case avail > int64(need):
		return d.errorf(d.off+int64(need), nil,
			"header claims %s (%d bytes) but %d bytes follow: %d trailing bytes",
			desc, need, avail, avail-int64(need))
	}
	return nil
}

// body reads exactly n bytes and then checks that the stream ends there
// (which also makes compress/gzip verify its CRC-32 and length). Memory grows
// only as bytes arrive: first at most initialChunk, then doubling. what
// names the data and desc the header's claim, for messages.
func (d *decoder) body(n int64, what, desc string) ([]byte, error) {
	buf := make([]byte, min(n, initialChunk))
	got := 0
	for int64(got) < n {
		if got == len(buf) {
			nb := make([]byte, min(2*int64(len(buf)), n))
			copy(nb, buf)
			buf = nb
		}
		m, err := io.ReadFull(d.r, buf[got:])
		got += m
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, d.errorf(d.off+int64(got), err,
				"reading %s: header claims %s (%d bytes), found %d bytes", what, desc, n, got)
		}
	}
	d.off += n
	var one [1]byte
	for {
		m, err := d.r.Read(one[:])
		if m > 0 {
			return nil, d.errorf(d.off, nil, "trailing data after %d bytes of %s", n, what)
		}
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return nil, d.errorf(d.off, err, "reading end of %s", what)
		}
	}
}
