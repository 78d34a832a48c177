package data

import (
	"os"
	"path/filepath"
	"strings"
)

// CacheDir returns where a dataset's downloads are kept: override when set,
// else os.UserCacheDir()/convnet/name.
func CacheDir(name, override string) (string, error) {
	if override != "" {
		return override, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "convnet", name), nil
}

// BaseURL returns override (or def when it is empty) ending in one "/", so
// that file names can be appended to it.
func BaseURL(override, def string) string {
	u := override
	if u == "" {
		u = def
	}
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return u
}
