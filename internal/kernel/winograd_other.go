//go:build !amd64 || purego

package kernel

// winogradInputArch does nothing here: WinogradInput loops in Go.
func winogradInputArch(n int, dst []float32, ldd int, src []float32, off *[16]int) int { return 0 }

// winogradOutputRowsArch does nothing here: WinogradOutputRows loops in Go.
func winogradOutputRowsArch(n int, dst0, dst1, src []float32, lds int, acc bool) bool { return false }
