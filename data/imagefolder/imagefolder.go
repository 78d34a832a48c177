package imagefolder

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/convnet/convnet/data"
)

// Limits applied when Options leaves them zero.
const (
	// DefaultMaxPixels bounds the width×height an image may declare, as
	// mnist.MaxImagePixels does: a tiny file can declare an enormous canvas.
	DefaultMaxPixels = 4096 * 4096
	// DefaultMaxFileBytes bounds one image file.
	DefaultMaxFileBytes = 64 << 20
	// DefaultMaxBytes bounds both the image files held in memory while a
	// call runs and the decoded cache of each split.
	DefaultMaxBytes = 8 << 30
)

// MaxClasses is the most classes a split may have: labels are uint8, as in
// data.Bytes.
const MaxClasses = 256

// extensions are the file name endings read, compared without regard to
// case; other files are skipped, as torchvision's ImageFolder skips files
// outside IMG_EXTENSIONS.
var extensions = []string{".jpg", ".jpeg", ".png"}

// ErrLimit is wrapped by the error for input past one of the limits of
// Options.
var ErrLimit = errors.New("imagefolder: limit exceeded")

// Error reports a problem with a folder or archive: Path is what was opened
// and Entry, when not empty, the file in it (relative to Path, with "/") or
// the archive entry. Err, when not nil, is the cause: ErrUnsafeEntry,
// ErrLimit, fs.ErrNotExist, io.ErrUnexpectedEOF, or an error of
// image/jpeg, image/png, archive/tar or compress/gzip.
type Error struct {
	Path  string
	Entry string
	Msg   string
	Err   error
}

func (e *Error) Error() string {
	s := "imagefolder: "
	if e.Path != "" {
		s += e.Path + ": "
	}
	if e.Entry != "" {
		s += e.Entry + ": "
	}
	s += e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Options configures Open and OpenSplits. The zero value (or a nil
// pointer) gives the defaults.
type Options struct {
	// Workers is the number of goroutines that decode; 0 means GOMAXPROCS.
	Workers int

	// Progress, if not nil, is called with the number of images decoded so
	// far and the total, from the goroutine that called Open, about ten
	// times a second and once more when all are done.
	Progress func(done, total int)

	// MaxPixels bounds the width×height an image may declare; 0 means
	// DefaultMaxPixels. It is checked with image.DecodeConfig, before the
	// image is decoded.
	MaxPixels int

	// MaxFileBytes bounds one file; 0 means DefaultMaxFileBytes.
	MaxFileBytes int64

	// MaxBytes bounds the files held in memory at once and the decoded
	// cache of a split (N×3×H×W bytes); 0 means DefaultMaxBytes.
	MaxBytes int64
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.MaxPixels <= 0 {
		r.MaxPixels = DefaultMaxPixels
	}
	if r.MaxFileBytes <= 0 {
		r.MaxFileBytes = DefaultMaxFileBytes
	}
	if r.MaxBytes <= 0 {
		r.MaxBytes = DefaultMaxBytes
	}
	return r
}

// Dataset is one split of an image folder, decoded once into memory. It is
// a data.Dataset through the embedded *data.Bytes: Pixels holds N×3×H×W
// RGB bytes, Labels the class indexes.
type Dataset struct {
	*data.Bytes

	// ClassNames are the class folders' names in sorted order: label i is
	// ClassNames[i], as torchvision's ImageFolder.classes.
	ClassNames []string

	// Files names each example's file, relative to the folder opened (with
	// "/" separators) or as its archive entry is named.
	Files []string
}

// Open reads one split of a class-per-folder image dataset, as
// torchvision's ImageFolder: see OpenSplits.
func Open(path, split string, opt *Options) (*Dataset, error) {
	ds, err := OpenSplits(path, []string{split}, opt)
	if err != nil {
		return nil, err
	}
	return ds[0], nil
}

// OpenSplits reads the given splits of a class-per-folder image dataset
// from path, a folder or a .tar or .tar.gz archive, in one pass over it.
//
// A split is a folder path ("train", "data/test") under which each
// subfolder is a class holding that class's JPEG and PNG files, in
// subfolders too. Classes are numbered in sorted order of their folder
// names, and the images of a class are in sorted order of their folder,
// then their name: the order of torchvision's ImageFolder. In a folder the
// split is path/split, or path/X/split for a single X; in an archive it is
// found under any prefix, so that Open("cifar10-jpeg.tar.gz", "train")
// reads the entries cifar10-jpeg/train/<class>/…, but all of a split's
// entries must share one prefix. The split "" is the root itself.
//
// Every image is checked with image.DecodeConfig before it is decoded, and
// all images of a split must have the same size (no resizing is done);
// they are decoded on Options.Workers goroutines into one N×3×H×W cache of
// RGB bytes (grey images repeated into three channels, alpha dropped, as
// PIL's convert("RGB") used by torchvision's loader). A class with no
// image, a corrupt image or one of another size is an *Error naming the
// entry.
func OpenSplits(path string, splits []string, opt *Options) ([]*Dataset, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("imagefolder: %w", err)
	}
	if !fi.IsDir() {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("imagefolder: %w", err)
		}
		defer f.Close()
		return ReadArchive(f, path, splits, opt)
	}
	o := opt.withDefaults()
	scans, err := newScans(path, splits)
	if err != nil {
		return nil, err
	}
	if err := scanFolder(path, scans, &o, &budget{max: o.MaxBytes, path: path}); err != nil {
		return nil, err
	}
	return build(path, scans, &o)
}

// ReadArchive is OpenSplits on a tar archive, gzip-compressed or not, read
// from r; name names it in errors and need not be a file.
func ReadArchive(r io.Reader, name string, splits []string, opt *Options) ([]*Dataset, error) {
	o := opt.withDefaults()
	scans, err := newScans(name, splits)
	if err != nil {
		return nil, err
	}
	if err := scanArchive(r, name, scans, &o, &budget{max: o.MaxBytes, path: name}); err != nil {
		return nil, err
	}
	return build(name, scans, &o)
}

func newScans(path string, splits []string) ([]*scan, error) {
	scans := make([]*scan, len(splits))
	for i, s := range splits {
		clean, err := CleanEntryName(s)
		if err != nil {
			return nil, &Error{Path: path, Msg: fmt.Sprintf("split %q: %v", s, err)}
		}
		sc := &scan{split: clean, classes: map[string]bool{}}
		if clean != "" {
			sc.parts = strings.Split(clean, "/")
		} else {
			sc.found = true
		}
		scans[i] = sc
	}
	return scans, nil
}

func build(path string, scans []*scan, o *Options) ([]*Dataset, error) {
	p := newProgress(o, scans)
	out := make([]*Dataset, len(scans))
	for i, sc := range scans {
		var err error
		if out[i], err = sc.build(path, o, p); err != nil {
			return nil, err
		}
	}
	p.finish()
	return out, nil
}

// build orders the split's files, checks its classes and decodes it.
func (sc *scan) build(root string, o *Options, p *progress) (*Dataset, error) {
	if len(sc.classes) == 0 {
		where := "class folders"
		if sc.split != "" {
			where = fmt.Sprintf("a folder %s/<class>/ at any depth", sc.split)
		}
		return nil, &Error{Path: root, Msg: "no " + where + " found", Err: fs.ErrNotExist}
	}
	names := make([]string, 0, len(sc.classes))
	for c := range sc.classes {
		names = append(names, c)
	}
	slices.Sort(names)
	if len(names) > MaxClasses {
		return nil, &Error{Path: root, Entry: sc.root,
			Msg: fmt.Sprintf("%d classes: at most %d are supported", len(names), MaxClasses), Err: ErrLimit}
	}
	index := make(map[string]int, len(names))
	count := make([]int, len(names))
	for i, c := range names {
		index[c] = i
	}
	for _, f := range sc.files {
		f.label = uint8(index[f.class])
		count[f.label]++
	}
	var empty []string
	for i, n := range count {
		if n == 0 {
			empty = append(empty, names[i])
		}
	}
	if len(empty) > 0 {
		// torchvision: "Found no valid file for the classes …"
		return nil, &Error{Path: root, Entry: sc.root + empty[0] + "/",
			Msg: fmt.Sprintf("found no valid file for the classes %s; supported extensions are %s",
				strings.Join(empty, ", "), strings.Join(extensions, ", ")), Err: fs.ErrNotExist}
	}
	slices.SortFunc(sc.files, func(a, b *file) int {
		if a.label != b.label {
			return int(a.label) - int(b.label)
		}
		if c := strings.Compare(a.dir, b.dir); c != 0 {
			return c
		}
		return strings.Compare(a.base, b.base)
	})
	ds, err := decodeAll(root, sc.files, o, p)
	if err != nil {
		return nil, err
	}
	ds.ClassNames = names
	ds.NumClasses = len(names)
	return ds, nil
}
