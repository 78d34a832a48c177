//go:build !amd64 || purego

package kernel

// im2colRowsArch does nothing here: Im2colRows does the work in Go.
func im2colRowsArch(d []float32, w, lo, n int, s []float32, lds, rows int) bool { return false }

// addRowsArch does nothing here: Col2imChannels does the work in Go.
func addRowsArch(d []float32, ldd int, s []float32, lds, rows, n int) bool { return false }

// gatherStridedArch does nothing here: gatherStrided does the work in Go.
func gatherStridedArch(dst, src []float32, stride int) int { return 0 }

// rowsWideArch does nothing here: CopyRows and AddRows loop in Go.
func rowsWideArch(add bool, d []float32, ldd int, s []float32, lds, rows, w int) bool { return false }

// compactRows8Arch does nothing here: PhasePlanes gathers row by row.
func compactRows8Arch(dst []float32, ldd int, src []float32, lds, rows, n int) bool { return false }
