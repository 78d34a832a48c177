package kernel

// dotSuits reports whether C = A·Bᵀ (both stored with k contiguous) is
// better computed as tiles of dot products than packed: when k is long
// and C small, as in a convolution's weight gradient dY·colᵀ, where
// packing both operands (each a transpose) cost as much as the product.
// A must also stay in cache, since it is read again for every six rows of
// B: a fully connected layer at batch 32 (A 32×9216, B 4096×9216) is left
// to the packed path.
func dotSuits(m, n, k int) bool {
	return k >= 256 && m >= dotRowsA && n >= dotRowsB && m*n <= 64*k && m*k <= 1<<18
}

const dotRowsA, dotRowsB = 4, 6

// sgemmDot computes C = alpha·A·Bᵀ + beta·C for A m×k and B n×k, row-major,
// through dot, 4×6 elements of C at a time. An edge tile repeats its last
// row of A or B to fill the kernel's rows, and only its own elements are
// stored.
func sgemmDot(dot func(k int, rows *[10]*float32, out *[24]float32), m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmDotAt(dot, m, n, k, alpha, a, lda, b, ldb, nil, beta, c, ldc)
}

// sgemmDotAt is sgemmDot with row j of B at b[off[j]:] when off is not
// nil, at b[j·ldb:] otherwise.
func sgemmDotAt(dot func(k int, rows *[10]*float32, out *[24]float32), m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, off []int, beta float32, c []float32, ldc int) {
	var rows [10]*float32
	var out [24]float32
	// B outside, A inside: each row of B is read from memory once, while
	// all of A (small, see dotSuits) stays in cache.
	for j0 := 0; j0 < n; j0 += dotRowsB {
		nj := min(dotRowsB, n-j0)
		for j := 0; j < dotRowsB; j++ {
			if r := j0 + min(j, nj-1); off != nil {
				rows[dotRowsA+j] = &b[off[r]]
			} else {
				rows[dotRowsA+j] = &b[r*ldb]
			}
		}
		for i0 := 0; i0 < m; i0 += dotRowsA {
			mi := min(dotRowsA, m-i0)
			for i := 0; i < dotRowsA; i++ {
				rows[i] = &a[(i0+min(i, mi-1))*lda]
			}
			dot(k, &rows, &out)
			for i := 0; i < mi; i++ {
				ci := c[(i0+i)*ldc+j0 : (i0+i)*ldc+j0+nj]
				for j := range ci {
					v := alpha * out[i*dotRowsB+j]
					if beta != 0 {
						v += beta * ci[j]
					}
					ci[j] = v
				}
			}
		}
	}
}

// SgemmDotRows sets C (m×n, rows ldc apart) to alpha·A·Bᵀ + beta·C on the
// calling goroutine, where A is m×k (rows lda apart) and row j of B is
// src[off[j] : off[j]+k]. It is the weight gradient dY·colᵀ of a
// convolution whose column matrix is a set of shifted views of its padded
// input (see SgemmRows): computed as dot products of dY's rows with the
// views, with no column matrix. When beta is 0, C is not read.
func SgemmDotRows(m, n, k int, alpha float32, a []float32, lda int, src []float32, off []int, beta float32, c []float32, ldc int) {
	if !startRows("SgemmDotRows", m, n, k, a, lda, src, off, n, k, alpha, beta, c, ldc) {
		return
	}
	if kern := gemmInUse.kern; kern != nil && kern.dot != nil && dotSuits(m, n, k) {
		sgemmDotAt(kern.dot, m, n, k, alpha, a, lda, src, 0, off, beta, c, ldc)
		return
	}
	// Without a dot-product kernel, or for shapes it does not suit: copy
	// B's rows out and take the packed path.
	b := GetScratch(n * k)
	defer PutScratch(b)
	for j, o := range off {
		copy(b[j*k:(j+1)*k], src[o:o+k])
	}
	SgemmSerial(false, true, m, n, k, alpha, a, lda, b, k, beta, c, ldc)
}
