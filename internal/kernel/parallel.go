package kernel

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
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
	done   *loopDone
}

// loopDone is how a parallel loop's caller learns that its chunks are done:
// pending counts them down, so that the caller can spin through a short
// wait, and the chunk that brings it to zero sends on ch, which the caller
// can block on through a long one.
type loopDone struct {
	pending atomic.Int32
	ch      chan struct{} // buffered: one token per loop
	// panicked holds the first panic of any chunk, so that the caller
	// re-raises it on its own goroutine (where a recover can see it)
	// instead of a worker taking the whole process down.
	panicked atomic.Pointer[ChunkPanic]
}

// ChunkPanic is what Parallel panics with when a chunk of its loop
// panicked: the chunk's value and its goroutine's stack, which the
// re-raise on the caller's goroutine would otherwise lose.
type ChunkPanic struct {
	Value any
	Stack []byte
}

// Error returns the chunk's panic value followed by the chunk's stack.
func (p *ChunkPanic) Error() string {
	return fmt.Sprintf("%v\n\npanicked in a parallel chunk:\n%s", p.Value, p.Stack)
}

// Unwrap returns the chunk's panic value when it is an error (a
// runtime.Error, say).
func (p *ChunkPanic) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

var pool workerPool

// loopDones recycles the loopDone of each parallel loop: it outlives the
// call's stack frame in the workers' hands, so it would otherwise be a heap
// allocation per call.
var loopDones = sync.Pool{New: func() any { return &loopDone{ch: make(chan struct{}, 1)} }}

// spinWait is how long a worker polls for the next task, and a caller for
// its workers to finish, before blocking. Kernels come in quick succession
// (the GEMMs and element-wise ops of a training step); a goroutine that
// blocks leaves its CPU idle, and waking it again costs tens of microseconds
// in a virtual machine, as long as a whole 256×256 GEMM. OpenMP runtimes
// spin for the same reason (GOMP_SPINCOUNT).
const spinWait = 200 * time.Microsecond

func (p *workerPool) start() {
	p.once.Do(func() {
		p.size = runtime.GOMAXPROCS(0)
		p.tasks = make(chan task, 4*p.size)
		for i := 0; i < p.size-1; i++ {
			go p.work()
		}
	})
}

func (p *workerPool) work() {
	for {
		t, ok := p.next()
		if !ok {
			return
		}
		t.run()
	}
}

func (t task) run() {
	defer t.finish()
	t.body(t.ctx, t.lo, t.hi)
}

// finish counts the chunk done, even when its body panicked, and keeps
// the panic for the loop's caller.
func (t task) finish() {
	if r := recover(); r != nil {
		t.done.panicked.CompareAndSwap(nil, &ChunkPanic{Value: r, Stack: debug.Stack()})
	}
	if t.done.pending.Add(-1) == 0 {
		t.done.ch <- struct{}{}
	}
}

// next returns the next task, polling for up to spinWait before it blocks.
func (p *workerPool) next() (task, bool) {
	var start time.Time
	for i := 0; ; i++ {
		select {
		case t, ok := <-p.tasks:
			return t, ok
		default:
		}
		if i%64 == 0 {
			if i == 0 {
				start = time.Now()
			} else if time.Since(start) > spinWait {
				t, ok := <-p.tasks
				return t, ok
			}
		}
		runtime.Gosched()
		if i%16 == 15 {
			osYield()
		}
	}
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
	done := loopDones.Get().(*loopDone)
	done.pending.Store(1) // this goroutine's own chunk
	step := (n + chunks - 1) / chunks
	for c := 1; c < chunks; c++ {
		lo, hi := c*step, min((c+1)*step, n)
		if lo >= hi {
			break
		}
		done.pending.Add(1)
		pool.tasks <- task{body: body, ctx: ctx, lo: lo, hi: hi, done: done}
	}
	task{body: body, ctx: ctx, lo: 0, hi: min(step, n), done: done}.run()
	// While it waits, the caller runs queued chunks, its own or other
	// loops': a body that itself calls Parallel (on a worker, say) then
	// cannot deadlock for want of a free worker.
	start := time.Now()
	for i := 0; done.pending.Load() > 0; i++ {
		select {
		case t := <-pool.tasks:
			t.run()
			continue
		default:
		}
		if i%64 == 0 && time.Since(start) > spinWait {
			break
		}
		runtime.Gosched()
		if i%16 == 15 {
			osYield()
		}
	}
	for done.pending.Load() > 0 {
		select {
		case t := <-pool.tasks:
			t.run()
		case <-done.ch:
			release(done)
			return
		}
	}
	<-done.ch
	release(done)
}

// release recycles a finished loop's loopDone and re-raises the panic of
// any of its chunks: every chunk has stopped by now, so none still writes
// to the caller's buffers.
func release(done *loopDone) {
	p := done.panicked.Swap(nil)
	loopDones.Put(done)
	if p != nil {
		panic(p)
	}
}
