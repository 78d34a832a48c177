package tensor

import "fmt"

// broadcastShape returns the shape that a and b broadcast to, by numpy's
// rule: align the trailing dimensions; each pair must agree or one be 1.
func broadcastShape(op string, a, b []int) []int {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := dimFromEnd(a, n-1-i), dimFromEnd(b, n-1-i)
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			panic(fmt.Sprintf("tensor: %s cannot broadcast shapes %v and %v", op, a, b))
		}
	}
	return out
}

func dimFromEnd(s []int, k int) int {
	if k < len(s) {
		return s[len(s)-1-k]
	}
	return 1
}

// broadcastStrides returns, for each dimension of out, the stride of in
// along it: 0 where in is broadcast.
func broadcastStrides(in, out []int) []int {
	st := make([]int, len(out))
	s := 1
	for i := len(out) - 1; i >= 0; i-- {
		k := len(out) - 1 - i
		if d := dimFromEnd(in, k); d != 1 {
			st[i] = s
		}
		s *= dimFromEnd(in, k)
	}
	return st
}

// forEachBroadcast calls fn(i, ia, ib) for every flat index i of out with
// the matching flat indexes into a and b.
func forEachBroadcast(out, a, b []int, fn func(i, ia, ib int)) {
	sa, sb := broadcastStrides(a, out), broadcastStrides(b, out)
	n := checkShape(out)
	if n == 0 {
		return
	}
	idx := make([]int, len(out))
	ia, ib := 0, 0
	for i := 0; i < n; i++ {
		fn(i, ia, ib)
		for d := len(out) - 1; d >= 0; d-- {
			idx[d]++
			ia += sa[d]
			ib += sb[d]
			if idx[d] < out[d] {
				break
			}
			ia -= sa[d] * out[d]
			ib -= sb[d] * out[d]
			idx[d] = 0
		}
	}
}
