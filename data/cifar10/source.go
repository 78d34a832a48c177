package cifar10

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/convnet/convnet/data"
	"github.com/convnet/convnet/data/imagefolder"
)

// EnvVar names the environment variable of the data folder, as for MNIST.
const EnvVar = "CONVNET_DATA"

// JPEGArchiveName is the JPEG copy of CIFAR-10 kept beside the repository
// (../shared/data/cifar10-jpeg.tar.gz: cifar10-jpeg/{train,test}/<class>/NNNN.jpg).
const JPEGArchiveName = "cifar10-jpeg.tar.gz"

// sharedArchive is where the JPEG copy is looked for, relative to the
// working directory.
var sharedArchive = filepath.Join("..", "shared", "data", JPEGArchiveName)

// Set is CIFAR-10's two splits, as N×3×32×32 bytes with labels 0–9.
type Set struct {
	Train, Test *data.Bytes
	Classes     []string // the class names in label order
	Source      string   // where the data came from, for the user to read
}

// Locator finds and reads CIFAR-10. The zero value is ready to use; see
// Open for the order in which places are tried.
type Locator struct {
	// Download allows fetching the official archive when no copy is
	// found (the CLI's download flag). Without it Open fails with an error
	// that says how to download.
	Download bool

	// BaseURL is where ArchiveName is downloaded from; empty means
	// DefaultBaseURL. A final "/" is added if missing.
	BaseURL string

	// CacheDir is searched and receives the download; empty means
	// os.UserCacheDir()/convnet/cifar10.
	CacheDir string

	// Client does the HTTP download; nil means http.DefaultClient.
	Client *http.Client

	// Logf, if not nil, is told what each step does.
	Logf func(format string, args ...any)

	// Progress and Workers are passed to imagefolder when reading JPEG or
	// PNG files: see imagefolder.Options.
	Progress func(done, total int)
	Workers  int

	archive archiveSpec // the archive to download; zero means officialArchive (tests change it)
	shared  string      // the JPEG archive beside the repository; "" means sharedArchive
}

// Open reads CIFAR-10 as the CLI's --data value names it: "cifar10" or
// "cifar10:PATH". See (*Locator).Open.
func Open(spec string) (*Set, error) {
	return (&Locator{}).Open(context.Background(), spec)
}

// Open reads CIFAR-10 as spec names it: "cifar10:PATH", where PATH is
// anything OpenPath reads, or "cifar10", which looks in turn in
//
//  1. $CONVNET_DATA, if set;
//  2. the cache folder (l.CacheDir), where a download goes;
//  3. ../shared/data/cifar10-jpeg.tar.gz, relative to the working folder;
//
// and then downloads the official archive into the cache folder if
// l.Download is set (checked against its size, MD5 and SHA-256 before it
// is renamed into place), or fails with an error that wraps fs.ErrNotExist
// and says how to get the data. In the folders of steps 1 and 2 the names
// tried are cifar-10-batches-bin/, cifar-10-binary.tar.gz,
// cifar10-jpeg.tar.gz, cifar10-jpeg/ and the same inside cifar10/. The
// first copy found is read; if it cannot be, Open fails rather than look
// further — except that a damaged download in the cache folder is fetched
// again when l.Download is set.
func (l *Locator) Open(ctx context.Context, spec string) (*Set, error) {
	name, p, hasPath := strings.Cut(spec, ":")
	if name != "cifar10" {
		return nil, fmt.Errorf("cifar10: data %q: expected cifar10 or cifar10:PATH", spec)
	}
	if hasPath {
		if p == "" {
			return nil, fmt.Errorf("cifar10: data %q: the PATH in cifar10:PATH is empty", spec)
		}
		return l.OpenPath(p)
	}

	var tried []string
	if env := os.Getenv(EnvVar); env != "" {
		if p := findIn(env); p != "" {
			return l.OpenPath(p)
		}
		tried = append(tried, "$"+EnvVar+" ("+env+")")
	} else {
		tried = append(tried, "$"+EnvVar+" (not set)")
	}

	cache, cerr := l.cacheDir()
	var cached string
	if cerr != nil {
		tried = append(tried, fmt.Sprintf("the cache folder (%v)", cerr))
	} else {
		cached = filepath.Join(cache, l.spec().name)
		if _, err := os.Stat(cached); err == nil {
			set, err := l.readCached(cached)
			if err == nil || !l.Download {
				if err != nil {
					err = fmt.Errorf("%w (remove it, or allow the download to fetch it again)", err)
				}
				return set, err
			}
			l.logf("cifar10: %v; downloading again", err)
			return l.download(ctx, cached)
		}
		if p := findIn(cache); p != "" {
			return l.OpenPath(p)
		}
		tried = append(tried, cache)
	}

	shared := l.shared
	if shared == "" {
		shared = sharedArchive
	}
	if _, err := os.Stat(shared); err == nil {
		return l.OpenPath(shared)
	}
	tried = append(tried, shared)

	url := l.baseURL() + l.spec().name
	if cached == "" {
		return nil, fmt.Errorf("cifar10: CIFAR-10 not found (looked in %s) and no cache folder to download to: %w",
			strings.Join(tried, ", "), fs.ErrNotExist)
	}
	if !l.Download {
		return nil, fmt.Errorf("cifar10: CIFAR-10 not found (looked in %s): give cifar10:PATH, with PATH a folder "+
			"of the binary batches, %s, or a folder or .tar(.gz) of train/<class>/ and test/<class>/ images; "+
			"or allow the download of %s (%s, checked against its MD5 and SHA-256) into %s: %w",
			strings.Join(tried, ", "), ArchiveName, url, humanSize(l.spec().size), cache, fs.ErrNotExist)
	}
	return l.download(ctx, cached)
}

// download fetches the archive to dst and reads it.
func (l *Locator) download(ctx context.Context, dst string) (*Set, error) {
	url := l.baseURL() + l.spec().name
	l.logf("cifar10: downloading %s (%s) to %s", url, humanSize(l.spec().size), dst)
	client := l.Client
	if client == nil {
		client = http.DefaultClient
	}
	if err := fetch(ctx, client, url, dst, l.spec()); err != nil {
		return nil, err
	}
	set, err := l.readCached(dst)
	if err != nil {
		return nil, err
	}
	set.Source = "downloaded from " + url + " to " + dst
	return set, nil
}

// readCached reads a download, checking its size and sums as it reads.
func (l *Locator) readCached(p string) (*Set, error) {
	l.logf("cifar10: reading %s", p)
	train, test, err := readVerified(p, l.spec())
	if err != nil {
		return nil, err
	}
	return &Set{Train: train, Test: test, Classes: ClassNames[:], Source: "download cache: " + p}, nil
}

// findIn returns the first copy of CIFAR-10 in dir under the names Open
// tries, or "".
func findIn(dir string) string {
	for _, d := range []string{dir, filepath.Join(dir, "cifar10")} {
		if isBatchDir(d) || isBatchDir(filepath.Join(d, BatchDir)) {
			return d
		}
		for _, n := range []string{ArchiveName, JPEGArchiveName, "cifar10-jpeg"} {
			if _, err := os.Stat(filepath.Join(d, n)); err == nil {
				return filepath.Join(d, n)
			}
		}
	}
	return ""
}

// OpenPath reads CIFAR-10 from p, which is one of
//
//   - a folder holding the binary batches (data_batch_1.bin …
//     test_batch.bin), or whose cifar-10-batches-bin folder does;
//   - a tar archive of them, gzip-compressed or not (cifar-10-binary.tar.gz);
//   - a folder, or a tar or tar.gz archive, of JPEG or PNG images in
//     train/<class>/ and test/<class>/ (under any one prefix in an
//     archive, such as cifar10-jpeg.tar.gz's cifar10-jpeg/), read by
//     imagefolder; the classes must be CIFAR-10's and the images 32×32.
//
// An archive is told to be binary by its first file: a batch,
// batches.meta.txt or readme.html, as in the official archive.
func (l *Locator) OpenPath(p string) (*Set, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("cifar10: %w", err)
	}
	if fi.IsDir() {
		if _, err := batchDir(p); err == nil {
			l.logf("cifar10: reading binary batches in %s", p)
			train, err := Load(p, true)
			if err != nil {
				return nil, err
			}
			test, err := Load(p, false)
			if err != nil {
				return nil, err
			}
			return &Set{Train: train, Test: test, Classes: ClassNames[:], Source: "binary batches: " + p}, nil
		}
		return l.openImages(p, "image folder: ")
	}
	binary, err := isBinaryArchive(p)
	if err != nil {
		return nil, err
	}
	if binary {
		l.logf("cifar10: reading binary archive %s", p)
		train, test, err := ReadArchiveFile(p)
		if err != nil {
			return nil, err
		}
		return &Set{Train: train, Test: test, Classes: ClassNames[:], Source: "binary archive: " + p}, nil
	}
	return l.openImages(p, "image archive: ")
}

// isBinaryArchive reports whether the first file in the archive at p is
// one of the official binary archive's.
func isBinaryArchive(p string) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, fmt.Errorf("cifar10: %w", err)
	}
	defer f.Close()
	binary := false
	err = imagefolder.WalkTar(f, p, func(name string, hdr *tar.Header, _ io.Reader) error {
		if hdr.Typeflag == tar.TypeDir {
			return nil
		}
		base := filepath.Base(name)
		binary = batchIndex(base) >= 0 || base == "batches.meta.txt" || base == "readme.html"
		return errStop
	})
	if err != nil && !errors.Is(err, errStop) {
		return false, err
	}
	return binary, nil
}

// openImages reads train/ and test/ class folders with imagefolder.
func (l *Locator) openImages(p, kind string) (*Set, error) {
	l.logf("cifar10: decoding the images of %s", p)
	ds, err := imagefolder.OpenSplits(p, []string{"train", "test"},
		&imagefolder.Options{Workers: l.Workers, Progress: l.Progress, MaxPixels: 1 << 16})
	if err != nil {
		return nil, err // an *imagefolder.Error, naming the archive and entry
	}
	for _, d := range ds {
		if !slices.Equal(d.ClassNames, ClassNames[:]) {
			return nil, fmt.Errorf("cifar10: %s: classes %s: expected CIFAR-10's %s",
				p, strings.Join(d.ClassNames, ", "), strings.Join(ClassNames[:], ", "))
		}
		if d.C != Channels || d.H != Side || d.W != Side {
			return nil, fmt.Errorf("cifar10: %s: images of %d×%d (%s): expected %d×%d",
				p, d.W, d.H, d.Files[0], Side, Side)
		}
	}
	return &Set{Train: ds[0].Bytes, Test: ds[1].Bytes, Classes: ds[0].ClassNames, Source: kind + p}, nil
}

func (l *Locator) spec() archiveSpec {
	if l.archive.name == "" {
		return officialArchive
	}
	return l.archive
}

func (l *Locator) logf(format string, args ...any) {
	if l.Logf != nil {
		l.Logf(format, args...)
	}
}

func (l *Locator) baseURL() string { return data.BaseURL(l.BaseURL, DefaultBaseURL) }

func (l *Locator) cacheDir() (string, error) { return data.CacheDir("cifar10", l.CacheDir) }
