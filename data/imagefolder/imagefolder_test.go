package imagefolder

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// treeFiles is a small dataset: classes "cat" and "ant" (so sorted order
// differs from insertion), nested folders, files to skip, each image a
// distinct 4×3 PNG. want lists the examples in torchvision's order:
// sorted class, then folder ("" < "sub" < "sub-2" < "sub/deep", as
// Python sorts os.walk's paths), then name.
func treeFiles() (files map[string][]byte, want []string) {
	names := []string{
		"ant/b.png", "ant/a.PNG", "ant/notes.txt",
		"cat/z.png", "cat/sub/y.png", "cat/sub-2/x.png", "cat/sub/deep/w.png", "cat/sub/a.png",
	}
	files = map[string][]byte{}
	for i, n := range names {
		if strings.HasSuffix(n, ".txt") {
			files[n] = []byte("not an image")
			continue
		}
		files[n] = pngOf(10 * i)
	}
	want = []string{"ant/a.PNG", "ant/b.png", "cat/z.png", "cat/sub/a.png", "cat/sub/y.png", "cat/sub-2/x.png", "cat/sub/deep/w.png"}
	return files, want
}

// seedOf returns the seed pngOf was given for name in treeFiles.
func seedOf(name string) int {
	names := []string{"ant/b.png", "ant/a.PNG", "ant/notes.txt",
		"cat/z.png", "cat/sub/y.png", "cat/sub-2/x.png", "cat/sub/deep/w.png", "cat/sub/a.png"}
	return 10 * slices.Index(names, name)
}

// checkTree checks a dataset read from treeFiles whose entries are named
// prefix + the names of treeFiles.
func checkTree(t *testing.T, ds *Dataset, prefix string) {
	t.Helper()
	_, want := treeFiles()
	if !slices.Equal(ds.ClassNames, []string{"ant", "cat"}) || ds.NumClasses != 2 {
		t.Errorf("classes %q (%d), want [ant cat]", ds.ClassNames, ds.NumClasses)
	}
	if ds.Len() != len(want) || ds.C != 3 || ds.H != 3 || ds.W != 4 {
		t.Fatalf("%d images of %d×%d×%d, want %d of 3×3×4", ds.Len(), ds.C, ds.H, ds.W, len(want))
	}
	for i, name := range want {
		if ds.Files[i] != prefix+name {
			t.Errorf("example %d is %q, want %q", i, ds.Files[i], prefix+name)
		}
		if wl := uint8(strings.Index("ac", name[:1])); ds.Labels[i] != wl {
			t.Errorf("%s: label %d, want %d", name, ds.Labels[i], wl)
		}
		if got := ds.Pixels[i*36 : (i+1)*36]; !bytes.Equal(got, wantPlanes(4, 3, seedOf(name))) {
			t.Errorf("%s: pixels %v, want %v", name, got, wantPlanes(4, 3, seedOf(name)))
		}
	}
	// As a data.Dataset: pixels scaled to [0, 1].
	img := make([]float32, 36)
	if l := ds.Example(1, img); l != 0 || img[0] != float32(seedOf(want[1]))/255 {
		t.Errorf("Example(1) = %d, %v", l, img[:4])
	}
}

// archiveEntries returns treeFiles as archive entries under prefix, in a
// shuffled order, with folder entries.
func archiveEntries(prefix string, seed uint64) []entry {
	files, _ := treeFiles()
	var es []entry
	for name, b := range files {
		es = append(es, reg(prefix+name, b))
	}
	slices.SortFunc(es, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	rand.New(rand.NewPCG(seed, 0)).Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
	return append([]entry{dir(prefix), dir(prefix + "ant/")}, es...)
}

func TestOpenFolder(t *testing.T) {
	root := t.TempDir()
	files, _ := treeFiles()
	writeFiles(t, root, files)
	ds, err := Open(root, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	checkTree(t, ds, "")

	// A split, directly below and one folder further down.
	for _, split := range []string{"train", "x/train"} {
		root := t.TempDir()
		for n, b := range files {
			writeFiles(t, root, map[string][]byte{split + "/" + n: b})
		}
		writeFiles(t, root, map[string][]byte{split + "/README": []byte("ignored")})
		ds, err := Open(root, "train", &Options{Workers: 3})
		if err != nil {
			t.Fatal(err)
		}
		checkTree(t, ds, split+"/")
	}
}

func TestOpenFolderSymlinks(t *testing.T) {
	root := t.TempDir()
	files, _ := treeFiles()
	writeFiles(t, filepath.Join(root, "real"), files)
	os.MkdirAll(filepath.Join(root, "d"), 0o755)
	if err := os.Symlink(filepath.Join(root, "real", "cat"), filepath.Join(root, "d", "cat")); err != nil {
		t.Skip("no symbolic links:", err)
	}
	os.Symlink(filepath.Join(root, "real", "ant"), filepath.Join(root, "d", "ant"))
	ds, err := Open(filepath.Join(root, "d"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	checkTree(t, ds, "")

	// A loop is an error, not a hang.
	if err := os.Symlink(filepath.Join(root, "d", "cat"), filepath.Join(root, "real", "cat", "loop")); err != nil {
		t.Fatal(err)
	}
	_, err = Open(filepath.Join(root, "d"), "", nil)
	if err == nil || !strings.Contains(err.Error(), "cat/loop/: symbolic-link loop") {
		t.Errorf("got %v, want a loop error", err)
	}
}

func TestOpenArchive(t *testing.T) {
	for _, gz := range []bool{false, true} {
		for _, prefix := range []string{"", "./", "cifar/"} {
			t.Run(fmt.Sprintf("gz=%v/prefix=%q", gz, prefix), func(t *testing.T) {
				for seed := range uint64(3) { // archive order does not matter
					p := writeTemp(t, "d.tar", tarball(gz, archiveEntries(prefix+"train/", seed)...))
					ds, err := Open(p, "train", &Options{Workers: 2})
					if err != nil {
						t.Fatal(err)
					}
					checkTree(t, ds, strings.TrimPrefix(prefix, "./")+"train/")
				}
			})
		}
	}
}

func TestOpenSplits(t *testing.T) {
	es := append(archiveEntries("data/train/", 1), archiveEntries("data/test/", 2)...)
	es = append(es, reg("data/test/bee/q.png", pngOf(7)), reg("data/README", nil))
	ds, err := ReadArchive(bytes.NewReader(tarball(true, es...)), "d.tgz", []string{"train", "data/test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkTree(t, ds[0], "data/train/")
	if !slices.Equal(ds[1].ClassNames, []string{"ant", "bee", "cat"}) || ds[1].Len() != 8 || ds[1].Labels[2] != 1 {
		t.Errorf("test split: classes %q, %d images, labels %v", ds[1].ClassNames, ds[1].Len(), ds[1].Labels)
	}
}

func TestOpenFormats(t *testing.T) {
	rgba := image.NewRGBA(image.Rect(0, 0, 2, 1)) // premultiplied: (100,50,0,128) is (199,99,0) at alpha 128
	rgba.Set(0, 0, color.NRGBA{200, 100, 0, 128})
	rgba.Set(1, 0, color.RGBA{1, 2, 3, 255})
	gray := image.NewGray(image.Rect(0, 0, 2, 1))
	gray.Pix = []uint8{7, 9}
	nrgba := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	nrgba.Pix = []uint8{10, 20, 30, 0, 40, 50, 60, 255} // alpha dropped, colour kept
	pal := image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{color.RGBA{1, 2, 3, 255}, color.RGBA{4, 5, 6, 255}})
	pal.Pix = []uint8{1, 0}
	g16 := image.NewGray16(image.Rect(0, 0, 2, 1))
	g16.SetGray16(0, 0, color.Gray16{0x1234})
	g16.SetGray16(1, 0, color.Gray16{0xff00})
	ycc := image.NewYCbCr(image.Rect(0, 0, 2, 1), image.YCbCrSubsampleRatio444)
	copy(ycc.Y, []uint8{0, 255})
	copy(ycc.Cb, []uint8{128, 128})
	copy(ycc.Cr, []uint8{128, 128})

	tests := []struct {
		name string
		b    []byte
		want []uint8 // R R G G B B
	}{
		{"gray", encodePNG(gray), []uint8{7, 9, 7, 9, 7, 9}},
		{"nrgba", encodePNG(nrgba), []uint8{10, 40, 20, 50, 30, 60}},
		{"rgba", encodePNG(rgba), []uint8{199, 1, 99, 2, 0, 3}},
		{"paletted", encodePNG(pal), []uint8{4, 1, 5, 2, 6, 3}},
		{"gray16", encodePNG(g16), []uint8{0x12, 0xff, 0x12, 0xff, 0x12, 0xff}},
		{"jpeg", encodeJPEG(ycc), []uint8{0, 255, 0, 255, 0, 255}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := ReadArchive(bytes.NewReader(tarball(false, reg("c/i.png", tt.b))), "t", []string{""}, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := ds[0].Pixels
			if tt.name == "jpeg" { // lossy: within a few levels
				for i := range got {
					if d := int(got[i]) - int(tt.want[i]); d < -3 || d > 3 {
						t.Fatalf("got %v, want about %v", got, tt.want)
					}
				}
				return
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestOpenJPEG checks a real JPEG round trip (4:2:0 chroma) against the
// image that was encoded.
func TestOpenJPEG(t *testing.T) {
	m := testImage(32, 32, 50)
	ds, err := ReadArchive(bytes.NewReader(tarball(true, reg("a/x.jpg", encodeJPEG(m)))), "t", []string{""}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := wantPlanes(32, 32, 50)
	var sum float64
	for i, v := range ds[0].Pixels {
		d := float64(v) - float64(want[i])
		sum += d * d
	}
	if rmse := sum / float64(len(want)); rmse > 16 {
		t.Errorf("mean squared error %.1f after a quality-90 JPEG round trip", rmse)
	}
}

func TestOpenErrors(t *testing.T) {
	good := reg("t/a/1.png", pngOf(0))
	bigPNG := encodePNG(image.NewGray(image.Rect(0, 0, 300, 300)))
	jpeg4x3 := encodeJPEG(testImage(4, 3, 0))
	corrupt := pngOf(3)
	corrupt = append(corrupt[:len(corrupt)-30:len(corrupt)-30], make([]byte, 30)...)
	var gifBuf bytes.Buffer
	gif.Encode(&gifBuf, image.NewPaletted(image.Rect(0, 0, 4, 3), color.Palette{color.Black}), nil)
	many := []entry{}
	for i := range 257 {
		many = append(many, reg(fmt.Sprintf("t/c%03d/x.png", i), pngOf(0)))
	}

	tests := []struct {
		name    string
		entries []entry
		opt     *Options
		want    string // in the error, after "imagefolder: a.tar: "
		is      error  // errors.Is, or nil
	}{
		{"dotdot", []entry{good, reg("t/a/../../x.png", pngOf(0))}, nil, `t/a/../../x.png: name with a ".." component refused`, ErrUnsafeEntry},
		{"symlink elsewhere", []entry{good, {name: "other/l", typ: '2', link: "/"}}, nil, `other/l: link to "/" refused`, ErrUnsafeEntry},
		{"corrupt png", []entry{good, reg("t/a/2.png", corrupt)}, nil, "t/a/2.png: corrupt png image", nil},
		{"not an image", []entry{good, reg("t/a/2.jpg", []byte("<html>"))}, nil, "t/a/2.jpg: corrupt image: not a readable JPEG or PNG: image: unknown format", image.ErrFormat},
		{"empty file", []entry{good, reg("t/a/2.jpg", nil)}, nil, "t/a/2.jpg: corrupt image", nil},
		{"jpeg cut in its header", []entry{good, reg("t/a/2.jpg", jpeg4x3[:200])}, nil, "t/a/2.jpg: corrupt image", io.ErrUnexpectedEOF},
		{"jpeg cut in its data", []entry{good, reg("t/a/2.jpg", jpeg4x3[:len(jpeg4x3)-6])}, nil, "t/a/2.jpg: corrupt jpeg image: invalid JPEG format", nil},
		{"gif", []entry{good, reg("t/a/2.png", gifBuf.Bytes())}, nil, "t/a/2.png: gif image: expected JPEG or PNG", nil},
		{"other size", []entry{good, reg("t/b/1.png", pngOf(0)), reg("t/a/2.png", encodePNG(testImage(3, 4, 0)))}, nil,
			"t/a/2.png: image is 3×4 but t/a/1.png is 4×3: the images of a split must all have one size", nil},
		{"pixel cap", []entry{good, reg("t/a/2.png", bigPNG)}, &Options{MaxPixels: 200 * 200},
			"t/a/2.png: png image of 300×300 pixels: expected at least 1×1 and at most 40000 pixels (Options.MaxPixels)", ErrLimit},
		{"file cap", []entry{good, reg("t/a/2.png", bigPNG)}, &Options{MaxFileBytes: 100},
			fmt.Sprintf("t/a/2.png: file of %d bytes exceeds the limit of 100 (Options.MaxFileBytes)", len(bigPNG)), ErrLimit},
		{"memory cap", []entry{good, reg("t/a/2.png", bigPNG)}, &Options{MaxBytes: 300},
			"t/a/2.png: the files read so far exceed 300 bytes (Options.MaxBytes)", ErrLimit},
		{"cache cap", []entry{reg("t/a/1.png", bigPNG), reg("t/a/2.png", bigPNG)}, &Options{MaxBytes: 100000},
			"2 images of 3×300×300 need more than 100000 bytes (Options.MaxBytes)", ErrLimit},
		{"empty class", []entry{good, dir("t/b/"), reg("t/b/x.txt", nil)}, nil,
			"t/b/: found no valid file for the classes b; supported extensions are .jpg, .jpeg, .png", fs.ErrNotExist},
		{"no split", []entry{reg("u/a/1.png", pngOf(0))}, nil, "no a folder t/<class>/ at any depth found", fs.ErrNotExist},
		{"two prefixes", []entry{good, reg("x/t/a/1.png", pngOf(0))}, nil, `x/t/a/1.png: split "t" found both under "" and under "x/"`, nil},
		{"duplicate", []entry{good, good}, nil, "t/a/1.png: a second entry of this name", nil},
		{"257 classes", many, nil, "t/: 257 classes: at most 256 are supported", ErrLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, workers := range []int{1, 3} {
				opt := &Options{Workers: workers}
				if tt.opt != nil {
					*opt = *tt.opt
					opt.Workers = workers
				}
				_, err := ReadArchive(bytes.NewReader(tarball(true, tt.entries...)), "a.tar", []string{"t"}, opt)
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("got %v, want an *Error", err)
				}
				if !strings.HasPrefix(err.Error(), "imagefolder: a.tar: "+tt.want) {
					t.Errorf("error %q, want %q", err, "imagefolder: a.tar: "+tt.want)
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Errorf("error %v does not wrap %v", err, tt.is)
				}
			}
		})
	}
}

// TestOpenFolderErrors checks the folder reader's own errors; the checks
// on images are shared with archives.
func TestOpenFolderErrors(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string][]byte{
		"a/train/c/1.png": pngOf(0), "b/train/c/1.png": pngOf(0),
		"ok/c/1.png": pngOf(0), "ok/c/2.png": []byte("junk"),
	})
	tests := []struct {
		dir, split, want string
		is               error
	}{
		{root, "train", `split "train" found in a, b: expected one`, nil},
		{root, "test", "no folder test or */test", fs.ErrNotExist},
		{filepath.Join(root, "ok"), "", "c/2.png: corrupt image", image.ErrFormat},
		{filepath.Join(root, "nope"), "", "no such file", fs.ErrNotExist},
	}
	for _, tt := range tests {
		_, err := Open(tt.dir, tt.split, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Open(%s, %q): got %v, want %q", tt.dir, tt.split, err, tt.want)
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("Open(%s, %q): %v does not wrap %v", tt.dir, tt.split, err, tt.is)
		}
	}
	os.Remove(filepath.Join(root, "ok", "c", "2.png"))
	writeFiles(t, root, map[string][]byte{"ok/d/x.txt": nil})
	if _, err := Open(filepath.Join(root, "ok"), "", nil); err == nil || !strings.Contains(err.Error(), "d/: found no valid file for the classes d") {
		t.Errorf("empty class: got %v", err)
	}
}

// TestErrorDeterministic checks that with several bad images the error
// names the first in the dataset's order, whatever the scheduling.
func TestErrorDeterministic(t *testing.T) {
	var es []entry
	for i := range 200 {
		b := pngOf(i)
		if i%37 == 36 {
			b = b[:len(b)-20]
		}
		es = append(es, reg(fmt.Sprintf("z/%03d.png", 199-i), b)) // reverse order in the archive
	}
	arc := tarball(false, es...)
	for _, workers := range []int{1, 2, 8} {
		for range 5 {
			_, err := ReadArchive(bytes.NewReader(arc), "a", []string{""}, &Options{Workers: workers})
			if err == nil || !strings.Contains(err.Error(), "z/015.png: corrupt png") {
				t.Fatalf("workers %d: got %v, want the error of z/015.png", workers, err)
			}
		}
	}
}

func TestProgress(t *testing.T) {
	es := archiveEntries("train/", 0)
	es = append(es, archiveEntries("test/", 0)...)
	var calls [][2]int
	_, err := ReadArchive(bytes.NewReader(tarball(false, es...)), "a", []string{"train", "test"},
		&Options{Progress: func(done, total int) { calls = append(calls, [2]int{done, total}) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 || calls[len(calls)-1] != [2]int{14, 14} {
		t.Fatalf("progress calls %v, want the last to be [14 14]", calls)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i][0] < calls[i-1][0] {
			t.Errorf("progress went back: %v", calls)
		}
	}
}

// BenchmarkReadArchive decodes 1,000 CIFAR-sized JPEGs from a tar.gz.
func BenchmarkReadArchive(b *testing.B) {
	var es []entry
	for i := range 1000 {
		es = append(es, reg(fmt.Sprintf("train/c%d/%04d.jpg", i%10, i), encodeJPEG(testImage(32, 32, i))))
	}
	arc := tarball(true, es...)
	b.SetBytes(int64(len(arc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadArchive(bytes.NewReader(arc), "b.tgz", []string{"train"}, nil); err != nil {
			b.Fatal(err)
		}
	}
}
