package kernel

// PhasePlane names a plane of input gathered at a stride: along each axis
// the residue R of the input positions it holds and its shift Q, so that
// its element (u, v) is input (u+QY)·SH + RY, (v+QX)·SW + RX.
type PhasePlane struct{ RY, QY, RX, QX int }

// PhasePlanes writes planes of one input channel x (h×w) gathered at
// stride (sh, sw) into dst, oh×ow each: plane k, at dst[k·oh·ow:], holds
// the input that planes[k] names, zero where that lies outside the image.
// A strided convolution is one of stride 1 over such planes (see
// implicit.go), and with each plane shifted by its own amount, one whose
// taps start where its planes do.
func PhasePlanes(x []float32, h, w, sh, sw int, planes []PhasePlane, dst []float32, oh, ow int) {
	if len(x) < h*w || len(dst) < len(planes)*oh*ow || sh < 1 || sw < 1 {
		panic("kernel: PhasePlanes needs a whole channel and room for its planes")
	}
	for k, pl := range planes {
		if pl.RY < 0 || pl.RY >= sh || pl.RX < 0 || pl.RX >= sw {
			panic("kernel: PhasePlanes residue outside its stride")
		}
		plane := dst[k*oh*ow:][:oh*ow]
		// Column v reads input column (v+QX)·sw+RX, inside the image for
		// v+QX in [0, ⌈(w−RX)/sw⌉), and row u input row (u+QY)·sh+RY,
		// for u+QY in [0, ⌈(h−RY)/sh⌉).
		v0, v1 := min(ow, max(0, -pl.QX)), max(0, min(ow, ceilDiv(w-pl.RX, sw)-pl.QX))
		u0, u1 := min(oh, max(0, -pl.QY)), max(0, min(oh, ceilDiv(h-pl.RY, sh)-pl.QY))
		if v0 >= v1 || u0 >= u1 {
			clear(plane)
			continue
		}
		clear(plane[:u0*ow])
		clear(plane[u1*ow:])
		first := x[((u0+pl.QY)*sh+pl.RY)*w+(v0+pl.QX)*sw+pl.RX : h*w]
		if sw != 8 || !compactRows8Arch(plane[u0*ow+v0:], ow, first, sh*w, u1-u0, v1-v0) {
			for u := u0; u < u1; u++ {
				gatherStrided(plane[u*ow+v0:u*ow+v1], first[(u-u0)*sh*w:], sw)
			}
		}
		// The columns left and right of the image, mostly one or none:
		// a loop rather than a clear call a row.
		for u := u0; u < u1; u++ {
			row := plane[u*ow : (u+1)*ow]
			for v := range v0 {
				row[v] = 0
			}
			for v := v1; v < ow; v++ {
				row[v] = 0
			}
		}
	}
}
