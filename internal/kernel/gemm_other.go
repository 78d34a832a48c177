//go:build !amd64 || purego

package kernel

// gemmArchImpls lists no SIMD implementations: the portable packed SGEMM
// (gemmGo) is the fastest here.
func gemmArchImpls() []gemmImpl { return nil }

// copyRowsArch does nothing here: copyRowsGo does the work.
func copyRowsArch(d []float32, ldd int, s []float32, lds, k, w int) bool { return false }

// packTransposeArch does nothing here: packTransposeGo does the work.
func packTransposeArch(d, s []float32, ld, k, width, w int) bool { return false }

// packGatherArch does nothing here: packGatherGo does the work.
func packGatherArch(dst, src []float32, off []int, w int) bool { return false }

// transposeArch does nothing here: Transpose does the work in Go.
func transposeArch(dst []float32, ldd int, src []float32, lds, rows, cols int) int { return 0 }

// packGatherSegArch does nothing here: packGatherSegGo does the work.
func packGatherSegArch(dst, src []float32, off []int, seg *[4]int) bool { return false }

// rowRunsArch: SgemmRowsPackedRuns gathers its panels in Go here.
const rowRunsArch = false
