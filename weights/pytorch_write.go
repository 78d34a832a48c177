package weights

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"math"
	"strconv"

	"github.com/convnet/convnet/internal/atomicfile"
)

// WritePyTorch writes the tensors as a state dict, an OrderedDict of
// float32 tensors, in the zip format of torch.save, atomically. PyTorch
// reads it with torch.load(path, weights_only=True): the pickle names only
// collections.OrderedDict, torch._utils._rebuild_tensor_v2 and
// torch.FloatStorage.
func WritePyTorch(path string, ts []Tensor) error {
	return atomicfile.Write(path, func(w io.Writer) error { return EncodePyTorch(w, ts) })
}

// torchAlign is the alignment of entry data in torch.save's archives
// (caffe2's inline_container kFieldAlignment), which lets PyTorch map
// storages straight from the file.
const torchAlign = 64

// EncodePyTorch writes what WritePyTorch writes to w.
func EncodePyTorch(w io.Writer, ts []Tensor) error {
	if err := checkTensors(ts); err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	off := int64(0)
	add := func(name string, data []byte, write func(io.Writer) error) error {
		// Pad the local header with an extra field (ID "FB", as torch's
		// writer does) so that the data starts on a 64-byte boundary.
		pad := (torchAlign - (off+30+int64(len(name))+4)%torchAlign) % torchAlign
		extra := make([]byte, 4+pad)
		copy(extra, "FB")
		binary.LittleEndian.PutUint16(extra[2:], uint16(pad))
		n := int64(len(data))
		crc := crc32.ChecksumIEEE(data)
		if write != nil { // a tensor: size and CRC from its float32 data
			var h crcCounter
			write(&h)
			n, crc = h.n, h.crc
		}
		fw, err := zw.CreateRaw(&zip.FileHeader{
			Name: name, Method: zip.Store, Extra: extra,
			CRC32: crc, CompressedSize64: uint64(n), UncompressedSize64: uint64(n),
		})
		if err != nil {
			return err
		}
		if write != nil {
			err = write(fw)
		} else {
			_, err = fw.Write(data)
		}
		off += 30 + int64(len(name)) + int64(len(extra)) + n
		return err
	}
	const dir = "archive/"
	if err := add(dir+"data.pkl", statePickle(ts), nil); err != nil {
		return err
	}
	if err := add(dir+"byteorder", []byte("little"), nil); err != nil {
		return err
	}
	for i, t := range ts {
		data := t.Data
		if err := add(dir+"data/"+strconv.Itoa(i), nil, func(w io.Writer) error { return writeFloats(w, data) }); err != nil {
			return err
		}
	}
	if err := add(dir+"version", []byte("3\n"), nil); err != nil {
		return err
	}
	return zw.Close()
}

type crcCounter struct {
	crc uint32
	n   int64
}

func (c *crcCounter) Write(p []byte) (int, error) {
	c.crc = crc32.Update(c.crc, crc32.IEEETable, p)
	c.n += int64(len(p))
	return len(p), nil
}

func writeFloats(w io.Writer, data []float32) error {
	var buf [4096]byte
	for len(data) > 0 {
		k := min(len(data), len(buf)/4)
		for i, v := range data[:k] {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
		}
		if _, err := w.Write(buf[:4*k]); err != nil {
			return err
		}
		data = data[k:]
	}
	return nil
}

// statePickle writes the pickle of an OrderedDict of contiguous float32
// tensors the way torch.save (pickle protocol 2) does, tensor i in storage
// "i":
//
//	OrderedDict([(name, _rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())), …])
func statePickle(ts []Tensor) []byte {
	var p pickleWriter
	p.op(opProto, 2)
	p.global("collections", "OrderedDict", 0)
	p.op(opEmptyTuple, opReduce, opMark)
	for i, t := range ts {
		p.str(t.Name)
		p.global("torch._utils", "_rebuild_tensor_v2", 1)
		p.op(opMark, opMark)
		p.str("storage")
		p.global("torch", "FloatStorage", 2)
		p.str(strconv.Itoa(i))
		p.str("cpu")
		p.int(int64(len(t.Data)))
		p.op(opTuple, opBinPersID)
		p.int(0)
		stride := make([]int, len(t.Shape))
		n := 1
		for k := len(t.Shape) - 1; k >= 0; k-- {
			stride[k] = n
			n *= t.Shape[k]
		}
		p.ints(t.Shape)
		p.ints(stride)
		p.op(opNewFalse)
		p.global("collections", "OrderedDict", 0)
		p.op(opEmptyTuple, opReduce, opTuple, opReduce)
	}
	p.op(opSetItems, opStop)
	return p.b.Bytes()
}

type pickleWriter struct {
	b        bytes.Buffer
	memoized [3]bool
}

func (p *pickleWriter) op(ops ...byte) { p.b.Write(ops) }

// global writes a GLOBAL the first time and a BINGET of its memo slot
// after, as Python's pickler does.
func (p *pickleWriter) global(module, name string, slot byte) {
	if p.memoized[slot] {
		p.op(opBinGet, slot)
		return
	}
	p.op(opGlobal)
	p.b.WriteString(module + "\n" + name + "\n")
	p.op(opBinPut, slot)
	p.memoized[slot] = true
}

func (p *pickleWriter) str(s string) {
	p.op(opBinUnicode)
	binary.Write(&p.b, binary.LittleEndian, uint32(len(s)))
	p.b.WriteString(s)
}

func (p *pickleWriter) int(v int64) {
	switch {
	case v >= 0 && v < 1<<8:
		p.op(opBinInt1, byte(v))
	case v >= 0 && v < 1<<16:
		p.op(opBinInt2, byte(v), byte(v>>8))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		p.op(opBinInt)
		binary.Write(&p.b, binary.LittleEndian, int32(v))
	default:
		p.op(opLong1, 8)
		binary.Write(&p.b, binary.LittleEndian, v)
	}
}

func (p *pickleWriter) ints(v []int) {
	switch len(v) {
	case 0:
		p.op(opEmptyTuple)
		return
	case 1, 2, 3:
		for _, x := range v {
			p.int(int64(x))
		}
		p.op(opTuple1 + byte(len(v)-1))
		return
	}
	p.op(opMark)
	for _, x := range v {
		p.int(int64(x))
	}
	p.op(opTuple)
}
