//go:build !amd64 || purego

package kernel

// canNumberCPU is false: no cheap way to ask here.
const canNumberCPU = false

// currentCPU returns 0, so that every CPU shares one free list.
func currentCPU() int { return 0 }
