package imagefolder

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestCleanEntryName(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"a/b.jpg", "a/b.jpg", ""},
		{"./a/b.jpg", "a/b.jpg", ""},
		{"././a//./b/", "a/b", ""},
		{"./", "", ""},
		{"a/..b/c..", "a/..b/c..", ""},
		{"/etc/passwd", "", "absolute"},
		{`\x\y`, "", "absolute"},
		{"C:/x", "", "drive letter"},
		{"c:x", "", "drive letter"},
		{"a/../b", "", `".."`},
		{"..", "", `".."`},
		{`a\..\b`, "", `".."`},
		{"a/b/..", "", `".."`},
	}
	for _, tt := range tests {
		got, err := CleanEntryName(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("CleanEntryName(%q) = %q, %v; want an error with %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("CleanEntryName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestWalkTar(t *testing.T) {
	arc := tarball(false, dir("./"), dir("./x/"), reg("./x/a.txt", []byte("hello")), reg("x/b", nil),
		entry{name: "pax_global_header", typ: tar.TypeXGlobalHeader})
	for _, gz := range []bool{false, true} {
		b := arc
		if gz {
			b = gzipped(arc)
		}
		var got []string
		err := WalkTar(bytes.NewReader(b), "t.tar", func(name string, hdr *tar.Header, body io.Reader) error {
			c, err := io.ReadAll(body)
			got = append(got, name+"="+string(c))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if s := strings.Join(got, " "); s != "x= x/a.txt=hello x/b=" {
			t.Errorf("gz %v: walked %q", gz, s)
		}
	}

	// fn's error is returned as is.
	stop := errors.New("stop")
	if err := WalkTar(bytes.NewReader(arc), "t.tar", func(string, *tar.Header, io.Reader) error { return stop }); err != stop {
		t.Errorf("got %v, want fn's error", err)
	}
}

func TestWalkTarRefuses(t *testing.T) {
	ok := reg("x/a.png", pngOf(0))
	tests := []struct {
		name  string
		entry entry
		want  string
	}{
		{"dotdot", reg("x/../../a.png", pngOf(0)), `x/../../a.png: name with a ".." component refused`},
		{"absolute", reg("/x/a.png", pngOf(0)), "/x/a.png: absolute path refused"},
		{"symlink", entry{name: "x/l.png", typ: tar.TypeSymlink, link: "/etc/passwd"}, `x/l.png: link to "/etc/passwd" refused`},
		{"hardlink", entry{name: "x/h.png", typ: tar.TypeLink, link: "x/a.png"}, `x/h.png: link to "x/a.png" refused`},
		{"fifo", entry{name: "x/f", typ: tar.TypeFifo}, `x/f: entry type '6' refused`},
		{"char device", entry{name: "x/c", typ: tar.TypeChar}, `x/c: entry type '3' refused`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			err := WalkTar(bytes.NewReader(tarball(true, ok, tt.entry)), "t.tgz",
				func(string, *tar.Header, io.Reader) error { calls++; return nil })
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrUnsafeEntry) {
				t.Fatalf("got %v, want an *Error wrapping ErrUnsafeEntry", err)
			}
			if !strings.Contains(err.Error(), "t.tgz: "+tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
			if calls != 1 {
				t.Errorf("fn called %d times, want 1 (the entry before)", calls)
			}
		})
	}
}

func TestWalkTarDamaged(t *testing.T) {
	arc := tarball(false, reg("x/a.png", pngOf(0)), reg("x/b.png", pngOf(1)))
	badCRC := gzipped(arc)
	badCRC[len(badCRC)-8] ^= 1
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"tar cut in a file", arc[:550], io.ErrUnexpectedEOF},
		{"tar cut in a header", arc[:1100], io.ErrUnexpectedEOF},
		{"truncated gzip", gzipped(arc)[:40], io.ErrUnexpectedEOF},
		{"gzip header only", gzipped(arc)[:5], io.ErrUnexpectedEOF},
		{"bad crc", badCRC, gzip.ErrChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WalkTar(bytes.NewReader(tt.b), "t.tar", func(_ string, _ *tar.Header, body io.Reader) error {
				_, err := io.Copy(io.Discard, body)
				return err
			})
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}
