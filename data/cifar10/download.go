package cifar10

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/convnet/convnet/data"
)

// The official binary archive, as published at
// https://www.cs.toronto.edu/~kriz/cifar.html.
const (
	DefaultBaseURL = "https://www.cs.toronto.edu/~kriz/"
	ArchiveName    = "cifar-10-binary.tar.gz"
)

// ErrChecksum is wrapped by the error for an archive whose size, MD5 or
// SHA-256 is not that of the official one.
var ErrChecksum = errors.New("cifar10: checksum mismatch")

// archiveSpec is what a downloaded archive must be.
type archiveSpec struct {
	name   string
	size   int64
	md5    string // the sum published beside the link, and torchvision's check
	sha256 string
}

// officialArchive is cifar-10-binary.tar.gz. The MD5 is the one published
// on the dataset's page (and checked by torchvision); the size and SHA-256
// are those recorded by TensorFlow Datasets' checksum registry
// (url_checksums/cifar10.tsv) and by other loaders (Julia MLDatasets,
// torch.rb). Both sums are checked.
var officialArchive = archiveSpec{
	name:   ArchiveName,
	size:   170052171,
	md5:    "c32a1d4ab5d03f1284b67883e8d87530",
	sha256: "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
}

// summer hashes what passes through it with MD5 and SHA-256 and counts it.
type summer struct {
	md5, sha hash.Hash
	n        int64
}

func newSummer() *summer { return &summer{md5: md5.New(), sha: sha256.New()} }

func (s *summer) Write(p []byte) (int, error) {
	s.md5.Write(p)
	s.sha.Write(p)
	s.n += int64(len(p))
	return len(p), nil
}

// check compares what was hashed with spec; what names the data.
func (s *summer) check(what string, spec archiveSpec) error {
	if s.n != spec.size {
		return fmt.Errorf("%w: %s: expected %d bytes, found %d", ErrChecksum, what, spec.size, s.n)
	}
	if got := hex.EncodeToString(s.md5.Sum(nil)); got != spec.md5 {
		return fmt.Errorf("%w: %s: expected MD5 %s, found %s", ErrChecksum, what, spec.md5, got)
	}
	if got := hex.EncodeToString(s.sha.Sum(nil)); got != spec.sha256 {
		return fmt.Errorf("%w: %s: expected SHA-256 %s, found %s", ErrChecksum, what, spec.sha256, got)
	}
	return nil
}

// readVerified reads the archive at name, checking its size and sums as it
// goes (one pass: the bytes hashed are the bytes parsed).
func readVerified(name string, spec archiveSpec) (train, test *data.Bytes, err error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, fmt.Errorf("cifar10: %w", err)
	}
	defer f.Close()
	s := newSummer()
	tee := io.TeeReader(io.LimitReader(f, spec.size+1), s)
	train, test, err = ReadArchive(tee, name)
	if _, cerr := io.Copy(io.Discard, tee); cerr != nil && err == nil {
		err = fmt.Errorf("cifar10: %w", cerr)
	}
	if sumErr := s.check(name, spec); sumErr != nil {
		return nil, nil, sumErr // a wrong file explains a format error too
	}
	return train, test, err
}

// fetch downloads url to dst atomically: into a temporary file beside dst,
// checked (size, MD5, SHA-256), synced and only then renamed to dst. On any
// failure the temporary file is removed and dst is left as it was.
func fetch(ctx context.Context, client *http.Client, url, dst string, spec archiveSpec) (err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("cifar10: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("cifar10: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("cifar10: GET %s: %s", url, resp.Status)
	}
	if resp.ContentLength >= 0 && resp.ContentLength != spec.size {
		return fmt.Errorf("%w: %s: expected %d bytes, server announces %d", ErrChecksum, url, spec.size, resp.ContentLength)
	}
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cifar10: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+spec.name+".*.tmp")
	if err != nil {
		return fmt.Errorf("cifar10: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	s := newSummer()
	// At most one byte more than expected: enough to see that a body is
	// too long, without letting a server fill the disk.
	if _, err := io.Copy(io.MultiWriter(tmp, s), io.LimitReader(resp.Body, spec.size+1)); err != nil {
		return fmt.Errorf("cifar10: GET %s: %w", url, err)
	}
	if err := s.check(url, spec); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("cifar10: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("cifar10: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cifar10: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("cifar10: %w", err)
	}
	if d, err := os.Open(dir); err == nil { // make the rename durable, where the system allows
		d.Sync()
		d.Close()
	}
	return nil
}

func humanSize(n int64) string {
	return fmt.Sprintf("%.0f MB", float64(n)/1e6)
}
