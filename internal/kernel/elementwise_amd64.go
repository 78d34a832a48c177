//go:build amd64 && !purego

package kernel

// reluAVX512 is ReLU's loop for n a multiple of 16.
//
//go:noescape
func reluAVX512(n int, dst, x []float32)

// reluBackwardAVX512 is ReLUBackward's loop for n a multiple of 16.
//
//go:noescape
func reluBackwardAVX512(n int, acc bool, dst, g, y []float32)

// reluArch computes ReLU over the longest prefix of dst that a multiple
// of 16 covers, in assembly where it can, and returns its length (0 when
// it did nothing). The slices are as long as dst.
func reluArch(dst, x []float32) int {
	n := len(dst) &^ 15
	if !hasAVX512 || n == 0 {
		return 0
	}
	reluAVX512(n, dst, x)
	return n
}

// reluBackwardArch is reluArch for ReLUBackward.
func reluBackwardArch(dst, g, y []float32, acc bool) int {
	n := len(dst) &^ 15
	if !hasAVX512 || n == 0 {
		return 0
	}
	reluBackwardAVX512(n, acc, dst, g, y)
	return n
}

// addAVX512 is Add's loop for n a multiple of 16.
//
//go:noescape
func addAVX512(n int, dst, a, b []float32)

// addArch is reluArch for Add.
func addArch(dst, a, b []float32) int {
	n := len(dst) &^ 15
	if !hasAVX512 || n == 0 {
		return 0
	}
	addAVX512(n, dst, a, b)
	return n
}

// addReLUAVX512 is AddReLU's loop for n a multiple of 16.
//
//go:noescape
func addReLUAVX512(n int, dst, a, b []float32)

// addReLUArch is reluArch for AddReLU.
func addReLUArch(dst, a, b []float32) int {
	n := len(dst) &^ 15
	if !hasAVX512 || n == 0 {
		return 0
	}
	addReLUAVX512(n, dst, a, b)
	return n
}
