//go:build !amd64 || purego

package kernel

// maxPool2x2RowArch does nothing here: maxPool2x2 does the work in Go.
func maxPool2x2RowArch(r0, r1, d []float32, a []int32, i0, w int32) bool { return false }

// maxPoolRunArch does nothing here: MaxPoolPlane does the work in Go.
func maxPoolRunArch(src, dst []float32, arg []int32, taps []int32, stride int, base int32) bool {
	return false
}
