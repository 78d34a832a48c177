package kernel

import "fmt"

// Transpose sets dst[c·ldd + r] = src[r·lds + c] for r < rows, c < cols:
// the rows×cols matrix src, transposed into dst.
func Transpose(dst []float32, ldd int, src []float32, lds, rows, cols int) {
	if rows == 0 || cols == 0 {
		return
	}
	if ldd < rows || lds < cols || len(dst) < (cols-1)*ldd+rows || len(src) < (rows-1)*lds+cols {
		panic(fmt.Sprintf("kernel: Transpose of %d×%d (ld %d) into ld %d: %d and %d floats", rows, cols, lds, ldd, len(src), len(dst)))
	}
	r := transposeArch(dst, ldd, src, lds, rows, cols)
	if r == rows {
		return
	}
	// What the SIMD transpose left: the last rows, below its blocks of 8.
	for c := 0; c < cols; c++ {
		d := dst[c*ldd : c*ldd+rows]
		for i := r; i < rows; i++ {
			d[i] = src[i*lds+c]
		}
	}
}
