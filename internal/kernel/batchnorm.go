package kernel

import "math"

// The per-plane loops of batch normalisation. Its statistics are
// accumulated over many planes by the caller (in float64); each call here
// covers one plane, in float32, with several partial sums.

// SumSquaredDeviations returns Σ (x[i] − m)².
func SumSquaredDeviations(x []float32, m float32) float32 {
	var s float32
	if n := len(x) &^ 15; n > 0 && hasAVX512 {
		s = sumSquaredDeviationsAVX512(n, x, m)
		x = x[n:]
	}
	var p [4]float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		d0, d1, d2, d3 := v[0]-m, v[1]-m, v[2]-m, v[3]-m
		p[0] += d0 * d0
		p[1] += d1 * d1
		p[2] += d2 * d2
		p[3] += d3 * d3
	}
	for ; i < len(x); i++ {
		d := x[i] - m
		p[0] += d * d
	}
	return s + ((p[0] + p[1]) + (p[2] + p[3]))
}

// SumAndCenteredDot returns Σ g[i] and Σ g[i]·(x[i] − m), the two sums of
// batch norm's backward pass; x is as long as g.
func SumAndCenteredDot(g, x []float32, m float32) (sg, sgx float32) {
	x = x[:len(g)]
	if n := len(g) &^ 15; n > 0 && hasAVX512 {
		sg, sgx = sumAndCenteredDotAVX512(n, g, x, m)
		g, x = g[n:], x[n:]
	}
	var a, b [4]float32
	i := 0
	for ; i+4 <= len(g); i += 4 {
		gv, xv := g[i:i+4:i+4], x[i:i+4:i+4]
		a[0] += gv[0]
		a[1] += gv[1]
		a[2] += gv[2]
		a[3] += gv[3]
		b[0] += gv[0] * (xv[0] - m)
		b[1] += gv[1] * (xv[1] - m)
		b[2] += gv[2] * (xv[2] - m)
		b[3] += gv[3] * (xv[3] - m)
	}
	for ; i < len(g); i++ {
		a[0] += g[i]
		b[0] += g[i] * (x[i] - m)
	}
	return sg + ((a[0] + a[1]) + (a[2] + a[3])), sgx + ((b[0] + b[1]) + (b[2] + b[3]))
}

// Affine sets dst[i] = x[i]·a + b: batch norm's forward pass once its
// scale and shift are folded together.
//
// Each element is rounded the same way wherever it lies in the slice (with
// AVX-512, a fused multiply-add also for the last len%16), so that a
// channel finished piece by piece, as a convolution's epilogue does, equals
// one done whole.
func Affine(dst, x []float32, a, b float32) {
	x = x[:len(dst)]
	if !hasAVX512 {
		for i, v := range x {
			dst[i] = affineValue(v, a, b)
		}
		return
	}
	if n := len(dst) &^ 15; n > 0 {
		affineAVX512(n, dst, x, a, b)
		dst, x = dst[n:], x[n:]
	}
	if len(dst) > 0 {
		var tx, td [16]float32
		copy(tx[:], x)
		affineAVX512(16, td[:], tx[:], a, b)
		copy(dst, td[:])
	}
}

// affineValue is x·a + b as the portable loops round it, in one place, so
// that AffineReLU's output and the mask its gradient recomputes agree.
func affineValue(x, a, b float32) float32 { return x*a + b }

// BatchNormGrad sets dst[i] (or with accumulate, adds to it)
// a·g[i] + b·(x[i] − m) + c: batch norm's input gradient, with a = γσ⁻¹,
// b = −γσ⁻²·mean(g·(x − m)) and c = −γσ⁻¹·mean(g) in training.
func BatchNormGrad(dst, g, x []float32, a, b, c, m float32, accumulate bool) {
	g, x = g[:len(dst)], x[:len(dst)]
	if n := len(dst) &^ 15; n > 0 && hasAVX512 {
		batchNormGradAVX512(n, accumulate, dst, g, x, a, b, c, m)
		dst, g, x = dst[n:], g[n:], x[n:]
	}
	for i, gv := range g {
		v := c + a*gv + b*(x[i]-m)
		if accumulate {
			v += dst[i]
		}
		dst[i] = v
	}
}

// AffineReLU sets dst[i] = relu(x[i]·a + b): a batch norm's forward pass and
// the ReLU after it in one pass, equal bit for bit to Affine then ReLU.
func AffineReLU(dst, x []float32, a, b float32) {
	x = x[:len(dst)]
	if !hasAVX512 {
		for i, v := range x {
			bits := math.Float32bits(affineValue(v, a, b))
			dst[i] = math.Float32frombits(bits &^ negativeMask(bits))
		}
		return
	}
	if n := len(dst) &^ 15; n > 0 {
		affineReLUAVX512(n, dst, x, a, b)
		dst, x = dst[n:], x[n:]
	}
	if len(dst) > 0 { // the tail through the same fused multiply-add
		var tx, td [16]float32
		copy(tx[:], x)
		affineReLUAVX512(16, td[:], tx[:], a, b)
		copy(dst, td[:])
	}
}

// SumAndCenteredDotReLU is SumAndCenteredDot of g', which is g where the
// ReLU after the batch norm passed its input (x[i]·sa + sb > 0, the value
// AffineReLU computed) and 0 elsewhere: the sums of the fused op's
// backward pass, with the ReLU's gradient never stored.
func SumAndCenteredDotReLU(g, x []float32, m, sa, sb float32) (sg, sgx float32) {
	x = x[:len(g)]
	if hasAVX512 {
		if n := len(g) &^ 15; n > 0 {
			sg, sgx = sumAndCenteredDotReLUAVX512(n, g, x, m, sa, sb)
			g, x = g[n:], x[n:]
		}
		if len(g) > 0 { // padded with zero gradients, which add nothing
			var tg, tx [16]float32
			copy(tg[:], g)
			copy(tx[:], x)
			tailG, tailGX := sumAndCenteredDotReLUAVX512(16, tg[:], tx[:], m, sa, sb)
			sg, sgx = sg+tailG, sgx+tailGX
		}
		return sg, sgx
	}
	var a, b [4]float32
	for i, gv := range g {
		if affineValue(x[i], sa, sb) > 0 {
			a[i%4] += gv
			b[i%4] += gv * (x[i] - m)
		}
	}
	return (a[0] + a[1]) + (a[2] + a[3]), (b[0] + b[1]) + (b[2] + b[3])
}

// BatchNormGradReLU is BatchNormGrad of g', which is g where x[i]·sa + sb > 0
// and 0 elsewhere, as SumAndCenteredDotReLU.
func BatchNormGradReLU(dst, g, x []float32, a, b, c, m, sa, sb float32, accumulate bool) {
	g, x = g[:len(dst)], x[:len(dst)]
	if hasAVX512 {
		if n := len(dst) &^ 15; n > 0 {
			batchNormGradReLUAVX512(n, accumulate, dst, g, x, a, b, c, m, sa, sb)
			dst, g, x = dst[n:], g[n:], x[n:]
		}
		if len(dst) > 0 { // the tail's mask through the same fused multiply-add
			var td, tg, tx [16]float32
			copy(td[:], dst)
			copy(tg[:], g)
			copy(tx[:], x)
			batchNormGradReLUAVX512(16, accumulate, td[:], tg[:], tx[:], a, b, c, m, sa, sb)
			copy(dst, td[:])
		}
		return
	}
	for i, gv := range g {
		if !(affineValue(x[i], sa, sb) > 0) {
			gv = 0
		}
		v := c + a*gv + b*(x[i]-m)
		if accumulate {
			v += dst[i]
		}
		dst[i] = v
	}
}
