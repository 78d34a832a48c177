// Package nn holds the layers of convolutional networks and the Module
// machinery that names their parameters and buffers as PyTorch does
// (children of a Sequential by index: "features.0.weight"), switches them
// between training and evaluation, and counts them.
//
// A module is any type that embeds Base and has a Forward method; its
// Forward may be any Go code, which is how Inception branches and residual
// additions are written. Constructors take the random generator that draws
// the initial weights, so a seeded program builds the same network every
// time. Initialisations follow torch's defaults.
//
// A ForwardHook set with SetForwardHook observes each layer's input and
// output as a forward pass runs, which is how the summary package measures
// a network; without one a layer pays a nil check.
//
// Errors and panics: building a layer with impossible sizes and feeding a
// layer a tensor of the wrong shape are programmer errors and panic with a
// message naming the layer and the shapes.
package nn
