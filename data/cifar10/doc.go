// Package cifar10 reads the CIFAR-10 dataset (Krizhevsky, Learning
// Multiple Layers of Features from Tiny Images, 2009;
// https://www.cs.toronto.edu/~kriz/cifar.html) in its official binary form
// or as class folders of JPEG or PNG images, and finds it on disk or on the
// network.
//
// # Files
//
// The binary version is six batch files, data_batch_1.bin …
// data_batch_5.bin (50,000 training images) and test_batch.bin (10,000),
// packed as cifar-10-batches-bin/ in cifar-10-binary.tar.gz. A batch is a
// run of 3,073-byte records: a label 0–9, then a 32×32 image as 1,024 red,
// 1,024 green and 1,024 blue bytes, each plane row-major — already the
// C×H×W layout of data.Bytes. ReadBatch reads one batch, Load a split from
// a folder, and ReadArchive both splits straight from the archive,
// gzip-compressed or not, without unpacking it. Image folders
// (train/<class>/*.jpg, test/<class>/*.jpg, such as cifar10-jpeg.tar.gz)
// are read by package imagefolder.
//
// Every reader returns a *data.Bytes of N×3×32×32 pixels with labels in
// the order of ClassNames. Mean, Std, Normalize, TrainTransforms and
// EvalTransforms give the usual preprocessing and augmentation (pad-4
// random crop, horizontal flip, per-channel normalisation) for a
// data.Loader, which runs them on its goroutines from its seed.
//
// # Errors and panics
//
// The readers take outside input and never panic on it. A batch that is
// not a positive multiple of 3,073 bytes, that ends inside a record, or
// that holds a label above 9 is a *FormatError naming the file (and the
// archive, when in one), the record and its offset; a file that ends early
// wraps io.ErrUnexpectedEOF. A stated size is checked before anything is
// read, and memory grows only as records arrive. In an archive, links,
// absolute names and names with ".." are refused (see imagefolder.WalkTar),
// as is a batch that appears twice; a missing batch wraps fs.ErrNotExist.
//
// # Where the data comes from
//
// Open takes the CLI's --data value, "cifar10" or "cifar10:PATH", where
// PATH is a folder of binary batches, the binary archive, or a folder or
// archive of image folders. Without a PATH, (*Locator).Open looks in
// $CONVNET_DATA, then in the cache folder
// (os.UserCacheDir()/convnet/cifar10), then at
// ../shared/data/cifar10-jpeg.tar.gz relative to the working folder, and
// then downloads
// https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz into the cache
// folder — only if Locator.Download is set; otherwise it returns an error
// that says how to get the data. The download is written to a temporary
// file and renamed into place only after its size (170,052,171 bytes),
// MD5 (c32a1d4ab5d03f1284b67883e8d87530, as published and as torchvision
// checks) and SHA-256 (c4a38c50…bca1dd, as TensorFlow Datasets records)
// match; a cached archive is checked again against all three as it is read.
package cifar10
