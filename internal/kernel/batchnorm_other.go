//go:build !amd64 || purego

package kernel

// hasAVX512 is false without assembly, so the loops below are never called.
const hasAVX512 = false

func sumAVX512(n int, x []float32) float32                             { panic("unreachable") }
func sumSquaredDeviationsAVX512(n int, x []float32, m float32) float32 { panic("unreachable") }
func sumAndCenteredDotAVX512(n int, g, x []float32, m float32) (float32, float32) {
	panic("unreachable")
}
func affineAVX512(n int, dst, x []float32, a, b float32) { panic("unreachable") }
func batchNormGradAVX512(n int, acc bool, dst, g, x []float32, a, b, c, m float32) {
	panic("unreachable")
}
func affineReLUAVX512(n int, dst, x []float32, a, b float32) { panic("unreachable") }
func sumAndCenteredDotReLUAVX512(n int, g, x []float32, m, sa, sb float32) (float32, float32) {
	panic("unreachable")
}
func batchNormGradReLUAVX512(n int, acc bool, dst, g, x []float32, a, b, c, m, sa, sb float32) {
	panic("unreachable")
}
