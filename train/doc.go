// Package train runs the training loop of a classifier: batches from a
// data.Loader through a model, cross-entropy, backward, an optimizer step
// and a per-step learning-rate schedule; evaluation after every epoch;
// metrics to a JSON-lines file and plots at the end; a checkpoint written
// atomically after every epoch, from which Run resumes exactly where it
// stopped.
//
// A run is deterministic: with the same seed, data and thread count it ends
// with the same weights, bit for bit, whether or not it was interrupted and
// resumed in between.
package train
