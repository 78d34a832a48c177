// Package optim holds the optimizers (SGD, Adam, AdamW) and learning-rate
// schedules of torch.optim, with torch's update formulas computed in the same
// order and precision, and state that can be saved and restored so that a
// resumed run continues exactly.
package optim
