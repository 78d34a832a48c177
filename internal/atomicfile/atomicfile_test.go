package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteCreatesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	for _, content := range []string{"first", "second, longer"} {
		err := Write(path, func(w io.Writer) error {
			_, err := io.WriteString(w, content)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != content {
			t.Fatalf("file holds %q, want %q", got, content)
		}
	}
	if names := listDir(t, dir); len(names) != 1 {
		t.Fatalf("folder holds %v, want only the file", names)
	}
	if runtime.GOOS != "windows" {
		st, _ := os.Stat(path)
		if st.Mode().Perm() != 0o644 {
			t.Errorf("new file mode %v, want 0644", st.Mode().Perm())
		}
		os.Chmod(path, 0o600)
		Write(path, func(w io.Writer) error { return nil })
		st, _ = os.Stat(path)
		if st.Mode().Perm() != 0o600 {
			t.Errorf("replaced file mode %v, want its old 0600", st.Mode().Perm())
		}
	}
}

func TestFailingWriterKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.pth")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, strings.Repeat("new", 100000)) // more than the buffer: reaches the temp file
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the writer's error", err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "old" {
		t.Fatalf("file holds %q after a failed write, want \"old\"", got)
	}
	if names := listDir(t, dir); len(names) != 1 {
		t.Fatalf("folder holds %v after a failed write, want only the old file", names)
	}
}

func TestPanickingWriterLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x")
	func() {
		defer func() { recover() }()
		Write(path, func(w io.Writer) error { panic("writer bug") })
	}()
	if names := listDir(t, dir); len(names) != 0 {
		t.Fatalf("folder holds %v after a panicking writer, want nothing", names)
	}
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	if err := Write(filepath.Join(dir, "missing", "x"), func(io.Writer) error { return nil }); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
	if err := Write(dir, func(io.Writer) error { return nil }); err == nil {
		t.Error("writing over a folder succeeded")
	}
}

func TestCleanStale(t *testing.T) {
	dir := t.TempDir()
	keep := []string{"model.pth", ".model.pth", ".other.pth.tmp-1", "model.pth.tmp-1"}
	stale := []string{".model.pth.tmp-123", ".model.pth.tmp-abc"}
	for _, n := range append(append([]string{}, keep...), stale...) {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := CleanStale(dir, "model.pth"); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(listDir(t, dir), " ")
	want := ".model.pth .other.pth.tmp-1 model.pth model.pth.tmp-1"
	if got != want {
		t.Fatalf("after CleanStale the folder holds %q, want %q", got, want)
	}
	if err := CleanStale(filepath.Join(dir, "nope"), "x"); err == nil {
		t.Error("CleanStale of a missing folder gave no error")
	}
}

func TestWriteRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := Write("rel.bin", func(w io.Writer) error { _, err := w.Write([]byte{1, 2}); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile("rel.bin"); len(b) != 2 {
		t.Fatalf("read %v", b)
	}
}
