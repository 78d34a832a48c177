package mnist

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // register JPEG for Preprocess
	_ "image/png"  // register PNG for Preprocess
	"io"
	"math"

	"golang.org/x/image/draw"
)

// The training set's mean and standard deviation of pixel values in [0, 1],
// the normalisation every MNIST model here is trained with.
const (
	Mean = 0.1307
	Std  = 0.3081
)

// MaxImagePixels bounds the declared size of an image given to Preprocess:
// larger ones are refused before decoding, since a tiny file can declare
// an enormous canvas.
const MaxImagePixels = 4096 * 4096

// Side is the side of an MNIST image; digits fill a Box×Box square in it.
const (
	Side = Rows
	Box  = 20
)

// Preprocess turns a PNG or JPEG image of a handwritten digit into a 28×28
// image in [0, 1] (row-major), prepared as MNIST's were made (LeCun et al.):
// grayscale on white where transparent; a dark digit on light paper is
// inverted to a light digit on black; cropped to the digit, scaled to fit a
// 20×20 box keeping its aspect ratio, and placed in 28×28 so that its centre
// of mass is at the centre. The declared size is checked against maxPixels
// before the image is decoded.
func Preprocess(r io.Reader, maxPixels int) ([]float32, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("mnist: reading image: %w", err)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("mnist: not a PNG or JPEG image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
		return nil, fmt.Errorf("mnist: %s image of %d×%d pixels exceeds the limit of %d pixels", format, cfg.Width, cfg.Height, maxPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("mnist: decoding %s image: %w", format, err)
	}
	return PrepareImage(img), nil
}

// PrepareImage is Preprocess on a decoded image.
func PrepareImage(img image.Image) []float32 {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	gray := make([]float32, w*h) // ink: 1 is digit, 0 is paper
	var border float64
	nBorder := 0
	at := pixelReader(img)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := at(b.Min.X+x, b.Min.Y+y)
			a := float64(c.A) / 0xffff
			lum := (0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B)) / 0xffff
			v := lum*a + (1 - a) // composite on white paper
			gray[y*w+x] = float32(v)
			if x == 0 || y == 0 || x == w-1 || y == h-1 {
				border += v
				nBorder++
			}
		}
	}
	if border/float64(nBorder) > 0.5 { // light paper: invert so the digit is light
		for i, v := range gray {
			gray[i] = 1 - v
		}
	}
	out := make([]float32, Side*Side)
	x0, y0, x1, y1, ok := inkBounds(gray, w, h)
	if !ok {
		return out // a blank page
	}
	cw, ch := x1-x0, y1-y0
	scale := float64(Box) / float64(max(cw, ch))
	sw, sh := max(1, int(math.Round(float64(cw)*scale))), max(1, int(math.Round(float64(ch)*scale)))
	src := image.NewGray16(image.Rect(0, 0, cw, ch))
	for y := 0; y < ch; y++ {
		for x := 0; x < cw; x++ {
			src.SetGray16(x, y, color.Gray16{Y: uint16(math.Round(float64(gray[(y0+y)*w+x0+x]) * 0xffff))})
		}
	}
	dst := image.NewGray16(image.Rect(0, 0, sw, sh))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	// Centre of mass of the scaled digit.
	var mass, mx, my float64
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			v := float64(dst.Gray16At(x, y).Y) / 0xffff
			mass += v
			mx += v * float64(x)
			my += v * float64(y)
		}
	}
	offX, offY := (Side-sw)/2, (Side-sh)/2
	if mass > 0 {
		offX = int(math.Round(float64(Side)/2 - 0.5 - mx/mass))
		offY = int(math.Round(float64(Side)/2 - 0.5 - my/mass))
	}
	offX = min(max(offX, 0), Side-sw)
	offY = min(max(offY, 0), Side-sh)
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			out[(offY+y)*Side+offX+x] = float32(dst.Gray16At(x, y).Y) / 0xffff
		}
	}
	return out
}

// inkBounds returns the bounding box [x0, x1)×[y0, y1) of the pixels with
// ink above a faint threshold, or ok false when there are none.
func inkBounds(g []float32, w, h int) (x0, y0, x1, y1 int, ok bool) {
	var peak float32
	for _, v := range g {
		peak = max(peak, v)
	}
	if peak < 0.1 {
		return 0, 0, 0, 0, false
	}
	thr := 0.2 * peak
	x0, y0, x1, y1 = w, h, 0, 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if g[y*w+x] > thr {
				x0, y0 = min(x0, x), min(y0, y)
				x1, y1 = max(x1, x+1), max(y1, y+1)
			}
		}
	}
	return x0, y0, x1, y1, true
}

// Normalized returns a 28×28 image in [0, 1] normalised with Mean and Std
// and centred in a size×size frame (size ≥ 28; 32 for the 1998 LeNet-5).
func Normalized(pix []float32, size int) []float32 {
	out := make([]float32, size*size)
	bg := float32(-Mean / Std)
	for i := range out {
		out[i] = bg
	}
	pad := (size - Side) / 2
	for y := 0; y < Side; y++ {
		for x := 0; x < Side; x++ {
			out[(y+pad)*size+x+pad] = (pix[y*Side+x] - Mean) / Std
		}
	}
	return out
}

// pixelReader returns a function giving a pixel of img as
// color.NRGBA64Model.Convert(img.At(x, y)) does, reading the common decoded
// types directly: through img.At every pixel is boxed in an interface, an
// allocation each, which took 80% of serving a 280×280 PNG.
func pixelReader(img image.Image) func(x, y int) color.NRGBA64 {
	switch m := img.(type) {
	case *image.NRGBA:
		return func(x, y int) color.NRGBA64 { return nrgba64(m.NRGBAAt(x, y).RGBA()) }
	case *image.RGBA:
		return func(x, y int) color.NRGBA64 { return nrgba64(m.RGBAAt(x, y).RGBA()) }
	case *image.Gray:
		return func(x, y int) color.NRGBA64 { return nrgba64(m.GrayAt(x, y).RGBA()) }
	case *image.NRGBA64:
		return m.NRGBA64At
	case *image.RGBA64:
		return func(x, y int) color.NRGBA64 { return nrgba64(m.RGBA64At(x, y).RGBA()) }
	case *image.Gray16:
		return func(x, y int) color.NRGBA64 { return nrgba64(m.Gray16At(x, y).RGBA()) }
	case *image.YCbCr:
		return func(x, y int) color.NRGBA64 { return nrgba64(m.YCbCrAt(x, y).RGBA()) }
	}
	return func(x, y int) color.NRGBA64 { return color.NRGBA64Model.Convert(img.At(x, y)).(color.NRGBA64) }
}

// nrgba64 un-premultiplies a colour as color.NRGBA64Model does.
func nrgba64(r, g, b, a uint32) color.NRGBA64 {
	switch a {
	case 0xffff:
		return color.NRGBA64{R: uint16(r), G: uint16(g), B: uint16(b), A: 0xffff}
	case 0:
		return color.NRGBA64{}
	}
	return color.NRGBA64{R: uint16(r * 0xffff / a), G: uint16(g * 0xffff / a), B: uint16(b * 0xffff / a), A: uint16(a)}
}
