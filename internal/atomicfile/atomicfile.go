// Package atomicfile replaces files atomically: a reader, or a run killed
// half way, sees the old file or the new one, never a part of either.
//
// Write puts the bytes in a temporary file in the same folder (named
// ".<base>.tmp-<random>", so that it is hidden and easy to match), syncs
// it to disk, renames it over the target and syncs the folder, so that the
// rename itself survives a crash. On any error the temporary file is
// removed and the old file is left as it was. A process killed between
// creating and renaming leaves its temporary file behind; CleanStale
// removes such leftovers.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Write calls write with a buffered writer onto a temporary file beside
// path, then moves that file to path. A new file gets mode 0644; a
// replaced file keeps its mode.
func Write(path string, write func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if base == "" {
		return fmt.Errorf("atomicfile: %q names a folder, not a file", path)
	}
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		if !st.Mode().IsRegular() {
			return fmt.Errorf("atomicfile: %s is not a regular file", path)
		}
		mode = st.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, tempPrefix(base)+"*")
	if err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	tmp := f.Name()
	done := false
	defer func() {
		// Also runs when write panics: the temporary file never outlives
		// a failed call.
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 256<<10)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err := f.Chmod(mode); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	done = true
	return syncDir(dir)
}

func tempPrefix(base string) string { return "." + base + ".tmp-" }

// syncDir makes a rename in dir durable. Windows cannot open folders for
// syncing, and its renames need no such step.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("atomicfile: sync %s: %w", dir, err)
	}
	return nil
}

// CleanStale removes the temporary files that Write calls for dir/base
// left behind when their process was killed. Call it when no other
// process is writing that file, for example at start-up.
func CleanStale(dir, base string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	prefix := tempPrefix(base)
	var errs []error
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), prefix) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, fmt.Errorf("atomicfile: %w", err))
			}
		}
	}
	return errors.Join(errs...)
}
