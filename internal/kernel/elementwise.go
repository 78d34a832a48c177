package kernel

import "math"

// AddTo adds src into dst element-wise: dst[i] += src[i].
func AddTo(dst, src []float32) { Add(dst, dst, src) }

// Add sets dst[i] = a[i] + b[i]; dst may be a or b.
func Add(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	if n := addArch(dst, a, b); n > 0 {
		dst, a, b = dst[n:], a[n:], b[n:]
	}
	for i, v := range a {
		dst[i] = v + b[i]
	}
}

// AddReLU sets dst[i] = relu(a[i] + b[i]), equal bit for bit to Add then
// ReLU; dst may be a or b.
func AddReLU(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	if n := addReLUArch(dst, a, b); n > 0 {
		dst, a, b = dst[n:], a[n:], b[n:]
	}
	for i, v := range a {
		bits := math.Float32bits(v + b[i])
		dst[i] = math.Float32frombits(bits &^ negativeMask(bits))
	}
}

// ReLU writes max(x, 0) into dst; a NaN stays NaN.
func ReLU(dst, x []float32) {
	x = x[:len(dst)]
	if n := reluArch(dst, x); n > 0 {
		dst, x = dst[n:], x[n:]
	}
	for i, v := range x {
		b := math.Float32bits(v)
		dst[i] = math.Float32frombits(b &^ negativeMask(b))
	}
}

// negativeMask is all ones when the float32 with bits b is below zero (or
// is −0) and zero otherwise, NaNs of either sign included. It is computed
// without a branch: ReLU's inputs are half negative, in no order a branch
// predictor could learn.
func negativeMask(b uint32) uint32 {
	abs := b & 0x7fffffff
	notNaN := (abs - 0x7f800001) >> 31 // 1 unless abs > +Inf (a NaN)
	return -(b >> 31 & notNaN)
}

// ReLUBackward writes (or with accumulate, adds) into dst the gradient g
// where the ReLU's output y is positive and 0 elsewhere. It selects with a
// bit mask rather than a branch, which ReLU's random signs mispredict.
func ReLUBackward(dst, g, y []float32, accumulate bool) {
	g, y = g[:len(dst)], y[:len(dst)]
	if n := reluBackwardArch(dst, g, y, accumulate); n > 0 {
		dst, g, y = dst[n:], g[n:], y[n:]
	}
	if accumulate {
		for i, v := range y {
			dst[i] += math.Float32frombits(math.Float32bits(g[i]) & positiveMask(v))
		}
		return
	}
	for i, v := range y {
		dst[i] = math.Float32frombits(math.Float32bits(g[i]) & positiveMask(v))
	}
}

// positiveMask is all ones when v > 0 and zero otherwise (NaN included).
func positiveMask(v float32) uint32 {
	var b uint32
	if v > 0 {
		b = 1
	}
	return -b
}

// Sum returns the sum of x, added in interleaved partial sums (in
// assembly where it can, 64 at a time): a single running sum waits out the
// latency of every addition, which made the bias gradient of LeNet-5's
// convolutions (whole planes summed) about 4% of a training step.
func Sum(x []float32) float32 {
	var vs float32
	if n := len(x) &^ 15; n > 0 && hasAVX512 {
		vs = sumAVX512(n, x)
		x = x[n:]
	}
	var s [8]float32
	i := 0
	for ; i+8 <= len(x); i += 8 {
		v := x[i : i+8 : i+8]
		s[0] += v[0]
		s[1] += v[1]
		s[2] += v[2]
		s[3] += v[3]
		s[4] += v[4]
		s[5] += v[5]
		s[6] += v[6]
		s[7] += v[7]
	}
	for j := 0; i < len(x); i, j = i+1, j+1 {
		s[j] += x[i]
	}
	return vs + (((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])))
}
