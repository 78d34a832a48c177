package tensor

import (
	"fmt"
	"math"

	"github.com/convnet/convnet/internal/kernel"
)

var opLocalResponseNorm = registerOp("local_response_norm")

// LocalResponseNorm normalises each element of x (N×C×…) by its neighbours
// across channels, with torch's formula:
//
//	b_c = a_c / (k + α/n · Σ_{c' = c−⌊n/2⌋}^{c+⌊(n−1)/2⌋} a_{c'}²)^β
//
// Note that torch divides α by the window size n, where the AlexNet paper
// (§3.3) does not: the paper's α = 1e-4 is α = 5e-4 here for n = 5.
func LocalResponseNorm(x *Tensor, size int, alpha, beta, k float64) *Tensor {
	if len(x.shape) < 3 || size < 1 {
		panic(fmt.Sprintf("tensor: LocalResponseNorm of %v with size %d", x.shape, size))
	}
	n, c := x.shape[0], x.shape[1]
	plane := len(x.data) / max(1, n*c)
	out := result(cloneInts(x.shape), x)
	scale := x.arena.buffer(len(x.data)) // k + α/n·Σa², kept for backward
	lo, hi := size/2, (size-1)/2
	an := float32(alpha / float64(size))
	kernel.Parallel(n, 1, func(b0, b1 int) {
		for b := b0; b < b1; b++ {
			base := b * c * plane
			for ch := 0; ch < c; ch++ {
				s := scale[base+ch*plane : base+(ch+1)*plane]
				for i := range s {
					s[i] = 0
				}
				for cc := max(0, ch-lo); cc <= min(c-1, ch+hi); cc++ {
					a := x.data[base+cc*plane : base+(cc+1)*plane]
					for i, v := range a {
						s[i] += v * v
					}
				}
				o := out.data[base+ch*plane : base+(ch+1)*plane]
				a := x.data[base+ch*plane:]
				for i := range s {
					s[i] = float32(k) + an*s[i]
					o[i] = a[i] * float32(math.Pow(float64(s[i]), -beta))
				}
			}
		}
	})
	return record(out, opLocalResponseNorm, func(out *Tensor) {
		dst, bg := gradSlot(x)
		g := out.grad.data
		// dx_j = g_j·s_j^−β − 2αβ/n · x_j · Σ_{c: j ∈ W(c)} g_c·y_c/s_c
		kernel.Parallel(n, 1, func(b0, b1 int) {
			t := make([]float32, c*plane) // g_c·y_c/s_c
			for b := b0; b < b1; b++ {
				base := b * c * plane
				for i := range t {
					t[i] = g[base+i] * out.data[base+i] / scale[base+i]
				}
				for ch := 0; ch < c; ch++ {
					d := dst[base+ch*plane : base+(ch+1)*plane]
					for i := range d {
						var acc float32
						for cc := max(0, ch-hi); cc <= min(c-1, ch+lo); cc++ {
							acc += t[cc*plane+i]
						}
						j := base + ch*plane + i
						v := g[j]*float32(math.Pow(float64(scale[j]), -beta)) - 2*an*float32(beta)*x.data[j]*acc
						if bg != 0 {
							v += d[i]
						}
						d[i] = v
					}
				}
			}
		})
	}, x)
}
