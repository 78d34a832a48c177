package weights

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strings"
)

// A PyTorch checkpoint, as torch.save writes it since PyTorch 1.6, is an
// uncompressed zip archive: <name>/data.pkl is a pickle of the saved object
// in which every tensor is a _rebuild_tensor_v2 call on a storage named by
// a persistent id, and <name>/data/<key> holds each storage's bytes,
// little-endian (<name>/byteorder, when present, says so). A tensor is a
// strided view of its storage: several tensors may share one storage, at
// offsets, with any strides.

// legacyMagic starts the files of torch.save before PyTorch 1.6 (and of
// _use_new_zipfile_serialization=False): the pickled magic number
// 0x1950a86a20f9469cfc6c.
var legacyMagic = []byte{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}

// stateDictKeys are the entries of a checkpoint dict that may hold the
// state dict: "state_dict" (PyTorch Lightning, many training scripts),
// "model" (torchvision's reference scripts, detectron) and
// "model_state_dict" (PyTorch's checkpoint tutorial).
var stateDictKeys = []string{"state_dict", "model", "model_state_dict"}

// ReadPyTorch reads the state dict of a .pth or .pt file written by
// torch.save. The state dict is the top-level dict when its values are
// tensors, else the one dict of tensors under "state_dict", "model" or
// "model_state_dict". Float16, bfloat16 and float64 tensors are converted
// to float32; views are made contiguous. Nothing in the file is executed.
func ReadPyTorch(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	file, err := decodePyTorch(f, st.Size())
	return file, withPath(path, err)
}

// DecodePyTorch is ReadPyTorch for a file held in memory. It allocates at
// most 2×len(b) plus a few MiB, whatever b holds.
func DecodePyTorch(b []byte) (*File, error) {
	return decodePyTorch(bytes.NewReader(b), int64(len(b)))
}

func ptErr(key string, off int64, format string, args ...any) *FormatError {
	return &FormatError{Format: "pytorch", Key: key, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func decodePyTorch(r io.ReaderAt, size int64) (*File, error) {
	bud := newBudget(size, "pytorch")
	head := make([]byte, min(size, int64(len(legacyMagic))))
	if err := readAt(r, head, 0, "pytorch"); err != nil {
		return nil, err
	}
	switch {
	case size == 0:
		return nil, ptErr("", 0, "the file is empty")
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
	case bytes.HasPrefix(head, legacyMagic):
		return nil, ptErr("", 0, "legacy format of torch.save before PyTorch 1.6 is not read; load the file in PyTorch and save it again with torch.save (the zip format)")
	case len(head) > 0 && head[0] == 0x80:
		return nil, ptErr("", 0, "a bare pickle, not the zip archive that torch.save writes; refused")
	default:
		return nil, ptErr("", 0, "not a PyTorch zip archive: the file starts with % x, not PK\\x03\\x04", head[:min(len(head), 4)])
	}
	if err := bud.charge(zipDirectoryCost(r, size), "zip directory"); err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // names are only matched, never used as paths
		return nil, &FormatError{Format: "pytorch", Offset: -1, Msg: "not a valid zip archive (truncated or corrupt)", Err: err}
	}

	// Find <name>/data.pkl and index the entries beside it.
	var pkl *zip.File
	for _, f := range zr.File {
		if dir, ok := strings.CutSuffix(f.Name, "/data.pkl"); ok && !strings.Contains(dir, "/") {
			if pkl != nil {
				return nil, ptErr(f.Name, -1, "a second data.pkl (the first is %q)", pkl.Name)
			}
			pkl = f
		}
	}
	if pkl == nil {
		return nil, ptErr("", -1, "no <name>/data.pkl in the zip archive: not a file written by torch.save")
	}
	prefix := strings.TrimSuffix(pkl.Name, "data.pkl")
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		if name, ok := strings.CutPrefix(f.Name, prefix); ok {
			if err := bud.charge(64, "zip index"); err != nil {
				return nil, err
			}
			if _, dup := entries[name]; dup {
				return nil, ptErr(f.Name, -1, "zip entry appears twice")
			}
			entries[name] = f
		}
	}
	if _, ok := entries["constants.pkl"]; ok {
		return nil, ptErr(prefix+"constants.pkl", -1, "a TorchScript archive (torch.jit.save), not a state dict; save model.state_dict() with torch.save instead")
	}
	if f, ok := entries["byteorder"]; ok {
		b, err := readEntry(r, size, f, 16, bud)
		if err != nil {
			return nil, err
		}
		if string(b) != "little" {
			return nil, ptErr(f.Name, -1, "byte order %q is not read; only little-endian files are", b)
		}
	}
	pklBytes, err := readEntry(r, size, pkl, size, bud)
	if err != nil {
		return nil, err
	}
	root, err := unpickle(pklBytes, bud, size)
	if err != nil {
		if fe, ok := err.(*FormatError); ok && fe.Key == "" {
			fe.Key = pkl.Name
		}
		return nil, err
	}
	sd, err := selectStateDict(root)
	if err != nil {
		return nil, err
	}
	return loadTensors(r, size, sd, entries, prefix, bud)
}

// entryRange returns where a stored (uncompressed) entry's bytes lie.
func entryRange(size int64, f *zip.File) (off, n int64, err error) {
	if f.Method != zip.Store {
		return 0, 0, ptErr(f.Name, -1, "entry is compressed (method %d); torch.save stores entries uncompressed, and only such are read", f.Method)
	}
	if f.CompressedSize64 != f.UncompressedSize64 || f.UncompressedSize64 > uint64(size) {
		return 0, 0, ptErr(f.Name, -1, "entry's sizes (%d stored, %d uncompressed) disagree or exceed the file", f.CompressedSize64, f.UncompressedSize64)
	}
	off, err = f.DataOffset()
	if err != nil {
		return 0, 0, &FormatError{Format: "pytorch", Key: f.Name, Offset: -1, Msg: "bad local header", Err: err}
	}
	n = int64(f.UncompressedSize64)
	if off < 0 || off > size-n {
		return 0, 0, &FormatError{Format: "pytorch", Key: f.Name, Offset: off, Msg: fmt.Sprintf("entry of %d bytes runs past the end of the file", n), Err: io.ErrUnexpectedEOF}
	}
	return off, n, nil
}

// readEntry reads a whole stored entry of at most limit bytes and checks
// its CRC.
func readEntry(r io.ReaderAt, size int64, f *zip.File, limit int64, bud *budget) ([]byte, error) {
	off, n, err := entryRange(size, f)
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, ptErr(f.Name, off, "entry of %d bytes is larger than the %d allowed", n, limit)
	}
	if err := bud.charge(n, f.Name); err != nil {
		return nil, err
	}
	b := make([]byte, n)
	if err := readAt(r, b, off, "pytorch"); err != nil {
		return nil, err
	}
	if crc32.ChecksumIEEE(b) != f.CRC32 {
		return nil, ptErr(f.Name, off, "CRC-32 mismatch: the file is corrupt")
	}
	return b, nil
}

// selectStateDict picks the dict of tensors in the unpickled object.
func selectStateDict(root any) (*pyDict, error) {
	d, ok := root.(*pyDict)
	if !ok {
		return nil, ptErr("", -1, "the file holds a %s, not a dict of tensors", kindOf(root))
	}
	if isTensorDict(d) {
		return d, nil
	}
	var found []string
	var sd *pyDict
	for _, k := range stateDictKeys {
		if v, ok := lookup(d, k); ok {
			if vd, ok := v.(*pyDict); ok && isTensorDict(vd) {
				found = append(found, k)
				sd = vd
			}
		}
	}
	switch len(found) {
	case 1:
		return sd, nil
	case 0:
		var desc []string
		for i, k := range d.keys {
			if len(desc) == 12 {
				desc = append(desc, fmt.Sprintf("… (%d more)", len(d.keys)-i))
				break
			}
			desc = append(desc, fmt.Sprintf("%v: %s", pyRepr(k), kindOf(d.vals[i])))
		}
		return nil, ptErr("", -1, "no state dict found: the top-level dict {%s} is not a dict of tensors, and none of %q holds one",
			strings.Join(desc, ", "), stateDictKeys)
	}
	return nil, ptErr("", -1, "ambiguous: the entries %q each hold a dict of tensors; extract the one you want in PyTorch and save it alone", found)
}

func pyRepr(k any) string {
	if s, ok := k.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(k)
}

func lookup(d *pyDict, key string) (any, bool) {
	if j, ok := d.index[dictKey{kind: 's', s: key}]; ok {
		return d.vals[j], true
	}
	return nil, false
}

func isTensorDict(d *pyDict) bool {
	for i, k := range d.keys {
		if _, ok := k.(string); !ok {
			return false
		}
		if _, ok := d.vals[i].(*pyTensor); !ok {
			return false
		}
	}
	return true
}

// loading is one tensor of the state dict on its way out.
type loading struct {
	t     *pyTensor
	n     int64 // elements
	data  []float32
	index int // in the output
}

// loadTensors reads every storage that the state dict's tensors view, once
// each, and copies each view out in row-major order.
func loadTensors(r io.ReaderAt, size int64, sd *pyDict, entries map[string]*zip.File, prefix string, bud *budget) (*File, error) {
	out := &File{Tensors: make([]Tensor, len(sd.keys))}
	if err := bud.charge(int64(len(sd.keys))*(64+48), "tensor list"); err != nil {
		return nil, err
	}
	var order []*pyStorage
	groups := map[*pyStorage][]*loading{}
	for i, k := range sd.keys {
		name := k.(string)
		if name == "" {
			return nil, ptErr("", -1, "a tensor has an empty name")
		}
		t := sd.vals[i].(*pyTensor)
		s := t.storage
		switch {
		case !s.ok:
			return nil, ptErr(name, -1, "torch.%s tensors are not read; only float32, float16, bfloat16 and float64 ones are (and int64 num_batches_tracked)", s.typeName)
		case s.dt == dtI64 && !isBatchCount(name):
			return nil, ptErr(name, -1, "int64 tensor (torch.LongStorage): only num_batches_tracked may be an integer tensor")
		}
		shape := make([]int, len(t.shape))
		for j, d := range t.shape {
			shape[j] = int(d)
		}
		n, err := numel(shape, size+allocSlack)
		if err != nil {
			return nil, ptErr(name, -1, "%v", err)
		}
		if err := bud.charge(4*n+8*int64(len(shape)), fmt.Sprintf("tensor %q", name)); err != nil {
			return nil, err
		}
		l := &loading{t: t, n: n, data: make([]float32, n), index: i}
		out.Tensors[i] = Tensor{Name: name, Shape: shape, Data: l.data}
		if _, ok := groups[s]; !ok {
			order = append(order, s)
		}
		groups[s] = append(groups[s], l)
	}
	if len(order) == 0 {
		return out, nil
	}
	if err := bud.charge(chunkSize, "read buffer"); err != nil {
		return nil, err
	}
	buf := make([]byte, chunkSize)
	for _, s := range order {
		if err := readStorage(r, size, s, groups[s], entries, prefix, buf, bud); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func readStorage(r io.ReaderAt, size int64, s *pyStorage, ls []*loading, entries map[string]*zip.File, prefix string, buf []byte, bud *budget) error {
	f, ok := entries["data/"+s.key]
	if !ok {
		return ptErr(prefix+"data/"+s.key, -1, "storage %q named in data.pkl has no entry in the archive", s.key)
	}
	off, n, err := entryRange(size, f)
	if err != nil {
		return err
	}
	es := dtypeSize[s.dt]
	if n != s.numel*es {
		return ptErr(f.Name, off, "storage holds %d bytes; data.pkl says %d elements of torch.%s, %d bytes", n, s.numel, s.typeName, s.numel*es)
	}
	contiguous := true
	for _, l := range ls {
		contiguous = contiguous && isContiguous(l.t.shape, l.t.stride)
	}
	if !contiguous {
		// Some view has strides: hold the whole storage and gather.
		raw, err := readEntry(r, size, f, n, bud)
		if err != nil {
			return err
		}
		for _, l := range ls {
			gather(l.data, raw, s.dt, l.t.offset, l.t.shape, l.t.stride)
		}
		return nil
	}
	// Every view is a run of elements: stream the storage through buf,
	// copying each chunk into the runs it overlaps.
	crc := uint32(0)
	per := int64(len(buf)) / es
	for c0 := int64(0); c0 < s.numel; c0 += per {
		c1 := min(c0+per, s.numel)
		chunk := buf[:(c1-c0)*es]
		if err := readAt(r, chunk, off+c0*es, "pytorch"); err != nil {
			return err
		}
		crc = crc32.Update(crc, crc32.IEEETable, chunk)
		for _, l := range ls {
			lo, hi := max(c0, l.t.offset), min(c1, l.t.offset+l.n)
			if lo < hi {
				decodeInto(l.data[lo-l.t.offset:hi-l.t.offset], chunk[(lo-c0)*es:(hi-c0)*es], s.dt)
			}
		}
	}
	if crc != f.CRC32 {
		return ptErr(f.Name, off, "CRC-32 mismatch: the file is corrupt")
	}
	return nil
}

// isContiguous reports whether strides are row-major for shape (strides
// of dimensions of size 1 do not matter), or the view is empty.
func isContiguous(shape, stride []int64) bool {
	want := int64(1)
	for k := len(shape) - 1; k >= 0; k-- {
		if shape[k] == 0 {
			return true
		}
		if shape[k] != 1 && stride[k] != want {
			return false
		}
		want *= shape[k]
	}
	return true
}

// gather copies a strided view of raw into dst in row-major order.
func gather(dst []float32, raw []byte, dt dtype, off int64, shape, stride []int64) {
	if len(dst) == 0 {
		return
	}
	es := dtypeSize[dt]
	idx := make([]int64, len(shape))
	pos := off
	for i := range dst {
		decodeInto(dst[i:i+1], raw[pos*es:(pos+1)*es], dt)
		for k := len(shape) - 1; k >= 0; k-- {
			idx[k]++
			pos += stride[k]
			if idx[k] < shape[k] {
				break
			}
			pos -= stride[k] * shape[k]
			idx[k] = 0
		}
	}
}
