package weights

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/convnet/convnet/nn"
)

// FromModule returns copies of m's parameters and buffers, named and
// ordered as torch's state_dict().
func FromModule(m nn.Module) []Tensor {
	sd := nn.StateDict(m)
	out := make([]Tensor, len(sd))
	for i, p := range sd {
		out[i] = Tensor{
			Name:  p.Name,
			Shape: slices.Clone(p.Tensor.Shape()),
			Data:  slices.Clone(p.Tensor.Data()),
		}
	}
	return out
}

// LoadIntoModule copies the file's tensors into m's parameters and
// buffers by name, as torch's load_state_dict does. With strict, every key
// of m must be in the file and every key of the file in m; without,
// missing and unexpected keys are skipped. Shapes must match either way.
// A num_batches_tracked that the file lacks is not missing (files saved
// before PyTorch 0.4.1 have none), and one of shape [1] fits a scalar.
//
// All of it is checked before anything is copied: on error the module is
// unchanged, and the *LoadError lists every problem in PyTorch's words.
func LoadIntoModule(m nn.Module, f *File, strict bool) error {
	e := &LoadError{Module: typeName(m)}
	have := make(map[string]int, len(f.Tensors))
	for i, t := range f.Tensors {
		if _, dup := have[t.Name]; dup {
			e.Other = append(e.Other, fmt.Sprintf("key %q appears twice in the file.", t.Name))
			continue
		}
		have[t.Name] = i
		if n, err := numel(t.Shape, int64(len(t.Data))); err != nil || n != int64(len(t.Data)) {
			e.Other = append(e.Other, fmt.Sprintf("tensor %q has shape %v but %d values.", t.Name, t.Shape, len(t.Data)))
		}
	}
	type copyOp struct{ dst, src []float32 }
	var copies []copyOp
	sd := nn.StateDict(m)
	known := make(map[string]bool, len(sd))
	for _, p := range sd {
		known[p.Name] = true
		i, ok := have[p.Name]
		if !ok {
			if strict && !isBatchCount(p.Name) {
				e.Missing = append(e.Missing, p.Name)
			}
			continue
		}
		src := f.Tensors[i]
		dst := p.Tensor.Shape()
		if !slices.Equal(src.Shape, dst) && !(isBatchCount(p.Name) && len(src.Data) == 1 && p.Tensor.Len() == 1) {
			e.Mismatched = append(e.Mismatched, ShapeMismatch{Key: p.Name, File: src.Shape, Model: slices.Clone(dst)})
			continue
		}
		copies = append(copies, copyOp{p.Tensor.Data(), src.Data})
	}
	if strict {
		for _, t := range f.Tensors {
			if !known[t.Name] {
				known[t.Name] = true // report a duplicate once
				e.Unexpected = append(e.Unexpected, t.Name)
			}
		}
	}
	if len(e.Missing)+len(e.Unexpected)+len(e.Mismatched)+len(e.Other) > 0 {
		return e
	}
	for _, c := range copies {
		copy(c.dst, c.src)
	}
	return nil
}

// typeName is the name PyTorch would print for the module's class.
func typeName(m nn.Module) string {
	t := reflect.TypeOf(m)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Name() == "" {
		return t.String()
	}
	return t.Name()
}
