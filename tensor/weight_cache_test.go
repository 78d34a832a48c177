package tensor

import (
	"math"
	"sync"
	"testing"
)

// weightCacheCases are convolutions whose weights' packed forms the cache
// keeps, one per transform.
var weightCacheCases = []struct {
	name string
	x, w []int
	o    ConvOptions
	form int
}{
	{"winograd", []int{1, 64, 20, 20}, []int{64, 64, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, formWinograd},
	{"phased", []int{1, 3, 99, 99}, []int{64, 3, 11, 11}, ConvOptions{Stride: [2]int{4, 4}, Padding: [2]int{2, 2}}, formPhased},
	{"implicit", []int{1, 16, 40, 40}, []int{24, 16, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}, formImplicit},
}

// TestWeightCacheFollowsWeights checks, for each transform, that frozen
// weights give the same output on every call, that their form is kept
// from the second call, and that a change to the weights through Data,
// however small, is seen at once: the output then matches that of a fresh
// copy of the changed weights.
func TestWeightCacheFollowsWeights(t *testing.T) {
	defer SetWeightCache(256 << 20)
	for _, c := range weightCacheCases {
		t.Run(c.name, func(t *testing.T) {
			SetWeightCache(256 << 20)
			g := gcGen{rng: NewRNG(61)}
			x, w := g.normal(c.x...), g.normal(c.w...)
			p := newConvPlan(x, w, c.o.normalized())
			if got := p.weightForm(c.form); !p.takesForm(c.form) {
				t.Fatalf("does not take form %v; resize the test", got)
			}
			want := Conv2d(x, w.Clone(), nil, c.o).data // a fresh tensor: nothing kept for it
			for call := 0; call < 3; call++ {
				if y := Conv2d(x, w, nil, c.o).data; !sameBits(y, want) {
					t.Fatalf("call %d differs from the first", call)
				}
			}
			if n := len(weightCache.forms); n != 1 {
				t.Fatalf("%d forms kept after three calls, want 1", n)
			}
			for _, change := range []func(d []float32){
				func(d []float32) { d[len(d)-1] = math.Nextafter32(d[len(d)-1], 10) },
				func(d []float32) { d[0] = -d[0] },
				func(d []float32) { d[len(d)/2] = float32(math.NaN()) },
			} {
				change(w.Data())
				want := Conv2d(x, w.Clone(), nil, c.o).data
				if y := Conv2d(x, w, nil, c.o).data; !sameBits(y, want) {
					t.Fatal("a change to the weights went unseen")
				}
			}
		})
	}
}

// takesForm reports whether p's forward keeps its weights in form kind.
func (p *convPlan) takesForm(kind int) bool {
	_, phased := p.phasedWinograd()
	switch kind {
	case formWinograd:
		return p.winograd()
	case formPhased:
		return !p.winograd() && phased
	default:
		return !p.winograd() && !phased && implicitEnabled && p.implicitTiling().ok()
	}
}

// TestWeightCacheBounds checks that trained weights keep nothing, that the
// forms kept stay within the limit (the least recently used go), and that
// a limit of 0 keeps none.
func TestWeightCacheBounds(t *testing.T) {
	defer SetWeightCache(256 << 20)
	g := gcGen{rng: NewRNG(67)}
	c := weightCacheCases[0]
	x := g.normal(c.x...)
	ws := []*Tensor{g.normal(c.w...), g.normal(c.w...), g.normal(c.w...)}
	run := func(w *Tensor) {
		for i := 0; i < 2; i++ {
			Conv2d(x, w, nil, c.o)
		}
	}

	SetWeightCache(256 << 20)
	trained := g.normal(c.w...).SetRequiresGrad(true)
	run(trained)
	if n := len(weightCache.forms); n != 0 {
		t.Fatalf("%d forms kept for weights that take a gradient", n)
	}

	// Each form: the weights' copy (64·64·9) and 16 packed matrices 64×64.
	one := 64*64*9 + 16*64*64
	SetWeightCache(int64(4 * (2*one + one/2)))
	for _, w := range ws {
		run(w)
	}
	if n, f := len(weightCache.forms), weightCache.floats; n != 2 || f > weightCache.limit {
		t.Fatalf("%d forms of %d floats kept under a limit of %d, want 2", n, f, weightCache.limit)
	}
	run(ws[1]) // the first is the least recently used
	run(ws[0])
	p := newConvPlan(x, ws[2], c.o.normalized())
	if _, kept := weightCache.forms[formKey{addr: addrOf(ws[2].data), n: len(ws[2].data), form: p.weightForm(formWinograd)}]; kept {
		t.Fatal("the least recently used form was kept over a newer one")
	}

	SetWeightCache(0)
	for _, w := range ws {
		run(w)
	}
	if n := len(weightCache.forms); n != 0 {
		t.Fatalf("%d forms kept under a limit of 0", n)
	}
}

// TestWeightCacheConcurrent runs one frozen convolution from several
// goroutines at once (run with -race), each call checked.
func TestWeightCacheConcurrent(t *testing.T) {
	g := gcGen{rng: NewRNG(71)}
	c := weightCacheCases[1]
	x, w := g.normal(c.x...), g.normal(c.w...)
	want := Conv2d(x, w.Clone(), nil, c.o).data
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for call := 0; call < 5; call++ {
				if y := Conv2d(x, w, nil, c.o).data; !sameBits(y, want) {
					t.Error("a concurrent call differs")
					return
				}
			}
		}()
	}
	wg.Wait()
}
