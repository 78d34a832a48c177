package kernel

import (
	"runtime"
	"sync"
)

// workerPool is the one set of goroutines that all kernels share, so that a
// training step never spawns goroutines of its own.
type workerPool struct {
	once  sync.Once
	tasks chan task
	size  int
}

// task is one chunk of a parallel loop. It travels by value and its body is
// a plain function with its arguments in ctx, so that handing work to the
// pool allocates nothing.
type task struct {
	body   func(ctx any, lo, hi int)
	ctx    any
	lo, hi int
	done   *sync.WaitGroup
}

var pool workerPool

// waitGroups recycles the WaitGroup of each parallel loop: it outlives the
// call's stack frame in the workers' hands, so it would otherwise be a heap
// allocation per call.
var waitGroups = sync.Pool{New: func() any { return new(sync.WaitGroup) }}

func (p *workerPool) start() {
	p.once.Do(func() {
		p.size = runtime.GOMAXPROCS(0)
		p.tasks = make(chan task, 4*p.size)
		for i := 0; i < p.size-1; i++ {
			go func() {
				for t := range p.tasks {
					t.body(t.ctx, t.lo, t.hi)
					t.done.Done()
				}
			}()
		}
	})
}

// Workers is the number of goroutines that Parallel spreads work over.
func Workers() int {
	pool.start()
	return pool.size
}

// Parallel calls body over [0, n) split into at most Workers() contiguous
// chunks of at least grain items each; the calling goroutine runs one chunk
// itself. With one chunk it runs inline and allocates nothing.
func Parallel(n, grain int, body func(lo, hi int)) {
	// A func value is pointer-shaped, so boxing it in ctx does not allocate.
	parallelFor(n, grain, body, callBody)
}

func callBody(ctx any, lo, hi int) { ctx.(func(lo, hi int))(lo, hi) }

// parallelFor is Parallel for kernels that must not allocate even when they
// go parallel: body is a top-level function rather than a closure, and ctx
// (a pointer the caller may recycle) carries its arguments.
func parallelFor(n, grain int, ctx any, body func(ctx any, lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	chunks := Workers()
	if c := (n + grain - 1) / grain; c < chunks {
		chunks = c
	}
	if chunks <= 1 {
		body(ctx, 0, n)
		return
	}
	wg := waitGroups.Get().(*sync.WaitGroup)
	step := (n + chunks - 1) / chunks
	for c := 1; c < chunks; c++ {
		lo, hi := c*step, min((c+1)*step, n)
		if lo >= hi {
			break
		}
		wg.Add(1)
		pool.tasks <- task{body: body, ctx: ctx, lo: lo, hi: hi, done: wg}
	}
	body(ctx, 0, min(step, n))
	wg.Wait()
	waitGroups.Put(wg)
}
