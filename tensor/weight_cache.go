package tensor

import (
	"bytes"
	"sync"
	"unsafe"

	"github.com/convnet/convnet/internal/kernel"
)

// A convolution's GEMMs read its weights packed (and, for Winograd,
// transformed first), which takes a pass over them on every call: AlexNet's
// first layer spent 7% of its time so. Inference calls a layer with the
// same weights again and again, so the packed forms of weights that take
// no gradient are kept between calls, each with a copy of the weights it
// was made from. Every use compares the weights with that copy, bit for
// bit, so that weights changed in any way (an optimizer's step, a load, a
// write through Data) are packed again: the comparison reads the weights
// once, in order, where packing them reads them with a stride and writes
// them. A form is kept from the second call that finds the same weights at
// the same address, so that weights made anew for every call cost no more
// than before, and the forms kept are bounded in all (SetWeightCache).

// packedWeights is a convolution's weights as its GEMMs read them.
type packedWeights struct {
	rows    []kernel.RowsA
	bufs    [][]float32 // what rows read, kept alive with them
	scratch bool        // bufs came from kernel.GetScratch
}

// release gives back scratch buffers; a kept form is left to the cache.
func (pw *packedWeights) release() {
	if pw.scratch {
		for _, b := range pw.bufs {
			kernel.PutScratch(b)
		}
	}
}

// buffer returns n floats for the form: scratch, or memory of its own when
// the form is to be kept.
func (pw *packedWeights) buffer(n int) []float32 {
	var b []float32
	if pw.scratch {
		b = kernel.GetScratch(n)
	} else {
		b = make([]float32, n)
	}
	pw.bufs = append(pw.bufs, b)
	return b
}

// floats is how much memory the form holds.
func (pw *packedWeights) floats() int {
	n := 0
	for _, b := range pw.bufs {
		n += cap(b)
	}
	return n
}

// formShape is a transform's kind and the sizes it depends on.
type formShape [12]int

// formKey names one packed form of one tensor's weights: where they lie,
// how many, and which transform with the sizes it depends on.
type formKey struct {
	addr uintptr
	n    int
	form formShape
}

type keptForm struct {
	weights []float32 // the weights it was made from
	packed  packedWeights
	used    uint64
}

// formCache holds the kept forms.
type formCache struct {
	mu     sync.Mutex
	forms  map[formKey]*keptForm
	seen   map[formKey]uint64 // forms met once, with their weights' fingerprint
	floats int                // held by the kept forms, their weights' copies included
	limit  int
	clock  uint64
}

var weightCache = formCache{forms: map[formKey]*keptForm{}, seen: map[formKey]uint64{}, limit: 64 << 20}

// SetWeightCache bounds the memory that the packed forms of weights kept
// between inference calls take, in bytes (256 MiB unless set); 0 keeps
// none. It drops the forms kept so far.
func SetWeightCache(maxBytes int64) {
	c := &weightCache
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.forms)
	clear(c.seen)
	c.floats = 0
	c.limit = int(max(0, maxBytes) / 4)
}

// packedFor returns the packed form of w that build makes (build fills pw
// from w), kept between calls when keep holds (w takes no gradient). The
// caller releases it.
func packedFor(w []float32, keep bool, form formShape, build func(pw *packedWeights)) packedWeights {
	if !keep || len(w) == 0 {
		pw := packedWeights{scratch: true}
		build(&pw)
		return pw
	}
	c := &weightCache
	key := formKey{addr: addrOf(w), n: len(w), form: form}
	c.mu.Lock()
	f := c.forms[key]
	if f != nil {
		c.clock++
		f.used = c.clock
	}
	c.mu.Unlock()
	if f != nil && sameBits(f.weights, w) {
		return f.packed
	}
	fp := fingerprint(w)
	c.mu.Lock()
	second := c.limit > 0 && c.seen[key] == fp
	if !second {
		if len(c.seen) >= 1024 {
			clear(c.seen)
		}
		c.seen[key] = fp
	}
	c.mu.Unlock()
	pw := packedWeights{scratch: !second}
	build(&pw)
	if second {
		c.insert(key, &keptForm{weights: append([]float32(nil), w...), packed: pw})
	}
	return pw
}

// insert keeps f under key unless it alone passes the limit, dropping the
// forms used least recently until all fit.
func (c *formCache) insert(key formKey, f *keptForm) {
	size := len(f.weights) + f.packed.floats()
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.seen, key)
	if size > c.limit {
		return
	}
	if old := c.forms[key]; old != nil {
		c.floats -= len(old.weights) + old.packed.floats()
	}
	c.clock++
	f.used = c.clock
	c.forms[key] = f
	c.floats += size
	for c.floats > c.limit {
		var oldest formKey
		var least *keptForm
		for k, g := range c.forms {
			if least == nil || g.used < least.used {
				oldest, least = k, g
			}
		}
		// Whoever still holds the dropped form keeps it alive until done.
		delete(c.forms, oldest)
		c.floats -= len(least.weights) + least.packed.floats()
	}
}

// addrOf is where w's floats lie.
func addrOf(w []float32) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(w))) }

// sameBits reports whether a and b hold the same floats, bit for bit (a
// NaN matches itself; 0 does not match −0).
func sameBits(a, b []float32) bool {
	return len(a) == len(b) && bytes.Equal(floatBytes(a), floatBytes(b))
}

func floatBytes(f []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(f))), 4*len(f))
}

// fingerprint hashes 64 of w's floats spread over it (FNV-1a): enough to
// tell weights met before from new ones at the same address, the full
// comparison being sameBits's.
func fingerprint(w []float32) uint64 {
	h := uint64(14695981039346656037)
	step := max(1, len(w)/64)
	for i := 0; i < len(w); i += step {
		h ^= uint64(*(*uint32)(unsafe.Pointer(&w[i])))
		h *= 1099511628211
	}
	return h ^ uint64(len(w))
}

// The transforms whose forms packedFor keeps.
const (
	formWinograd = iota + 1
	formPhased
	formImplicit
)

// weightForm names the transform kind of p's weights and the geometry it
// depends on.
func (p *convPlan) weightForm(kind int) formShape {
	g := &p.geom
	return formShape{kind, p.cout, p.groups, g.C, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.DH, g.DW}
}
