package summary

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/convnet/convnet/internal/kernel"
	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

// Summary is a network measured on one input size.
type Summary struct {
	// Model names the network: the registry name when the caller sets it,
	// else the Go type of its root module.
	Model string `json:"model"`
	// Input is the input shape N, C, H, W.
	Input  []int   `json:"input"`
	Layers []Layer `json:"layers"`

	TotalParams     int64 `json:"total_params"`
	TrainableParams int64 `json:"trainable_params"`
	MultAdds        int64 `json:"mult_adds"`

	InputBytes int64 `json:"input_bytes"`
	ParamBytes int64 `json:"param_bytes"`
	// ForwardBackwardBytes is torchinfo's "forward/backward pass size":
	// twice the bytes of the outputs of the layers with parameters.
	ForwardBackwardBytes int64 `json:"forward_backward_bytes"`
}

// Layer is one row of a summary: one call of a module, in the order the
// calls started, or a module that did not run.
type Layer struct {
	// Path is the module's state-dict prefix ("features.0", "layer1.0.conv1";
	// "" for the whole network).
	Path string `json:"path"`
	// Type is the module's Go type without its package ("Conv2d",
	// "BasicBlock").
	Type string `json:"type"`
	// Depth is the number of names in Path.
	Depth int `json:"depth"`
	// Leaf is set for a module without children.
	Leaf bool `json:"leaf"`
	// Output is the output shape, batch first; nil where the pass did not
	// see it: a module that did not run, or one that its parent calls
	// directly rather than through a Sequential, a Concat or nn.Call.
	Output []int `json:"output,omitempty"`
	// Params counts the parameters of the module and those below it; 0 in
	// the rows of a module that already had a row (Repeat).
	Params int64 `json:"params"`
	// MultAdds counts the multiply-adds of this call, of the module and
	// those below it.
	MultAdds int64 `json:"mult_adds"`
	// Repeat marks a second or later call of the same module (torchinfo's
	// "(recursive)"), as ResNet's blocks call their one ReLU twice.
	Repeat bool `json:"repeat,omitempty"`
	// NotRun marks a module that the forward pass did not call, such as
	// GoogLeNet's auxiliary classifiers in evaluation.
	NotRun bool `json:"not_run,omitempty"`
}

// NonTrainableParams counts the parameters that do not require gradients.
func (s *Summary) NonTrainableParams() int64 { return s.TotalParams - s.TrainableParams }

// TotalBytes is torchinfo's "estimated total size": input, forward/backward
// pass and parameters.
func (s *Summary) TotalBytes() int64 { return s.InputBytes + s.ForwardBackwardBytes + s.ParamBytes }

// Limits on what Summarize accepts, so that no input asked for from outside
// can exhaust memory: the elements of one image and the batch (the batch
// only scales the figures).
const (
	MaxImageElements = 1 << 24
	MaxBatch         = 1 << 16
)

// bytesPerElement is the size of a float32, the only element type.
const bytesPerElement = 4

// Summarize measures m on inputs of shape N×C×H×W (input is N, C, H, W),
// running one forward pass on a single zero image (see the package
// documentation). The module is left as it was found: its training mode
// and which parameters require gradients are restored, and its hooks
// removed. Summarize must not run while anything else uses m.
func Summarize(m nn.Module, input []int) (s *Summary, err error) {
	if err := CheckInput(input); err != nil {
		return nil, err
	}
	n := int64(input[0])
	s = &Summary{Model: typeName(m), Input: slices.Clone(input)}
	total, trainable := nn.CountParameters(m)
	s.TotalParams, s.TrainableParams = int64(total), int64(trainable)
	s.ParamBytes = s.TotalParams * bytesPerElement
	s.InputBytes = n * int64(input[1]*input[2]*input[3]) * bytesPerElement

	r := newRecorder(m)
	defer prepare(m)()
	nn.SetForwardHook(m, &nn.ForwardHook{Before: r.before, After: r.after})
	defer nn.SetForwardHook(m, nil)
	if err := r.run(m, tensor.New(1, input[1], input[2], input[3])); err != nil {
		if e, ok := err.(*InputTooSmallError); ok {
			e.Input = slices.Clone(input)
		}
		if e, ok := err.(*ForwardError); ok {
			e.Input = slices.Clone(input)
		}
		return nil, err
	}
	r.addNotRun(m)

	// The pass ran on one image; scale what depends on the batch.
	s.Layers = r.rows
	for i := range s.Layers {
		l := &s.Layers[i]
		l.MultAdds *= n
		if len(l.Output) > 0 {
			l.Output[0] *= int(n)
		}
		if l.Depth == 0 {
			s.MultAdds += l.MultAdds
		}
	}
	s.ForwardBackwardBytes = r.fbElements * 2 * bytesPerElement * n
	return s, nil
}

// CheckInput returns the error Summarize returns for an input shape it
// does not accept: not four dimensions N, C, H, W, one of them less than 1,
// or more than MaxBatch or MaxImageElements.
func CheckInput(input []int) error {
	if len(input) != 4 {
		return fmt.Errorf("summary: input shape %v is not N, C, H, W", input)
	}
	for i, d := range input {
		if d < 1 {
			return fmt.Errorf("summary: input shape %v: %s must be at least 1", input, []string{"N", "C", "H", "W"}[i])
		}
	}
	if input[0] > MaxBatch {
		return fmt.Errorf("summary: batch %d is more than %d", input[0], MaxBatch)
	}
	// Each size is at most 2²⁴ before it multiplies, so the products fit.
	if input[1] > MaxImageElements || input[2] > MaxImageElements || input[3] > MaxImageElements ||
		input[1]*input[2] > MaxImageElements || input[1]*input[2]*input[3] > MaxImageElements {
		return fmt.Errorf("summary: an image of %d×%d×%d is more than %d elements", input[1], input[2], input[3], MaxImageElements)
	}
	return nil
}

// prepare puts m in evaluation mode with every parameter frozen, so that
// the pass changes no running statistic, draws no dropout mask and records
// no graph; the function it returns puts m back as it was.
func prepare(m nn.Module) (restore func()) {
	type mode struct {
		m        nn.Module
		training bool
	}
	var modes []mode
	nn.Walk(m, func(_ string, sub nn.Module) {
		if t, ok := sub.(interface{ Training() bool }); ok {
			modes = append(modes, mode{sub, t.Training()})
		}
	})
	params := nn.ParameterTensors(m)
	grads := make([]bool, len(params))
	for i, p := range params {
		grads[i] = p.RequiresGrad()
	}
	nn.Eval(m)
	nn.Freeze(m)
	return func() {
		// Walk's order puts a module before those below it, so setting each
		// module's subtree in turn leaves every module as it was.
		for _, md := range modes {
			if md.training {
				nn.Train(md.m)
			} else {
				nn.Eval(md.m)
			}
		}
		for i, p := range params {
			p.SetRequiresGrad(grads[i])
		}
	}
}

// recorder builds the rows from the hook's reports.
type recorder struct {
	rows       []Layer
	stack      []frame // the calls in progress, outermost first
	modules    map[string]nn.Module
	params     map[nn.Module]int64
	listed     map[nn.Module]bool
	fbElements int64 // output elements of the layers with parameters
}

// frame is a call in progress. An implied one is a module that its parent
// called directly, so that the hook did not see it: its call is inferred
// from those of the modules below it, and ends when a module outside it
// starts or its parent ends.
type frame struct {
	row     int
	path    string
	m       nn.Module
	in      []int
	implied bool
}

func newRecorder(m nn.Module) *recorder {
	r := &recorder{modules: map[string]nn.Module{}, params: map[nn.Module]int64{}, listed: map[nn.Module]bool{}}
	nn.Walk(m, func(path string, sub nn.Module) {
		r.modules[path] = sub
		if _, ok := r.params[sub]; !ok {
			total, _ := nn.CountParameters(sub)
			r.params[sub] = int64(total)
		}
	})
	return r
}

// run runs the forward pass, turning a panic into an error that names the
// layer in progress.
func (r *recorder) run(m nn.Module, x *tensor.Tensor) (err error) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if cp, ok := v.(*kernel.ChunkPanic); ok { // the message, not the worker's stack
			v = cp.Value
		}
		if e, ok := v.(*InputTooSmallError); ok {
			err = e
			return
		}
		e := &ForwardError{Msg: fmt.Sprint(v)}
		if len(r.stack) > 0 {
			f := r.stack[len(r.stack)-1]
			e.Path, e.Type, e.LayerInput = f.path, typeName(f.m), f.in
		}
		err = e
	}()
	nn.Call(m, x)
	return nil
}

func (r *recorder) before(path string, m nn.Module, in *tensor.Tensor) {
	checkWindow(path, m, in.Shape())
	for len(r.stack) > 0 && r.top().implied && !under(path, r.top().path) {
		r.stack = r.stack[:len(r.stack)-1]
	}
	if len(r.stack) > 0 && under(path, r.top().path) {
		// The modules between the innermost call in progress and this one
		// were called directly by their parents.
		names := strings.Split(path, ".")
		for i := depth(r.top().path) + 1; i < len(names); i++ {
			p := strings.Join(names[:i], ".")
			if sub, ok := r.modules[p]; ok {
				r.push(p, sub, nil, true)
			}
		}
	}
	r.push(path, m, in.Shape(), false)
}

func (r *recorder) top() *frame { return &r.stack[len(r.stack)-1] }

func (r *recorder) push(path string, m nn.Module, in []int, implied bool) {
	row := Layer{Path: path, Type: typeName(m), Depth: depth(path), Leaf: len(nn.Children(m)) == 0,
		Repeat: r.listed[m]}
	if !row.Repeat {
		row.Params = r.params[m]
		r.listed[m] = true
	}
	r.rows = append(r.rows, row)
	r.stack = append(r.stack, frame{row: len(r.rows) - 1, path: path, m: m, in: slices.Clone(in), implied: implied})
}

func (r *recorder) after(path string, m nn.Module, in, out *tensor.Tensor) {
	for r.top().implied {
		r.stack = r.stack[:len(r.stack)-1]
	}
	f := r.stack[len(r.stack)-1]
	r.stack = r.stack[:len(r.stack)-1]
	row := &r.rows[f.row]
	row.Output = slices.Clone(out.Shape())
	if !row.Leaf {
		return // its layers count themselves
	}
	own := r.params[m]
	macs := multAdds(m, own, out.Shape())
	row.MultAdds += macs
	for _, g := range r.stack {
		r.rows[g.row].MultAdds += macs
	}
	if own > 0 {
		r.fbElements += int64(out.Len())
	}
}

// under reports whether path names a module below the one at prefix.
func under(path, prefix string) bool {
	return prefix == "" && path != "" || strings.HasPrefix(path, prefix+".")
}

// multAdds is torchinfo's count for one call of a leaf layer with the given
// parameters and output shape: for a convolution, its parameters times
// every output position (N·H_out·W_out); for any other layer, its
// parameters times the batch.
func multAdds(m nn.Module, params int64, out []int) int64 {
	if params == 0 || len(out) == 0 {
		return 0
	}
	positions := int64(out[0])
	if _, ok := m.(*nn.Conv2d); ok {
		for _, d := range out[2:] {
			positions *= int64(d)
		}
	}
	return params * positions
}

// addNotRun lists, after the rows of the pass, each module that did not
// run and whose parent did, with the parameters below it.
func (r *recorder) addNotRun(m nn.Module) {
	ran := map[nn.Module]bool{}
	for m := range r.listed {
		ran[m] = true
	}
	var skip []string // paths of listed subtrees
	nn.Walk(m, func(path string, sub nn.Module) {
		for _, p := range skip {
			if strings.HasPrefix(path, p+".") {
				return
			}
		}
		if ran[sub] {
			return
		}
		ran[sub] = true
		skip = append(skip, path)
		r.rows = append(r.rows, Layer{Path: path, Type: typeName(sub), Depth: depth(path),
			Leaf: len(nn.Children(sub)) == 0, Params: r.params[sub], NotRun: true})
	})
}

func depth(path string) int {
	if path == "" {
		return 0
	}
	return strings.Count(path, ".") + 1
}

// typeName is the module's Go type without its package; an nn.Func shows
// its name.
func typeName(m nn.Module) string {
	if f, ok := m.(*nn.Func); ok && f.Name != "" {
		return f.Name
	}
	t := reflect.TypeOf(m)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
