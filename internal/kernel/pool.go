package kernel

import "math"

// MaxPoolPlane computes max pooling of one H×W plane into dst (OH×OW), as
// torch's max_pool2d: padding counts as −∞ and never wins. argmax receives
// the flat input index of each maximum (for the backward pass); a NaN in the
// window wins, as in torch.
func MaxPoolPlane(g *ConvGeom, src, dst []float32, argmax []int32) {
	if g.KH == 2 && g.KW == 2 && g.SH == 2 && g.SW == 2 && g.PH == 0 && g.PW == 0 &&
		g.DH == 1 && g.DW == 1 && 2*g.OH <= g.H && 2*g.OW <= g.W {
		maxPool2x2(g, src, dst, argmax)
		return
	}
	// Outputs whose windows lie inside the image, rows [ohIn0, ohIn1) and
	// columns [owIn0, owIn1), go through maxPoolInside; the border through
	// maxPoolWindow, which checks every tap.
	ohIn0, ohIn1 := insideRange(g.OH, g.SH, g.PH, g.KH, g.DH, g.H)
	owIn0, owIn1 := insideRange(g.OW, g.SW, g.PW, g.KW, g.DW, g.W)
	var tapBuf [64]int32
	var taps []int32
	if g.KH*g.KW <= len(tapBuf) {
		taps = tapBuf[:0]
		for i := 0; i < g.KH; i++ {
			for j := 0; j < g.KW; j++ {
				taps = append(taps, int32(i*g.DH*g.W+j*g.DW))
			}
		}
	}
	for oh := 0; oh < g.OH; oh++ {
		lo, hi := 0, 0 // the inside columns of this row
		if oh >= ohIn0 && oh < ohIn1 {
			lo, hi = owIn0, owIn1
		}
		for ow := 0; ow < lo; ow++ {
			dst[oh*g.OW+ow], argmax[oh*g.OW+ow] = maxPoolWindow(g, src, oh, ow)
		}
		if lo < hi {
			maxPoolInside(g, src, dst, argmax, taps, oh, lo, hi)
		}
		for ow := hi; ow < g.OW; ow++ {
			dst[oh*g.OW+ow], argmax[oh*g.OW+ow] = maxPoolWindow(g, src, oh, ow)
		}
	}
}

// insideRange returns the outputs [lo, hi) along one axis whose windows
// lie inside [0, size): those whose first and last taps both do.
func insideRange(out, stride, pad, k, dil, size int) (lo, hi int) {
	lo, hi = outRange(0, stride, pad, size, out)
	lastLo, lastHi := outRange((k-1)*dil, stride, pad, size, out)
	lo, hi = max(lo, lastLo), min(hi, lastHi)
	return min(lo, hi), hi
}

// maxPoolWindow returns the maximum of output (oh, ow)'s window and its
// index, skipping taps in the padding; a NaN wins and ends the search.
func maxPoolWindow(g *ConvGeom, src []float32, oh, ow int) (float32, int32) {
	h0, w0 := oh*g.SH-g.PH, ow*g.SW-g.PW
	best, at := float32(math.Inf(-1)), int32(-1)
	for i := 0; i < g.KH; i++ {
		ih := h0 + i*g.DH
		if ih < 0 || ih >= g.H {
			continue
		}
		row := src[ih*g.W:]
		for j := 0; j < g.KW; j++ {
			iw := w0 + j*g.DW
			if iw < 0 || iw >= g.W {
				continue
			}
			if v := row[iw]; v > best || v != v || at < 0 {
				best, at = v, int32(ih*g.W+iw)
				if v != v {
					return best, at
				}
			}
		}
	}
	return best, at
}

// MaxPoolPlaneBackward adds each output gradient onto the input position
// that won the forward pass.
func MaxPoolPlaneBackward(gy []float32, argmax []int32, gx []float32) {
	for i, at := range argmax {
		if at >= 0 {
			gx[at] += gy[i]
		}
	}
}

// avgWindow returns the clipped window [lo, hi) along one axis and the
// extent used by count_include_pad (clipped to the padded input only).
func avgWindow(o, stride, pad, k, size int) (lo, hi, padded int) {
	lo = o*stride - pad
	hi = min(lo+k, size+pad)
	padded = hi - lo
	return max(lo, 0), min(hi, size), padded
}

// AvgPoolPlane computes average pooling of one plane as torch's avg_pool2d:
// with countIncludePad the divisor counts padding positions (but not the
// overhang that ceil_mode adds past the padding); divisor > 0 overrides it.
func AvgPoolPlane(g *ConvGeom, countIncludePad bool, divisor int, src, dst []float32) {
	if pointWindow(g, divisor) {
		for oh := 0; oh < g.OH; oh++ {
			gatherStrided(dst[oh*g.OW:(oh+1)*g.OW], src[oh*g.SH*g.W:], g.SW)
		}
		return
	}
	for oh := 0; oh < g.OH; oh++ {
		h0, h1, ph := avgWindow(oh, g.SH, g.PH, g.KH, g.H)
		for ow := 0; ow < g.OW; ow++ {
			w0, w1, pw := avgWindow(ow, g.SW, g.PW, g.KW, g.W)
			var s float32
			for ih := h0; ih < h1; ih++ {
				for _, v := range src[ih*g.W+w0 : ih*g.W+w1] {
					s += v
				}
			}
			dst[oh*g.OW+ow] = s / float32(poolDivisor(countIncludePad, divisor, ph*pw, (h1-h0)*(w1-w0)))
		}
	}
}

// pointWindow reports whether every window of an average pooling is one
// input element divided by 1: a 1×1 window without padding, which picks
// x[::SH, ::SW] (the ResNet paper's option-A shortcut) as a strided
// gather.
func pointWindow(g *ConvGeom, divisor int) bool {
	return g.KH == 1 && g.KW == 1 && g.PH == 0 && g.PW == 0 && divisor <= 1
}

func poolDivisor(countIncludePad bool, override, padded, valid int) int {
	switch {
	case override > 0:
		return override
	case countIncludePad:
		return padded
	default:
		return max(valid, 1)
	}
}

// AvgPoolPlaneBackward spreads each output gradient evenly over its window.
func AvgPoolPlaneBackward(g *ConvGeom, countIncludePad bool, divisor int, gy, gx []float32) {
	if pointWindow(g, divisor) {
		for oh := 0; oh < g.OH; oh++ {
			row := gx[oh*g.SH*g.W:]
			for ow, v := range gy[oh*g.OW : (oh+1)*g.OW] {
				row[ow*g.SW] += v
			}
		}
		return
	}
	for oh := 0; oh < g.OH; oh++ {
		h0, h1, ph := avgWindow(oh, g.SH, g.PH, g.KH, g.H)
		for ow := 0; ow < g.OW; ow++ {
			w0, w1, pw := avgWindow(ow, g.SW, g.PW, g.KW, g.W)
			v := gy[oh*g.OW+ow] / float32(poolDivisor(countIncludePad, divisor, ph*pw, (h1-h0)*(w1-w0)))
			for ih := h0; ih < h1; ih++ {
				row := gx[ih*g.W+w0 : ih*g.W+w1]
				for j := range row {
					row[j] += v
				}
			}
		}
	}
}

// adaptiveRange is torch's adaptive pooling window along one axis:
// [⌊o·in/out⌋, ⌈(o+1)·in/out⌉).
func adaptiveRange(o, in, out int) (int, int) {
	return o * in / out, ((o+1)*in + out - 1) / out
}

// AdaptiveAvgPoolPlane averages one H×W plane into OH×OW cells.
func AdaptiveAvgPoolPlane(h, w, oh, ow int, src, dst []float32) {
	for i := 0; i < oh; i++ {
		h0, h1 := adaptiveRange(i, h, oh)
		for j := 0; j < ow; j++ {
			w0, w1 := adaptiveRange(j, w, ow)
			var s float32
			for y := h0; y < h1; y++ {
				for _, v := range src[y*w+w0 : y*w+w1] {
					s += v
				}
			}
			dst[i*ow+j] = s / float32((h1-h0)*(w1-w0))
		}
	}
}

// AdaptiveAvgPoolPlaneBackward spreads each cell's gradient over its window.
func AdaptiveAvgPoolPlaneBackward(h, w, oh, ow int, gy, gx []float32) {
	for i := 0; i < oh; i++ {
		h0, h1 := adaptiveRange(i, h, oh)
		for j := 0; j < ow; j++ {
			w0, w1 := adaptiveRange(j, w, ow)
			v := gy[i*ow+j] / float32((h1-h0)*(w1-w0))
			for y := h0; y < h1; y++ {
				row := gx[y*w+w0 : y*w+w1]
				for k := range row {
					row[k] += v
				}
			}
		}
	}
}

// maxPoolInside pools the outputs [lo, hi) of row oh, whose windows lie
// inside the image, in vector blocks where it can (taps, the offsets of
// the window's taps from its origin, when not nil), or one by one without
// bounds checks per tap. A later tap wins when greater or a NaN.
func maxPoolInside(g *ConvGeom, src, dst []float32, argmax []int32, taps []int32, oh, lo, hi int) {
	h0 := oh*g.SH - g.PH
	if taps != nil {
		origin := h0*g.W + lo*g.SW - g.PW
		row := oh * g.OW
		if maxPoolRunArch(src[origin:], dst[row+lo:row+hi], argmax[row+lo:row+hi], taps, g.SW, int32(origin)) {
			return
		}
	}
	for ow := lo; ow < hi; ow++ {
		w0 := ow*g.SW - g.PW
		at := int32(h0*g.W + w0)
		best := src[at]
		for i := 0; i < g.KH; i++ {
			r := (h0+i*g.DH)*g.W + w0
			for j := 0; j < g.KW; j++ {
				if v := src[r+j*g.DW]; v > best || v != v { // a NaN wins, as in torch
					best, at = v, int32(r+j*g.DW)
				}
			}
		}
		dst[oh*g.OW+ow], argmax[oh*g.OW+ow] = best, at
	}
}

// maxPool2x2 is MaxPoolPlane for 2×2 windows at stride 2 inside the image, LeNet's and
// VGG's pooling. On activations the winner's position is random, and the
// mispredicted branches of the plain loop cost more than the window itself,
// so each row goes to a vector routine where there is one, and otherwise
// picks the maximum and its index with bit masks (BenchmarkMaxPool2x2,
// LeNet-5's first pooling on Zen 4: 1.05 ms with branches, 0.51–0.55 ms
// with masks, 0.09–0.14 ms with AVX-512). The winner on ties and NaNs is
// that of the loop in maxPoolInside.
func maxPool2x2(g *ConvGeom, src, dst []float32, argmax []int32) {
	for oh := 0; oh < g.OH; oh++ {
		r0 := src[2*oh*g.W : 2*oh*g.W+2*g.OW]
		r1 := src[(2*oh+1)*g.W : (2*oh+1)*g.W+2*g.OW]
		d, a := dst[oh*g.OW:(oh+1)*g.OW], argmax[oh*g.OW:(oh+1)*g.OW]
		r0, r1 = r0[:2*len(d)], r1[:2*len(d)]
		base := int32(2 * oh * g.W)
		w := int32(g.W)
		if maxPool2x2RowArch(r0, r1, d, a, base, w) {
			continue
		}
		for ow := range d {
			// (a0, a1) and (a2, a3) in parallel, then the two winners: the
			// same result as taking the four in order, since a later tap
			// wins only when strictly greater or a NaN.
			i0 := base + int32(2*ow)
			v0, v1, v2, v3 := r0[2*ow], r0[2*ow+1], r1[2*ow], r1[2*ow+1]
			m := winsMask(v1, v0)
			b01 := pick(math.Float32bits(v0), math.Float32bits(v1), m)
			i01 := i0 + int32(m&1)
			m = winsMask(v3, v2)
			b23 := pick(math.Float32bits(v2), math.Float32bits(v3), m)
			i23 := i0 + w + int32(m&1)
			m = winsMask(math.Float32frombits(b23), math.Float32frombits(b01))
			d[ow] = math.Float32frombits(pick(b01, b23, m))
			a[ow] = int32(pick(uint32(i01), uint32(i23), m))
		}
	}
}

// pick returns b where the mask m is all ones and a where it is zero.
func pick(a, b, m uint32) uint32 { return a ^ (a^b)&m }

// winsMask is all ones when v replaces best in a max pooling window, that
// is when v > best or v is a NaN (as torch's max_pool2d), and zero
// otherwise; the compiler makes it a pair of SETcc, not a branch.
func winsMask(v, best float32) uint32 {
	return -(b2u(v > best) | b2u(v != v))
}

func b2u(b bool) uint32 {
	var u uint32
	if b {
		u = 1
	}
	return u
}
