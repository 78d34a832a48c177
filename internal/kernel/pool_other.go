//go:build !amd64 || purego

package kernel

// maxPool2x2RowArch does nothing here: maxPool2x2 does the work in Go.
func maxPool2x2RowArch(r0, r1, d []float32, a []int32, i0, w int32) bool { return false }
