//go:build amd64 && !purego

package kernel

// The loops of batchnorm.go for n a multiple of 16, on AVX-512F; see the
// Go functions for what each computes.

//go:noescape
func sumAVX512(n int, x []float32) float32

//go:noescape
func sumSquaredDeviationsAVX512(n int, x []float32, m float32) float32

//go:noescape
func sumAndCenteredDotAVX512(n int, g, x []float32, m float32) (sg, sgx float32)

//go:noescape
func affineAVX512(n int, dst, x []float32, a, b float32)

//go:noescape
func batchNormGradAVX512(n int, acc bool, dst, g, x []float32, a, b, c, m float32)

//go:noescape
func affineReLUAVX512(n int, dst, x []float32, a, b float32)

//go:noescape
func sumAndCenteredDotReLUAVX512(n int, g, x []float32, m, sa, sb float32) (sg, sgx float32)

//go:noescape
func batchNormGradReLUAVX512(n int, acc bool, dst, g, x []float32, a, b, c, m, sa, sb float32)
