//go:build amd64 && !purego

package kernel

import "golang.org/x/sys/cpu"

// im2colRowsAVX512 is, for zmask and cmask of 32 bits (lane i of a row is
// bit i) and off+bits.Len32(cmask) ≤ 32:
//
//	for r := 0; r < rows; r++ {
//		for i := 0; i < 32; i++ {
//			if zmask>>i&1 != 0 {
//				dst[r*ldd+i] = 0
//			}
//			if cmask>>i&1 != 0 {
//				dst[r*ldd+off+i] = src[r*lds+i]
//			}
//		}
//	}
//
// Lanes outside the masks are neither read nor written.
//
//go:noescape
func im2colRowsAVX512(rows int, dst []float32, ldd, off int, src []float32, lds int, zmask, cmask uint32)

// addRowsAVX512 is, for a mask of 32 bits (lane i of a row is bit i):
//
//	for r := 0; r < rows; r++ {
//		for i := 0; i < 32; i++ {
//			if mask>>i&1 != 0 {
//				dst[r*ldd+i] += src[r*lds+i]
//			}
//		}
//	}
//
//go:noescape
func addRowsAVX512(rows int, dst []float32, ldd int, src []float32, lds int, mask uint32)

// hasAVX512 gates the masked row routines of im2col and col2im.
var hasAVX512 = cpu.X86.HasAVX512F

// im2colRowsArch sets, for r < rows, the row d[r·w : r·w+w] (w ≤ 32) to
// zeros with s[r·lds : r·lds+n] copied in at lane lo, in assembly where it
// can: one row of a tap of im2col with stride 1, its padding included. It
// reports whether it did the work.
func im2colRowsArch(d []float32, w, lo, n int, s []float32, lds, rows int) bool {
	if !hasAVX512 || w > 32 || rows == 0 || n == 0 {
		return false
	}
	_, _ = d[rows*w-1], s[(rows-1)*lds+n-1] // the assembly trusts these bounds
	cmask := uint32(1)<<n - 1
	zmask := (uint32(1)<<w - 1) &^ (cmask << lo) // a shift by 32 gives 0
	im2colRowsAVX512(rows, d, w, lo, s, lds, zmask, cmask)
	return true
}

// addRowsArch adds, for r < rows, s[r·lds : r·lds+n] onto d[r·ldd :
// r·ldd+n] (n ≤ 32) in assembly where it can; it reports whether it did
// the work.
func addRowsArch(d []float32, ldd int, s []float32, lds, rows, n int) bool {
	if !hasAVX512 || n > 32 || rows == 0 || n == 0 {
		return false
	}
	_, _ = d[(rows-1)*ldd+n-1], s[(rows-1)*lds+n-1] // the assembly trusts these bounds
	addRowsAVX512(rows, d, ldd, s, lds, uint32(1)<<n-1)
	return true
}

// gatherStridedAVX512 is gatherStrided's loop for n a multiple of 16.
//
//go:noescape
func gatherStridedAVX512(n int, dst, src []float32, stride int)

// compactStridedAVX512 is gatherStrided's loop for 16·n floats at stride 2,
// 4 or 8, reading 16·stride floats of src a block.
//
//go:noescape
func compactStridedAVX512(n int, dst, src []float32, stride int)

// compactRows8AVX512 is compactRows8Arch's loop; see the generator.
//
//go:noescape
func compactRows8AVX512(rows, blocks int, dst []float32, ldd int, src []float32, lds int, tail uint32)

// compactRows8Arch sets dst[r·ldd + i] = src[r·lds + 8i] for r < rows and
// i < n, and reports whether it could: with AVX-512, when every row's
// last block of 128 floats lies in src.
func compactRows8Arch(dst []float32, ldd int, src []float32, lds, rows, n int) bool {
	if !hasAVX512 || rows <= 0 || n <= 0 {
		return false
	}
	blocks, rest := n/16, n%16
	if ldd < n || len(dst) < (rows-1)*ldd+n || len(src) < (rows-1)*lds+ceilDiv(n, 16)*128 {
		return false
	}
	compactRows8AVX512(rows, blocks, dst, ldd, src, lds, 1<<rest-1)
	return true
}

// gatherStridedArch does gatherStrided for the longest prefix of dst that a
// multiple of 16 covers, in assembly where it can, and returns its length
// (0 when it did nothing). src holds at least (len(dst)−1)·stride+1 floats.
// Strides 2 and 4 (ResNet's and AlexNet's) go by permutes as far as whole
// vectors of src reach, the rest by a 16-lane gather. On AlexNet's first
// layer (stride 4, Zen 4) the scalar loop took 24% of its CPU profile, the
// gather 21%, the permutes 18% (1.52 → 1.44 ms a layer): the rows are
// short, 55 outputs, and read from L2.
func gatherStridedArch(dst, src []float32, stride int) int {
	n := len(dst) &^ 15
	if !hasAVX512 || n == 0 || stride > 1<<20 {
		return 0
	}
	done := 0
	if stride == 2 || stride == 4 || stride == 8 {
		if blocks := min(n/16, len(src)/(16*stride)); blocks > 0 {
			compactStridedAVX512(blocks, dst, src, stride)
			done = 16 * blocks
		}
	}
	if rest := n - done; rest > 0 {
		_ = src[(n-1)*stride] // the assembly trusts this bound
		gatherStridedAVX512(rest, dst[done:], src[done*stride:], stride)
	}
	return n
}

// copyRowsWideAVX512 is, for tail = 1<<(w%16) − 1:
//
//	for r := 0; r < rows; r++ {
//		copy(dst[r*ldd:r*ldd+w], src[r*lds:r*lds+w])
//	}
//
//go:noescape
func copyRowsWideAVX512(rows, w int, dst []float32, ldd int, src []float32, lds int, tail uint32)

// addRowsWideAVX512 is, for tail = 1<<(w%16) − 1:
//
//	for r := 0; r < rows; r++ {
//		for i := 0; i < w; i++ {
//			dst[r*ldd+i] += src[r*lds+i]
//		}
//	}
//
//go:noescape
func addRowsWideAVX512(rows, w int, dst []float32, ldd int, src []float32, lds int, tail uint32)

// rowsWideArch copies (or with add, adds) rows of w floats in assembly
// where it can; it reports whether it did the work.
func rowsWideArch(add bool, d []float32, ldd int, s []float32, lds, rows, w int) bool {
	if !hasAVX512 || rows == 0 || w == 0 {
		return false
	}
	_, _ = d[(rows-1)*ldd+w-1], s[(rows-1)*lds+w-1] // the assembly trusts these bounds
	tail := uint32(1)<<(w%16) - 1
	if add {
		addRowsWideAVX512(rows, w, d, ldd, s, lds, tail)
	} else {
		copyRowsWideAVX512(rows, w, d, ldd, s, lds, tail)
	}
	return true
}
