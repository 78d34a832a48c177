package mnist

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

func TestLocateExplicit(t *testing.T) {
	files, specs := fakeFiles()
	srv, requests := server(t, files, false)

	good := t.TempDir()
	writeSplits(t, good)
	root := t.TempDir() // holds the files in root/mnist
	writeSplits(t, filepath.Join(root, "mnist"))
	empty := t.TempDir()
	writeFile(t, filepath.Join(empty, TrainImagesFile), gz(testImages(1)))

	tests := []struct {
		name     string
		dir, env string
		wantDir  string
		source   string // want as source, or in the error
		err      error  // want errors.Is, or nil for success
	}{
		{"flag", good, "", good, "directory: " + good, nil},
		{"flag mnist subdir", root, "", filepath.Join(root, "mnist"), "directory: " + filepath.Join(root, "mnist"), nil},
		{"env", "", good, good, "$CONVNET_DATA: " + good, nil},
		{"env subdir", "", root, filepath.Join(root, "mnist"), "$CONVNET_DATA: " + filepath.Join(root, "mnist"), nil},
		{"flag beats env", good, empty, good, "directory: " + good, nil},
		{"flag incomplete", empty, "", "", "directory " + empty, fs.ErrNotExist},
		{"flag missing", filepath.Join(empty, "nope"), "", "", "nope", fs.ErrNotExist},
		{"flag is a file", filepath.Join(empty, TrainImagesFile), "", "", "not a directory", nil},
		{"env incomplete", "", empty, "", "$CONVNET_DATA " + empty, fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvVar, tt.env)
			l := &Locator{Dir: tt.dir, BaseURL: srv.URL + "/mnist/", CacheDir: t.TempDir(), files: specs}
			dir, source, err := l.Locate(context.Background())
			if tt.wantDir != "" {
				if err != nil || dir != tt.wantDir || source != tt.source {
					t.Fatalf("got %q, %q, %v; want %q, %q", dir, source, err, tt.wantDir, tt.source)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.source) {
				t.Fatalf("got %q, %v; want an error containing %q", dir, err, tt.source)
			}
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Errorf("error %v does not wrap %v", err, tt.err)
			}
		})
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("an explicit directory led to %d downloads", n)
	}

	t.Setenv(EnvVar, "")
	if dir, source, err := Locate(good, nil); err != nil || dir != good || source != "directory: "+good {
		t.Errorf("Locate: got %q, %q, %v", dir, source, err)
	}
}

// TestLocateModule finds GoMNIST in the module cache, both through
// `go env GOMODCACHE` and, with no go command, through $GOMODCACHE.
func TestLocateModule(t *testing.T) {
	data := moduleData(t)
	t.Setenv(EnvVar, "")
	for _, goCmd := range []string{"", filepath.Join(t.TempDir(), "no-such-go")} {
		if goCmd != "" {
			modCache := strings.TrimSuffix(data, filepath.FromSlash("/"+moduleDirName+"/data"))
			t.Setenv("GOMODCACHE", modCache)
		}
		l := &Locator{GoCommand: goCmd, Offline: true, CacheDir: t.TempDir()}
		dir, source, err := l.Locate(context.Background())
		if err != nil || dir != data || source != "module cache: "+data {
			t.Errorf("go command %q: got %q, %q, %v; want %q", goCmd, dir, source, err, data)
		}
	}
}

// TestLocateFallsThrough checks that without a usable module cache or go
// command, Locate downloads, and that offline it says what it tried.
func TestLocateFallsThrough(t *testing.T) {
	files, specs := fakeFiles()
	srv, _ := server(t, files, false)
	t.Setenv(EnvVar, "")
	t.Setenv("GOMODCACHE", t.TempDir())
	noGo := filepath.Join(t.TempDir(), "no-such-go")

	l := &Locator{GoCommand: noGo, Offline: true, BaseURL: srv.URL + "/mnist/", CacheDir: t.TempDir(), files: specs}
	_, _, err := l.Locate(context.Background())
	if err == nil || !strings.Contains(err.Error(), "module cache:") || !strings.Contains(err.Error(), "offline") {
		t.Errorf("offline: got %v, want an error naming the module cache and offline", err)
	}

	l.Offline = false
	var logs []string
	l.Logf = func(format string, args ...any) { logs = append(logs, format) }
	dir, source, err := l.Locate(context.Background())
	if err != nil || dir != l.CacheDir || !strings.HasPrefix(source, "downloaded from") {
		t.Fatalf("got %q, %q, %v", dir, source, err)
	}
	if !strings.Contains(strings.Join(logs, "\n"), "go mod download") {
		t.Errorf("logs %q do not mention go mod download", logs)
	}

	// A cancelled context stops the download.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l.CacheDir = t.TempDir()
	if _, _, err := l.Locate(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v, want context.Canceled", err)
	}
}
