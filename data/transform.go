package data

import "math/rand/v2"

// Transform changes one example's image in place (C×H×W). rng is the
// batch's own seeded generator.
type Transform interface {
	Apply(rng *rand.Rand, img []float32, c, h, w int)
}

// Normalize maps each channel x to (x − mean)/std, as torchvision's Normalize.
type Normalize struct {
	Mean, Std []float32 // one per channel, or one for all
}

// Apply normalises in place.
func (n Normalize) Apply(_ *rand.Rand, img []float32, c, h, w int) {
	plane := h * w
	for ch := 0; ch < c; ch++ {
		m, s := n.Mean[min(ch, len(n.Mean)-1)], n.Std[min(ch, len(n.Std)-1)]
		inv := 1 / s
		p := img[ch*plane : (ch+1)*plane]
		for i, v := range p {
			p[i] = (v - m) * inv
		}
	}
}

// RandomShift moves the image by up to Max pixels in each direction,
// filling the uncovered border with Fill: the same as padding by Max with
// Fill and cropping at a random offset (torchvision's RandomCrop(size,
// padding=Max, fill=Fill)).
type RandomShift struct {
	Max  int
	Fill float32
}

// Apply shifts in place.
func (t RandomShift) Apply(rng *rand.Rand, img []float32, c, h, w int) {
	dy := rng.IntN(2*t.Max+1) - t.Max
	dx := rng.IntN(2*t.Max+1) - t.Max
	if dx == 0 && dy == 0 {
		return
	}
	var tmp [64 * 64]float32
	plane := h * w
	var buf []float32
	if plane <= len(tmp) {
		buf = tmp[:plane]
	} else {
		buf = make([]float32, plane)
	}
	for ch := 0; ch < c; ch++ {
		p := img[ch*plane : (ch+1)*plane]
		copy(buf, p)
		for y := 0; y < h; y++ {
			sy := y + dy
			row := p[y*w : (y+1)*w]
			if sy < 0 || sy >= h {
				for x := range row {
					row[x] = t.Fill
				}
				continue
			}
			for x := range row {
				sx := x + dx
				if sx < 0 || sx >= w {
					row[x] = t.Fill
				} else {
					row[x] = buf[sy*w+sx]
				}
			}
		}
	}
}

// HorizontalFlip mirrors the image left to right with probability P.
type HorizontalFlip struct{ P float64 }

// Apply flips in place.
func (t HorizontalFlip) Apply(rng *rand.Rand, img []float32, c, h, w int) {
	if rng.Float64() >= t.P {
		return
	}
	for r := 0; r < c*h; r++ {
		row := img[r*w : (r+1)*w]
		for i, j := 0, w-1; i < j; i, j = i+1, j-1 {
			row[i], row[j] = row[j], row[i]
		}
	}
}
