// Package kernel holds the float32 compute of convnet on plain slices: GEMM
// (packed, over shifted views for implicit convolutions, and as dot
// products), im2col/col2im, the transforms of Winograd's F(2×2, 3×3),
// pooling, element-wise maps and reductions.
//
// It knows nothing of tensors, autograd or models. Every function takes its
// operands as slices plus sizes, writes into a destination the caller owns and
// checks its arguments: a size that does not fit the slices is a programmer
// error and panics with a message naming both.
//
// Work is split across cores by one persistent worker pool sized by
// GOMAXPROCS (see Parallel); small problems run on the calling goroutine.
package kernel
