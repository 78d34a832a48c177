package cifar10

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestOpenPath(t *testing.T) {
	dir := t.TempDir()
	batches := filepath.Join(dir, "batches")
	writeBatches(t, filepath.Join(batches, BatchDir))
	bin := writeFile(t, filepath.Join(dir, "b.tar.gz"), binaryArchive(true))
	binTar := writeFile(t, filepath.Join(dir, "b.tar"), binaryArchive(false))
	jpegs := writeFile(t, filepath.Join(dir, "i.tar.gz"), imageArchive("./cifar10-jpeg/", ClassNames[:], 2, 32))
	folder := filepath.Join(dir, "folder")
	for _, split := range []string{"train", "test"} {
		for c, name := range ClassNames {
			writeFile(t, filepath.Join(folder, "cifar10-jpeg", split, name, "a.png"), pngImage(32, 10*c))
		}
	}

	tests := []struct {
		path, source string
		train, test  int
	}{
		{batches, "binary batches: ", 10, 3},
		{filepath.Join(batches, BatchDir), "binary batches: ", 10, 3},
		{bin, "binary archive: ", 10, 3},
		{binTar, "binary archive: ", 10, 3},
		{jpegs, "image archive: ", 20, 20},
		{folder, "image folder: ", 10, 10},
	}
	for _, tt := range tests {
		var logs []string
		l := &Locator{Logf: func(f string, a ...any) { logs = append(logs, f) }}
		s, err := l.OpenPath(tt.path)
		if err != nil {
			t.Fatalf("%s: %v", tt.path, err)
		}
		if s.Source != tt.source+tt.path || s.Train.Len() != tt.train || s.Test.Len() != tt.test ||
			!slices.Equal(s.Classes, ClassNames[:]) || len(logs) == 0 {
			t.Errorf("%s: source %q, %d train, %d test, classes %q, logs %q", tt.path, s.Source, s.Train.Len(), s.Test.Len(), s.Classes, logs)
		}
		for _, d := range []interface{ Shape() (int, int, int) }{s.Train, s.Test} {
			if c, h, w := d.Shape(); c != 3 || h != 32 || w != 32 {
				t.Errorf("%s: shape %d×%d×%d", tt.path, c, h, w)
			}
		}
		// The same via the CLI's spelling.
		if s2, err := Open("cifar10:" + tt.path); err != nil || !bytes.Equal(s2.Train.Pixels, s.Train.Pixels) {
			t.Errorf("Open(cifar10:%s): %v", tt.path, err)
		}
	}

	// Image class c, example a.png of the folder: red plane c·10 + x.
	s, _ := (&Locator{}).OpenPath(folder)
	if s.Train.Labels[3] != 3 || s.Train.Pixels[3*ImageBytes+5] != 35 || s.Train.Pixels[3*ImageBytes+1024+32*2] != 32 {
		t.Errorf("folder: label %d, pixels %d %d", s.Train.Labels[3], s.Train.Pixels[3*ImageBytes+5], s.Train.Pixels[3*ImageBytes+1024+64])
	}

	bad := []struct{ name, want string }{
		{writeFile(t, filepath.Join(dir, "classes.tgz"), imageArchive("", []string{"cat", "dog"}, 1, 32)), "classes cat, dog: expected CIFAR-10's airplane"},
		{writeFile(t, filepath.Join(dir, "small.tgz"), imageArchive("", ClassNames[:], 1, 16)), "images of 16×16 (train/airplane/a.png): expected 32×32"},
		{writeFile(t, filepath.Join(dir, "notar.tgz"), []byte("hello")), "reading tar header"},
		{filepath.Join(dir, "nope"), "no such file"},
	}
	for _, tt := range bad {
		if _, err := Open("cifar10:" + tt.name); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestOpenSpec(t *testing.T) {
	for _, spec := range []string{"mnist", "cifar10:", "cifar100:x", ""} {
		if _, err := Open(spec); err == nil {
			t.Errorf("Open(%q) succeeded", spec)
		}
	}
}

// locator returns a Locator that finds nothing by itself: no
// $CONVNET_DATA, an empty cache, no shared archive.
func locator(t *testing.T) *Locator {
	t.Setenv(EnvVar, "")
	return &Locator{CacheDir: filepath.Join(t.TempDir(), "cache"), shared: filepath.Join(t.TempDir(), "none.tar.gz"), Logf: t.Logf}
}

func TestOpenSearch(t *testing.T) {
	ctx := context.Background()
	l := locator(t)
	_, err := l.Open(ctx, "cifar10")
	for _, w := range []string{"$CONVNET_DATA (not set)", l.CacheDir, l.shared, DefaultBaseURL + ArchiveName, "170 MB", "MD5 and SHA-256", "allow the download"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("nothing found: error %v lacks %q", err, w)
		}
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%v does not wrap fs.ErrNotExist", err)
	}

	// The shared JPEG archive, relative to the working folder.
	writeFile(t, l.shared, imageArchive("cifar10-jpeg/", ClassNames[:], 1, 32))
	s, err := l.Open(ctx, "cifar10")
	if err != nil || s.Source != "image archive: "+l.shared {
		t.Fatalf("shared: %v, %v", s, err)
	}

	// Something in the cache folder comes before it.
	writeBatches(t, filepath.Join(l.CacheDir, "cifar10", BatchDir))
	if s, err = l.Open(ctx, "cifar10"); err != nil || s.Source != "binary batches: "+filepath.Join(l.CacheDir, "cifar10") {
		t.Fatalf("cache: %v, %v", s, err)
	}

	// $CONVNET_DATA comes first; set but without CIFAR-10 it is passed over.
	env := t.TempDir()
	t.Setenv(EnvVar, env)
	if s, err = l.Open(ctx, "cifar10"); err != nil || !strings.HasPrefix(s.Source, "binary batches: "+l.CacheDir) {
		t.Fatalf("empty $CONVNET_DATA: %v, %v", s, err)
	}
	arc := writeFile(t, filepath.Join(env, ArchiveName), binaryArchive(true))
	if s, err = l.Open(ctx, "cifar10"); err != nil || s.Source != "binary archive: "+arc {
		t.Fatalf("$CONVNET_DATA: %v, %v", s, err)
	}
	// A copy that is found but damaged is an error, not passed over.
	writeFile(t, arc, binaryArchive(true)[:100])
	if _, err = l.Open(ctx, "cifar10"); err == nil || !strings.Contains(err.Error(), arc) {
		t.Errorf("damaged: got %v", err)
	}
}

// server serves body at /kriz/cifar-10-binary.tar.gz and counts requests.
func server(t *testing.T, body []byte, chunked bool) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if body == nil || r.URL.Path != "/kriz/"+ArchiveName {
			http.NotFound(w, r)
			return
		}
		if chunked {
			w.Write(body[:1])
			w.(http.Flusher).Flush() // no Content-Length
			w.Write(body[1:])
			return
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestDownload(t *testing.T) {
	ctx := context.Background()
	arc := binaryArchive(true)
	for _, chunked := range []bool{false, true} {
		srv, requests := server(t, arc, chunked)
		l := locator(t)
		l.BaseURL, l.archive = srv.URL+"/kriz", specOf(arc) // no final "/": added
		dst := filepath.Join(l.CacheDir, ArchiveName)

		if _, err := l.Open(ctx, "cifar10"); err == nil || requests.Load() != 0 {
			t.Fatalf("without Download: %v, %d requests", err, requests.Load())
		}
		l.Download = true
		s, err := l.Open(ctx, "cifar10")
		if err != nil {
			t.Fatal(err)
		}
		if s.Source != "downloaded from "+srv.URL+"/kriz/"+ArchiveName+" to "+dst || s.Train.Len() != 10 || requests.Load() != 1 {
			t.Errorf("source %q, %d train, %d requests", s.Source, s.Train.Len(), requests.Load())
		}
		assertOnly(t, l.CacheDir, ArchiveName)

		// Then the cache is read, and checked, without the network.
		if s, err = l.Open(ctx, "cifar10"); err != nil || s.Source != "download cache: "+dst || requests.Load() != 1 {
			t.Errorf("second Open: %v, %v, %d requests", s, err, requests.Load())
		}

		// A damaged cache is fetched again when allowed, else reported.
		damaged := bytes.Clone(arc)
		damaged[len(damaged)/2] ^= 1
		writeFile(t, dst, damaged)
		l.Download = false
		if _, err := l.Open(ctx, "cifar10"); !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), "allow the download") {
			t.Errorf("damaged cache: got %v", err)
		}
		l.Download = true
		if _, err := l.Open(ctx, "cifar10"); err != nil || requests.Load() != 2 {
			t.Errorf("repair: %v, %d requests", err, requests.Load())
		}
	}
}

func TestDownloadBad(t *testing.T) {
	arc := binaryArchive(true)
	spec := specOf(arc)
	flipped := bytes.Clone(arc)
	flipped[100] ^= 1
	md5Only, shaOnly := spec, spec
	md5Only.sha256 = strings.Repeat("0", 64)
	shaOnly.md5 = strings.Repeat("0", 32)
	tests := []struct {
		name    string
		body    []byte
		chunked bool
		spec    archiveSpec
		want    string
		sum     bool
	}{
		{"flipped", flipped, false, spec, "expected MD5 " + spec.md5, true},
		{"sha256 differs", arc, false, md5Only, "expected SHA-256 " + strings.Repeat("0", 64) + ", found " + spec.sha256, true},
		{"md5 differs", arc, true, shaOnly, "expected MD5 " + strings.Repeat("0", 32), true},
		{"long", append(bytes.Clone(arc), 0), false, spec, "server announces", true},
		{"long chunked", append(bytes.Clone(arc), 0), true, spec, "bytes, found", true},
		{"short chunked", arc[:50], true, spec, "found 50", true},
		{"404", nil, false, spec, "404", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := server(t, tt.body, tt.chunked)
			l := locator(t)
			l.BaseURL, l.archive, l.Download = srv.URL+"/kriz/", tt.spec, true
			_, err := l.Open(context.Background(), "cifar10")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			if errors.Is(err, ErrChecksum) != tt.sum {
				t.Errorf("errors.Is(err, ErrChecksum) = %v: %v", !tt.sum, err)
			}
			assertOnly(t, l.CacheDir) // no partial or temporary file
		})
	}

	// A cancelled context stops the download.
	srv, _ := server(t, arc, false)
	l := locator(t)
	l.BaseURL, l.archive, l.Download = srv.URL+"/kriz/", spec, true
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Open(ctx, "cifar10"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
}

func TestOfficialArchive(t *testing.T) {
	s := officialArchive
	if s.name != ArchiveName || s.size != 170052171 || len(s.md5) != 32 || len(s.sha256) != 64 {
		t.Errorf("%+v", s)
	}
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, names) {
		t.Errorf("%s holds %q, want %q", dir, got, names)
	}
}
