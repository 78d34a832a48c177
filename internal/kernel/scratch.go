package kernel

import (
	"math/bits"
	"sync"
)

// scratch keeps temporary buffers by power-of-two size class, so that
// im2col matrices, packing buffers and transforms are reused across calls
// and steps. It is a free list rather than a sync.Pool, which every other
// garbage collection empties: the next call then allocated its buffers
// anew, on pages the runtime had meanwhile returned to the system, and
// paid a page fault for every 4 KB of them (ResNet-18 at batch 1 ran at
// 34 ms instead of 23 after a collection). What it keeps is bounded: a
// few buffers a class, and scratchKeep floats in all.
var scratch struct {
	mu    sync.Mutex
	free  [48][][]float32
	total int // floats held in free
}

// scratchKeep bounds the floats the free lists hold: 1 GiB.
const scratchKeep = 1 << 28

// GetScratch returns a buffer of n elements with unspecified contents.
// Return it with PutScratch when done.
func GetScratch(n int) []float32 {
	if n == 0 {
		return nil
	}
	c := bits.Len(uint(n - 1))
	scratch.mu.Lock()
	if k := len(scratch.free[c]); k > 0 {
		b := scratch.free[c][k-1]
		scratch.free[c][k-1] = nil
		scratch.free[c] = scratch.free[c][:k-1]
		scratch.total -= cap(b)
		scratch.mu.Unlock()
		return b[:n]
	}
	scratch.mu.Unlock()
	return make([]float32, n, 1<<c)
}

// PutScratch gives back a buffer from GetScratch.
func PutScratch(b []float32) {
	if cap(b) == 0 || cap(b)&(cap(b)-1) != 0 {
		return
	}
	c := bits.Len(uint(cap(b) - 1))
	scratch.mu.Lock()
	defer scratch.mu.Unlock()
	if len(scratch.free[c]) >= 4*Workers()+4 || scratch.total+cap(b) > scratchKeep {
		return // left to the collector
	}
	scratch.free[c] = append(scratch.free[c], b[:cap(b)])
	scratch.total += cap(b)
}
