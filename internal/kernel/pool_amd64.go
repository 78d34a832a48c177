//go:build amd64 && !purego

package kernel

import "golang.org/x/sys/cpu"

// maxPool2x2RowAVX512 is, for n = 16·full + tail outputs (tail < 16), the
// loop of maxPool2x2 over one output row:
//
//	for ow := 0; ow < n; ow++ {
//		dst[ow], arg[ow] = the maximum of r0[2ow], r0[2ow+1], r1[2ow],
//			r1[2ow+1], taken in that order (a later one wins when greater
//			or a NaN), and its index i0+2ow, i0+2ow+1, i0+w+2ow or
//			i0+w+2ow+1
//	}
//
// evens holds 0, 2, …, 30.
//
//go:noescape
func maxPool2x2RowAVX512(full, tail int, r0, r1, dst []float32, arg []int32, evens []int32, i0, w int32)

var poolEvens = []int32{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30}

// hasPoolAVX512 gates maxPool2x2RowAVX512, which also shifts with BMI2.
var hasPoolAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasBMI2

// maxPool2x2RowArch is one output row of maxPool2x2 in assembly where it
// can; it reports whether it did the work.
func maxPool2x2RowArch(r0, r1, d []float32, a []int32, i0, w int32) bool {
	n := len(d)
	if !hasPoolAVX512 || n == 0 {
		return false
	}
	_, _, _ = r0[2*n-1], r1[2*n-1], a[n-1] // the assembly trusts these bounds
	maxPool2x2RowAVX512(n/16, n%16, r0, r1, d, a, poolEvens, i0, w)
	return true
}

// maxPoolBlocksAVX512 is, for 16·n + tail outputs of one output row whose
// windows lie inside the image (tail < 16):
//
//	for k := 0; k < 16·n+tail; k++ {
//		at := k·stride + taps[0]
//		for _, t := range taps[1:] {
//			if v := src[k·stride+t]; v > src[at] || v != v {
//				at = k·stride + t
//			}
//		}
//		dst[k], arg[k] = src[at], base+at
//	}
//
//go:noescape
func maxPoolBlocksAVX512(n, tail int, src, dst []float32, arg []int32, taps []int32, stride int, base int32)

// maxPoolRunArch pools the len(dst) outputs of a run as in
// maxPoolBlocksAVX512, in assembly where it can, and reports whether it
// did. src must hold every tap of every output of the run.
func maxPoolRunArch(src, dst []float32, arg []int32, taps []int32, stride int, base int32) bool {
	n := len(dst)
	if !hasAVX512 || n == 0 || len(taps) == 0 {
		return false
	}
	_ = arg[n-1] // the assembly trusts this bound and the caller's for src
	maxPoolBlocksAVX512(n/16, n%16, src, dst, arg, taps, stride, base)
	return true
}
