package weights

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Read reads a weights file: safetensors or a PyTorch checkpoint. The
// first bytes decide when they are clear (a zip archive is PyTorch's; a
// JSON object after 8 bytes is safetensors), else the name: .pth, .pt,
// .bin, .ckpt and .tar are PyTorch's, anything else safetensors.
func Read(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	var head [9]byte
	n, _ := io.ReadFull(f, head[:])
	var file *File
	if isPyTorch(head[:n], path) {
		file, err = decodePyTorch(f, st.Size())
	} else {
		file, err = decodeSafetensors(f, st.Size())
	}
	return file, withPath(path, err)
}

func isPyTorch(head []byte, path string) bool {
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return true
	}
	if len(head) == 9 && head[8] == '{' { // a safetensors header
		return false
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".pth", ".pt", ".bin", ".ckpt", ".tar":
		return true
	}
	return false
}
