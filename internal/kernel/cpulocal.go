package kernel

import (
	"runtime"
	"sync"
)

// Buffers that kernels reuse across calls (scratch, packing buffers) are
// kept on free lists by CPU: a buffer given back goes to the list of the
// CPU that used it, and a request takes from its own CPU's list first.
// A buffer that changes cores between calls makes every line the next
// user writes a transfer from the other core's cache; on a virtual
// machine whose two CPUs the host sometimes places on different sockets,
// that transfer takes 330–360 ns against 55 (a round trip between the
// two, measured) and stages that write scratch ran 3–8 times slower.

// localLists is a free list of T split by CPU.
type localLists[T any] struct {
	once  sync.Once
	lists []localList[T]
}

// localList is one CPU's list, padded so that two CPUs' locks never share
// a cache line.
type localList[T any] struct {
	mu    sync.Mutex
	items []T
	_     [64]byte
}

func (l *localLists[T]) init() {
	l.once.Do(func() { l.lists = make([]localList[T], max(1, runtime.NumCPU())) })
}

// get takes an item, last given back on this CPU if there is one, else on
// any other.
func (l *localLists[T]) get() (T, bool) {
	l.init()
	home := currentCPU() % len(l.lists)
	for i := range l.lists {
		list := &l.lists[(home+i)%len(l.lists)]
		list.mu.Lock()
		if n := len(list.items); n > 0 {
			x := list.items[n-1]
			var zero T
			list.items[n-1] = zero
			list.items = list.items[:n-1]
			list.mu.Unlock()
			return x, true
		}
		list.mu.Unlock()
	}
	var zero T
	return zero, false
}

// put gives x back to this CPU's list unless that holds limit items
// already; it reports whether it kept x.
func (l *localLists[T]) put(x T, limit int) bool {
	l.init()
	list := &l.lists[currentCPU()%len(l.lists)]
	list.mu.Lock()
	defer list.mu.Unlock()
	if len(list.items) >= limit {
		return false
	}
	list.items = append(list.items, x)
	return true
}

// count returns how many items the lists hold.
func (l *localLists[T]) count() int {
	l.init()
	n := 0
	for i := range l.lists {
		l.lists[i].mu.Lock()
		n += len(l.lists[i].items)
		l.lists[i].mu.Unlock()
	}
	return n
}
