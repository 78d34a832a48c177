package kernel

// Packing copies a block of op(A) or op(B) into the order in which the
// micro-kernel reads it: panels of w rows of op(A) (or w columns of op(B)),
// each stored as k consecutive groups of w floats. Whichever way the source is
// stored, one of the two operands of a product has its panel's w floats
// contiguous in memory (a copy) and the other has them ld apart (a
// transpose); which is which depends on transA and transB.

// packA packs the mc×kc block of op(A) whose top-left is (ic, pc) into dst as
// ⌈mc/mr⌉ panels of mr rows, the last one only as high as the rows left
// (the micro-kernels have a variant for each height).
func packA(dst []float32, transA bool, a []float32, lda, ic, pc, mc, kc, mr int) {
	if transA {
		// A is stored k×m: column p of op(A) is row p of A.
		packCopyPanels(dst, a[pc*lda+ic:], lda, kc, mc, mr, true)
		return
	}
	for ir := 0; ir < mc; ir += mr {
		rows := min(mr, mc-ir)
		packTranspose(dst[ir*kc:(ir+rows)*kc], a[(ic+ir)*lda+pc:], lda, kc, rows, rows)
	}
}

// packB packs the kc×nc block of op(B) whose top-left is (pc, jc) into dst as
// ⌈nc/nr⌉ panels of nr columns, zero-filling the columns past nc.
func packB(dst []float32, transB bool, b []float32, ldb, pc, jc, kc, nc, nr int) {
	if !transB {
		packCopyPanels(dst, b[pc*ldb+jc:], ldb, kc, nc, nr, false)
		return
	}
	// B is stored n×k: column j of op(B) is row j of B.
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		packTranspose(dst[jr*kc:(jr+nr)*kc], b[(jc+jr)*ldb+pc:], ldb, kc, cols, nr)
	}
}

// packCopyPanels packs the k×n block at s (rows ld apart) into ⌈n/w⌉ panels
// of w columns. The last panel, if short, is zero-padded to w columns, or
// with tight is stored only as wide as it is. (Filling all panels a source
// row at a time instead measured slower: the stores then scatter over every
// panel.)
func packCopyPanels(dst, s []float32, ld, k, n, w int, tight bool) {
	for j := 0; j < n; j += w {
		width, pw := min(w, n-j), w
		if tight {
			pw = width
		}
		packCopy(dst[j*k:(j+pw)*k], s[j:], ld, k, width, pw)
	}
}

// copyRows sets d[p·ldd+i] = s[p·lds+i] for p < k, i < w.
func copyRows(d []float32, ldd int, s []float32, lds, k, w int) {
	if copyRowsArch(d, ldd, s, lds, k, w) {
		return
	}
	copyRowsGo(d, ldd, s, lds, k, w)
}

// copyRowsGo is copyRows in Go.
func copyRowsGo(d []float32, ldd int, s []float32, lds, k, w int) {
	for p := 0; p < k; p++ {
		copy(d[p*ldd:p*ldd+w], s[p*lds:p*lds+w])
	}
}

// packCopy sets d[p·w+i] = s[p·ld+i] for p < k, i < width, and zero for
// width ≤ i < w.
func packCopy(d, s []float32, ld, k, width, w int) {
	if width == w {
		copyRows(d, w, s, ld, k, w)
		return
	}
	for p := 0; p < k; p++ {
		dp := d[p*w : p*w+w]
		copy(dp, s[p*ld:p*ld+width])
		clear(dp[width:])
	}
}

// packTranspose sets d[p·w+i] = s[i·ld+p] for p < k, i < width, and zero for
// width ≤ i < w.
func packTranspose(d, s []float32, ld, k, width, w int) {
	// The SIMD transposes take the columns in blocks of 8.
	if k8 := k &^ 7; k8 > 0 && packTransposeArch(d, s, ld, k8, width, w) {
		if k == k8 {
			return
		}
		d, s, k = d[k8*w:], s[k8:], k-k8
	}
	packTransposeGo(d, s, ld, k, width, w)
}

// packTransposeGo is packTranspose in Go.
func packTransposeGo(d, s []float32, ld, k, width, w int) {
	d = d[:k*w]
	i := 0
	// Four source rows at a time: four read streams, and each group of w
	// floats in d is touched a quarter as often.
	for ; i+4 <= width; i += 4 {
		s0 := s[i*ld : i*ld+k]
		s1 := s[(i+1)*ld : (i+1)*ld+k]
		s2 := s[(i+2)*ld : (i+2)*ld+k]
		s3 := s[(i+3)*ld : (i+3)*ld+k]
		for p := range s0 {
			dp := d[p*w+i : p*w+i+4 : p*w+i+4]
			dp[0], dp[1], dp[2], dp[3] = s0[p], s1[p], s2[p], s3[p]
		}
	}
	for ; i < width; i++ {
		si := s[i*ld : i*ld+k]
		for p, v := range si {
			d[p*w+i] = v
		}
	}
	if width < w {
		for p := 0; p < k; p++ {
			clear(d[p*w+width : p*w+w])
		}
	}
}
