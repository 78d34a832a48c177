package imagefolder

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// The seed corpus is in testdata/fuzz/FuzzImageFolderTar, written by
// TestSeedCorpus with -update: well-formed archives (tar and tar.gz, PNG
// and JPEG, with a prefix), entries to refuse (.., absolute, links, a
// FIFO), images that are corrupt, of another format, of different sizes or
// past the pixel limit, an empty class, two prefixes, a repeated entry, a
// header claiming 2^40 bytes, and archives cut short or with a bad CRC.

// fuzzOptions are small limits, so that a run stays fast and the limits
// themselves are exercised.
var fuzzOptions = Options{Workers: 1, MaxPixels: 64 * 64, MaxFileBytes: 1 << 16, MaxBytes: 1 << 22}

func FuzzImageFolderTar(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s.b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := ReadArchive(bytes.NewReader(b), "fuzz.tar", []string{"", "train"}, &fuzzOptions)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error: %v", err, err)
			}
			return
		}
		for _, d := range ds {
			n := d.Len()
			if n == 0 || len(d.Files) != n || d.C != 3 || d.H*d.W > fuzzOptions.MaxPixels || d.H < 1 || d.W < 1 ||
				len(d.Pixels) != n*3*d.H*d.W {
				t.Fatalf("%d examples, %d files, shape %d×%d×%d, %d pixels", n, len(d.Files), d.C, d.H, d.W, len(d.Pixels))
			}
			if d.NumClasses != len(d.ClassNames) || !slices.IsSorted(d.ClassNames) || len(slices.Compact(slices.Clone(d.ClassNames))) != d.NumClasses {
				t.Fatalf("classes %q, NumClasses %d", d.ClassNames, d.NumClasses)
			}
			seen := make([]bool, d.NumClasses)
			for i, l := range d.Labels {
				if int(l) >= d.NumClasses || (i > 0 && l < d.Labels[i-1]) {
					t.Fatalf("labels %v not sorted below %d", d.Labels, d.NumClasses)
				}
				seen[l] = true
			}
			if slices.Contains(seen, false) {
				t.Fatalf("a class has no example: labels %v, classes %q", d.Labels, d.ClassNames)
			}
		}
	})
}
