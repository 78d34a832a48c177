//go:build !amd64 || purego

package kernel

// reluArch does nothing here: ReLU does the work in Go.
func reluArch(dst, x []float32) int { return 0 }

// reluBackwardArch does nothing here: ReLUBackward does the work in Go.
func reluBackwardArch(dst, g, y []float32, acc bool) int { return 0 }

// addArch does nothing here: Add does the work in Go.
func addArch(dst, a, b []float32) int { return 0 }

// addReLUArch does nothing here: AddReLU does the work in Go.
func addReLUArch(dst, a, b []float32) int { return 0 }
