package weights

import (
	"fmt"
	"strings"
)

// FormatError reports a file that is malformed, hostile, or uses a feature
// this package does not read. It names what was wrong and where: the file
// (when read from a path), the format, the key (a tensor name, zip entry or
// pickle global) and the byte offset, when known.
type FormatError struct {
	Path   string // set by the Read functions; empty for the Decode functions
	Format string // "safetensors" or "pytorch"
	Key    string // tensor name, zip entry or pickle global; may be empty
	Offset int64  // byte offset in the file, or in data.pkl for pickle errors; -1 if unknown
	Msg    string
	Err    error // an underlying error such as io.ErrUnexpectedEOF, or nil
}

func (e *FormatError) Error() string {
	var b strings.Builder
	b.WriteString("weights: ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Format)
	b.WriteString(": ")
	if e.Key != "" {
		fmt.Fprintf(&b, "%q: ", e.Key)
	}
	b.WriteString(e.Msg)
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " (at byte %d)", e.Offset)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *FormatError) Unwrap() error { return e.Err }

// withPath sets the path on a *FormatError; other errors are wrapped.
func withPath(path string, err error) error {
	if err == nil {
		return nil
	}
	if fe, ok := err.(*FormatError); ok {
		fe.Path = path
		return fe
	}
	return fmt.Errorf("weights: %s: %w", path, err)
}

// LoadError lists every way a state dict failed to match a module, as
// PyTorch's load_state_dict reports them all at once.
type LoadError struct {
	Module     string   // the module's type name, as PyTorch prints its class
	Missing    []string // keys the module has and the file lacks
	Unexpected []string // keys the file has and the module lacks (strict only)
	Mismatched []ShapeMismatch
	Other      []string // other problems, such as a key given twice
}

// ShapeMismatch is one tensor whose shape differs between file and module.
type ShapeMismatch struct {
	Key         string
	File, Model []int
}

// Error uses PyTorch's wording, so that a message searched for on the web
// finds the same explanations:
//
//	Error(s) in loading state_dict for ResNet:
//		Missing key(s) in state_dict: "fc.weight", "fc.bias".
//		size mismatch for conv1.weight: copying a param with shape torch.Size([64, 3, 7, 7]) from checkpoint, the shape in current model is torch.Size([64, 1, 7, 7]).
func (e *LoadError) Error() string {
	var msgs []string
	if len(e.Missing) > 0 {
		msgs = append(msgs, "Missing key(s) in state_dict: "+quoteList(e.Missing)+". ")
	}
	if len(e.Unexpected) > 0 {
		msgs = append(msgs, "Unexpected key(s) in state_dict: "+quoteList(e.Unexpected)+". ")
	}
	for _, m := range e.Mismatched {
		msgs = append(msgs, fmt.Sprintf("size mismatch for %s: copying a param with shape %s from checkpoint, the shape in current model is %s.",
			m.Key, torchSize(m.File), torchSize(m.Model)))
	}
	msgs = append(msgs, e.Other...)
	return "weights: Error(s) in loading state_dict for " + e.Module + ":\n\t" + strings.Join(msgs, "\n\t")
}

func quoteList(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = `"` + k + `"`
	}
	return strings.Join(q, ", ")
}

// torchSize prints a shape as PyTorch prints a torch.Size.
func torchSize(shape []int) string {
	s := make([]string, len(shape))
	for i, d := range shape {
		s[i] = fmt.Sprint(d)
	}
	return "torch.Size([" + strings.Join(s, ", ") + "])"
}
