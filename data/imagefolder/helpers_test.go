package imagefolder

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testImage returns a w×h NRGBA image whose pixel (x, y) is
// (seed+x, seed+y, seed+x+y, 255).
func testImage(w, h, seed int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetNRGBA(x, y, color.NRGBA{uint8(seed + x), uint8(seed + y), uint8(seed + x + y), 255})
		}
	}
	return m
}

// wantPlanes returns testImage(w, h, seed) as the planes R, G, B.
func wantPlanes(w, h, seed int) []uint8 {
	out := make([]uint8, 3*w*h)
	for y := range h {
		for x := range w {
			i := y*w + x
			out[i], out[w*h+i], out[2*w*h+i] = uint8(seed+x), uint8(seed+y), uint8(seed+x+y)
		}
	}
	return out
}

func encodePNG(m image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func encodeJPEG(m image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// pngOf is a 4×3 PNG of testImage(4, 3, seed).
func pngOf(seed int) []byte { return encodePNG(testImage(4, 3, seed)) }

// entry is one archive member for tarball.
type entry struct {
	name string
	typ  byte // 0 means a regular file
	body []byte
	link string
}

func reg(name string, body []byte) entry { return entry{name: name, body: body} }
func dir(name string) entry              { return entry{name: name, typ: tar.TypeDir} }

// tarball returns a tar archive of the entries, gzip-compressed if gz.
func tarball(gz bool, entries ...entry) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Mode: 0o644, Linkname: e.link,
			ModTime: time.Unix(1e9, 0), Format: tar.FormatPAX}
		if typ == tar.TypeXGlobalHeader {
			h = &tar.Header{Name: e.name, Typeflag: typ, PAXRecords: map[string]string{"comment": "x"}}
		}
		if typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			panic(err)
		}
		tw.Write(e.body)
	}
	tw.Close()
	if !gz {
		return b.Bytes()
	}
	return gzipped(b.Bytes())
}

func gzipped(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// writeFiles writes files (slash-separated names) under root.
func writeFiles(t testing.TB, root string, files map[string][]byte) {
	t.Helper()
	for name, b := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
