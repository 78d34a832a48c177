package kernel

import (
	"math/bits"
	"sync"
)

// scratchPools hold temporary buffers by power-of-two size class, so that
// im2col matrices and packing buffers are reused across calls and steps.
var scratchPools [48]sync.Pool

// GetScratch returns a buffer of n elements with unspecified contents.
// Return it with PutScratch when done.
func GetScratch(n int) []float32 {
	if n == 0 {
		return nil
	}
	c := bits.Len(uint(n - 1))
	if p, ok := scratchPools[c].Get().(*[]float32); ok {
		return (*p)[:n]
	}
	return make([]float32, n, 1<<c)
}

// PutScratch gives back a buffer from GetScratch.
func PutScratch(b []float32) {
	if cap(b) == 0 || cap(b)&(cap(b)-1) != 0 {
		return
	}
	b = b[:cap(b)]
	scratchPools[bits.Len(uint(cap(b)-1))].Put(&b)
}
