package tensor

// Arena recycles the storage of the tensors that a training step creates.
// Results of an op are allocated from the arena of its inputs, so a loop that
// puts each batch in an arena and calls Reset before the next step reuses the
// same buffers, step after step, instead of allocating new ones.
//
// After Reset, every tensor allocated from the arena must no longer be used:
// keep what must outlive a step with Clone. An Arena is not safe for use by
// several goroutines at once; give each goroutine its own.
type Arena struct {
	free     map[int][][]float32 // idle buffers by exact length
	used     [][]float32
	freeInts map[int][][]int32 // the same for index buffers (max pooling)
	usedInts [][]int32
}

// NewArena returns an empty arena.
func NewArena() *Arena {
	return &Arena{free: map[int][][]float32{}, freeInts: map[int][][]int32{}}
}

// Reset makes every buffer handed out since the last Reset available again.
func (a *Arena) Reset() {
	for i, b := range a.used {
		a.free[len(b)] = append(a.free[len(b)], b)
		a.used[i] = nil
	}
	a.used = a.used[:0]
	for i, b := range a.usedInts {
		a.freeInts[len(b)] = append(a.freeInts[len(b)], b)
		a.usedInts[i] = nil
	}
	a.usedInts = a.usedInts[:0]
}

// ints returns an index buffer of n elements with unspecified contents,
// from the arena or, when a is nil, from the heap.
func (a *Arena) ints(n int) []int32 {
	if a == nil {
		return make([]int32, n)
	}
	var b []int32
	if list := a.freeInts[n]; len(list) > 0 {
		b = list[len(list)-1]
		a.freeInts[n] = list[:len(list)-1]
	} else {
		b = make([]int32, n)
	}
	a.usedInts = append(a.usedInts, b)
	return b
}

// alloc returns a buffer of n elements whose contents are unspecified.
func (a *Arena) alloc(n int) []float32 {
	var b []float32
	if list := a.free[n]; len(list) > 0 {
		b = list[len(list)-1]
		a.free[n] = list[:len(list)-1]
	} else {
		b = make([]float32, n)
	}
	a.used = append(a.used, b)
	return b
}

// New returns a zero-filled tensor whose storage, and that of every result
// computed from it, comes from the arena.
func (a *Arena) New(shape ...int) *Tensor {
	t := &Tensor{shape: cloneInts(shape), data: a.alloc(checkShape(shape)), arena: a}
	clear(t.data)
	return t
}

// FromSlice copies data into a tensor of the arena.
func (a *Arena) FromSlice(data []float32, shape ...int) *Tensor {
	n := checkShape(shape)
	if n != len(data) {
		panic("tensor: Arena.FromSlice shape does not match data length")
	}
	t := &Tensor{shape: cloneInts(shape), data: a.alloc(n), arena: a}
	copy(t.data, data)
	return t
}

// View returns a tensor over data itself, not a copy, whose results come
// from the arena: a request's input that a serving loop convolves, its
// outputs recycled by Reset, without copying the input in. data stays the
// caller's: Reset does not recycle it, and it must not change while
// results computed from it are in use.
func (a *Arena) View(data []float32, shape ...int) *Tensor {
	if checkShape(shape) != len(data) {
		panic("tensor: Arena.View shape does not match data length")
	}
	return &Tensor{shape: cloneInts(shape), data: data, arena: a}
}

// arenaOf returns the first arena among the tensors, or nil.
func arenaOf(ts ...*Tensor) *Arena {
	for _, t := range ts {
		if t != nil && t.arena != nil {
			return t.arena
		}
	}
	return nil
}

// buffer returns n elements from the arena, or from the heap when a is nil.
// The contents are unspecified.
func (a *Arena) buffer(n int) []float32 {
	if a == nil {
		return make([]float32, n)
	}
	return a.alloc(n)
}

// result allocates the output of an op over the given inputs, in their
// arena. Its contents are unspecified: the op must write every element.
func result(shape []int, inputs ...*Tensor) *Tensor {
	a := arenaOf(inputs...)
	return &Tensor{shape: shape, data: a.buffer(checkShape(shape)), arena: a}
}
