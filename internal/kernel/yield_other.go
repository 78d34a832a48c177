//go:build !linux

package kernel

// osYield does nothing here: the spinning loops yield to goroutines only.
func osYield() {}
