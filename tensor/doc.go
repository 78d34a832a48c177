// Package tensor holds the Tensor — a shape and contiguous float32 data in
// NCHW order — its operations, and reverse-mode automatic differentiation.
//
// Semantics follow PyTorch: an operation whose inputs need gradients records
// its backward function on its result; Backward on a scalar runs the graph in
// reverse, accumulates gradients into the leaves' Grad (adding to what is
// already there, as torch does), and releases the graph. An operation none of
// whose inputs needs gradients records nothing, so inference on a frozen model
// builds no graph and is safe from many goroutines at once.
//
// Errors and panics: a shape mismatch in arithmetic the program wrote is a
// programmer error and panics with a message naming the shapes, after every
// argument has been checked. Values that come from outside the program —
// labels for a loss, for example — are checked and reported as errors.
//
// Memory: results are allocated from the Arena of their inputs when one of
// them has one, so that a training loop that resets its arena each step
// reuses the same buffers instead of allocating new ones.
package tensor
