package mnist

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
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

// fakeFiles returns the four files of a small synthetic MNIST and specs
// that accept exactly them.
func fakeFiles() (map[string][]byte, []fileSpec) {
	files := map[string][]byte{
		TrainImagesFile: gz(testImages(3)),
		TrainLabelsFile: gz(testLabels(3)),
		TestImagesFile:  gz(testImages(2)),
		TestLabelsFile:  gz(testLabels(2)),
	}
	var specs []fileSpec
	for _, name := range []string{TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile} {
		sum := sha256.Sum256(files[name])
		specs = append(specs, fileSpec{name, int64(len(files[name])), hex.EncodeToString(sum[:])})
	}
	return files, specs
}

// server serves files under /mnist/ and counts the requests.
func server(t *testing.T, files map[string][]byte, chunked bool) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		b, ok := files[strings.TrimPrefix(r.URL.Path, "/mnist/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if chunked {
			w.Write(b[:1])
			w.(http.Flusher).Flush() // no Content-Length
			w.Write(b[1:])
			return
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// downloadLocator returns a Locator that may only download, into a fresh
// cache directory.
func downloadLocator(t *testing.T, base string, specs []fileSpec) *Locator {
	t.Setenv(EnvVar, "")
	return &Locator{NoModule: true, BaseURL: base, CacheDir: filepath.Join(t.TempDir(), "cache"), files: specs, Logf: t.Logf}
}

func TestDownload(t *testing.T) {
	files, specs := fakeFiles()
	for _, chunked := range []bool{false, true} {
		srv, requests := server(t, files, chunked)
		l := downloadLocator(t, srv.URL+"/mnist", specs) // no trailing slash: added
		dir, source, err := l.Locate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if dir != l.CacheDir || !strings.HasPrefix(source, "downloaded from "+srv.URL+"/mnist/") {
			t.Errorf("got %q, %q", dir, source)
		}
		if n := requests.Load(); n != 4 {
			t.Errorf("%d requests, want 4", n)
		}
		assertOnlyFiles(t, dir, TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile)
		if s, err := Load(dir, true); err != nil || s.Len() != 3 {
			t.Fatalf("Load after download: %v", err)
		}

		// A second call finds the cache and does not download again.
		_, source, err = l.Locate(context.Background())
		if err != nil || source != "download cache: "+dir {
			t.Errorf("second Locate: %q, %v", source, err)
		}
		if n := requests.Load(); n != 4 {
			t.Errorf("second Locate made %d more requests", n-4)
		}

		// A damaged file in the cache is fetched again, and only it.
		os.WriteFile(filepath.Join(dir, TestLabelsFile), []byte("junk"), 0o644)
		if _, _, err := l.Locate(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := requests.Load(); n != 5 {
			t.Errorf("repair made %d requests, want 1", n-4)
		}
		if err := l.verifyDir(dir); err != nil {
			t.Error(err)
		}
	}
}

func TestDownloadBad(t *testing.T) {
	good, specs := fakeFiles()
	flipped := bytes.Clone(good[TestImagesFile])
	flipped[len(flipped)/2] ^= 1
	tests := []struct {
		name    string
		file    []byte // served as TestImagesFile; nil: 404
		chunked bool
		want    []string
		sum     bool // want errors.Is(err, ErrChecksum)
	}{
		{"bad sha", flipped, false, []string{"expected SHA-256 " + specs[2].sha256, "found "}, true},
		{"bad sha chunked", flipped, true, []string{"expected SHA-256"}, true},
		{"long", append(bytes.Clone(good[TestImagesFile]), 0), false, []string{"server announces"}, true},
		{"long chunked", append(bytes.Clone(good[TestImagesFile]), 0), true, []string{"bytes, found"}, true},
		{"short chunked", good[TestImagesFile][:20], true, []string{"found 20"}, true},
		{"404", nil, false, []string{"404"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string][]byte{}
			for k, v := range good {
				files[k] = v
			}
			delete(files, TestImagesFile)
			if tt.file != nil {
				files[TestImagesFile] = tt.file
			}
			srv, _ := server(t, files, tt.chunked)
			l := downloadLocator(t, srv.URL+"/mnist/", specs)
			_, _, err := l.Locate(context.Background())
			if err == nil {
				t.Fatal("want an error")
			}
			if errors.Is(err, ErrChecksum) != tt.sum {
				t.Errorf("errors.Is(err, ErrChecksum) = %v, want %v: %v", !tt.sum, tt.sum, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			// The good files before it are in place; the bad one and
			// every temporary file are gone.
			assertOnlyFiles(t, l.CacheDir, TrainImagesFile, TrainLabelsFile)
		})
	}
}

// TestDownloadReal serves the real GoMNIST files and checks them against
// the standard SHA-256 sums, as a real download would.
func TestDownloadReal(t *testing.T) {
	src := moduleData(t)
	files := map[string][]byte{}
	for _, s := range standardFiles {
		b, err := os.ReadFile(filepath.Join(src, s.name))
		if err != nil {
			t.Fatal(err)
		}
		files[s.name] = b
	}
	srv, _ := server(t, files, false)
	l := downloadLocator(t, srv.URL+"/mnist/", nil)
	dir, _, err := l.Locate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyDir(dir); err != nil {
		t.Fatal(err)
	}
}

func assertOnlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(sorted(names), " ") {
		t.Errorf("%s holds %v, want %v", dir, got, sorted(names))
	}
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	slices.Sort(s)
	return s
}
