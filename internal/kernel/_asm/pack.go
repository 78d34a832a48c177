package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// packWidths are the panel widths of the micro-kernels (nr 32 and mr 14 for
// AVX-512, nr 16 and mr 6 for AVX2) that the packing routines handle; other
// widths, and the partial panels at the edges, are packed in Go.
var packWidths = []int{32, 16, 14, 6}

// genPackCopy emits packCopyAVX: for p < k, dst[p*ldd : p*ldd+w] =
// src[p*lds : p*lds+w].
func genPackCopy() {
	TEXT("packCopyAVX", NOSPLIT, "func(w, k int, dst []float32, ldd int, src []float32, lds int)")
	Doc("packCopyAVX copies k rows of w floats, lds apart in src, to rows ldd apart in dst;",
		"see the Go declaration.")
	w := Load(Param("w"), RBX)
	k := Load(Param("k"), RCX)
	dst := Load(Param("dst").Base(), RDI)
	ldd := Load(Param("ldd"), R9)
	SHLQ(U8(2), ldd)
	src := Load(Param("src").Base(), RSI)
	ld := Load(Param("lds"), R8)
	SHLQ(U8(2), ld)
	TESTQ(k, k)
	JZ(LabelRef("packCopyAVX_done"))
	for _, width := range packWidths {
		CMPQ(w, U8(width))
		JEQ(LabelRef(fmt.Sprintf("packCopyAVX_w%d", width)))
	}
	JMP(LabelRef("packCopyAVX_done"))
	for _, width := range packWidths {
		Label(fmt.Sprintf("packCopyAVX_w%d", width))
		// Pieces of 8, 4 and 2 floats cover every width in packWidths.
		type piece struct{ off, n int }
		var pieces []piece
		for off := 0; off < width; {
			n := 8
			for off+n > width {
				n /= 2
			}
			pieces = append(pieces, piece{off, n})
			off += n
		}
		for i, pc := range pieces {
			from, to := Mem{Base: src, Disp: 4 * pc.off}, Mem{Base: dst, Disp: 4 * pc.off}
			switch pc.n {
			case 8:
				VMOVUPS(from, ymmRegs[i])
				VMOVUPS(ymmRegs[i], to)
			case 4:
				VMOVUPS(from, xmmRegs[i])
				VMOVUPS(xmmRegs[i], to)
			case 2:
				VMOVSD(from, xmmRegs[i])
				VMOVSD(xmmRegs[i], to)
			default:
				panic("width not covered")
			}
		}
		ADDQ(ld, src)
		ADDQ(ldd, dst)
		DECQ(k)
		JNZ(LabelRef(fmt.Sprintf("packCopyAVX_w%d", width)))
		JMP(LabelRef("packCopyAVX_done"))
	}
	Label("packCopyAVX_done")
	VZEROUPPER()
	RET()
}

var (
	ymmRegs = []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}
	xmmRegs = []VecPhysical{X0, X1, X2, X3, X4, X5, X6, X7, X8, X9, X10, X11, X12, X13, X14, X15}
)

// genPackTranspose emits packTransposeAVX: for p < k, i < w,
// dst[p*w+i] = src[i*ld+p], with k a multiple of 8. It transposes blocks of
// 8 rows by 8 columns in registers (24 shuffles per 64 floats), the last
// block of rows short when w is not a multiple of 8.
func genPackTranspose() {
	TEXT("packTransposeAVX", NOSPLIT, "func(w, k int, dst, src []float32, ld int)")
	Doc("packTransposeAVX transposes w rows of k floats, ld apart in src, into k rows of w",
		"floats in dst; see the Go declaration.")
	w := Load(Param("w"), RBX)
	k := Load(Param("k"), RCX)
	dst := Load(Param("dst").Base(), RDI)
	src := Load(Param("src").Base(), RSI)
	ld := Load(Param("ld"), R8)
	SHLQ(U8(2), ld)
	ld3 := R11
	LEAQ(Mem{Base: ld, Index: ld, Scale: 2}, ld3)
	SHRQ(U8(3), k)
	JZ(LabelRef("packTransposeAVX_done"))
	for _, width := range packWidths {
		CMPQ(w, U8(width))
		JEQ(LabelRef(fmt.Sprintf("packTransposeAVX_w%d", width)))
	}
	JMP(LabelRef("packTransposeAVX_done"))

	row0, row4, out, n := R10, R12, R13, RAX
	for _, width := range packWidths {
		Label(fmt.Sprintf("packTransposeAVX_w%d", width))
		for g := 0; g*8 < width; g++ {
			rows := min(8, width-8*g)
			loop := fmt.Sprintf("packTransposeAVX_w%d_g%d", width, g)
			Commentf("Rows %d to %d.", 8*g, 8*g+rows-1)
			// row0 = src + 8g·ld, row4 = row0 + 4·ld.
			if g == 0 {
				MOVQ(src, row0)
			} else {
				IMUL3Q(U32(8*g), ld, row0)
				ADDQ(src, row0)
			}
			LEAQ(Mem{Base: row0, Index: ld, Scale: 4}, row4)
			MOVQ(dst, out)
			MOVQ(k, n)
			Label(loop)
			// Rows past the panel's height load the last real row again;
			// their lanes are never stored.
			rowAddr := func(r int) Mem {
				r = min(r, rows-1)
				base := row0
				if r >= 4 {
					base, r = row4, r-4
				}
				switch r {
				case 0:
					return Mem{Base: base}
				case 1:
					return Mem{Base: base, Index: ld, Scale: 1}
				case 2:
					return Mem{Base: base, Index: ld, Scale: 2}
				default:
					return Mem{Base: base, Index: ld3, Scale: 1}
				}
			}
			for r := 0; r < 8; r++ {
				VMOVUPS(rowAddr(r), ymmRegs[r])
			}
			y := ymmRegs
			VUNPCKLPS(y[1], y[0], y[8])
			VUNPCKHPS(y[1], y[0], y[9])
			VUNPCKLPS(y[3], y[2], y[10])
			VUNPCKHPS(y[3], y[2], y[11])
			VUNPCKLPS(y[5], y[4], y[12])
			VUNPCKHPS(y[5], y[4], y[13])
			VUNPCKLPS(y[7], y[6], y[14])
			VUNPCKHPS(y[7], y[6], y[15])
			VSHUFPS(U8(0x44), y[10], y[8], y[0])
			VSHUFPS(U8(0xee), y[10], y[8], y[1])
			VSHUFPS(U8(0x44), y[11], y[9], y[2])
			VSHUFPS(U8(0xee), y[11], y[9], y[3])
			VSHUFPS(U8(0x44), y[14], y[12], y[4])
			VSHUFPS(U8(0xee), y[14], y[12], y[5])
			VSHUFPS(U8(0x44), y[15], y[13], y[6])
			VSHUFPS(U8(0xee), y[15], y[13], y[7])
			// Column j of the block ends up in y[8+j].
			for j := 0; j < 4; j++ {
				VPERM2F128(U8(0x20), y[4+j], y[j], y[8+j])
				VPERM2F128(U8(0x31), y[4+j], y[j], y[12+j])
			}
			for j := 0; j < 8; j++ {
				to := Mem{Base: out, Disp: 4 * (j*width + 8*g)}
				switch rows {
				case 8:
					VMOVUPS(y[8+j], to)
				case 6:
					VMOVUPS(xmmRegs[8+j], to)
					VEXTRACTF128(U8(1), y[8+j], xmmRegs[8+j])
					VMOVSD(xmmRegs[8+j], to.Offset(16))
				default:
					panic("rows not covered")
				}
			}
			ADDQ(U8(32), row0)
			ADDQ(U8(32), row4)
			ADDQ(U32(4*8*width), out)
			DECQ(n)
			JNZ(LabelRef(loop))
		}
		JMP(LabelRef("packTransposeAVX_done"))
	}
	Label("packTransposeAVX_done")
	VZEROUPPER()
	RET()
}

// genPackTransposeRows emits packTransposeRowsAVX: for p < k, i < 8,
// dst[p*ldd+i] = src[i*ld+p] for i < rows and 0 for rows ≤ i < 8, with
// 0 ≤ rows ≤ 8 and k a multiple of 8. It packs the partial panels that
// packTransposeAVX does not, one group of 8 lanes at a time, with a variant
// for each number of rows whose missing rows are zero registers.
func genPackTransposeRows() {
	TEXT("packTransposeRowsAVX", NOSPLIT, "func(rows, k int, dst []float32, ldd int, src []float32, ld int)")
	Doc("packTransposeRowsAVX transposes rows ≤ 8 rows of k floats, ld apart in src, into k",
		"groups of 8 floats ldd apart in dst, zero past rows; see the Go declaration.")
	rows := Load(Param("rows"), RBX)
	k := Load(Param("k"), RCX)
	dst := Load(Param("dst").Base(), RDI)
	ldd := Load(Param("ldd"), R9)
	SHLQ(U8(2), ldd)
	src := Load(Param("src").Base(), RSI)
	ld := Load(Param("ld"), R8)
	SHLQ(U8(2), ld)
	ld3, ldd3, row4, out4 := R11, R10, R12, R13
	LEAQ(Mem{Base: ld, Index: ld, Scale: 2}, ld3)
	LEAQ(Mem{Base: ldd, Index: ldd, Scale: 2}, ldd3)
	LEAQ(Mem{Base: src, Index: ld, Scale: 4}, row4)
	LEAQ(Mem{Base: dst, Index: ldd, Scale: 4}, out4)
	SHRQ(U8(3), k)
	JZ(LabelRef("packTransposeRowsAVX_done"))
	for r := 0; r < 8; r++ {
		CMPQ(rows, U8(r))
		JEQ(LabelRef(fmt.Sprintf("packTransposeRowsAVX_r%d", r)))
	}
	// rows == 8 falls through to its variant.
	y := ymmRegs
	for r := 8; r >= 0; r-- {
		Label(fmt.Sprintf("packTransposeRowsAVX_r%d", r))
		Label(fmt.Sprintf("packTransposeRowsAVX_r%d_loop", r))
		col := func(j int) VecPhysical { return y[8+j] } // column j of the block
		if r == 0 {
			VXORPS(y[8], y[8], y[8])
			col = func(int) VecPhysical { return y[8] }
		} else {
			for i := 0; i < 8; i++ {
				if i >= r {
					VXORPS(y[i], y[i], y[i])
					continue
				}
				base, j := src, i
				if i >= 4 {
					base, j = row4, i-4
				}
				VMOVUPS(rowMem(base, ld, ld3, j), y[i])
			}
			transpose8x8(y)
		}
		for j := 0; j < 8; j++ {
			base, jj := dst, j
			if j >= 4 {
				base, jj = out4, j-4
			}
			VMOVUPS(col(j), rowMem(base, ldd, ldd3, jj))
		}
		ADDQ(U8(32), src)
		ADDQ(U8(32), row4)
		LEAQ(Mem{Base: dst, Index: ldd, Scale: 8}, dst)
		LEAQ(Mem{Base: out4, Index: ldd, Scale: 8}, out4)
		DECQ(k)
		JNZ(LabelRef(fmt.Sprintf("packTransposeRowsAVX_r%d_loop", r)))
		JMP(LabelRef("packTransposeRowsAVX_done"))
	}
	Label("packTransposeRowsAVX_done")
	VZEROUPPER()
	RET()
}

// rowMem addresses row j < 4 of four rows ld apart from base (ld3 = 3·ld).
func rowMem(base, ld, ld3 Register, j int) Mem {
	switch j {
	case 0:
		return Mem{Base: base}
	case 1:
		return Mem{Base: base, Index: ld, Scale: 1}
	case 2:
		return Mem{Base: base, Index: ld, Scale: 2}
	default:
		return Mem{Base: base, Index: ld3, Scale: 1}
	}
}

// transpose8x8 transposes the 8×8 block in y[0..7] so that column j ends
// up in y[8+j], clobbering y[0..7].
func transpose8x8(y []VecPhysical) {
	VUNPCKLPS(y[1], y[0], y[8])
	VUNPCKHPS(y[1], y[0], y[9])
	VUNPCKLPS(y[3], y[2], y[10])
	VUNPCKHPS(y[3], y[2], y[11])
	VUNPCKLPS(y[5], y[4], y[12])
	VUNPCKHPS(y[5], y[4], y[13])
	VUNPCKLPS(y[7], y[6], y[14])
	VUNPCKHPS(y[7], y[6], y[15])
	VSHUFPS(U8(0x44), y[10], y[8], y[0])
	VSHUFPS(U8(0xee), y[10], y[8], y[1])
	VSHUFPS(U8(0x44), y[11], y[9], y[2])
	VSHUFPS(U8(0xee), y[11], y[9], y[3])
	VSHUFPS(U8(0x44), y[14], y[12], y[4])
	VSHUFPS(U8(0xee), y[14], y[12], y[5])
	VSHUFPS(U8(0x44), y[15], y[13], y[6])
	VSHUFPS(U8(0xee), y[15], y[13], y[7])
	for j := 0; j < 4; j++ {
		VPERM2F128(U8(0x20), y[4+j], y[j], y[8+j])
		VPERM2F128(U8(0x31), y[4+j], y[j], y[12+j])
	}
}

// gatherWidths are the panel widths packGatherAVX handles: nr of the
// AVX-512 and AVX2 micro-kernels.
var gatherWidths = []int{32, 16}

// genPackGather emits packGatherAVX: for p < k, dst[p*w : p*w+w] =
// src[off[p] : off[p]+w], w being 32 or 16. It packs a panel of B whose
// rows lie anywhere in src: the shifted views of a padded image that are
// the rows of a convolution's column matrix.
func genPackGather() {
	TEXT("packGatherAVX", NOSPLIT, "func(w, k int, dst, src []float32, off []int)")
	Doc("packGatherAVX copies k rows of w floats, row p at src[off[p]:], to consecutive",
		"rows of dst; see the Go declaration.")
	w := Load(Param("w"), RBX)
	k := Load(Param("k"), RCX)
	dst := Load(Param("dst").Base(), RDI)
	src := Load(Param("src").Base(), RSI)
	off := Load(Param("off").Base(), R8)
	row := R9
	TESTQ(k, k)
	JZ(LabelRef("packGatherAVX_done"))
	for _, width := range gatherWidths {
		CMPQ(w, U8(width))
		JEQ(LabelRef(fmt.Sprintf("packGatherAVX_w%d", width)))
	}
	JMP(LabelRef("packGatherAVX_done"))
	for _, width := range gatherWidths {
		Label(fmt.Sprintf("packGatherAVX_w%d", width))
		MOVQ(Mem{Base: off}, row)
		LEAQ(Mem{Base: src, Index: row, Scale: 4}, row)
		for i := 0; i < width/8; i++ {
			VMOVUPS(Mem{Base: row, Disp: 32 * i}, ymmRegs[i])
		}
		for i := 0; i < width/8; i++ {
			VMOVUPS(ymmRegs[i], Mem{Base: dst, Disp: 32 * i})
		}
		ADDQ(U8(8), off)
		ADDQ(U32(4*width), dst)
		DECQ(k)
		JNZ(LabelRef(fmt.Sprintf("packGatherAVX_w%d", width)))
		JMP(LabelRef("packGatherAVX_done"))
	}
	Label("packGatherAVX_done")
	VZEROUPPER()
	RET()
}

// genPackGatherSeg emits packGatherSegAVX: a 32-wide panel whose columns
// are four runs of 8 floats at their own offsets in each row, such as the
// output rows of a convolution without the padding columns between them.
func genPackGatherSeg() {
	TEXT("packGatherSegAVX", NOSPLIT, "func(k int, dst, src []float32, off []int, seg *[4]int)")
	Doc("packGatherSegAVX copies k rows of four runs of 8 floats, row p's run s at",
		"src[off[p]+seg[s]:], to consecutive rows of 32 floats of dst; see the Go declaration.")
	k := Load(Param("k"), RCX)
	dst := Load(Param("dst").Base(), RDI)
	src := Load(Param("src").Base(), RSI)
	off := Load(Param("off").Base(), R8)
	seg := Load(Param("seg"), RAX)
	s := []GPPhysical{R10, R11, R12, R13}
	for i, r := range s {
		MOVQ(Mem{Base: seg, Disp: 8 * i}, r)
		SHLQ(U8(2), r)
	}
	row := R9
	TESTQ(k, k)
	JZ(LabelRef("packGatherSegAVX_done"))
	Label("packGatherSegAVX_loop")
	MOVQ(Mem{Base: off}, row)
	LEAQ(Mem{Base: src, Index: row, Scale: 4}, row)
	for i, r := range s {
		VMOVUPS(Mem{Base: row, Index: r, Scale: 1}, ymmRegs[i])
	}
	for i := range s {
		VMOVUPS(ymmRegs[i], Mem{Base: dst, Disp: 32 * i})
	}
	ADDQ(U8(8), off)
	ADDQ(U32(4*32), dst)
	DECQ(k)
	JNZ(LabelRef("packGatherSegAVX_loop"))
	Label("packGatherSegAVX_done")
	VZEROUPPER()
	RET()
}
