package cifar10

import "github.com/convnet/convnet/data"

// Shape of one CIFAR-10 image, the number of classes and the sizes of the
// official splits (Krizhevsky 2009, and https://www.cs.toronto.edu/~kriz/cifar.html).
const (
	Channels   = 3
	Side       = 32
	NumClasses = 10

	ImageBytes  = Channels * Side * Side // 3,072: 1,024 red, then green, then blue, each row-major
	RecordBytes = 1 + ImageBytes         // 3,073: a label byte, then the image

	TrainCount = 50000 // five batches of 10,000
	TestCount  = 10000
)

// ClassNames are the ten classes in label order, as batches.meta.txt lists
// them (also their sorted folder order).
var ClassNames = [NumClasses]string{
	"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
}

// The per-channel (R, G, B) mean and standard deviation of the training
// set's pixels in [0, 1], taken over all 50,000×32×32 pixels of a channel.
// (The (0.2023, 0.1994, 0.2010) often copied in PyTorch examples is not the
// standard deviation of the pixels but a mean of per-image ones.)
var (
	Mean = [Channels]float32{0.4914, 0.4822, 0.4465}
	Std  = [Channels]float32{0.2470, 0.2435, 0.2616}
)

// Normalize is the per-channel normalisation with Mean and Std.
func Normalize() data.Normalize {
	return data.Normalize{Mean: Mean[:], Std: Std[:]}
}

// TrainTransforms is the standard augmentation of He et al. (2016, §4.2)
// as torchvision writes it — RandomCrop(32, padding=4),
// RandomHorizontalFlip(), ToTensor(), Normalize(Mean, Std) — for a
// data.Loader, which applies it on its worker goroutines from its seed.
// The shift comes before the normalisation so that the border is 0, as
// torchvision pads the image before ToTensor.
func TrainTransforms() []data.Transform {
	return []data.Transform{data.RandomShift{Max: 4}, data.HorizontalFlip{P: 0.5}, Normalize()}
}

// EvalTransforms is the evaluation preprocessing: normalisation only.
func EvalTransforms() []data.Transform {
	return []data.Transform{Normalize()}
}
