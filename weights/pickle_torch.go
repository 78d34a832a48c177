package weights

import "fmt"

// The PyTorch side of the pickle reader: the globals a state dict may
// name, and the values that calling them would build.

// storageTypes are torch's storage classes, as persistent ids name them.
// All may appear in a file; only the first five are read (the integer one
// only for num_batches_tracked), the others give an error naming the key.
var storageTypes = map[string]struct {
	dt dtype
	ok bool
}{
	"FloatStorage":         {dtF32, true},
	"HalfStorage":          {dtF16, true},
	"BFloat16Storage":      {dtBF16, true},
	"DoubleStorage":        {dtF64, true},
	"LongStorage":          {dtI64, true},
	"IntStorage":           {},
	"ShortStorage":         {},
	"CharStorage":          {},
	"ByteStorage":          {},
	"BoolStorage":          {},
	"ComplexFloatStorage":  {},
	"ComplexDoubleStorage": {},
	"QInt8Storage":         {},
	"QUInt8Storage":        {},
	"QInt32Storage":        {},
	"QUInt4x2Storage":      {},
	"QUInt2x4Storage":      {},
}

// allowed reports whether a global may appear in a state-dict pickle.
func allowed(module, name string) bool {
	switch module {
	case "collections":
		return name == "OrderedDict"
	case "torch._utils":
		return name == "_rebuild_tensor_v2" || name == "_rebuild_parameter"
	case "torch":
		_, ok := storageTypes[name]
		return ok
	}
	return false
}

func (u *unpickler) global(module, name string) error {
	if !allowed(module, name) {
		msg := fmt.Sprintf("pickle refers to %s.%s, which a state dict does not need; refused (nothing is executed)", module, name)
		if len(module) >= 9 && module[:9] == "torch.nn." || module == "__main__" || len(module) >= 10 && module[:10] == "__torch__." {
			msg += ". The file seems to hold a whole model object: save model.state_dict() with torch.save instead"
		}
		return &FormatError{Format: "pytorch", Key: module + "." + name, Offset: int64(u.op), Msg: "data.pkl: " + msg}
	}
	if err := u.charge(int64(len(module)+len(name)) + 64); err != nil {
		return err
	}
	return u.push(pyGlobal{module, name})
}

// call applies an allowed global to its arguments. Nothing is executed:
// each case builds the Go value the Python function would return.
func (u *unpickler) call(fn, args any) (any, error) {
	g, ok := fn.(pyGlobal)
	if !ok {
		return nil, u.errorf("REDUCE on a %s, which is not callable here", kindOf(fn))
	}
	a, ok := args.(pyTuple)
	if !ok {
		return nil, u.errorf("%s called with a %s instead of an argument tuple", g, kindOf(args))
	}
	switch g.String() {
	case "collections.OrderedDict":
		if len(a) != 0 {
			return nil, u.errorf("collections.OrderedDict called with %d arguments; only OrderedDict() is read", len(a))
		}
		return u.newDict()
	case "torch._utils._rebuild_parameter":
		// _rebuild_parameter(data, requires_grad, backward_hooks)
		if len(a) != 3 {
			return nil, u.errorf("torch._utils._rebuild_parameter takes 3 arguments, got %d", len(a))
		}
		t, ok := a[0].(*pyTensor)
		if !ok {
			return nil, u.errorf("torch._utils._rebuild_parameter of a %s", kindOf(a[0]))
		}
		return t, nil
	case "torch._utils._rebuild_tensor_v2":
		return u.rebuildTensor(a)
	}
	return nil, u.errorf("%s cannot be called", g)
}

// rebuildTensor checks the arguments of
// _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
// backward_hooks[, metadata]) and returns the view they describe, after
// making sure that every element it reaches lies inside the storage.
func (u *unpickler) rebuildTensor(a pyTuple) (any, error) {
	if len(a) != 6 && len(a) != 7 {
		return nil, u.errorf("torch._utils._rebuild_tensor_v2 takes 6 or 7 arguments, got %d", len(a))
	}
	s, ok := a[0].(*pyStorage)
	if !ok {
		return nil, u.errorf("_rebuild_tensor_v2: storage is a %s", kindOf(a[0]))
	}
	off, ok := a[1].(int64)
	if !ok || off < 0 {
		return nil, u.errorf("_rebuild_tensor_v2: storage offset %v is not a non-negative integer", a[1])
	}
	shape, err := u.ints(a[2], "size")
	if err != nil {
		return nil, err
	}
	stride, err := u.ints(a[3], "stride")
	if err != nil {
		return nil, err
	}
	if len(shape) != len(stride) {
		return nil, u.errorf("_rebuild_tensor_v2: size %v and stride %v differ in length", shape, stride)
	}
	if _, ok := a[4].(bool); !ok {
		return nil, u.errorf("_rebuild_tensor_v2: requires_grad is a %s", kindOf(a[4]))
	}
	if _, ok := a[5].(*pyDict); !ok {
		return nil, u.errorf("_rebuild_tensor_v2: backward_hooks is a %s", kindOf(a[5]))
	}
	// The last element reached is offset + Σ (size_i − 1)·stride_i; it
	// must lie inside the storage. Each term is bounded by the storage's
	// size before it is added, so nothing overflows.
	empty := false
	for _, d := range shape {
		if d == 0 {
			empty = true
		}
	}
	if off > s.numel {
		return nil, u.errorf("tensor view starts at element %d of storage %q, which has %d", off, s.key, s.numel)
	}
	if !empty {
		last := off
		for k := range shape {
			if stride[k] != 0 && shape[k]-1 > (s.numel-last)/stride[k] {
				return nil, u.errorf("tensor view (offset %d, size %v, stride %v) reaches past the end of storage %q of %d elements",
					off, shape, stride, s.key, s.numel)
			}
			last += (shape[k] - 1) * stride[k]
		}
		if last >= s.numel {
			return nil, u.errorf("tensor view (offset %d, size %v, stride %v) reaches past the end of storage %q of %d elements",
				off, shape, stride, s.key, s.numel)
		}
	}
	if err := u.charge(96 + 16*int64(len(shape))); err != nil {
		return nil, err
	}
	return &pyTensor{storage: s, offset: off, shape: shape, stride: stride}, nil
}

// ints converts a tuple of non-negative integers.
func (u *unpickler) ints(v any, what string) ([]int64, error) {
	t, ok := v.(pyTuple)
	if !ok {
		return nil, u.errorf("_rebuild_tensor_v2: %s is a %s, not a tuple", what, kindOf(v))
	}
	out := make([]int64, len(t)) // charged with the tensor; t was charged at 16 bytes an item
	for k, x := range t {
		n, ok := x.(int64)
		if !ok || n < 0 {
			return nil, u.errorf("_rebuild_tensor_v2: %s %v holds %v, not a non-negative integer", what, t, x)
		}
		out[k] = n
	}
	return out, nil
}

// persistent resolves a persistent id, which torch.save writes for each
// storage as ('storage', storage_type, key, location, numel).
func (u *unpickler) persistent(pid any) (*pyStorage, error) {
	t, ok := pid.(pyTuple)
	if !ok || len(t) != 5 {
		return nil, u.errorf("persistent id is not a ('storage', type, key, location, numel) tuple")
	}
	if tag, _ := t[0].(string); tag != "storage" {
		return nil, u.errorf("persistent id of kind %v; only 'storage' is read", t[0])
	}
	g, ok := t[1].(pyGlobal)
	if !ok || g.module != "torch" {
		return nil, u.errorf("persistent id names storage type %v", t[1])
	}
	key, ok := t[2].(string)
	if !ok {
		return nil, u.errorf("persistent id has storage key %v, not a string", t[2])
	}
	if _, ok := t[3].(string); !ok {
		return nil, u.errorf("persistent id has location %v, not a string", t[3])
	}
	n, ok := t[4].(int64)
	st := storageTypes[g.name]
	if !ok || n < 0 || st.ok && n > u.maxBytes/dtypeSize[st.dt] || !st.ok && n > u.maxBytes {
		return nil, u.errorf("storage %q claims %v elements, more than the file can hold", key, t[4])
	}
	if s, ok := u.storages[key]; ok {
		if s.typeName != g.name || s.numel != n {
			return nil, u.errorf("storage %q is named twice with different types or sizes", key)
		}
		return s, nil
	}
	if err := u.charge(int64(len(key)) + 80 + mapEntry40); err != nil {
		return nil, err
	}
	s := &pyStorage{typeName: g.name, dt: st.dt, ok: st.ok, key: key, numel: n}
	u.storages[key] = s
	return s, nil
}
