package reference

import "fmt"

// MatMul returns the product of a (m×k) and b (k×n).
func MatMul(a, b *Array) *Array {
	if len(a.Shape) != 2 || len(b.Shape) != 2 || a.Shape[1] != b.Shape[0] {
		panic(fmt.Sprintf("reference: matmul %v × %v", a.Shape, b.Shape))
	}
	m, k, n := a.Shape[0], a.Shape[1], b.Shape[1]
	out := New(m, n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				s += a.At(i, p) * b.At(p, j)
			}
			out.Set(s, i, j)
		}
	}
	return out
}

// Linear returns x·wᵀ + bias as torch.nn.functional.linear: x is N×in, w is
// out×in, bias (may be nil) has out elements.
func Linear(x, w, bias *Array) *Array {
	if len(x.Shape) != 2 || len(w.Shape) != 2 || x.Shape[1] != w.Shape[1] {
		panic(fmt.Sprintf("reference: linear %v with weight %v", x.Shape, w.Shape))
	}
	n, in, o := x.Shape[0], x.Shape[1], w.Shape[0]
	out := New(n, o)
	for i := 0; i < n; i++ {
		for j := 0; j < o; j++ {
			var s float64
			if bias != nil {
				s = bias.Data[j]
			}
			for p := 0; p < in; p++ {
				s += x.At(i, p) * w.At(j, p)
			}
			out.Set(s, i, j)
		}
	}
	return out
}
