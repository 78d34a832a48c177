package tensor

import (
	"fmt"

	"github.com/convnet/convnet/internal/kernel"
)

var (
	opMatMul = registerOp("matmul")
	opLinear = registerOp("linear")
)

// MatMul returns the matrix product of 2-D tensors a (m×k) and b (k×n).
func MatMul(a, b *Tensor) *Tensor {
	if len(a.shape) != 2 || len(b.shape) != 2 || a.shape[1] != b.shape[0] {
		panic(fmt.Sprintf("tensor: MatMul shapes %v and %v do not chain", a.shape, b.shape))
	}
	m, k, n := a.shape[0], a.shape[1], b.shape[1]
	out := result([]int{m, n}, a, b)
	kernel.Sgemm(false, false, m, n, k, 1, a.data, k, b.data, n, 0, out.data, n)
	return record(out, opMatMul, func(out *Tensor) {
		g := out.grad.data
		if dst, beta := gradSlot(a); dst != nil { // dA = dC·Bᵀ
			kernel.Sgemm(false, true, m, k, n, 1, g, n, b.data, n, beta, dst, k)
		}
		if dst, beta := gradSlot(b); dst != nil { // dB = Aᵀ·dC
			kernel.Sgemm(true, false, k, n, m, 1, a.data, k, g, n, beta, dst, n)
		}
	}, a, b)
}

// Linear returns x·wᵀ + bias for x of shape N×in, w of shape out×in and an
// optional bias of length out, as torch.nn.functional.linear.
func Linear(x, w, bias *Tensor) *Tensor {
	if len(x.shape) != 2 || len(w.shape) != 2 || x.shape[1] != w.shape[1] {
		panic(fmt.Sprintf("tensor: Linear input %v and weight %v do not match", x.shape, w.shape))
	}
	n, in, outF := x.shape[0], x.shape[1], w.shape[0]
	if bias != nil && (len(bias.shape) != 1 || bias.shape[0] != outF) {
		panic(fmt.Sprintf("tensor: Linear bias %v for weight %v", bias.shape, w.shape))
	}
	out := result([]int{n, outF}, x, w, bias)
	beta := float32(0)
	if bias != nil {
		for i := 0; i < n; i++ {
			copy(out.data[i*outF:(i+1)*outF], bias.data)
		}
		beta = 1
	}
	kernel.Sgemm(false, true, n, outF, in, 1, x.data, in, w.data, in, beta, out.data, outF)
	return record(out, opLinear, func(out *Tensor) {
		g := out.grad.data
		if dst, beta := gradSlot(x); dst != nil { // dX = dY·W
			kernel.Sgemm(false, false, n, in, outF, 1, g, outF, w.data, in, beta, dst, in)
		}
		if dst, beta := gradSlot(w); dst != nil { // dW = dYᵀ·X
			kernel.Sgemm(true, false, outF, in, n, 1, g, outF, x.data, in, beta, dst, in)
		}
		if dst, beta := gradSlot(bias); dst != nil {
			if beta == 0 {
				clear(dst)
			}
			for i := 0; i < n; i++ {
				row := g[i*outF : (i+1)*outF]
				for j, v := range row {
					dst[j] += v
				}
			}
		}
	}, x, w, bias)
}
