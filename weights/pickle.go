package weights

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// This file is a pickle reader that builds only what a PyTorch state dict
// is made of, and executes nothing. It is a stack machine over the opcodes
// of Python's pickletools (protocols 2 to 5, as torch.save writes), with
// these limits:
//
//   - A global is looked up in a short allow-list (collections.OrderedDict,
//     torch._utils._rebuild_tensor_v2 and _rebuild_parameter, the torch
//     storage classes) when its opcode is read; any other, such as
//     os.system or a pickled nn.Module class, is refused with an error that
//     names it. Allowed globals are never called: REDUCE on them builds a
//     plain Go value (an ordered dict, a tensor description).
//   - Every length in the input is checked against the bytes that remain
//     before anything is allocated, and every allocation is charged to the
//     decoding budget (twice the file's size), so no input can make the
//     reader ask for more memory than that.
//   - No recursion: nesting costs stack entries, which are charged too.
//
// Values are nil (None), bool, int64, float64, string, pyBytes, pyTuple,
// *pyList, *pyDict, pyGlobal, *pyStorage and *pyTensor.

type (
	pyBytes  string
	pyTuple  []any
	pyList   struct{ items []any }
	pyGlobal struct{ module, name string }
)

// pyDict is a dict or OrderedDict: insertion-ordered, as both are in
// Python 3.7 and later. Setting a key again replaces its value in place.
type pyDict struct {
	keys, vals []any
	index      map[dictKey]int
}

type dictKey struct {
	kind byte // 's' string, 'b' bytes, 'i' int or bool, 'f' float, 'n' None
	s    string
	i    int64
}

// pyStorage is a storage named by a persistent id; its bytes are the zip
// entry data/<key>.
type pyStorage struct {
	typeName string // "FloatStorage", …
	dt       dtype
	ok       bool // dt is one this package reads
	key      string
	numel    int64
}

// pyTensor is a strided view of a storage, as _rebuild_tensor_v2 builds.
type pyTensor struct {
	storage       *pyStorage
	offset        int64
	shape, stride []int64
}

func (g pyGlobal) String() string { return g.module + "." + g.name }

// Pickle opcodes, from Python's Lib/pickle.py.
const (
	opMark           = '('
	opStop           = '.'
	opPop            = '0'
	opPopMark        = '1'
	opDup            = '2'
	opBinInt         = 'J'
	opBinInt1        = 'K'
	opBinInt2        = 'M'
	opNone           = 'N'
	opBinPersID      = 'Q'
	opReduce         = 'R'
	opBinString      = 'T'
	opShortBinString = 'U'
	opBinUnicode     = 'X'
	opAppend         = 'a'
	opBuild          = 'b'
	opGlobal         = 'c'
	opDict           = 'd'
	opEmptyDict      = '}'
	opAppends        = 'e'
	opBinGet         = 'h'
	opLongBinGet     = 'j'
	opList           = 'l'
	opEmptyList      = ']'
	opBinPut         = 'q'
	opLongBinPut     = 'r'
	opSetItem        = 's'
	opTuple          = 't'
	opEmptyTuple     = ')'
	opSetItems       = 'u'
	opBinFloat       = 'G'
	opProto          = 0x80
	opNewObj         = 0x81
	opTuple1         = 0x85
	opTuple2         = 0x86
	opTuple3         = 0x87
	opNewTrue        = 0x88
	opNewFalse       = 0x89
	opLong1          = 0x8a
	opLong4          = 0x8b
	opBinBytes       = 'B'
	opShortBinBytes  = 'C'
	opShortBinUni    = 0x8c
	opBinUnicode8    = 0x8d
	opBinBytes8      = 0x8e
	opMemoize        = 0x94
	opFrame          = 0x95
	opStackGlobal    = 0x93
)

// refusedOps names the opcodes that a state dict never needs, for errors.
var refusedOps = map[byte]string{
	'I': "INT", 'L': "LONG", 'F': "FLOAT", 'S': "STRING", 'V': "UNICODE", 'P': "PERSID",
	'g': "GET", 'p': "PUT", 'i': "INST", 'o': "OBJ", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4",
	0x8f: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET", 0x92: "NEWOBJ_EX",
	0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
}

// unpickler runs one pickle.
type unpickler struct {
	b        []byte
	i        int // next byte
	op       int // offset of the opcode being run, for errors
	stack    []any
	marks    []int
	memo     map[uint32]any
	bud      *budget
	maxBytes int64 // no storage can hold more bytes than the file has
	storages map[string]*pyStorage
}

func (u *unpickler) errorf(format string, args ...any) error {
	return &FormatError{Format: "pytorch", Offset: int64(u.op), Msg: "data.pkl: " + fmt.Sprintf(format, args...)}
}

func (u *unpickler) charge(n int64) error {
	if err := u.bud.charge(n, "data.pkl"); err != nil {
		err.(*FormatError).Offset = int64(u.op)
		return err
	}
	return nil
}

// take returns the next n bytes, refusing lengths that run past the end
// of the pickle before anything is allocated for them.
func (u *unpickler) take(n uint64) ([]byte, error) {
	if n > uint64(len(u.b)-u.i) {
		return nil, &FormatError{Format: "pytorch", Offset: int64(u.op),
			Msg: fmt.Sprintf("data.pkl: opcode 0x%02x needs %d bytes, %d remain", u.b[u.op], n, len(u.b)-u.i), Err: io.ErrUnexpectedEOF}
	}
	s := u.b[u.i : u.i+int(n)]
	u.i += int(n)
	return s, nil
}

func (u *unpickler) uint(size int) (uint64, error) {
	s, err := u.take(uint64(size))
	if err != nil {
		return 0, err
	}
	var v uint64
	for k := size - 1; k >= 0; k-- {
		v = v<<8 | uint64(s[k])
	}
	return v, nil
}

func (u *unpickler) push(v any) error {
	s, err := appendCharged(u.bud, u.stack, v, "data.pkl")
	u.stack = s
	return err
}

func (u *unpickler) pop() (any, error) {
	if len(u.stack) == 0 || len(u.marks) > 0 && u.marks[len(u.marks)-1] == len(u.stack) {
		return nil, u.errorf("stack underflow")
	}
	v := u.stack[len(u.stack)-1]
	u.stack[len(u.stack)-1] = nil
	u.stack = u.stack[:len(u.stack)-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	if len(u.stack) == 0 || len(u.marks) > 0 && u.marks[len(u.marks)-1] == len(u.stack) {
		return nil, u.errorf("stack underflow")
	}
	return u.stack[len(u.stack)-1], nil
}

// popMark removes and returns the items above the last mark. The slice is
// only valid until the next push.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, u.errorf("no MARK for this opcode")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := u.stack[m:]
	u.stack = u.stack[:m]
	return items, nil
}

func (u *unpickler) tuple(items []any) (pyTuple, error) {
	if err := u.charge(24 + 16*int64(len(items))); err != nil {
		return nil, err
	}
	return append(pyTuple(nil), items...), nil
}

func (u *unpickler) newDict() (*pyDict, error) {
	if err := u.charge(48 + mapCost); err != nil {
		return nil, err
	}
	return &pyDict{index: map[dictKey]int{}}, nil
}

func (u *unpickler) setItem(d *pyDict, k, v any) error {
	var dk dictKey
	switch k := k.(type) {
	case string:
		dk = dictKey{kind: 's', s: k}
	case pyBytes:
		dk = dictKey{kind: 'b', s: string(k)}
	case int64:
		dk = dictKey{kind: 'i', i: k}
	case bool:
		dk = dictKey{kind: 'i'}
		if k {
			dk.i = 1
		}
	case float64:
		dk = dictKey{kind: 'f', i: int64(math.Float64bits(k))}
	case nil:
		dk = dictKey{kind: 'n'}
	default:
		return u.errorf("dict key of type %s is not supported", kindOf(k))
	}
	if j, ok := d.index[dk]; ok {
		d.vals[j] = v
		return nil
	}
	if err := u.charge(mapEntry40); err != nil {
		return err
	}
	var err error
	if d.keys, err = appendCharged(u.bud, d.keys, k, "data.pkl"); err != nil {
		return err
	}
	if d.vals, err = appendCharged(u.bud, d.vals, v, "data.pkl"); err != nil {
		return err
	}
	d.index[dk] = len(d.keys) - 1
	return nil
}

func (u *unpickler) str(s []byte) (string, error) {
	if err := u.charge(int64(len(s)) + 16); err != nil {
		return "", err
	}
	return string(s), nil
}

func (u *unpickler) int(v int64) error {
	if err := u.charge(8); err != nil {
		return err
	}
	return u.push(v)
}

// unpickle runs the pickle in b and returns the object it builds.
func unpickle(b []byte, bud *budget, maxBytes int64) (any, error) {
	u := &unpickler{b: b, bud: bud, maxBytes: maxBytes, memo: map[uint32]any{}, storages: map[string]*pyStorage{}}
	for {
		if u.i >= len(u.b) {
			return nil, &FormatError{Format: "pytorch", Offset: int64(u.i), Msg: "data.pkl ends without STOP", Err: io.ErrUnexpectedEOF}
		}
		u.op = u.i
		op := u.b[u.i]
		u.i++
		if op == opStop {
			v, err := u.pop()
			if err != nil {
				return nil, err
			}
			return v, nil
		}
		if err := u.step(op); err != nil {
			return nil, err
		}
	}
}

func (u *unpickler) step(op byte) error {
	switch op {
	case opProto:
		v, err := u.uint(1)
		if err != nil {
			return err
		}
		if v < 2 || v > 5 {
			return u.errorf("pickle protocol %d is not read (2 to 5 are)", v)
		}
		return nil
	case opFrame:
		n, err := u.uint(8)
		if err != nil {
			return err
		}
		if n > uint64(len(u.b)-u.i) {
			return &FormatError{Format: "pytorch", Offset: int64(u.op),
				Msg: fmt.Sprintf("data.pkl: FRAME of %d bytes, %d remain", n, len(u.b)-u.i), Err: io.ErrUnexpectedEOF}
		}
		return nil // frames only group opcodes; the whole pickle is in memory
	case opMark:
		m, err := appendCharged(u.bud, u.marks, len(u.stack), "data.pkl")
		u.marks = m
		return err
	case opPop:
		_, err := u.pop()
		return err
	case opPopMark:
		_, err := u.popMark()
		return err
	case opDup:
		v, err := u.top()
		if err != nil {
			return err
		}
		return u.push(v)

	case opNone:
		return u.push(nil)
	case opNewTrue:
		return u.push(true)
	case opNewFalse:
		return u.push(false)
	case opBinInt1:
		v, err := u.uint(1)
		if err != nil {
			return err
		}
		return u.int(int64(v))
	case opBinInt2:
		v, err := u.uint(2)
		if err != nil {
			return err
		}
		return u.int(int64(v))
	case opBinInt:
		v, err := u.uint(4)
		if err != nil {
			return err
		}
		return u.int(int64(int32(uint32(v))))
	case opLong1, opLong4:
		size := 1
		if op == opLong4 {
			size = 4
		}
		n, err := u.uint(size)
		if err != nil {
			return err
		}
		if n > 8 {
			if _, err := u.take(n); err != nil { // a short pickle says so first
				return err
			}
			return u.errorf("integer of %d bytes is too large", n)
		}
		s, err := u.take(n)
		if err != nil {
			return err
		}
		var v int64
		if n > 0 {
			var buf [8]byte
			copy(buf[:], s)
			if s[n-1]&0x80 != 0 { // two's complement: extend the sign
				for k := int(n); k < 8; k++ {
					buf[k] = 0xff
				}
			}
			v = int64(binary.LittleEndian.Uint64(buf[:]))
		}
		return u.int(v)
	case opBinFloat:
		s, err := u.take(8)
		if err != nil {
			return err
		}
		if err := u.charge(8); err != nil {
			return err
		}
		return u.push(math.Float64frombits(binary.BigEndian.Uint64(s)))

	case opBinUnicode, opShortBinUni, opBinUnicode8, opBinString, opShortBinString,
		opBinBytes, opShortBinBytes, opBinBytes8:
		size := 4
		switch op {
		case opShortBinUni, opShortBinString, opShortBinBytes:
			size = 1
		case opBinUnicode8, opBinBytes8:
			size = 8
		}
		n, err := u.uint(size)
		if err != nil {
			return err
		}
		raw, err := u.take(n)
		if err != nil {
			return err
		}
		s, err := u.str(raw)
		if err != nil {
			return err
		}
		if op == opBinBytes || op == opShortBinBytes || op == opBinBytes8 {
			return u.push(pyBytes(s))
		}
		// Python decodes these as UTF-8 (torch.load's encoding for
		// protocol-1 strings too); what it would refuse is refused.
		if !utf8.ValidString(s) {
			return u.errorf("string is not valid UTF-8")
		}
		return u.push(s)

	case opEmptyTuple:
		if err := u.charge(24); err != nil {
			return err
		}
		return u.push(pyTuple{})
	case opTuple1, opTuple2, opTuple3:
		n := int(op-opTuple1) + 1
		if len(u.stack) < n || len(u.marks) > 0 && u.marks[len(u.marks)-1] > len(u.stack)-n {
			return u.errorf("stack underflow")
		}
		t, err := u.tuple(u.stack[len(u.stack)-n:])
		if err != nil {
			return err
		}
		u.stack = u.stack[:len(u.stack)-n]
		return u.push(t)
	case opTuple:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		t, err := u.tuple(items)
		if err != nil {
			return err
		}
		return u.push(t)
	case opEmptyList:
		if err := u.charge(48); err != nil {
			return err
		}
		return u.push(&pyList{})
	case opList:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		t, err := u.tuple(items)
		if err != nil {
			return err
		}
		return u.push(&pyList{items: t})
	case opAppend, opAppends:
		var items []any
		if op == opAppend {
			v, err := u.pop()
			if err != nil {
				return err
			}
			items = []any{v}
		} else {
			var err error
			if items, err = u.popMark(); err != nil {
				return err
			}
		}
		t, err := u.top()
		if err != nil {
			return err
		}
		l, ok := t.(*pyList)
		if !ok {
			return u.errorf("APPEND to a %s", kindOf(t))
		}
		for _, x := range items {
			var err error
			if l.items, err = appendCharged(u.bud, l.items, x, "data.pkl"); err != nil {
				return err
			}
		}
		return nil
	case opEmptyDict:
		d, err := u.newDict()
		if err != nil {
			return err
		}
		return u.push(d)
	case opDict:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		if len(items)%2 != 0 {
			return u.errorf("DICT with an odd number of items")
		}
		if err := u.charge(16 * int64(len(items))); err != nil {
			return err
		}
		items = append([]any(nil), items...) // pushing the dict reuses the stack
		d, err := u.newDict()
		if err != nil {
			return err
		}
		for k := 0; k < len(items); k += 2 {
			if err := u.setItem(d, items[k], items[k+1]); err != nil {
				return err
			}
		}
		return u.push(d)
	case opSetItem, opSetItems:
		var items []any
		if op == opSetItem {
			v, err := u.pop()
			if err != nil {
				return err
			}
			k, err := u.pop()
			if err != nil {
				return err
			}
			items = []any{k, v}
		} else {
			var err error
			if items, err = u.popMark(); err != nil {
				return err
			}
			if len(items)%2 != 0 {
				return u.errorf("SETITEMS with an odd number of items")
			}
		}
		t, err := u.top()
		if err != nil {
			return err
		}
		d, ok := t.(*pyDict)
		if !ok {
			return u.errorf("SETITEM on a %s", kindOf(t))
		}
		for k := 0; k < len(items); k += 2 {
			if err := u.setItem(d, items[k], items[k+1]); err != nil {
				return err
			}
		}
		return nil

	case opBinPut, opLongBinPut, opMemoize:
		var idx uint64
		switch op {
		case opBinPut:
			v, err := u.uint(1)
			if err != nil {
				return err
			}
			idx = v
		case opLongBinPut:
			v, err := u.uint(4)
			if err != nil {
				return err
			}
			idx = v
		default:
			idx = uint64(len(u.memo))
		}
		if idx > math.MaxUint32 {
			return u.errorf("memo index %d out of range", idx)
		}
		v, err := u.top()
		if err != nil {
			return err
		}
		if _, ok := u.memo[uint32(idx)]; !ok {
			if err := u.charge(mapEntry40); err != nil {
				return err
			}
		}
		u.memo[uint32(idx)] = v
		return nil
	case opBinGet, opLongBinGet:
		size := 1
		if op == opLongBinGet {
			size = 4
		}
		idx, err := u.uint(size)
		if err != nil {
			return err
		}
		v, ok := u.memo[uint32(idx)]
		if !ok {
			return u.errorf("memo key %d was never stored", idx)
		}
		return u.push(v)

	case opGlobal:
		module, err := u.line()
		if err != nil {
			return err
		}
		name, err := u.line()
		if err != nil {
			return err
		}
		return u.global(string(module), string(name))
	case opStackGlobal:
		nv, err := u.pop()
		if err != nil {
			return err
		}
		mv, err := u.pop()
		if err != nil {
			return err
		}
		module, ok1 := mv.(string)
		name, ok2 := nv.(string)
		if !ok1 || !ok2 {
			return u.errorf("STACK_GLOBAL needs two strings")
		}
		return u.global(module, name)
	case opReduce, opNewObj:
		args, err := u.pop()
		if err != nil {
			return err
		}
		fn, err := u.pop()
		if err != nil {
			return err
		}
		v, err := u.call(fn, args)
		if err != nil {
			return err
		}
		return u.push(v)
	case opBuild:
		state, err := u.pop()
		if err != nil {
			return err
		}
		inst, err := u.top()
		if err != nil {
			return err
		}
		// torch's state_dict() sets an attribute _metadata (the modules'
		// versions) on its OrderedDict; BUILD applies it. It is not needed
		// here and is dropped.
		if _, ok := inst.(*pyDict); ok {
			if _, ok := state.(*pyDict); ok || state == nil {
				return nil
			}
		}
		return u.errorf("BUILD of a %s with a %s is not part of a state dict", kindOf(inst), kindOf(state))
	case opBinPersID:
		pid, err := u.pop()
		if err != nil {
			return err
		}
		s, err := u.persistent(pid)
		if err != nil {
			return err
		}
		return u.push(s)
	}
	if name, ok := refusedOps[op]; ok {
		return u.errorf("opcode %s is not used by state dicts and is refused", name)
	}
	return u.errorf("unknown opcode 0x%02x", op)
}

// line reads the rest of a text line, for GLOBAL.
func (u *unpickler) line() ([]byte, error) {
	k := bytes.IndexByte(u.b[u.i:], '\n')
	if k < 0 {
		return nil, &FormatError{Format: "pytorch", Offset: int64(u.op), Msg: "data.pkl: GLOBAL without its newline", Err: io.ErrUnexpectedEOF}
	}
	s := u.b[u.i : u.i+k]
	u.i += k + 1
	return s, nil
}

// kindOf describes a value for error messages.
func kindOf(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case pyBytes:
		return "bytes"
	case pyTuple:
		return "tuple of " + strconv.Itoa(len(v))
	case *pyList:
		return "list of " + strconv.Itoa(len(v.items))
	case *pyDict:
		return "dict of " + strconv.Itoa(len(v.keys))
	case pyGlobal:
		return v.String()
	case *pyStorage:
		return "storage"
	case *pyTensor:
		return "tensor"
	}
	return fmt.Sprintf("%T", v)
}
