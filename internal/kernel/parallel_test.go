package kernel

import (
	"strings"
	"sync/atomic"
	"testing"
)

// TestParallelPanicReachesCaller panics in the last chunk of a loop (a
// worker's, when there is more than one core) and checks that the caller
// recovers it after every chunk has finished, and that the pool still
// works afterwards.
func TestParallelPanicReachesCaller(t *testing.T) {
	n := 4 * Workers()
	for round := 0; round < 3; round++ {
		var ran atomic.Int32
		got := func() (r any) {
			defer func() { r = recover() }()
			Parallel(n, 1, func(lo, hi int) {
				ran.Add(int32(hi - lo))
				if hi == n {
					panic("last chunk")
				}
			})
			return nil
		}()
		cp, ok := got.(*ChunkPanic)
		if !ok || cp.Value != "last chunk" || !strings.Contains(string(cp.Stack), "parallel_test.go") {
			t.Fatalf("round %d: recovered %v, want the chunk's panic and stack", round, got)
		}
		if ran.Load() != int32(n) {
			t.Fatalf("round %d: %d of %d items ran before the panic reached the caller", round, ran.Load(), n)
		}
	}
	var sum atomic.Int64
	Parallel(n, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			sum.Add(int64(i))
		}
	})
	if want := int64(n * (n - 1) / 2); sum.Load() != want {
		t.Errorf("after the panics: sum %d, want %d", sum.Load(), want)
	}
}
