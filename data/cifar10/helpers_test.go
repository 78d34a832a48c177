package cifar10

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// record returns a record with the given label whose image byte j is
// byte(seed + j).
func record(label byte, seed int) []byte {
	r := make([]byte, RecordBytes)
	r[0] = label
	for j := range ImageBytes {
		r[1+j] = byte(seed + j)
	}
	return r
}

// batch returns records with the given labels, record i seeded with
// seed+i.
func batch(seed int, labels ...byte) []byte {
	var b []byte
	for i, l := range labels {
		b = append(b, record(l, seed+i)...)
	}
	return b
}

// officialLike returns the six batch files of a small CIFAR-10: batch k
// (1–5) holds two records seeded 10k and 10k+1 with labels k−1 and k+4;
// the test batch three, seeded 100.
func officialLike() map[string][]byte {
	files := map[string][]byte{TestFile: batch(100, 9, 0, 3)}
	for k, n := range TrainFiles {
		files[n] = batch(10*(k+1), byte(k), byte(k+5))
	}
	return files
}

type member struct {
	name string
	typ  byte
	body []byte
	link string
}

// tarball returns a tar archive of the members, gzip-compressed if gz.
func tarball(gz bool, ms ...member) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, m := range ms {
		typ := m.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: m.name, Typeflag: typ, Mode: 0o644, Linkname: m.link, ModTime: time.Unix(1e9, 0)}
		if typ == tar.TypeReg {
			h.Size = int64(len(m.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			panic(err)
		}
		tw.Write(m.body)
	}
	tw.Close()
	if !gz {
		return b.Bytes()
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(b.Bytes())
	zw.Close()
	return z.Bytes()
}

// binaryArchive returns a cifar-10-binary.tar.gz of officialLike's files,
// in the official archive's order, with its other files.
func binaryArchive(gz bool) []byte {
	files := officialLike()
	ms := []member{{name: BatchDir + "/", typ: tar.TypeDir}, {name: BatchDir + "/batches.meta.txt", body: []byte("airplane\n")}}
	for _, n := range append(TrainFiles[:], TestFile) {
		ms = append(ms, member{name: BatchDir + "/" + n, body: files[n]})
	}
	ms = append(ms, member{name: BatchDir + "/readme.html", body: []byte("<html>")})
	return tarball(gz, ms...)
}

// specOf returns an archiveSpec that accepts exactly b.
func specOf(b []byte) archiveSpec {
	m, s := md5.Sum(b), sha256.Sum256(b)
	return archiveSpec{name: ArchiveName, size: int64(len(b)), md5: hex.EncodeToString(m[:]), sha256: hex.EncodeToString(s[:])}
}

// pngImage returns a side×side PNG whose red plane is seed+x, green
// seed+y and blue seed+x+y.
func pngImage(side, seed int) []byte {
	m := image.NewNRGBA(image.Rect(0, 0, side, side))
	for y := range side {
		for x := range side {
			m.SetNRGBA(x, y, color.NRGBA{uint8(seed + x), uint8(seed + y), uint8(seed + x + y), 255})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, m)
	return b.Bytes()
}

// imageArchive returns a tar.gz of prefix/{train,test}/<class>/i.png for
// the given classes, n images of side×side per class and split.
func imageArchive(prefix string, classes []string, n, side int) []byte {
	var ms []member
	for _, split := range []string{"train", "test"} {
		for c, name := range classes {
			for i := range n {
				ms = append(ms, member{name: prefix + split + "/" + name + "/" + string(rune('a'+i)) + ".png", body: pngImage(side, 10*c+i)})
			}
		}
	}
	return tarball(true, ms...)
}

func writeFile(t testing.TB, p string, b []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeBatches writes officialLike's files into dir.
func writeBatches(t testing.TB, dir string) {
	t.Helper()
	for n, b := range officialLike() {
		writeFile(t, filepath.Join(dir, n), b)
	}
}
