package data

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"runtime"
	"sync"
)

// Batch is a run of examples stacked as N×C×H×W.
type Batch struct {
	Index  int       // position of the batch in its epoch
	Images []float32 // N·C·H·W values; valid until the next batch is asked for
	Labels []int
	N      int
	C, H   int
	W      int
}

// Loader batches a Dataset, as torch's DataLoader: seeded shuffling, the
// last partial batch kept unless DropLast, transforms applied on Workers
// background goroutines that stay Prefetch batches ahead of the consumer.
type Loader struct {
	Dataset    Dataset
	BatchSize  int
	Shuffle    bool
	DropLast   bool
	Seed       uint64
	Transforms []Transform
	Workers    int // goroutines preparing batches; 0 means min(GOMAXPROCS, 2)
	Prefetch   int // batches prepared ahead; 0 means 2·Workers
}

// NumBatches returns how many batches an epoch has.
func (l *Loader) NumBatches() int {
	n := l.Dataset.Len()
	if l.DropLast {
		return n / l.BatchSize
	}
	return (n + l.BatchSize - 1) / l.BatchSize
}

// Order returns the example order of an epoch: a permutation drawn from the
// seed and the epoch when shuffling, else 0…n−1.
func (l *Loader) Order(epoch int) []int {
	n := l.Dataset.Len()
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if l.Shuffle {
		rng := rand.New(rand.NewPCG(l.Seed, uint64(epoch)+0x5851f42d4c957f2d))
		rng.Shuffle(n, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	}
	return idx
}

// batchRNG is the generator of one batch's transforms.
func (l *Loader) batchRNG(epoch, batch int) *rand.Rand {
	return rand.New(rand.NewPCG(l.Seed^0x2545f4914f6cdd1d, uint64(epoch)<<32|uint64(batch)))
}

// Epoch yields the batches of one epoch in order. Breaking out of the loop
// stops the background goroutines. A batch's slices are reused once the loop
// body returns: copy what must be kept.
func (l *Loader) Epoch(epoch int) iter.Seq[*Batch] {
	if l.BatchSize < 1 {
		panic(fmt.Sprintf("data: Loader batch size %d", l.BatchSize))
	}
	return func(yield func(*Batch) bool) {
		order := l.Order(epoch)
		nb := l.NumBatches()
		if nb == 0 {
			return
		}
		workers := l.Workers
		if workers <= 0 {
			workers = min(runtime.GOMAXPROCS(0), 2)
		}
		ahead := l.Prefetch
		if ahead <= 0 {
			ahead = 2 * workers
		}
		c, h, w := l.Dataset.Shape()
		// Each in-flight batch owns one of the buffers in free; slot k of
		// ready holds batch k's result, so batches come out in order.
		free := make(chan *Batch, ahead+1)
		for i := 0; i < ahead+1; i++ {
			free <- &Batch{Images: make([]float32, l.BatchSize*c*h*w), Labels: make([]int, l.BatchSize), C: c, H: h, W: w}
		}
		ready := make([]chan *Batch, nb)
		for i := range ready {
			ready[i] = make(chan *Batch, 1)
		}
		done := make(chan struct{})
		next := make(chan int)
		var wg sync.WaitGroup
		go func() { // hand out batch indexes in order
			defer close(next)
			for k := 0; k < nb; k++ {
				select {
				case next <- k:
				case <-done:
					return
				}
			}
		}()
		for i := 0; i < workers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					// Take a buffer before an index, so that every handed-out
					// index can be finished: the consumer never waits on an
					// index whose worker waits for a buffer.
					var b *Batch
					select {
					case b = <-free:
					case <-done:
						return
					}
					k, ok := <-next
					if !ok {
						return
					}
					l.fill(b, epoch, k, order)
					ready[k] <- b
				}
			}()
		}
		defer func() {
			close(done)
			wg.Wait()
		}()
		for k := 0; k < nb; k++ {
			b := <-ready[k]
			if !yield(b) {
				return
			}
			free <- b
		}
	}
}

// fill prepares batch k of an epoch into b.
func (l *Loader) fill(b *Batch, epoch, k int, order []int) {
	lo := k * l.BatchSize
	hi := min(lo+l.BatchSize, len(order))
	c, h, w := l.Dataset.Shape()
	size := c * h * w
	rng := l.batchRNG(epoch, k)
	b.Index, b.N = k, hi-lo
	b.Images, b.Labels = b.Images[:b.N*size], b.Labels[:b.N]
	for i := 0; i < b.N; i++ {
		img := b.Images[i*size : (i+1)*size]
		b.Labels[i] = l.Dataset.Example(order[lo+i], img)
		for _, t := range l.Transforms {
			t.Apply(rng, img, c, h, w)
		}
	}
}
