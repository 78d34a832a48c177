package imagefolder

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrUnsafeEntry is wrapped by the error for an archive entry that is
// refused: a name with a ".." component, an absolute path (leading "/" or
// "\", or a drive letter), a symbolic or hard link, or a device or FIFO.
// Nothing is ever extracted to disk, but an archive holding such entries
// was not made as a dataset, and tar(1) would write outside its folder.
var ErrUnsafeEntry = errors.New("imagefolder: unsafe archive entry")

// drainLimit bounds what is read after the end of a tar archive inside a
// gzip stream, to reach the gzip trailer and have its CRC-32 checked: tar
// pads to 10,240-byte records, so anything much longer is not padding.
const drainLimit = 1 << 20

// WalkTar reads a tar archive, gzip-compressed or not (told apart by the
// gzip magic bytes 0x1f 0x8b, not by the name), and calls fn for every
// directory and regular file in archive order. name is the entry's name
// cleaned: no leading "./", no empty or "." components, no trailing "/";
// the archive's root directory ("./") is not passed. body reads a regular
// file's content (it is empty for a directory); it is valid only until fn
// returns. path names the archive in errors.
//
// Every entry is checked before fn sees it: one that is not a directory or
// a regular file, or whose name is absolute or holds "..", stops the walk
// with an *Error wrapping ErrUnsafeEntry. A damaged archive gives an *Error
// wrapping the error of archive/tar or compress/gzip (io.ErrUnexpectedEOF
// when it ends early). An error returned by fn is returned as is. The gzip
// CRC-32 is checked when the archive ends within drainLimit of the stream's
// end, as every archive written by tar(1) does.
func WalkTar(r io.Reader, path string, fn func(name string, hdr *tar.Header, body io.Reader) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var src io.Reader = br
	var zr *gzip.Reader
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		var err error
		zr, err = gzip.NewReader(br)
		if err != nil {
			return &Error{Path: path, Msg: "reading gzip header", Err: eofIsUnexpected(err)}
		}
		src = zr
	}
	tr := tar.NewReader(src)
	last := ""
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			msg := "reading tar header"
			if last != "" {
				msg += " after entry " + last
			}
			return &Error{Path: path, Msg: msg, Err: eofIsUnexpected(err)}
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader { // PAX defaults, no file
			continue
		}
		name, err := CleanEntryName(hdr.Name)
		if err != nil {
			return &Error{Path: path, Entry: hdr.Name, Msg: err.Error(), Err: ErrUnsafeEntry}
		}
		switch hdr.Typeflag {
		case tar.TypeReg, '\x00': // '\x00' is the pre-POSIX regular file
		case tar.TypeDir:
		case tar.TypeSymlink, tar.TypeLink:
			return &Error{Path: path, Entry: hdr.Name, Msg: fmt.Sprintf("link to %q refused", hdr.Linkname), Err: ErrUnsafeEntry}
		default:
			return &Error{Path: path, Entry: hdr.Name, Msg: fmt.Sprintf("entry type %q refused: expected a file or a directory", hdr.Typeflag), Err: ErrUnsafeEntry}
		}
		last = hdr.Name
		if name == "" {
			continue
		}
		if err := fn(name, hdr, tr); err != nil {
			return err
		}
	}
	if zr != nil {
		// Read to the gzip trailer so that compress/gzip checks the CRC-32
		// and length of everything read.
		if _, err := io.Copy(io.Discard, io.LimitReader(zr, drainLimit)); err != nil {
			return &Error{Path: path, Msg: "reading gzip stream after the tar archive", Err: eofIsUnexpected(err)}
		}
	}
	return nil
}

// CleanEntryName returns an archive entry's name without a leading "./",
// empty or "." components and a trailing "/", or an error saying why the
// name is refused: it is absolute (a leading "/" or "\", or a drive letter
// such as "C:") or has a ".." component (split at "/" and at "\").
func CleanEntryName(name string) (string, error) {
	if strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`) {
		return "", errors.New("absolute path refused")
	}
	if len(name) >= 2 && name[1] == ':' && ('a' <= name[0]|0x20 && name[0]|0x20 <= 'z') {
		return "", errors.New("path with a drive letter refused")
	}
	var parts []string
	for _, p := range strings.Split(name, "/") {
		if p == "" || p == "." {
			continue
		}
		for _, q := range strings.Split(p, `\`) {
			if q == ".." {
				return "", errors.New(`name with a ".." component refused`)
			}
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "/"), nil
}

func eofIsUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
