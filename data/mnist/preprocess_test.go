package mnist

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// TestPixelReader checks the direct pixel reads against the interface
// path they replace, color.NRGBA64Model.Convert(img.At(x, y)), on every
// type they cover and one they leave to it, with transparent,
// half-transparent and opaque pixels and bounds that do not start at 0.
func TestPixelReader(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	r := image.Rect(3, 5, 20, 17)
	byte8 := func() uint8 {
		switch rng.IntN(4) {
		case 0:
			return 0
		case 1:
			return 255
		}
		return uint8(rng.IntN(256))
	}
	word := func() uint16 { return uint16(byte8())<<8 | uint16(rng.IntN(256)) }
	nrgba, rgba, gray := image.NewNRGBA(r), image.NewRGBA(r), image.NewGray(r)
	nrgba64, rgba64, gray16 := image.NewNRGBA64(r), image.NewRGBA64(r), image.NewGray16(r)
	ycc := image.NewYCbCr(r, image.YCbCrSubsampleRatio420)
	pal := image.NewPaletted(r, color.Palette{color.Black, color.White, color.NRGBA{R: 200, G: 10, B: 90, A: 128}})
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			nrgba.SetNRGBA(x, y, color.NRGBA{byte8(), byte8(), byte8(), byte8()})
			a := byte8()
			rgba.SetRGBA(x, y, color.RGBA{min(byte8(), a), min(byte8(), a), min(byte8(), a), a})
			gray.SetGray(x, y, color.Gray{byte8()})
			nrgba64.SetNRGBA64(x, y, color.NRGBA64{word(), word(), word(), word()})
			a16 := word()
			rgba64.SetRGBA64(x, y, color.RGBA64{min(word(), a16), min(word(), a16), min(word(), a16), a16})
			gray16.SetGray16(x, y, color.Gray16{word()})
			pal.SetColorIndex(x, y, uint8(rng.IntN(3)))
		}
	}
	for i := range ycc.Y {
		ycc.Y[i] = byte8()
	}
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = byte8(), byte8()
	}
	for _, img := range []image.Image{nrgba, rgba, gray, nrgba64, rgba64, gray16, ycc, pal} {
		at := pixelReader(img)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				want := color.NRGBA64Model.Convert(img.At(x, y)).(color.NRGBA64)
				if got := at(x, y); got != want {
					t.Fatalf("%T at (%d, %d): %v, want %v", img, x, y, got, want)
				}
			}
		}
	}
}
