// Package summary describes a network layer by layer, as torchinfo's
// summary does for PyTorch: each module's state-dict path, type, output
// shape, parameters and multiply-adds, with the totals, the trainable and
// frozen parameters, and the memory of the parameters and of the
// activations. Explain computes the lecture's two cost arguments — one 7×7
// convolution against three stacked 3×3, and GoogLeNet's 1×1 reductions —
// from real layers.
//
// Summarize measures by running one forward pass on a zero image, in
// evaluation mode and with the parameters frozen, and watching every layer
// through an nn.ForwardHook. The pass is on one image whatever the batch:
// every figure that depends on the batch (output shapes, multiply-adds,
// activation memory) is that image's times N, which is exact for any
// network that treats the images of a batch independently, as every
// network of the zoo does in evaluation.
//
// # Counting conventions
//
// The figures follow torchinfo 1.8 (torchinfo/layer_info.py and
// model_statistics.py), so the two can be compared line by line:
//
//   - A convolution's multiply-adds are its parameters (weight and bias)
//     times N·H_out·W_out: out_elements × (in_channels/groups × kH × kW),
//     plus out_elements for the bias.
//   - Any other layer with parameters (Linear, BatchNorm2d) counts N ×
//     its parameters: in × out + out for a Linear layer, 2·C for a batch
//     norm (its scale and shift; the normalisation itself is not counted).
//   - Layers without parameters (ReLU, pooling, dropout, flatten) count
//     zero, and so does arithmetic written in a Forward method outside any
//     layer (a residual addition, a concatenation).
//   - A layer's multiply-adds count each time it runs; a module's row
//     totals the layers below it.
//   - The forward/backward pass size is twice (activations and their
//     gradients) the bytes of the outputs of the layers that have
//     parameters: torchinfo's "Forward/backward pass size". The parameter
//     size is 4 bytes per float32 parameter. Megabytes are 10⁶ bytes.
//
// With these rules a 1×3×224×224 input gives, as torchinfo reports: alexnet
// 0.71 G multiply-adds, vgg16 15.48 G, googlenet 1.50 G, resnet18 1.81 G,
// resnet50 4.09 G.
//
// # Errors
//
// Summarize returns an *InputTooSmallError when a convolution or pooling
// window does not fit the map it is given, naming the layer and showing the
// output-size rule with that layer's numbers, and a *ForwardError for any
// other failure of the forward pass (a Linear layer given the wrong number
// of features, a wrong number of input channels); it never panics on a
// shape.
package summary
