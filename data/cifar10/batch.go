package cifar10

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/convnet/convnet/data"
	"github.com/convnet/convnet/data/imagefolder"
)

// The batch files of the binary version, as in cifar-10-binary.tar.gz
// (folder cifar-10-batches-bin).
var (
	TrainFiles = [5]string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}
	TestFile   = "test_batch.bin"
)

// BatchDir is the folder the binary archive unpacks to.
const BatchDir = "cifar-10-batches-bin"

// FormatError reports a batch file that is not a well-formed sequence of
// 3,073-byte records, or that could not be read to its end. Err, when not
// nil, is the cause: io.ErrUnexpectedEOF for a file that ends inside a
// record, or the reader's error.
type FormatError struct {
	Archive string // the archive holding File, or ""
	File    string // file or archive entry; "" when read from a plain io.Reader
	Record  int    // index of the record at fault; -1 for the file as a whole
	Offset  int64  // byte offset of the fault in the file
	Msg     string
	Err     error
}

func (e *FormatError) Error() string {
	s := "cifar10: "
	if e.Archive != "" {
		s += e.Archive + ": "
	}
	if e.File != "" {
		s += e.File + ": "
	}
	if e.Record >= 0 {
		s += fmt.Sprintf("record %d (offset %d): ", e.Record, e.Offset)
	}
	s += e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FormatError) Unwrap() error { return e.Err }

// preallocRecords caps what a stated size makes the reader allocate before
// the bytes arrive; past it the buffers grow as records are read.
const preallocRecords = 1 << 10

// ReadBatch reads the records of one binary batch file (data_batch_N.bin,
// test_batch.bin): each a label byte 0–9 and 3,072 image bytes (1,024 red,
// 1,024 green, 1,024 blue, rows top to bottom). size is the number of bytes
// r holds, or -1 if unknown; when known, a size that is not a positive
// multiple of 3,073 is refused before anything is read. The result is a
// *data.Bytes of N×3×32×32 pixels.
//
// Every failure is a *FormatError naming the record: a file that ends
// inside a record wraps io.ErrUnexpectedEOF; a label above 9, a file with
// no records, or bytes after those that size announced are errors too.
// Memory grows only as records arrive, whatever size claims.
func ReadBatch(r io.Reader, size int64) (*data.Bytes, error) {
	return readBatch(r, size, "", "")
}

// ReadBatchFile reads one batch file; errors name it. See ReadBatch.
func ReadBatchFile(name string) (*data.Bytes, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("cifar10: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cifar10: %w", err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("cifar10: %s is a folder, expected a batch file", name)
	}
	size := int64(-1)
	if fi.Mode().IsRegular() {
		size = fi.Size()
	}
	return readBatch(f, size, "", name)
}

func readBatch(r io.Reader, size int64, archive, name string) (*data.Bytes, error) {
	errorf := func(rec int, off int64, err error, format string, args ...any) error {
		return &FormatError{Archive: archive, File: name, Record: rec, Offset: off, Msg: fmt.Sprintf(format, args...), Err: err}
	}
	if size == 0 {
		return nil, errorf(-1, 0, io.ErrUnexpectedEOF, "empty file: expected records of %d bytes", RecordBytes)
	}
	want := -1
	if size > 0 {
		if rem := size % RecordBytes; rem != 0 {
			n := size / RecordBytes
			return nil, errorf(int(n), n*RecordBytes, io.ErrUnexpectedEOF,
				"file of %d bytes is not a multiple of the %d-byte record: the last record has %d bytes", size, RecordBytes, rem)
		}
		want = int(min(size/RecordBytes, 1<<40))
	}
	prealloc := 16
	if want > 0 {
		prealloc = min(want, preallocRecords)
	}
	labels := make([]uint8, 0, prealloc)
	pix := make([]uint8, 0, prealloc*ImageBytes)
	br := bufio.NewReaderSize(r, 64<<10)
	var rec [RecordBytes]byte
	for i := 0; ; i++ {
		off := int64(i) * RecordBytes
		if i == want {
			if _, err := br.ReadByte(); err == nil {
				return nil, errorf(i, off, nil, "data after the %d records of a %d-byte file", want, size)
			} else if err != io.EOF {
				return nil, errorf(i, off, err, "reading")
			}
			break
		}
		n, err := io.ReadFull(br, rec[:])
		if err == io.EOF {
			if want > 0 {
				return nil, errorf(i, off, io.ErrUnexpectedEOF, "file ends after %d of the %d records its size announces", i, want)
			}
			if i == 0 {
				return nil, errorf(-1, 0, io.ErrUnexpectedEOF, "empty file: expected records of %d bytes", RecordBytes)
			}
			break
		}
		if err == io.ErrUnexpectedEOF {
			return nil, errorf(i, off, err, "record ends after %d of %d bytes", n, RecordBytes)
		}
		if err != nil {
			return nil, errorf(i, off+int64(n), err, "reading")
		}
		if rec[0] >= NumClasses {
			return nil, errorf(i, off, nil, "label %d: expected 0–9", rec[0])
		}
		labels = append(labels, rec[0])
		pix = append(pix, rec[1:]...)
	}
	return &data.Bytes{Pixels: pix, Labels: labels, C: Channels, H: Side, W: Side, NumClasses: NumClasses}, nil
}

// Load reads the training split (data_batch_1.bin … data_batch_5.bin, in
// order) or the test split (test_batch.bin) from dir or from its
// cifar-10-batches-bin folder. A missing file gives an error wrapping
// fs.ErrNotExist.
func Load(dir string, train bool) (*data.Bytes, error) {
	d, err := batchDir(dir)
	if err != nil {
		return nil, err
	}
	names := []string{TestFile}
	if train {
		names = TrainFiles[:]
	}
	var parts []*data.Bytes
	for _, n := range names {
		b, err := ReadBatchFile(filepath.Join(d, n))
		if err != nil {
			return nil, err
		}
		parts = append(parts, b)
	}
	return concat(parts), nil
}

// batchDir returns dir or dir/cifar-10-batches-bin, whichever holds
// data_batch_1.bin or test_batch.bin.
func batchDir(dir string) (string, error) {
	for _, d := range []string{dir, filepath.Join(dir, BatchDir)} {
		if isBatchDir(d) {
			return d, nil
		}
	}
	return "", fmt.Errorf("cifar10: neither %s nor %s holds %s or %s: %w",
		dir, filepath.Join(dir, BatchDir), TrainFiles[0], TestFile, fs.ErrNotExist)
}

func isBatchDir(d string) bool {
	for _, n := range []string{TrainFiles[0], TestFile} {
		if fi, err := os.Stat(filepath.Join(d, n)); err == nil && !fi.IsDir() {
			return true
		}
	}
	return false
}

func concat(parts []*data.Bytes) *data.Bytes {
	if len(parts) == 1 {
		return parts[0]
	}
	n := 0
	for _, p := range parts {
		n += len(p.Labels)
	}
	out := &data.Bytes{Pixels: make([]uint8, 0, n*ImageBytes), Labels: make([]uint8, 0, n),
		C: Channels, H: Side, W: Side, NumClasses: NumClasses}
	for _, p := range parts {
		out.Pixels = append(out.Pixels, p.Pixels...)
		out.Labels = append(out.Labels, p.Labels...)
	}
	return out
}

// ReadArchive reads both splits from a tar archive of the binary batches,
// gzip-compressed or not, such as cifar-10-binary.tar.gz: the six files
// are found by name under any folder. Archive entries are checked as
// imagefolder.WalkTar does (no links, absolute paths or ".."); a missing,
// repeated or malformed batch is an error naming it. archive names r in
// errors.
func ReadArchive(r io.Reader, archive string) (train, test *data.Bytes, err error) {
	var got [6]*data.Bytes
	var where [6]string
	err = imagefolder.WalkTar(r, archive, func(name string, hdr *tar.Header, body io.Reader) error {
		if hdr.Typeflag == tar.TypeDir {
			return nil
		}
		i := batchIndex(path.Base(name))
		if i < 0 {
			return nil
		}
		if got[i] != nil {
			return &FormatError{Archive: archive, File: name, Record: -1,
				Msg: fmt.Sprintf("a second %s (the first is %s)", path.Base(name), where[i])}
		}
		// The size in the header is checked, but memory grows only as
		// bytes arrive: a gzip stream can claim any size.
		b, err := readBatch(body, hdr.Size, archive, name)
		if err != nil {
			return err
		}
		got[i], where[i] = b, name
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	var missing []string
	for i, b := range got {
		if b == nil {
			missing = append(missing, batchName(i))
		}
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("cifar10: %s: no %s in the archive: %w", archive, strings.Join(missing, ", "), fs.ErrNotExist)
	}
	return concat(got[:5]), got[5], nil
}

// ReadArchiveFile is ReadArchive on the file at name.
func ReadArchiveFile(name string) (train, test *data.Bytes, err error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, fmt.Errorf("cifar10: %w", err)
	}
	defer f.Close()
	return ReadArchive(f, name)
}

// batchIndex returns 0–4 for data_batch_1.bin … data_batch_5.bin, 5 for
// test_batch.bin and -1 otherwise.
func batchIndex(base string) int {
	for i, n := range TrainFiles {
		if base == n {
			return i
		}
	}
	if base == TestFile {
		return 5
	}
	return -1
}

func batchName(i int) string {
	if i == 5 {
		return TestFile
	}
	return TrainFiles[i]
}

var errStop = errors.New("stop")
