package imagefolder

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/convnet/convnet/data"
)

// decodeAll decodes files, in order, into one N×3×H×W cache. A first pass
// reads each file (from disk, for a folder) and its header; the sizes are
// then checked in order, so that the entry named in an error does not
// depend on scheduling; a second pass decodes.
func decodeAll(root string, files []*file, o *Options, p *progress) (*Dataset, error) {
	n := len(files)
	err := parallel(n, o.Workers, nil, func(i int) error {
		f := files[i]
		if f.disk != "" {
			b, err := readFile(f.disk, o.MaxFileBytes)
			if err != nil {
				return &Error{Path: root, Entry: f.name, Msg: "reading", Err: err}
			}
			f.raw = b
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(f.raw))
		if err != nil {
			return &Error{Path: root, Entry: f.name, Msg: "corrupt image: not a readable JPEG or PNG", Err: err}
		}
		if format != "jpeg" && format != "png" {
			return &Error{Path: root, Entry: f.name, Msg: fmt.Sprintf("%s image: expected JPEG or PNG", format)}
		}
		if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > int64(o.MaxPixels) {
			return &Error{Path: root, Entry: f.name,
				Msg: fmt.Sprintf("%s image of %d×%d pixels: expected at least 1×1 and at most %d pixels (Options.MaxPixels)",
					format, cfg.Width, cfg.Height, o.MaxPixels), Err: ErrLimit}
		}
		f.w, f.h, f.fmt = cfg.Width, cfg.Height, format
		return nil
	})
	if err != nil {
		return nil, err
	}
	w, h := files[0].w, files[0].h
	for _, f := range files[1:] {
		if f.w != w || f.h != h {
			return nil, &Error{Path: root, Entry: f.name,
				Msg: fmt.Sprintf("image is %d×%d but %s is %d×%d: the images of a split must all have one size",
					f.w, f.h, files[0].name, w, h)}
		}
	}
	size := int64(3 * w * h)
	if size*int64(n) > o.MaxBytes || size*int64(n)/int64(n) != size {
		return nil, &Error{Path: root,
			Msg: fmt.Sprintf("%d images of 3×%d×%d need more than %d bytes (Options.MaxBytes)", n, h, w, o.MaxBytes), Err: ErrLimit}
	}
	pix := make([]uint8, int(size)*n)
	labels := make([]uint8, n)
	err = parallel(n, o.Workers, p, func(i int) error {
		f := files[i]
		var img image.Image
		var err error
		if f.fmt == "jpeg" {
			img, err = jpeg.Decode(bytes.NewReader(f.raw))
		} else {
			img, err = png.Decode(bytes.NewReader(f.raw))
		}
		if err != nil {
			return &Error{Path: root, Entry: f.name, Msg: "corrupt " + f.fmt + " image", Err: err}
		}
		if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
			return &Error{Path: root, Entry: f.name,
				Msg: fmt.Sprintf("image decodes to %d×%d but its header says %d×%d", b.Dx(), b.Dy(), w, h)}
		}
		toPlanarRGB(img, pix[int64(i)*size:int64(i+1)*size])
		labels[i] = f.label
		f.raw = nil // let the file go once decoded
		return nil
	})
	if err != nil {
		return nil, err
	}
	names := make([]string, n)
	for i, f := range files {
		names[i] = f.name
	}
	return &Dataset{Bytes: &data.Bytes{Pixels: pix, Labels: labels, C: 3, H: h, W: w}, Files: names}, nil
}

func readFile(p string, limit int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("file exceeds the limit of %d bytes (Options.MaxFileBytes): %w", limit, ErrLimit)
	}
	return b, nil
}

// parallel runs fn(0), …, fn(n−1) on up to workers goroutines (0 means
// GOMAXPROCS) and returns the error of the lowest index that failed.
// Indexes are handed out in increasing order and none is handed out after
// a failure, so every index below a failed one has run: the error returned
// does not depend on scheduling. p, if not nil, counts each success.
func parallel(n, workers int, p *progress, fn func(i int) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, n))
	var (
		next    atomic.Int64
		stop    atomic.Bool
		mu      sync.Mutex
		firstAt = n
		first   error
		wg      sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					stop.Store(true)
					mu.Lock()
					if i < firstAt {
						firstAt, first = i, err
					}
					mu.Unlock()
					return
				}
				if p != nil {
					p.done.Add(1)
				}
			}
		}()
	}
	if p == nil || p.fn == nil {
		wg.Wait()
		return first
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-finished:
			return first
		case <-tick.C:
			p.report()
		}
	}
}

// progress counts decoded images across the splits of one call.
type progress struct {
	fn    func(done, total int)
	done  atomic.Int64
	total int
}

func newProgress(o *Options, scans []*scan) *progress {
	p := &progress{fn: o.Progress}
	for _, sc := range scans {
		p.total += len(sc.files)
	}
	return p
}

func (p *progress) report() {
	if p.fn != nil {
		p.fn(int(p.done.Load()), p.total)
	}
}

func (p *progress) finish() { p.report() }

// toPlanarRGB writes img as three planes R, G, B into dst (3·W·H bytes).
// Alpha is dropped from non-premultiplied colour and grey is repeated, as
// PIL's Image.convert("RGB") does.
func toPlanarRGB(img image.Image, dst []uint8) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	plane := w * h
	rp, gp, bp := dst[:plane], dst[plane:2*plane], dst[2*plane:3*plane]
	switch m := img.(type) {
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := m.COffset(b.Min.X+x, b.Min.Y+y)
				i := y*w + x
				rp[i], gp[i], bp[i] = color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			}
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+w]
			copy(rp[y*w:], row)
			copy(gp[y*w:], row)
			copy(bp[y*w:], row)
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			for x := 0; x < w; x++ {
				i := y*w + x
				rp[i], gp[i], bp[i] = row[4*x], row[4*x+1], row[4*x+2]
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
				i := y*w + x
				rp[i], gp[i], bp[i] = c.R, c.G, c.B
			}
		}
	}
}
