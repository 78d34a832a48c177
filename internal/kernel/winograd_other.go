//go:build !amd64 || purego

package kernel

// winogradInputArch does nothing here: WinogradInput loops in Go.
func winogradInputArch(n int, dst []float32, ldd int, src []float32, off *[16]int) int { return 0 }

// winogradOutputArch does nothing here: WinogradOutput loops in Go.
func winogradOutputArch(n int, dst []float32, ldd int, src []float32, lds int) int { return 0 }
