package weights

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"unicode/utf8"
	"unsafe"

	"github.com/convnet/convnet/internal/atomicfile"
)

// The safetensors format (https://github.com/huggingface/safetensors): an
// 8-byte little-endian header length N, N bytes of JSON, then the tensor
// bytes. The JSON maps each tensor name to {"dtype", "shape",
// "data_offsets": [begin, end]} with offsets relative to the byte after the
// header, and may hold "__metadata__": {string: string}.

// maxHeaderSize is the reference implementation's MAX_HEADER_SIZE.
const maxHeaderSize = 100_000_000

// chunkSize is how much tensor data is read and converted at a time.
const chunkSize = 64 << 10

type stEntry struct {
	name       string
	dt         dtype
	shape      []int
	begin, end int64
	at         int64 // header offset of the entry, for errors
}

// ReadSafetensors reads a safetensors file. F16 and BF16 tensors are
// converted to float32 exactly.
func ReadSafetensors(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	file, err := decodeSafetensors(f, st.Size())
	return file, withPath(path, err)
}

// DecodeSafetensors decodes a safetensors file held in memory. It
// allocates at most 2×len(b) plus a few MiB, whatever b holds.
func DecodeSafetensors(b []byte) (*File, error) {
	return decodeSafetensors(bytes.NewReader(b), int64(len(b)))
}

func stErr(off int64, key, format string, args ...any) *FormatError {
	return &FormatError{Format: "safetensors", Key: key, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func decodeSafetensors(r io.ReaderAt, size int64) (*File, error) {
	bud := newBudget(size, "safetensors")
	var lenBuf [8]byte
	if size < 8 {
		return nil, &FormatError{Format: "safetensors", Offset: 0, Msg: fmt.Sprintf("file of %d bytes is shorter than the 8-byte header length", size), Err: io.ErrUnexpectedEOF}
	}
	if err := readAt(r, lenBuf[:], 0, "safetensors"); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > maxHeaderSize {
		return nil, stErr(0, "", "header length %d exceeds the format's limit of %d bytes", n, maxHeaderSize)
	}
	if int64(n) > size-8 {
		return nil, &FormatError{Format: "safetensors", Offset: 0, Msg: fmt.Sprintf("header length %d exceeds the %d bytes after it", n, size-8), Err: io.ErrUnexpectedEOF}
	}
	if n < 2 {
		return nil, stErr(0, "", "header length %d is too short for a JSON object", n)
	}
	if err := bud.charge(int64(n), "safetensors header"); err != nil {
		return nil, err
	}
	hdr := make([]byte, n)
	if err := readAt(r, hdr, 8, "safetensors"); err != nil {
		return nil, err
	}
	entries, meta, err := parseSafetensorsHeader(hdr, bud)
	if err != nil {
		return nil, err
	}
	dataStart := 8 + int64(n)
	dataLen := size - dataStart

	// Offsets: inside the data, and laid end to end in offset order with
	// neither gap nor overlap, as the reference implementation requires.
	for _, e := range entries {
		if e.end > dataLen {
			return nil, stErr(e.at, e.name, "data_offsets [%d, %d] end past the %d bytes of tensor data", e.begin, e.end, dataLen)
		}
		cnt, err := numel(e.shape, math.MaxInt64/8)
		if err != nil {
			return nil, stErr(e.at, e.name, "%v", err)
		}
		if want := cnt * dtypeSize[e.dt]; e.end-e.begin != want {
			return nil, stErr(e.at, e.name, "data_offsets [%d, %d] hold %d bytes; shape %v of %s needs %d",
				e.begin, e.end, e.end-e.begin, e.shape, dtypeName(e.dt), want)
		}
	}
	sort.SliceStable(entries, func(i, j int) bool {
		if entries[i].begin != entries[j].begin {
			return entries[i].begin < entries[j].begin
		}
		return entries[i].end < entries[j].end
	})
	pos := int64(0)
	prev := ""
	for _, e := range entries {
		switch {
		case e.begin < pos:
			return nil, stErr(e.at, e.name, "data_offsets [%d, %d] overlap tensor %q, which ends at %d", e.begin, e.end, prev, pos)
		case e.begin > pos && prev == "":
			return nil, stErr(e.at, e.name, "data_offsets [%d, %d] leave a gap of %d bytes at the start of the data", e.begin, e.end, e.begin-pos)
		case e.begin > pos:
			return nil, stErr(e.at, e.name, "data_offsets [%d, %d] leave a gap of %d bytes after tensor %q", e.begin, e.end, e.begin-pos, prev)
		}
		pos, prev = e.end, e.name
	}
	if pos != dataLen {
		return nil, stErr(dataStart+pos, "", "%d bytes after the last tensor belong to none", dataLen-pos)
	}

	// Every size is now known and checked against the file: charge the
	// output, then read it.
	if err := bud.charge(int64(len(entries))*int64(unsafe.Sizeof(Tensor{})), "tensor list"); err != nil {
		return nil, err
	}
	out := &File{Tensors: make([]Tensor, 0, len(entries)), Metadata: meta}
	for _, e := range entries {
		cnt := (e.end - e.begin) / dtypeSize[e.dt]
		if err := bud.charge(4*cnt, "tensor data"); err != nil {
			return nil, err
		}
	}
	if err := bud.charge(chunkSize, "read buffer"); err != nil {
		return nil, err
	}
	buf := make([]byte, chunkSize)
	for _, e := range entries {
		data := make([]float32, (e.end-e.begin)/dtypeSize[e.dt])
		if err := readConverted(r, data, dataStart+e.begin, e.dt, buf, "safetensors"); err != nil {
			return nil, err
		}
		out.Tensors = append(out.Tensors, Tensor{Name: e.name, Shape: e.shape, Data: data})
	}
	return out, nil
}

// readAt fills p from r at off; a short read is io.ErrUnexpectedEOF.
func readAt(r io.ReaderAt, p []byte, off int64, format string) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return &FormatError{Format: format, Offset: off + int64(n), Msg: "reading", Err: err}
}

// readConverted reads len(dst) elements of type dt at off, chunk by chunk.
func readConverted(r io.ReaderAt, dst []float32, off int64, dt dtype, buf []byte, format string) error {
	size := int(dtypeSize[dt])
	per := len(buf) / size
	for len(dst) > 0 {
		k := min(per, len(dst))
		chunk := buf[:k*size]
		if err := readAt(r, chunk, off, format); err != nil {
			return err
		}
		decodeInto(dst[:k], chunk, dt)
		dst = dst[k:]
		off += int64(len(chunk))
	}
	return nil
}

func dtypeName(dt dtype) string {
	return [...]string{dtF32: "F32", dtF16: "F16", dtBF16: "BF16", dtF64: "F64", dtI64: "I64"}[dt]
}

// parseSafetensorsHeader reads the JSON header into entries in header
// order and the metadata.
func parseSafetensorsHeader(hdr []byte, bud *budget) ([]stEntry, map[string]string, error) {
	s := &jsonScanner{b: hdr, bud: bud, off: 8}
	if !utf8.Valid(hdr) {
		return nil, nil, stErr(8, "", "header is not valid UTF-8")
	}
	if hdr[0] != '{' {
		return nil, nil, stErr(8, "", "header does not start with '{'")
	}
	var entries []stEntry
	var meta map[string]string
	err := s.object(0, func(key string) error {
		if key == "__metadata__" {
			if s.peek() == 'n' {
				return s.literal("null")
			}
			if err := bud.charge(mapCost, "safetensors header"); err != nil {
				return err
			}
			meta = map[string]string{}
			return s.object(1, func(k string) error {
				if s.peek() != '"' {
					return s.errorf("__metadata__ value of %q is not a string", k)
				}
				v, err := s.str()
				if err != nil {
					return err
				}
				if err := bud.charge(mapEntry40, "safetensors header"); err != nil {
					return err
				}
				meta[k] = v
				return nil
			})
		}
		if key == "" {
			return s.errorf("a tensor has an empty name")
		}
		e, err := parseTensorInfo(s, key)
		if err != nil {
			return err
		}
		entries, err = appendCharged(bud, entries, e, "safetensors header")
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if s.peek() != 0 {
		return nil, nil, s.errorf("data after the header's object")
	}
	return entries, meta, nil
}

func parseTensorInfo(s *jsonScanner, name string) (stEntry, error) {
	e := stEntry{name: name, at: s.off + int64(s.i)}
	var haveDtype, haveShape, haveOffsets bool
	var dtypeStr string
	err := s.object(1, func(key string) error {
		switch key {
		case "dtype":
			haveDtype = true
			v, err := s.str()
			dtypeStr = v
			return err
		case "shape":
			haveShape = true
			e.shape = []int{}
			return s.array(2, func() error {
				d, err := s.uint(math.MaxInt64)
				if err != nil {
					return err
				}
				e.shape, err = appendCharged(s.bud, e.shape, int(d), "safetensors header")
				return err
			})
		case "data_offsets":
			haveOffsets = true
			var offs [2]int64
			n := 0
			err := s.array(2, func() error {
				if n == 2 {
					return s.errorf("data_offsets of %q has more than two numbers", name)
				}
				v, err := s.uint(math.MaxInt64)
				offs[n] = int64(v)
				n++
				return err
			})
			if err != nil {
				return err
			}
			if n != 2 {
				return s.errorf("data_offsets of %q must be [begin, end]", name)
			}
			e.begin, e.end = offs[0], offs[1]
			return nil
		default:
			return s.skip(1) // unknown fields are ignored, as by the reference implementation
		}
	})
	if err != nil {
		return e, err
	}
	switch {
	case !haveDtype:
		return e, stErr(e.at, name, "tensor has no dtype")
	case !haveShape:
		return e, stErr(e.at, name, "tensor has no shape")
	case !haveOffsets:
		return e, stErr(e.at, name, "tensor has no data_offsets")
	case e.end < e.begin:
		return e, stErr(e.at, name, "data_offsets [%d, %d] end before they begin", e.begin, e.end)
	}
	switch dtypeStr {
	case "F32":
		e.dt = dtF32
	case "F16":
		e.dt = dtF16
	case "BF16":
		e.dt = dtBF16
	case "F64":
		e.dt = dtF64
	case "I64":
		if !isBatchCount(name) {
			return e, stErr(e.at, name, "dtype I64 is not supported: only num_batches_tracked may be an integer tensor; the others must be F32, F16, BF16 or F64")
		}
		e.dt = dtI64
	default:
		return e, stErr(e.at, name, "dtype %q is not supported (F32, F16, BF16 and F64 are read, as float32)", dtypeStr)
	}
	return e, nil
}

// EncodeSafetensors writes the tensors as a safetensors file of F32
// tensors, in the order given, with the metadata (which may be nil).
func EncodeSafetensors(w io.Writer, ts []Tensor, metadata map[string]string) error {
	if err := checkTensors(ts); err != nil {
		return err
	}
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("weights: metadata %q is not valid UTF-8", k)
		}
	}
	var h bytes.Buffer
	h.WriteByte('{')
	if len(metadata) > 0 {
		h.WriteString(`"__metadata__":{`)
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				h.WriteByte(',')
			}
			writeJSONString(&h, k)
			h.WriteByte(':')
			writeJSONString(&h, metadata[k])
		}
		h.WriteByte('}')
	}
	off := int64(0)
	for i, t := range ts {
		if t.Name == "__metadata__" {
			return fmt.Errorf("weights: a tensor may not be named __metadata__")
		}
		if i > 0 || len(metadata) > 0 {
			h.WriteByte(',')
		}
		writeJSONString(&h, t.Name)
		h.WriteString(`:{"dtype":"F32","shape":[`)
		for j, d := range t.Shape {
			if j > 0 {
				h.WriteByte(',')
			}
			fmt.Fprint(&h, d)
		}
		end := off + 4*int64(len(t.Data))
		fmt.Fprintf(&h, `],"data_offsets":[%d,%d]}`, off, end)
		off = end
	}
	h.WriteByte('}')
	// Pad with spaces so that the data starts 8-byte aligned, as the
	// reference implementation does.
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	bw := bufio.NewWriterSize(w, chunkSize)
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(h.Len()))
	bw.Write(lenBuf[:])
	bw.Write(h.Bytes())
	var b [4]byte
	for _, t := range ts {
		for _, v := range t.Data {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			bw.Write(b[:])
		}
	}
	return bw.Flush()
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s) // a string always marshals; invalid UTF-8 becomes U+FFFD
	b.Write(enc)
}

// WriteSafetensors writes the tensors to path atomically: a reader sees
// the old file or the new one, never a part.
func WriteSafetensors(path string, ts []Tensor, metadata map[string]string) error {
	return atomicfile.Write(path, func(w io.Writer) error { return EncodeSafetensors(w, ts, metadata) })
}
