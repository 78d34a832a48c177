package data

// Dataset is an indexed set of labelled images of one shape.
type Dataset interface {
	// Len returns the number of examples.
	Len() int
	// Shape returns the image shape C, H, W.
	Shape() (c, h, w int)
	// Example writes example i's image, as float32 in C×H×W order, into dst
	// (of length C·H·W) and returns its label.
	Example(i int, dst []float32) int
	// Classes returns the number of classes.
	Classes() int
}

// Bytes is an in-memory dataset of uint8 images scaled to [0, 1] on read,
// as torchvision's ToTensor does.
type Bytes struct {
	Pixels     []uint8 // N×C×H×W
	Labels     []uint8
	C, H, W    int
	NumClasses int
}

// Len returns the number of examples.
func (d *Bytes) Len() int { return len(d.Labels) }

// Shape returns C, H, W.
func (d *Bytes) Shape() (int, int, int) { return d.C, d.H, d.W }

// Classes returns the number of classes.
func (d *Bytes) Classes() int { return d.NumClasses }

// Example scales image i to [0, 1] into dst.
func (d *Bytes) Example(i int, dst []float32) int {
	n := d.C * d.H * d.W
	for j, v := range d.Pixels[i*n : (i+1)*n] {
		dst[j] = float32(v) * (1.0 / 255)
	}
	return int(d.Labels[i])
}

// Subset is the examples of a dataset at the given indexes.
type Subset struct {
	Dataset
	Indexes []int
}

// Len returns the number of indexes.
func (s *Subset) Len() int { return len(s.Indexes) }

// Example returns the underlying example Indexes[i].
func (s *Subset) Example(i int, dst []float32) int { return s.Dataset.Example(s.Indexes[i], dst) }

// Head returns the first n examples of d (all of them when n ≤ 0 or n ≥ Len).
func Head(d Dataset, n int) Dataset {
	if n <= 0 || n >= d.Len() {
		return d
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return &Subset{Dataset: d, Indexes: idx}
}

// padded surrounds every image of a dataset with a zero border.
type padded struct {
	Dataset
	pad int
}

// Pad returns d with a border of p zero pixels on each side of every image:
// the 1998 LeNet-5 took MNIST's 28×28 digits centred in 32×32.
func Pad(d Dataset, p int) Dataset { return &padded{Dataset: d, pad: p} }

// Shape returns the padded shape.
func (d *padded) Shape() (int, int, int) {
	c, h, w := d.Dataset.Shape()
	return c, h + 2*d.pad, w + 2*d.pad
}

// Example writes the padded image into dst.
func (d *padded) Example(i int, dst []float32) int {
	c, h, w := d.Dataset.Shape()
	src := make([]float32, c*h*w)
	label := d.Dataset.Example(i, src)
	ow := w + 2*d.pad
	clear(dst)
	for ch := 0; ch < c; ch++ {
		for y := 0; y < h; y++ {
			off := (ch*(h+2*d.pad)+y+d.pad)*ow + d.pad
			copy(dst[off:off+w], src[(ch*h+y)*w:(ch*h+y+1)*w])
		}
	}
	return label
}
