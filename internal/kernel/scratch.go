package kernel

import (
	"math/bits"
	"sync/atomic"
)

// scratch keeps temporary buffers by power-of-two size class, so that
// im2col matrices, packing buffers and transforms are reused across calls
// and steps, each class on free lists by CPU (localLists). It is a free
// list rather than a sync.Pool, which every other garbage collection
// empties: the next call then allocated its buffers anew, on pages the
// runtime had meanwhile returned to the system, and paid a page fault for
// every 4 KB of them (ResNet-18 at batch 1 ran at 34 ms instead of 23
// after a collection). What it keeps is bounded: a few buffers a class and
// CPU, and scratchKeep floats in all.
var scratch struct {
	free  [48]localLists[[]float32]
	total atomic.Int64 // floats held in free
}

// scratchKeep bounds the floats the free lists hold: 1 GiB.
const scratchKeep = 1 << 28

// scratchPerCPU bounds the buffers of one class a CPU's list keeps: a few
// for each loop a chunk runs nested.
const scratchPerCPU = 8

// GetScratch returns a buffer of n elements with unspecified contents.
// Return it with PutScratch when done.
func GetScratch(n int) []float32 {
	if n == 0 {
		return nil
	}
	c := bits.Len(uint(n - 1))
	if b, ok := scratch.free[c].get(); ok {
		scratch.total.Add(-int64(cap(b)))
		return b[:n]
	}
	return make([]float32, n, 1<<c)
}

// PutScratch gives back a buffer from GetScratch.
func PutScratch(b []float32) {
	if cap(b) == 0 || cap(b)&(cap(b)-1) != 0 {
		return
	}
	c := bits.Len(uint(cap(b) - 1))
	if scratch.total.Add(int64(cap(b))) > scratchKeep || !scratch.free[c].put(b[:cap(b)], scratchPerCPU) {
		scratch.total.Add(-int64(cap(b))) // left to the collector
	}
}
