package kernel

import (
	"sync"
	"testing"
)

// TestScratchReuse checks that a buffer given back is handed out again for
// any size of its class, that sizes are exact, and that the free lists
// stay bounded.
func TestScratchReuse(t *testing.T) {
	a := GetScratch(1000)
	if len(a) != 1000 || cap(a) != 1024 {
		t.Fatalf("GetScratch(1000): len %d cap %d, want 1000 and 1024", len(a), cap(a))
	}
	a[0] = 42
	PutScratch(a)
	b := GetScratch(600)
	if len(b) != 600 || &b[:1][0] != &a[:1][0] {
		t.Fatalf("GetScratch(600) after giving back 1000: len %d, same buffer %v", len(b), &b[:1][0] == &a[:1][0])
	}
	PutScratch(b)
	PutScratch(make([]float32, 100)) // not a power of two: dropped
	for i := 0; i < 100; i++ {
		PutScratch(make([]float32, 1<<12))
	}
	scratch.mu.Lock()
	n := len(scratch.free[12])
	scratch.mu.Unlock()
	if limit := 4*Workers() + 4; n > limit {
		t.Fatalf("%d buffers of 4096 kept, more than %d", n, limit)
	}
}

// TestScratchConcurrent gets and gives back buffers from many goroutines
// at once (run with -race), checking that no two hold the same buffer.
func TestScratchConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				b := GetScratch(300 + i%7)
				for j := range b {
					b[j] = float32(g)
				}
				for j := range b {
					if b[j] != float32(g) {
						t.Errorf("buffer shared: %v written by goroutine %d", b[j], g)
						return
					}
				}
				PutScratch(b)
			}
		}(g)
	}
	wg.Wait()
}
