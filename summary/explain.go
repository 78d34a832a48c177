package summary

import (
	"fmt"
	"io"
	"strings"

	"github.com/convnet/convnet/nn"
	"github.com/convnet/convnet/tensor"
)

// Design is one way to build a block, measured by Summarize on the real
// layers. The layers have no biases, so that the counts are the plain
// products of the lecture's arguments.
type Design struct {
	Name     string `json:"name"`
	Weights  int64  `json:"weights"`
	MultAdds int64  `json:"mult_adds"`
	// ReceptiveField is the side of the input window that one output sees,
	// for a chain of layers; 0 where not computed.
	ReceptiveField int `json:"receptive_field,omitempty"`
	// ReLUs counts the non-linearities an input passes through.
	ReLUs  int   `json:"relus,omitempty"`
	Output []int `json:"output"`
	// Parts breaks a module of parallel branches down by branch.
	Parts []Part `json:"parts,omitempty"`
}

// Part is one branch of a Design.
type Part struct {
	Name     string `json:"name"`
	Weights  int64  `json:"weights"`
	MultAdds int64  `json:"mult_adds"`
}

// StackedConvs builds the comparison of Simonyan & Zisserman, "Very deep
// convolutional networks for large-scale image recognition" (ICLR 2015),
// §2.3: one 7×7 convolution, and a stack of three 3×3 convolutions, each
// followed by a ReLU, with channels in and out on a size×size map (padded
// to keep its size). Without biases the single layer has 7²·C² = 49C²
// weights and the stack 3·(3²·C²) = 27C², with the same 7×7 receptive
// field.
func StackedConvs(channels, size int) ([2]Design, error) {
	if channels < 1 || size < 1 {
		return [2]Design{}, fmt.Errorf("summary: StackedConvs needs at least 1 channel and a 1×1 map, got %d and %d", channels, size)
	}
	if channels > maxStackedChannels {
		return [2]Design{}, fmt.Errorf("summary: StackedConvs with %d channels; at most %d", channels, maxStackedChannels)
	}
	rng := tensor.NewRNG(0)
	conv := func(k int) *nn.Conv2d {
		return nn.NewConv2d(rng, nn.Conv2dConfig{In: channels, Out: channels, Kernel: k, Padding: k / 2, NoBias: true})
	}
	one := nn.NewSequential(conv(7), nn.NewReLU())
	three := nn.NewSequential(conv(3), nn.NewReLU(), conv(3), nn.NewReLU(), conv(3), nn.NewReLU())
	input := []int{1, channels, size, size}
	a, err := measure("one 7×7 conv", one, input)
	if err != nil {
		return [2]Design{}, err
	}
	b, err := measure("three 3×3 convs", three, input)
	if err != nil {
		return [2]Design{}, err
	}
	return [2]Design{a, b}, nil
}

// maxStackedChannels bounds the 7×7 layer that StackedConvs builds to
// about 50M weights.
const maxStackedChannels = 1024

// InceptionConfig is one row of Table 1 of Szegedy et al., "Going deeper
// with convolutions" (CVPR 2015): the input channels and map size, and the
// six columns #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj.
type InceptionConfig struct {
	Name                               string
	In, Size                           int
	C1x1, Reduce3, C3x3, Reduce5, C5x5 int
	PoolProj                           int
	// PaperOps is the module's "ops" in the paper's Table 1, 0 if none.
	PaperOps int64
}

// Inception3a is inception (3a): 192 channels in on a 28×28 map, 256 out.
var Inception3a = InceptionConfig{Name: "inception (3a)", In: 192, Size: 28,
	C1x1: 64, Reduce3: 96, C3x3: 128, Reduce5: 16, C5x5: 32, PoolProj: 32, PaperOps: 128e6}

// InceptionReductions builds an Inception module as the paper's Figure
// 2(b) draws it — four branches concatenated: a 1×1 conv; a 1×1 reduction
// then a 3×3 conv; a 1×1 reduction then a 5×5 conv; 3×3 max pooling
// (stride 1) then a 1×1 projection; a ReLU after every conv — and the same
// module without the two reductions, the 3×3 and 5×5 convs taking all the
// input channels. Both give the same output. (The paper's naive module,
// Figure 2(a), also drops the pool projection; keeping it here isolates
// what the reductions save. torchvision's googlenet has a 3×3 conv where
// the paper has 5×5; this is the paper's.)
func InceptionReductions(c InceptionConfig) ([2]Design, error) {
	for _, v := range []int{c.In, c.Size, c.C1x1, c.Reduce3, c.C3x3, c.Reduce5, c.C5x5, c.PoolProj} {
		if v < 1 {
			return [2]Design{}, fmt.Errorf("summary: invalid Inception configuration %+v", c)
		}
	}
	rng := tensor.NewRNG(0)
	conv := func(in, out, k int) nn.Module {
		return nn.NewConv2d(rng, nn.Conv2dConfig{In: in, Out: out, Kernel: k, Padding: k / 2, NoBias: true})
	}
	relu := func() nn.Module { return nn.NewReLU() }
	pool := func() nn.Module { return nn.NewMaxPool2d(3, 1, 1, false) }
	with := nn.NewConcat(
		nn.NewSequential(conv(c.In, c.C1x1, 1), relu()),
		nn.NewSequential(conv(c.In, c.Reduce3, 1), relu(), conv(c.Reduce3, c.C3x3, 3), relu()),
		nn.NewSequential(conv(c.In, c.Reduce5, 1), relu(), conv(c.Reduce5, c.C5x5, 5), relu()),
		nn.NewSequential(pool(), conv(c.In, c.PoolProj, 1), relu()),
	)
	without := nn.NewConcat(
		nn.NewSequential(conv(c.In, c.C1x1, 1), relu()),
		nn.NewSequential(conv(c.In, c.C3x3, 3), relu()),
		nn.NewSequential(conv(c.In, c.C5x5, 5), relu()),
		nn.NewSequential(pool(), conv(c.In, c.PoolProj, 1), relu()),
	)
	input := []int{1, c.In, c.Size, c.Size}
	a, err := measure("with 1×1 reductions", with, input, "1×1", "1×1 reduce → 3×3", "1×1 reduce → 5×5", "3×3 max pool → 1×1")
	if err != nil {
		return [2]Design{}, err
	}
	b, err := measure("without", without, input, "1×1", "3×3", "5×5", "3×3 max pool → 1×1")
	if err != nil {
		return [2]Design{}, err
	}
	return [2]Design{a, b}, nil
}

// measure summarises m; parts name the rows one level down, for a Concat.
func measure(name string, m nn.Module, input []int, parts ...string) (Design, error) {
	s, err := Summarize(m, input)
	if err != nil {
		return Design{}, err
	}
	d := Design{Name: name, Weights: s.TotalParams, MultAdds: s.MultAdds, Output: s.Layers[0].Output}
	if _, ok := m.(*nn.Sequential); ok {
		d.ReceptiveField = receptiveField(m)
	}
	for _, l := range s.Layers {
		if l.Type == "ReLU" {
			d.ReLUs++
		}
		if l.Depth == 1 && len(parts) > 0 {
			d.Parts = append(d.Parts, Part{Name: parts[len(d.Parts)], Weights: l.Params, MultAdds: l.MultAdds})
		}
	}
	if _, ok := m.(*nn.Concat); ok {
		d.ReLUs = 0 // the branches are side by side, not in a chain
	}
	return d, nil
}

// receptiveField is the side of the input window that one output of a
// chain of layers sees: each layer with kernel k, dilation d and stride s
// widens it by (k − 1)·d times the product of the strides before it.
func receptiveField(m nn.Module) int {
	rf, jump := 1, 1
	nn.Walk(m, func(_ string, sub nn.Module) {
		k, s, d := 1, 1, 1
		switch l := sub.(type) {
		case *nn.Conv2d:
			o := l.Options()
			k, s, d = l.Config.Kernel, o.Stride[0], o.Dilation[0]
		case *nn.MaxPool2d:
			o := l.Options()
			k, s, d = o.Kernel[0], o.Stride[0], o.Dilation[0]
		case *nn.AvgPool2d:
			o := l.Options()
			k, s = o.Kernel[0], o.Stride[0]
		default:
			return
		}
		if s == 0 {
			s = k
		}
		rf += (k - 1) * d * jump
		jump *= s
	})
	return rf
}

// Explanation is what `convnet explain` prints.
type Explanation struct {
	Channels  int             `json:"channels"`
	Size      int             `json:"size"`
	Stacked   [2]Design       `json:"stacked"`
	Inception InceptionConfig `json:"inception_config"`
	Reduction [2]Design       `json:"inception"`
}

// Explain computes both arguments: StackedConvs with the given channels
// and map size, and InceptionReductions for inception (3a).
func Explain(channels, size int) (*Explanation, error) {
	e := &Explanation{Channels: channels, Size: size, Inception: Inception3a}
	var err error
	if e.Stacked, err = StackedConvs(channels, size); err != nil {
		return nil, err
	}
	if e.Reduction, err = InceptionReductions(Inception3a); err != nil {
		return nil, err
	}
	return e, nil
}

// WriteText writes the two arguments as short tables with what they show.
func (e *Explanation) WriteText(w io.Writer) error {
	var b strings.Builder
	c := int64(e.Channels)
	one, three := e.Stacked[0], e.Stacked[1]
	fmt.Fprintf(&b, "1. Three stacked 3×3 convolutions or one 7×7 (Simonyan & Zisserman 2015, §2.3)\n")
	fmt.Fprintf(&b, "   C = %d channels in and out, on a %d×%d map, no biases:\n\n", e.Channels, e.Size, e.Size)
	t := [][]string{{"design", "weights", "", "multiply-adds", "receptive field", "ReLUs"}}
	for _, d := range e.Stacked {
		coef := ""
		if d.Weights%(c*c) == 0 {
			coef = fmt.Sprintf("= %dC²", d.Weights/(c*c))
		}
		t = append(t, []string{d.Name, Thousands(d.Weights), coef, Thousands(d.MultAdds),
			fmt.Sprintf("%d×%d", d.ReceptiveField, d.ReceptiveField), fmt.Sprint(d.ReLUs)})
	}
	table(&b, "lrlrrr", t)
	fmt.Fprintf(&b, "\n   Both see a %d×%d window of the input. The stack needs %.0f%% of the weights and of the\n",
		three.ReceptiveField, three.ReceptiveField, 100*float64(three.Weights)/float64(one.Weights))
	fmt.Fprintf(&b, "   multiply-adds (the 7×7 layer needs %.0f%% more) and puts %d non-linearities where there was %d.\n\n",
		100*(float64(one.Weights)/float64(three.Weights)-1), three.ReLUs, one.ReLUs)

	cfg, with, without := e.Inception, e.Reduction[0], e.Reduction[1]
	fmt.Fprintf(&b, "2. What GoogLeNet's 1×1 reductions save (Szegedy et al. 2015, §4 and Table 1, %s)\n", cfg.Name)
	fmt.Fprintf(&b, "   %d channels in on a %d×%d map, %d out (%d + %d + %d + %d), no biases:\n\n",
		cfg.In, cfg.Size, cfg.Size, cfg.C1x1+cfg.C3x3+cfg.C5x5+cfg.PoolProj, cfg.C1x1, cfg.C3x3, cfg.C5x5, cfg.PoolProj)
	t = [][]string{{"multiply-adds of the branch", "with reductions", "without them"}}
	for i := range with.Parts {
		t = append(t, []string{with.Parts[i].Name, Thousands(with.Parts[i].MultAdds), Thousands(without.Parts[i].MultAdds)})
	}
	t = append(t, []string{"the module", Thousands(with.MultAdds), Thousands(without.MultAdds)},
		[]string{"its weights", Thousands(with.Weights), Thousands(without.Weights)})
	table(&b, "lrr", t)
	fmt.Fprintf(&b, "\n   The reductions shrink the 3×3 conv's input from %d to %d channels and the 5×5's from %d to %d:\n",
		cfg.In, cfg.Reduce3, cfg.In, cfg.Reduce5)
	fmt.Fprintf(&b, "   %.2f× fewer multiply-adds for the module (%.0f%% saved), %.1f× fewer in the 5×5 branch.\n",
		float64(without.MultAdds)/float64(with.MultAdds), 100*(1-float64(with.MultAdds)/float64(without.MultAdds)),
		float64(without.Parts[2].MultAdds)/float64(with.Parts[2].MultAdds))
	if cfg.PaperOps > 0 {
		fmt.Fprintf(&b, "   (The paper's Table 1 lists %dM ops for %s.)\n", cfg.PaperOps/1_000_000, cfg.Name)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// table writes rows indented by three spaces, each column aligned as align
// says: 'l' left, 'r' right.
func table(b *strings.Builder, align string, rows [][]string) {
	widths := make([]int, len(align))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for _, r := range rows {
		line := " "
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			if align[i] == 'l' {
				line += "  " + c + pad
			} else {
				line += "  " + pad + c
			}
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
}
