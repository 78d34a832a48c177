package weights

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Tensor is one named float32 tensor of a state dict, contiguous in
// row-major order: len(Data) is the product of Shape (1 for a scalar).
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// File is the tensors of a weights file, in file order, and the file's
// string metadata (safetensors' __metadata__; nil for PyTorch files).
type File struct {
	Tensors  []Tensor
	Metadata map[string]string
}

// Lookup returns the tensor named name, or false.
func (f *File) Lookup(name string) (Tensor, bool) {
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// numel returns the product of shape, or an error when a dimension is
// negative or the product exceeds limit (which also rules out overflow).
func numel(shape []int, limit int64) (int64, error) {
	n := int64(1)
	nonzero := int64(1) // product of the non-zero dimensions, bounded the same way
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if d == 0 {
			n = 0
			continue
		}
		if int64(d) > limit/nonzero {
			return 0, fmt.Errorf("shape %v has more elements than the file can hold", shape)
		}
		nonzero *= int64(d)
		n *= int64(d)
	}
	return n, nil
}

// checkTensors validates tensors given to a writer: names unique and
// non-empty, data matching shape.
func checkTensors(ts []Tensor) error {
	seen := make(map[string]bool, len(ts))
	for _, t := range ts {
		if t.Name == "" {
			return fmt.Errorf("weights: a tensor has an empty name")
		}
		if !utf8.ValidString(t.Name) {
			return fmt.Errorf("weights: tensor name %q is not valid UTF-8", t.Name)
		}
		if seen[t.Name] {
			return fmt.Errorf("weights: tensor %q given twice", t.Name)
		}
		seen[t.Name] = true
		n, err := numel(t.Shape, math.MaxInt64)
		if err != nil {
			return fmt.Errorf("weights: tensor %q: %v", t.Name, err)
		}
		if n != int64(len(t.Data)) {
			return fmt.Errorf("weights: tensor %q: shape %v needs %d values, has %d", t.Name, t.Shape, n, len(t.Data))
		}
	}
	return nil
}

// isBatchCount reports whether a state-dict key names BatchNorm's
// num_batches_tracked, the one integer tensor torchvision models carry. It
// is int64 in PyTorch and a float32 scalar here; it alone is converted.
func isBatchCount(key string) bool {
	return key == "num_batches_tracked" || strings.HasSuffix(key, ".num_batches_tracked")
}

// dtype is an element type of a stored tensor.
type dtype int

const (
	dtF32 dtype = iota
	dtF16
	dtBF16
	dtF64
	dtI64
)

var dtypeSize = [...]int64{dtF32: 4, dtF16: 2, dtBF16: 2, dtF64: 8, dtI64: 8}

// decodeInto converts len(dst) little-endian elements of type dt from src
// into dst. src holds exactly len(dst) elements.
func decodeInto(dst []float32, src []byte, dt dtype) {
	switch dt {
	case dtF32:
		for i := range dst {
			dst[i] = math.Float32frombits(le32(src[4*i:]))
		}
	case dtF16:
		for i := range dst {
			dst[i] = halfToFloat(uint16(src[2*i]) | uint16(src[2*i+1])<<8)
		}
	case dtBF16:
		for i := range dst {
			dst[i] = math.Float32frombits((uint32(src[2*i]) | uint32(src[2*i+1])<<8) << 16)
		}
	case dtF64:
		for i := range dst {
			dst[i] = float32(math.Float64frombits(le64(src[8*i:])))
		}
	case dtI64:
		for i := range dst {
			dst[i] = float32(int64(le64(src[8*i:])))
		}
	}
}

func le32(b []byte) uint32 {
	_ = b[3]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(le32(b)) | uint64(le32(b[4:]))<<32
}

// halfToFloat converts an IEEE 754 binary16 value to float32 exactly, as
// c10's fp16_ieee_to_fp32_value does: subnormals, infinities and NaN
// payloads included.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch exp {
	case 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case 0: // zero or subnormal: mant × 2⁻²⁴, exact in float32
		f := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// allocSlack is the fixed allowance, beyond twice the input's size, that
// decoding one file may allocate: room for the bookkeeping of small files.
const allocSlack = 4 << 20

// budget bounds what decoding one input may allocate, so that no file,
// however hostile, can make the reader ask for more memory than about
// twice its own size. Every allocation whose size the input decides is
// charged before it is made.
type budget struct {
	left   int64
	format string
}

func newBudget(size int64, format string) *budget {
	return &budget{left: 2*size + allocSlack, format: format}
}

func (b *budget) charge(n int64, what string) error {
	if n < 0 || n > b.left {
		return &FormatError{Format: b.format, Offset: -1,
			Msg: fmt.Sprintf("%s needs more memory than twice the file's size allows; the file is corrupt or hostile", what)}
	}
	b.left -= n
	return nil
}

// appendCharged appends v to s, doubling the capacity when s is full and
// charging the new array to the budget before allocating it. (The
// built-in append grows large slices by 1.25×, which over a long run
// allocates five times the final size.)
func appendCharged[T any](b *budget, s []T, v T, what string) ([]T, error) {
	if len(s) == cap(s) {
		n := max(8, 2*cap(s))
		if err := b.charge(int64(n)*int64(unsafe.Sizeof(v)), what); err != nil {
			return s, err
		}
		ns := make([]T, len(s), n)
		copy(ns, s)
		s = ns
	}
	return append(s, v), nil
}

// Map entries are charged at about three times their slot size: a Go map
// holds up to 8 slots per 7 entries and doubles as it grows.
const (
	mapCost    = 256 // a new small map
	mapEntry16 = 64  // an entry of up to 16 bytes of key and value
	mapEntry40 = 128 // up to 40 bytes
)
