// Package imagefolder reads class-per-folder image datasets, the layout of
// torchvision's ImageFolder, from a folder or straight from a .tar or
// .tar.gz archive, and decodes them once into memory.
//
// # Layout and order
//
// A split (such as "train") holds one folder per class; each class folder
// holds JPEG and PNG files (".jpg", ".jpeg", ".png", any case), in
// subfolders too; other files are skipped. Classes are numbered in sorted
// order of their names, and a class's images are taken in sorted order of
// their folder and then their name — torchvision's order
// (find_classes and make_dataset in torchvision/datasets/folder.py), so
// that labels and indexes agree with a PyTorch program reading the same
// files. As there, every folder is a class, hidden ones included, and a
// class without an image is an error. In an archive the split is found
// under any one prefix: Open("cifar10-jpeg.tar.gz", "train", nil) reads
// cifar10-jpeg/train/<class>/*.jpg without unpacking anything, and
// OpenSplits reads several splits in one pass over the archive.
//
// # Decoding
//
// Each file's header is read with image.DecodeConfig first: its format must
// be JPEG or PNG and its declared size at most Options.MaxPixels, and all
// images of a split must share one size (nothing is resized; the error
// names the first entry that differs and the one it differs from). The
// images are then decoded on Options.Workers goroutines into one
// N×3×H×W uint8 cache (a *data.Bytes), so that epochs never decode again
// and a data.Loader's transforms run on bytes already in memory. Grey
// images are repeated into three channels and alpha is dropped, as PIL's
// convert("RGB") in torchvision's default loader. Go's image/jpeg is not
// libjpeg: a JPEG's pixels may differ from PIL's by a few levels.
//
// # Errors and panics
//
// Folders and archives are outside input: nothing in them makes this
// package panic. Every problem is an *Error naming the folder or archive
// and the entry: a corrupt image (wrapping the decoder's error), images of
// different sizes, an empty class, a missing split (wrapping
// fs.ErrNotExist), a damaged archive (wrapping the error of archive/tar or
// compress/gzip, io.ErrUnexpectedEOF for one cut short) or input past a
// limit of Options (wrapping ErrLimit). An archive entry that is a link, a
// device or FIFO, or whose name is absolute or holds "..", is refused
// (ErrUnsafeEntry) wherever it is in the archive. Sizes are checked
// before memory is allocated for them: a file's declared size against
// Options.MaxFileBytes, the files held against Options.MaxBytes, an image's
// declared pixels against Options.MaxPixels and the cache against
// Options.MaxBytes. Which entry an error names does not depend on how the
// decoding goroutines were scheduled.
package imagefolder
