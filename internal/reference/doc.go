// Package reference holds plain float64 implementations of the forward pass
// of every differentiable op of package tensor, for tests only.
//
// Each function is the naive loop that the op's definition spells out — the
// PyTorch documentation's formula, or the loop of its reference CPU kernel —
// written without looking at package tensor, so that it is a second opinion
// rather than a copy. Nothing here is fast and nothing needs to be: tests
// take central finite differences of these functions to check the analytic
// gradients of package tensor, which is why they are in float64.
//
// Arguments are trusted: a shape mismatch panics with a message.
package reference
