package kernel

import (
	"runtime"
	"sync"
	"testing"
)

// TestScratchReuse checks that sizes are exact, that a buffer given back
// is handed out again for any size of its class (no allocation in steady
// state), and that the free lists stay bounded.
func TestScratchReuse(t *testing.T) {
	a := GetScratch(1000)
	if len(a) != 1000 || cap(a) != 1024 {
		t.Fatalf("GetScratch(1000): len %d cap %d, want 1000 and 1024", len(a), cap(a))
	}
	PutScratch(a)
	if allocs := testing.AllocsPerRun(100, func() {
		b := GetScratch(600)
		if len(b) != 600 || cap(b) != 1024 {
			t.Fatalf("GetScratch(600): len %d cap %d", len(b), cap(b))
		}
		PutScratch(b)
	}); allocs != 0 {
		t.Fatalf("GetScratch(600) after giving back 1000 allocated %v times a call", allocs)
	}
	PutScratch(make([]float32, 100)) // not a power of two: dropped
	for i := 0; i < 100; i++ {
		PutScratch(make([]float32, 1<<12))
	}
	if n, limit := scratch.free[12].count(), scratchPerCPU*runtime.NumCPU(); n > limit {
		t.Fatalf("%d buffers of 4096 kept, more than %d", n, limit)
	}
}

// TestLocalListsPrefersOwnCPU checks that an item given back is taken
// again before any other CPU's, and that every CPU's items can be taken.
func TestLocalListsPrefersOwnCPU(t *testing.T) {
	var l localLists[int]
	l.init()
	for cpu := range l.lists { // one item on every CPU's list
		l.lists[cpu].items = append(l.lists[cpu].items, 100+cpu)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for try := 0; try < 100; try++ { // the thread may move between the two calls
		home := currentCPU() % len(l.lists)
		if !l.put(7, 8) {
			t.Fatal("put refused below its limit")
		}
		x, ok := l.get()
		if currentCPU()%len(l.lists) != home {
			l.put(x, 8)
			continue
		}
		if !ok || x != 7 {
			t.Fatalf("get after put on CPU %d: %v %v, want 7", home, x, ok)
		}
		break
	}
	seen := map[int]bool{}
	for {
		x, ok := l.get()
		if !ok {
			break
		}
		if x >= 100 {
			seen[x] = true
		}
	}
	if len(seen) != len(l.lists) {
		t.Fatalf("took %d distinct items of %d lists: %v", len(seen), len(l.lists), seen)
	}
	if l.put(1, 0) {
		t.Fatal("put kept an item past a limit of 0")
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
