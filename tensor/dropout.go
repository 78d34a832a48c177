package tensor

import (
	"fmt"
	"math/rand/v2"
)

var opDropout = registerOp("dropout")

// Dropout zeroes each element with probability p and scales the survivors by
// 1/(1−p), as torch's dropout in training mode; rng makes the mask
// repeatable. With p = 0 it returns x itself; p = 1 zeroes everything.
func Dropout(x *Tensor, p float64, rng *rand.Rand) *Tensor {
	if p < 0 || p > 1 {
		panic(fmt.Sprintf("tensor: Dropout probability %v outside [0, 1]", p))
	}
	if p == 0 {
		return x
	}
	out := result(cloneInts(x.shape), x)
	mask := x.arena.buffer(len(x.data))
	scale := float32(0)
	if p < 1 {
		scale = float32(1 / (1 - p))
	}
	for i := range mask {
		if rng.Float64() < p {
			mask[i] = 0
		} else {
			mask[i] = scale
		}
		out.data[i] = x.data[i] * mask[i]
	}
	return record(out, opDropout, func(out *Tensor) {
		dst, beta := gradSlot(x)
		for i, g := range out.grad.data {
			v := g * mask[i]
			if beta != 0 {
				v += dst[i]
			}
			dst[i] = v
		}
	}, x)
}
