// Package data holds what feeds a training loop: the Dataset interface, a
// Loader that batches, shuffles with a seed and prepares batches on
// background goroutines, and per-example transforms (normalisation, random
// shifts and crops, flips). File formats live in subpackages (data/mnist,
// …), each returning a Dataset.
//
// Determinism: the order of an epoch depends only on the seed and the
// epoch number, and each batch's random transforms on the seed, the epoch
// and the batch index, so results do not depend on how the prefetching
// goroutines are scheduled.
package data
