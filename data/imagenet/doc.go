// Package imagenet holds what a model trained on ImageNet (ILSVRC-2012) needs
// at inference time: the 1000 class names and the evaluation preprocessing
// of torchvision's reference scripts.
//
// # Classes
//
// Classes returns the names torchvision gives the 1000 classes
// (torchvision.models._meta._IMAGENET_CATEGORIES), in class-index order, as
// the weights that torchvision publishes use them. The list is embedded from
// classes.txt, which tools/parity/gen_torchvision_logits.py --classes writes.
//
// # Preprocessing
//
// Preprocess and PrepareImage make a 3×224×224 float32 tensor (C×H×W,
// row-major) of an image, as torchvision's
//
//	transforms.Compose([
//	    transforms.Resize(256),
//	    transforms.CenterCrop(224),
//	    transforms.ToTensor(),
//	    transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
//	])
//
// does on a PIL image converted to RGB: the shorter side scaled to 256 and the
// longer to ⌊256·long/short⌋, bilinear with antialiasing; the central 224×224
// square kept (its offset rounded half to even, as Python's round); values in
// [0, 1], then (x − mean)/std per channel.
//
// The scaling is golang.org/x/image/draw's BiLinear kernel (a triangle
// filter of support 1). Like Pillow's BILINEAR resampling, which torchvision
// uses for PIL images, it widens the filter by the scale factor when it
// shrinks (that is the antialiasing), samples at pixel centres, normalises
// the weights of each output pixel, and filters the rows first and then the
// columns. It differs in rounding: Pillow works in fixed point and rounds
// to 8 bits after each of the two passes; x/image/draw keeps float64
// between them and gives 16 bits, which this package rounds to 8 as Pillow
// does at the end. So a value may be one 8-bit level away from
// torchvision's (1/255/std, at most 0.0175 after normalisation), never
// more, and without bias: on the smooth, noisy, grayscale and transparent,
// shrunk and enlarged images of the parity test, 14–24% of the values are
// one level off and the mean difference is under 0.01 levels. (Rounding by
// truncation, as x/image/draw does when it writes an 8-bit *image.RGBA,
// would be biased by up to 0.15 levels.) An image whose shorter side is
// already 256 is not resampled and matches exactly. JPEG decoding adds its
// own small differences: Go's image/jpeg upsamples chroma by replication,
// libjpeg (under Pillow) smoothly.
//
// Transparent pixels keep their colour and lose their alpha, as Pillow's
// convert("RGB") does.
//
// # Errors
//
// Preprocess reads outside input: it returns an error for an unreadable or
// unsupported image, and checks the declared size against a pixel limit
// before decoding. Nothing here panics on outside input.
package imagenet
