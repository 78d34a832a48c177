package imagenet

import (
	"bytes"
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg" // register JPEG for Preprocess
	_ "image/png"  // register PNG for Preprocess
	"io"
	"math"
	"slices"
	"strings"
	"sync"

	xdraw "golang.org/x/image/draw"
)

// NumClasses is the number of ImageNet (ILSVRC-2012) classes.
const NumClasses = 1000

//go:embed classes.txt
var classesTxt string

var classes = sync.OnceValue(func() []string {
	names := strings.Split(strings.TrimSuffix(classesTxt, "\n"), "\n")
	if len(names) != NumClasses {
		panic(fmt.Sprintf("imagenet: classes.txt has %d names, want %d", len(names), NumClasses))
	}
	return names
})

// Classes returns the names of the 1000 classes in class-index order, as
// torchvision names them ("tench", "goldfish", …, "toilet tissue"). The
// slice is the caller's own.
func Classes() []string { return slices.Clone(classes()) }

// The evaluation preprocessing of torchvision's ImageNet reference scripts.
const (
	ResizeSize = 256 // the shorter side is scaled to this
	CropSize   = 224 // then the central CropSize×CropSize square is kept
)

// Mean and Std are ImageNet's per-channel (R, G, B) mean and standard
// deviation of pixel values in [0, 1], the normalisation of torchvision's
// ImageNet weights.
var (
	Mean = [3]float32{0.485, 0.456, 0.406}
	Std  = [3]float32{0.229, 0.224, 0.225}
)

// MaxImagePixels is the default bound on the declared size of an image
// given to Preprocess (a tiny file can declare an enormous canvas).
const MaxImagePixels = 8192 * 8192

// MaxSide bounds the longer side of an image given to Preprocess: resizing
// needs about 8 KiB of memory per pixel of it (128 MiB at MaxSide).
const MaxSide = 16384

// Preprocess decodes a PNG or JPEG image and returns PrepareImage of it. The
// declared width × height is checked against maxPixels, and each side
// against MaxSide, before the image is decoded.
func Preprocess(r io.Reader, maxPixels int) ([]float32, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("imagenet: reading image: %w", err)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("imagenet: not a PNG or JPEG image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxSide || cfg.Height > MaxSide ||
		int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
		return nil, fmt.Errorf("imagenet: %s image of %d×%d pixels: expected at least 1×1, at most %d pixels and sides of at most %d",
			format, cfg.Width, cfg.Height, maxPixels, MaxSide)
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("imagenet: decoding %s image: %w", format, err)
	}
	return PrepareImage(img), nil
}

// PrepareImage returns the 3×CropSize×CropSize input (C×H×W, row-major) that
// torchvision's Resize(256), CenterCrop(224), ToTensor and Normalize make of
// img; see the package documentation for how close it comes.
func PrepareImage(img image.Image) []float32 {
	src := toRGB(img)
	rw, rh := ResizedSize(src.Rect.Dx(), src.Rect.Dy())
	// Only the crop of the resized image is made: the scaler draws the part
	// of the destination rectangle (0, 0)–(rw, rh) that falls in crop's
	// bounds. (Its row pass still needs rw × height values, 32 bytes each:
	// about 8 KiB per pixel of the longer side.)
	top, left := cropOffset(rh), cropOffset(rw)
	crop := image.NewRGBA64(image.Rect(left, top, left+CropSize, top+CropSize))
	xdraw.BiLinear.Scale(crop, image.Rect(0, 0, rw, rh), src, src.Rect, xdraw.Src, nil)

	out := make([]float32, 3*CropSize*CropSize)
	const plane = CropSize * CropSize
	for y := range CropSize {
		for x := range CropSize {
			c := crop.RGBA64At(left+x, top+y)
			for ch, v := range [3]uint16{c.R, c.G, c.B} {
				// Round to 8 bits, as Pillow's resampling does, and scale to
				// [0, 1] as ToTensor.
				x8 := float32((uint32(v)*255+0x7fff)/0xffff) / 255
				out[ch*plane+y*CropSize+x] = (x8 - Mean[ch]) / Std[ch]
			}
		}
	}
	return out
}

// ResizedSize returns the size that torchvision's Resize(ResizeSize) gives
// an image of w×h: the shorter side ResizeSize, the longer
// ⌊ResizeSize·long/short⌋ (torchvision's _compute_resized_output_size).
func ResizedSize(w, h int) (rw, rh int) {
	if w <= h {
		return ResizeSize, int(float64(ResizeSize) * float64(h) / float64(w))
	}
	return int(float64(ResizeSize) * float64(w) / float64(h)), ResizeSize
}

// cropOffset is CenterCrop's offset along a side of n pixels:
// int(round((n − CropSize) / 2.0)) in Python, which rounds half to even.
func cropOffset(n int) int {
	return int(math.RoundToEven(float64(n-CropSize) / 2))
}

// toRGB returns img as an opaque *image.RGBA at the origin: colours as
// they are, alpha dropped, as Pillow's convert("RGB").
func toRGB(img image.Image) *image.RGBA {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	if o, ok := img.(interface{ Opaque() bool }); ok && o.Opaque() {
		draw.Draw(dst, dst.Rect, img, b.Min, draw.Src) // fast paths for YCbCr, RGBA, Gray, …
		return dst
	}
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = c.R, c.G, c.B, 0xff
			i += 4
		}
	}
	return dst
}
