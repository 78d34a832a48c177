package tensor

import "fmt"

var opConcat = registerOp("concat")

// Concat joins tensors along one axis (negative counts from the end); all
// other dimensions must agree, as torch.cat. Inception modules join their
// branches with Concat(ts, 1).
func Concat(ts []*Tensor, axis int) *Tensor {
	if len(ts) == 0 {
		panic("tensor: Concat of no tensors")
	}
	ts = append([]*Tensor(nil), ts...) // the caller may reuse its slice before Backward
	first := ts[0].shape
	if axis < 0 {
		axis += len(first)
	}
	if axis < 0 || axis >= len(first) {
		panic(fmt.Sprintf("tensor: Concat axis %d for shape %v", axis, first))
	}
	total := 0
	for _, t := range ts {
		if len(t.shape) != len(first) {
			panic(fmt.Sprintf("tensor: Concat shapes %v and %v", first, t.shape))
		}
		for i := range first {
			if i != axis && t.shape[i] != first[i] {
				panic(fmt.Sprintf("tensor: Concat shapes %v and %v differ off axis %d", first, t.shape, axis))
			}
		}
		total += t.shape[axis]
	}
	shape := cloneInts(first)
	shape[axis] = total
	outer, _, inner := splitAt(shape, axis)
	out := result(shape, ts...)
	row := total * inner
	off := 0
	for _, t := range ts {
		w := t.shape[axis] * inner
		for o := 0; o < outer; o++ {
			copy(out.data[o*row+off:o*row+off+w], t.data[o*w:(o+1)*w])
		}
		off += w
	}
	return record(out, opConcat, func(out *Tensor) {
		g := out.grad.data
		off := 0
		for _, t := range ts {
			w := t.shape[axis] * inner
			if dst, beta := gradSlot(t); dst != nil {
				for o := 0; o < outer; o++ {
					src, d := g[o*row+off:o*row+off+w], dst[o*w:(o+1)*w]
					if beta == 0 {
						copy(d, src)
						continue
					}
					for i, v := range src {
						d[i] += v
					}
				}
			}
			off += w
		}
	}, ts...)
}
