package imagefolder

import (
	"archive/tar"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// scan gathers the files of one split.
type scan struct {
	split   string   // cleaned; "" for the root
	parts   []string // split's components
	prefix  string   // in an archive, what precedes split in entry names ("" or ending in "/")
	found   bool     // prefix is known
	root    string   // the split's folder, relative, ending in "/" ("" for the root)
	classes map[string]bool
	files   []*file
}

// file is one image of a split.
type file struct {
	name  string // as reported: Files and errors
	class string
	dir   string // folder inside the class folder ("" at its top); sort key
	base  string // sort key
	disk  string // path to read, for a folder; "" when raw holds the bytes
	raw   []byte
	w, h  int
	fmt   string
	label uint8
}

// budget counts the bytes held in memory against Options.MaxBytes.
type budget struct {
	used, max int64
	path      string
}

func (b *budget) add(n int64, entry string) error {
	b.used += n
	if b.used > b.max || b.used < 0 {
		return &Error{Path: b.path, Entry: entry,
			Msg: fmt.Sprintf("the files read so far exceed %d bytes (Options.MaxBytes)", b.max), Err: ErrLimit}
	}
	return nil
}

// entryCost is what a file costs beyond its content: its name and record.
const entryCost = 128

func isImageName(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return slices.Contains(extensions, ext)
}

// scanArchive reads every image of the splits from the archive r, named p.
func scanArchive(r io.Reader, p string, scans []*scan, o *Options, b *budget) error {
	seen := map[string]bool{}
	return WalkTar(r, p, func(name string, hdr *tar.Header, body io.Reader) error {
		comps := strings.Split(name, "/")
		isDir := hdr.Typeflag == tar.TypeDir
		dirs := comps
		if !isDir {
			dirs = comps[:len(comps)-1]
		}
		var content []byte
		for _, sc := range scans {
			class, rest, err := sc.match(dirs, p, name)
			if err != nil {
				return err
			}
			if class == "" {
				continue
			}
			sc.classes[class] = true
			if isDir || !isImageName(name) {
				continue
			}
			if content == nil {
				if seen[name] {
					return &Error{Path: p, Entry: name, Msg: "a second entry of this name: expected one"}
				}
				seen[name] = true
				if hdr.Size > o.MaxFileBytes {
					return &Error{Path: p, Entry: name,
						Msg: fmt.Sprintf("file of %d bytes exceeds the limit of %d (Options.MaxFileBytes)", hdr.Size, o.MaxFileBytes), Err: ErrLimit}
				}
				if err := b.add(hdr.Size+int64(len(name))+entryCost, name); err != nil {
					return err
				}
				content, err = io.ReadAll(io.LimitReader(body, hdr.Size))
				if err != nil {
					return &Error{Path: p, Entry: name, Msg: "reading", Err: eofIsUnexpected(err)}
				}
			}
			sc.files = append(sc.files, &file{name: name, class: class, dir: strings.Join(rest, "/"),
				base: comps[len(comps)-1], raw: content})
		}
		return nil
	})
}

// match returns the class of an entry whose folders are dirs, and the
// folders inside the class, or class "" if the entry is not in the split.
// The first entry found in the split fixes the prefix; one under another
// prefix is an error.
func (sc *scan) match(dirs []string, archive, name string) (class string, rest []string, err error) {
	at := func(k int) bool {
		if k+len(sc.parts) >= len(dirs) {
			return false
		}
		for i, p := range sc.parts {
			if dirs[k+i] != p {
				return false
			}
		}
		return true
	}
	if sc.found {
		k := strings.Count(sc.prefix, "/")
		if k <= len(dirs) && strings.Join(dirs[:k], "/")+slashIf(k) == sc.prefix && at(k) {
			return dirs[k+len(sc.parts)], dirs[k+len(sc.parts)+1:], nil
		}
		if sc.split == "" {
			return "", nil, nil
		}
	}
	for k := 0; k+len(sc.parts) < len(dirs); k++ {
		if !at(k) {
			continue
		}
		prefix := strings.Join(dirs[:k], "/") + slashIf(k)
		if sc.found {
			return "", nil, &Error{Path: archive, Entry: name,
				Msg: fmt.Sprintf("split %q found both under %q and under %q: expected one", sc.split, sc.prefix, prefix)}
		}
		sc.prefix, sc.found = prefix, true
		sc.root = prefix + sc.split + "/"
		return dirs[k+len(sc.parts)], dirs[k+len(sc.parts)+1:], nil
	}
	return "", nil, nil
}

func slashIf(k int) string {
	if k > 0 {
		return "/"
	}
	return ""
}

// maxDepth bounds folder nesting, against symbolic-link loops.
const maxDepth = 64

// scanFolder lists the images of the splits under the folder root.
func scanFolder(root string, scans []*scan, o *Options, b *budget) error {
	for _, sc := range scans {
		dir, rel, err := findSplit(root, sc.split)
		if err != nil {
			return err
		}
		sc.root = rel
		ents, err := os.ReadDir(dir)
		if err != nil {
			return &Error{Path: root, Entry: rel, Msg: "reading folder", Err: err}
		}
		for _, e := range ents {
			if !isDirEntry(dir, e) {
				continue
			}
			sc.classes[e.Name()] = true
			if err := sc.walk(root, filepath.Join(dir, e.Name()), e.Name(), nil, nil, o, b); err != nil {
				return err
			}
		}
	}
	return nil
}

// findSplit returns the folder of a split, and its path relative to root
// with a final "/" (or "" for the root itself).
func findSplit(root, split string) (string, string, error) {
	if split == "" {
		return root, "", nil
	}
	if d := filepath.Join(root, filepath.FromSlash(split)); isDir(d) {
		return d, split + "/", nil
	}
	ents, err := os.ReadDir(root)
	if err != nil {
		return "", "", &Error{Path: root, Msg: "reading folder", Err: err}
	}
	var found []string
	for _, e := range ents {
		if isDirEntry(root, e) && isDir(filepath.Join(root, e.Name(), filepath.FromSlash(split))) {
			found = append(found, e.Name())
		}
	}
	switch len(found) {
	case 0:
		return "", "", &Error{Path: root, Msg: fmt.Sprintf("no folder %s or */%s", split, split), Err: fs.ErrNotExist}
	case 1:
		return filepath.Join(root, found[0], filepath.FromSlash(split)), found[0] + "/" + split + "/", nil
	}
	return "", "", &Error{Path: root, Msg: fmt.Sprintf("split %q found in %s: expected one", split, strings.Join(found, ", "))}
}

// walk adds the images under dir, a class folder or one inside it, whose
// parent folders (following links) are up.
func (sc *scan) walk(root, dir, class string, sub []string, up []fs.FileInfo, o *Options, b *budget) error {
	rel := sc.root + class + "/" + strings.Join(sub, "/")
	if len(sub) > 0 {
		rel += "/"
	}
	if len(sub) > maxDepth {
		return &Error{Path: root, Entry: rel, Msg: fmt.Sprintf("folders nested more than %d deep", maxDepth)}
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return &Error{Path: root, Entry: rel, Msg: "reading folder", Err: err}
	}
	for _, u := range up {
		if os.SameFile(fi, u) {
			return &Error{Path: root, Entry: rel, Msg: "symbolic-link loop: the folder holds itself"}
		}
	}
	up = append(up[:len(up):len(up)], fi)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return &Error{Path: root, Entry: rel, Msg: "reading folder", Err: err}
	}
	for _, e := range ents {
		full := filepath.Join(dir, e.Name())
		if isDirEntry(dir, e) {
			if err := sc.walk(root, full, class, append(sub[:len(sub):len(sub)], e.Name()), up, o, b); err != nil {
				return err
			}
			continue
		}
		if !isImageName(e.Name()) {
			continue
		}
		name := rel + e.Name()
		fi, err := os.Stat(full)
		if err != nil {
			return &Error{Path: root, Entry: name, Msg: "reading", Err: err}
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		if fi.Size() > o.MaxFileBytes {
			return &Error{Path: root, Entry: name,
				Msg: fmt.Sprintf("file of %d bytes exceeds the limit of %d (Options.MaxFileBytes)", fi.Size(), o.MaxFileBytes), Err: ErrLimit}
		}
		if err := b.add(fi.Size()+int64(len(name))+entryCost, name); err != nil {
			return err
		}
		sc.files = append(sc.files, &file{name: name, class: class, dir: strings.Join(sub, "/"), base: e.Name(), disk: full})
	}
	return nil
}

// isDirEntry reports whether e, in dir, is a folder or a link to one. A
// link that cannot be followed is not: it is skipped, or refused when its
// name is an image's.
func isDirEntry(dir string, e fs.DirEntry) bool {
	if e.IsDir() {
		return true
	}
	return e.Type()&fs.ModeSymlink != 0 && isDir(filepath.Join(dir, e.Name()))
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
