package imagefolder

import (
	"archive/tar"
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the seed corpus in testdata/fuzz")

type seed struct {
	name string
	b    []byte
}

// bombPNG is a 4×3 PNG whose header claims 100000×100000 pixels.
func bombPNG() []byte {
	b := pngOf(0)
	// Signature (8), IHDR length (4) and type (4), then width and height.
	binary.BigEndian.PutUint32(b[16:], 100000)
	binary.BigEndian.PutUint32(b[20:], 100000)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// hugeClaim is a tar.gz whose single entry claims 2^40 bytes.
func hugeClaim() []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: "train/a/x.png", Typeflag: tar.TypeReg, Size: 1 << 40, Mode: 0o644})
	tw.Write(pngOf(0)) // then the archive ends, far short
	return gzipped(b.Bytes()[:b.Len()])
}

func seeds() []seed {
	good := []entry{dir("train/"), dir("train/a/"), reg("train/a/1.png", pngOf(0)), reg("train/b/2.jpg", encodeJPEG(testImage(4, 3, 9)))}
	// The seeds that show one fault add it to a single good image.
	with := func(es ...entry) []entry { return append([]entry{reg("train/a/1.png", pngOf(0))}, es...) }
	var gifBuf bytes.Buffer
	gif.Encode(&gifBuf, image.NewPaletted(image.Rect(0, 0, 4, 3), color.Palette{color.Black}), nil)
	crc := tarball(true, good...)
	crc[len(crc)-8] ^= 1
	plain := tarball(false, good...)
	return []seed{
		{"valid-tar", plain},
		{"valid-tgz", tarball(true, good...)},
		{"valid-prefix", tarball(false, reg("./x/train/a/1.png", pngOf(1)), reg("x/train/a/2.png", pngOf(2)))},
		{"dotdot", tarball(false, with(reg("train/../../a/1.png", pngOf(0)))...)},
		{"absolute", tarball(false, with(reg("/train/a/1.png", pngOf(0)))...)},
		{"symlink", tarball(false, with(entry{name: "train/a/l.png", typ: tar.TypeSymlink, link: "/etc/passwd"})...)},
		{"hardlink", tarball(false, with(entry{name: "train/a/h.png", typ: tar.TypeLink, link: "train/a/1.png"})...)},
		{"fifo", tarball(false, with(entry{name: "train/a/f", typ: tar.TypeFifo})...)},
		{"corrupt-png", tarball(false, with(reg("train/a/3.png", pngOf(3)[:60]))...)},
		{"not-image", tarball(false, with(reg("train/a/3.jpg", []byte("<html>not an image")))...)},
		{"gif", tarball(false, with(reg("train/a/3.png", gifBuf.Bytes()))...)},
		{"other-size", tarball(false, with(reg("train/a/3.png", encodePNG(testImage(3, 4, 0))))...)},
		{"pixel-bomb", tarball(false, with(reg("train/a/3.png", bombPNG()))...)},
		{"empty-class", tarball(false, with(dir("train/c/"), reg("train/c/x.txt", nil))...)},
		{"two-prefixes", tarball(false, with(reg("y/train/a/1.png", pngOf(0)))...)},
		{"duplicate", tarball(false, with(reg("train/a/1.png", pngOf(0)))...)},
		{"huge-claim", hugeClaim()},
		{"truncated-tar", plain[:700]},
		{"truncated-tgz", tarball(true, good...)[:60]},
		{"bad-crc", crc},
		{"empty", nil},
	}
}

// TestSeedCorpus checks that the committed corpus holds every seed and,
// with -update, writes it.
func TestSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzImageFolderTar")
	for _, s := range seeds() {
		p := filepath.Join(dir, s.name)
		if *update {
			os.MkdirAll(dir, 0o755)
			if err := os.WriteFile(p, fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", s.b), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("seed %s missing (go test -run TestSeedCorpus -update): %v", s.name, err)
		}
	}
}

// TestSeeds checks what each seed is meant to show.
func TestSeeds(t *testing.T) {
	want := map[string]string{
		"valid-tar": "", "valid-tgz": "", "valid-prefix": "",
		"dotdot": "refused", "absolute": "refused", "symlink": "refused", "hardlink": "refused", "fifo": "refused",
		"corrupt-png": "train/a/3.png: corrupt", "not-image": "train/a/3.jpg: corrupt image",
		"gif": "gif image: expected JPEG or PNG", "other-size": "train/a/3.png: image is 3×4",
		"pixel-bomb": "png image of 100000×100000 pixels", "empty-class": "found no valid file for the classes c",
		"two-prefixes": "found both", "duplicate": "a second entry", "huge-claim": "exceeds the limit",
		"truncated-tar": "unexpected EOF", "truncated-tgz": "unexpected EOF", "bad-crc": "gzip: invalid checksum",
		"empty": "no class folders found",
	}
	for _, s := range seeds() {
		ds, err := ReadArchive(bytes.NewReader(s.b), "fuzz.tar", []string{"", "train"}, &fuzzOptions)
		w := want[s.name]
		switch {
		case w == "" && err != nil:
			t.Errorf("%s: %v", s.name, err)
		case w == "" && ds[1].Len() == 0:
			t.Errorf("%s: no examples", s.name)
		case w != "" && (err == nil || !bytes.Contains([]byte(err.Error()), []byte(w))):
			t.Errorf("%s: got %v, want an error with %q", s.name, err, w)
		}
	}
}
