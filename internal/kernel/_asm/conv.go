package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// loadMasks puts the low and high 16 bits of the 32-bit parameter name into
// the mask registers lo and hi: the lanes of a row of up to 32 floats, two
// zmm registers wide.
func loadMasks(name string, lo, hi Register) {
	m := Load(Param(name), EAX)
	KMOVW(m, lo)
	SHRL(U8(16), m)
	KMOVW(m, hi)
}

// genIm2colRows emits im2colRowsAVX512: for r < rows, the row of up to 32
// floats at dst + r·ldd gets zeros in the lanes of zmask and, from lane off,
// the lanes of cmask from src + r·lds. Masked lanes are neither read nor
// written, so each row costs six masked moves however short it is.
func genIm2colRows() {
	TEXT("im2colRowsAVX512", NOSPLIT, "func(rows int, dst []float32, ldd, off int, src []float32, lds int, zmask, cmask uint32)")
	Doc("im2colRowsAVX512 copies rows of an image into rows of a column matrix with their",
		"padding; see the Go declaration.")
	loadMasks("zmask", K3, K4)
	loadMasks("cmask", K1, K2)
	rows := Load(Param("rows"), RCX)
	dst := Load(Param("dst").Base(), RDI)
	ldd := Load(Param("ldd"), R9)
	SHLQ(U8(2), ldd)
	off := Load(Param("off"), RDX)
	src := Load(Param("src").Base(), RSI)
	lds := Load(Param("lds"), R8)
	SHLQ(U8(2), lds)
	VPXORD(Z2, Z2, Z2)
	TESTQ(rows, rows)
	JZ(LabelRef("im2colRowsAVX512_done"))
	Label("im2colRowsAVX512_loop")
	VMOVUPS(Z2, K3, Mem{Base: dst})
	VMOVUPS(Z2, K4, Mem{Base: dst, Disp: 64})
	VMOVUPS_Z(Mem{Base: src}, K1, Z0)
	VMOVUPS_Z(Mem{Base: src, Disp: 64}, K2, Z1)
	VMOVUPS(Z0, K1, Mem{Base: dst, Index: off, Scale: 4})
	VMOVUPS(Z1, K2, Mem{Base: dst, Index: off, Scale: 4, Disp: 64})
	ADDQ(lds, src)
	ADDQ(ldd, dst)
	DECQ(rows)
	JNZ(LabelRef("im2colRowsAVX512_loop"))
	Label("im2colRowsAVX512_done")
	VZEROUPPER()
	RET()
}

// genAddRows emits addRowsAVX512: for r < rows, the lanes of mask of the
// row of up to 32 floats at src + r·lds are added onto those at
// dst + r·ldd. It loads and adds eight rows before it stores them: a
// load that overlaps the 64 bytes of a masked store still in flight waits
// for it (masks are not looked at), and the rows of a small image are
// closer than that (one row at a time ran at 8 ns a row on Zen 4).
func genAddRows() {
	TEXT("addRowsAVX512", NOSPLIT, "func(rows int, dst []float32, ldd int, src []float32, lds int, mask uint32)")
	Doc("addRowsAVX512 adds rows of up to 32 floats onto others; see the Go declaration.")
	loadMasks("mask", K1, K2)
	rows := Load(Param("rows"), RCX)
	dst := Load(Param("dst").Base(), RDI)
	ldd := Load(Param("ldd"), R9)
	SHLQ(U8(2), ldd)
	src := Load(Param("src").Base(), RSI)
	lds := Load(Param("lds"), R8)
	SHLQ(U8(2), lds)
	KORTESTW(K2, K2)
	JZ(LabelRef("addRowsAVX512_16"))
	for _, wide := range []bool{true, false} {
		name := "addRowsAVX512_32"
		if !wide {
			name = "addRowsAVX512_16"
			Label(name)
		}
		// step adds rows rows from the current dst and src and advances them.
		step := func(rows int) {
			d, s := dst, src
			for r := 0; r < rows; r++ {
				z := zmmRegs[2*r]
				VMOVUPS_Z(Mem{Base: d}, K1, z)
				VADDPS_Z(Mem{Base: s}, z, K1, z)
				if wide {
					VMOVUPS_Z(Mem{Base: d, Disp: 64}, K2, zmmRegs[2*r+1])
					VADDPS_Z(Mem{Base: s, Disp: 64}, zmmRegs[2*r+1], K2, zmmRegs[2*r+1])
				}
				if r+1 < rows {
					if r == 0 {
						MOVQ(dst, R10)
						MOVQ(src, R11)
						d, s = R10, R11
					}
					ADDQ(ldd, d)
					ADDQ(lds, s)
				}
			}
			for r := 0; r < rows; r++ {
				VMOVUPS(zmmRegs[2*r], K1, Mem{Base: dst})
				if wide {
					VMOVUPS(zmmRegs[2*r+1], K2, Mem{Base: dst, Disp: 64})
				}
				ADDQ(ldd, dst)
			}
			if rows > 1 {
				MOVQ(R11, src)
			}
			ADDQ(lds, src)
		}
		Label(name + "_8")
		CMPQ(rows, U8(8))
		JLT(LabelRef(name + "_1"))
		step(8)
		SUBQ(U8(8), rows)
		JMP(LabelRef(name + "_8"))
		Label(name + "_1")
		TESTQ(rows, rows)
		JZ(LabelRef("addRowsAVX512_done"))
		step(1)
		DECQ(rows)
		JMP(LabelRef(name + "_1"))
	}
	Label("addRowsAVX512_done")
	VZEROUPPER()
	RET()
}

var zmmRegs = []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15}

// genMaxPool2x2Row emits maxPool2x2RowAVX512: one output row of 2×2,
// stride-2 max pooling with its argmax, 16 outputs a step. The four taps
// of each window are split out of the two input rows by even and odd lane
// permutes, then reduced as a tournament, (a0, a1) and (a2, a3) and then
// their winners, each later operand winning where it is greater or a NaN:
// the same winner as taking the four in order, as torch does.
func genMaxPool2x2Row() {
	TEXT("maxPool2x2RowAVX512", NOSPLIT, "func(full, tail int, r0, r1, dst []float32, arg []int32, evens []int32, i0, w int32)")
	Doc("maxPool2x2RowAVX512 pools one output row of 2×2 windows at stride 2; see the Go",
		"declaration.")
	full := Load(Param("full"), RCX)
	tail := Load(Param("tail"), RBX)
	r0 := Load(Param("r0").Base(), RSI)
	r1 := Load(Param("r1").Base(), RDI)
	dst := Load(Param("dst").Base(), RDX)
	arg := Load(Param("arg").Base(), R8)
	ev := Load(Param("evens").Base(), R9)
	zEven, zOdd, zOne, zW, z32, zI0 := Z16, Z17, Z18, Z19, Z24, Z25
	VMOVDQU32(Mem{Base: ev}, zEven)
	MOVL(U32(1), EAX)
	VPBROADCASTD(EAX, zOne)
	VPADDD(zOne, zEven, zOdd)
	i0 := Load(Param("i0"), EAX)
	VPBROADCASTD(i0, zI0)
	VPADDD(zEven, zI0, zI0)
	w := Load(Param("w"), EAX)
	VPBROADCASTD(w, zW)
	MOVL(U32(32), EAX)
	VPBROADCASTD(EAX, z32)
	// The tail's masks: 2·tail input lanes over two registers, tail outputs.
	MOVL(U32(1), EAX)
	SHLXL(EBX, EAX, R10L) // 1 << tail
	DECL(R10L)
	KMOVW(R10L, K3)
	LEAL(Mem{Base: RBX, Index: RBX, Scale: 1}, R11L) // 2·tail
	MOVQ(U32(1), RAX)
	SHLXQ(R11, RAX, R10) // 1 << 2·tail, below 2^32
	DECQ(R10)
	KMOVW(R10L, K1)
	SHRQ(U8(16), R10)
	KMOVW(R10L, K2)

	block := func(masked bool) {
		load := func(m Mem, k Op, z Op) {
			if masked {
				VMOVUPS_Z(m, k, z)
			} else {
				VMOVUPS(m, z)
			}
		}
		load(Mem{Base: r0}, K1, Z0)
		load(Mem{Base: r0, Disp: 64}, K2, Z1)
		load(Mem{Base: r1}, K1, Z2)
		load(Mem{Base: r1, Disp: 64}, K2, Z3)
		// a0..a3, the taps of the 16 windows, in Z4..Z7.
		VMOVDQA32(zEven, Z4)
		VPERMI2PS(Z1, Z0, Z4)
		VMOVDQA32(zOdd, Z5)
		VPERMI2PS(Z1, Z0, Z5)
		VMOVDQA32(zEven, Z6)
		VPERMI2PS(Z3, Z2, Z6)
		VMOVDQA32(zOdd, Z7)
		VPERMI2PS(Z3, Z2, Z7)
		// wins sets k where b replaces a: b > a (ordered) or b is a NaN.
		wins := func(a, b VecPhysical, k, tmp Op) {
			VCMPPS(U8(0x1e), a, b, k) // GT_OQ: b > a
			VCMPPS(U8(0x03), b, b, tmp)
			KORW(tmp, k, k)
		}
		wins(Z4, Z5, K4, K5)
		VBLENDMPS(Z5, Z4, K4, Z8)
		VPADDD(zOne, zI0, Z20)
		VPBLENDMD(Z20, zI0, K4, Z9)
		wins(Z6, Z7, K5, K6)
		VBLENDMPS(Z7, Z6, K5, Z10)
		VPADDD(zW, zI0, Z21)
		VPADDD(zOne, Z21, Z22)
		VPBLENDMD(Z22, Z21, K5, Z11)
		wins(Z8, Z10, K6, K7)
		VBLENDMPS(Z10, Z8, K6, Z12)
		VPBLENDMD(Z11, Z9, K6, Z13)
		if masked {
			VMOVUPS(Z12, K3, Mem{Base: dst})
			VMOVDQU32(Z13, K3, Mem{Base: arg})
		} else {
			VMOVUPS(Z12, Mem{Base: dst})
			VMOVDQU32(Z13, Mem{Base: arg})
		}
	}
	TESTQ(full, full)
	JZ(LabelRef("maxPool2x2RowAVX512_tail"))
	Label("maxPool2x2RowAVX512_loop")
	block(false)
	ADDQ(U32(128), r0)
	ADDQ(U32(128), r1)
	ADDQ(U8(64), dst)
	ADDQ(U8(64), arg)
	VPADDD(z32, zI0, zI0)
	DECQ(full)
	JNZ(LabelRef("maxPool2x2RowAVX512_loop"))
	Label("maxPool2x2RowAVX512_tail")
	TESTQ(tail, tail)
	JZ(LabelRef("maxPool2x2RowAVX512_done"))
	block(true)
	Label("maxPool2x2RowAVX512_done")
	VZEROUPPER()
	RET()
}

// genGatherStrided emits gatherStridedAVX512: dst[i] = src[i·stride] for n
// floats, n a multiple of 16, by a 16-lane gather with indices 0, stride,
// …, 15·stride (im2col's rows for convolutions of stride 2 or more).
func genGatherStrided() {
	iota := iota16()
	TEXT("gatherStridedAVX512", NOSPLIT, "func(n int, dst, src []float32, stride int)")
	Doc("gatherStridedAVX512 sets dst[i] = src[i·stride] for n floats, n a multiple of 16.")
	n := Load(Param("n"), RCX).(GPPhysical)
	dst := Load(Param("dst").Base(), RDI).(GPPhysical)
	src := Load(Param("src").Base(), RSI).(GPPhysical)
	stride := Load(Param("stride"), RDX).(GPPhysical)
	VPBROADCASTD(stride.As32(), Z1)
	VPMULLD(iota, Z1, Z1) // the lane indices
	SHLQ(U8(6), stride)   // 16 floats of stride: the step through src in bytes
	SHRQ(U8(4), n)
	JZ(LabelRef("gatherStridedAVX512_done"))
	Label("gatherStridedAVX512_loop")
	KXNORW(K1, K1, K1) // the gather clears its mask as it goes
	VGATHERDPS(Mem{Base: src, Index: Z1, Scale: 4}, K1, Z0)
	VMOVUPS(Z0, Mem{Base: dst})
	ADDQ(U8(64), dst)
	ADDQ(stride, src)
	DECQ(n)
	JNZ(LabelRef("gatherStridedAVX512_loop"))
	Label("gatherStridedAVX512_done")
	VZEROUPPER()
	RET()
}

// genMaxPoolBlocks emits maxPoolBlocksAVX512: n blocks of 16 consecutive
// outputs of one output row of a max pooling whose windows lie inside the
// image, then tail (< 16) more through a mask. Output k reads the taps
// src[k·stride + taps[t]], t < len(taps), in order; a later tap wins when
// it is greater or a NaN, as in maxPoolInside, and arg gets base + the
// winner's offset from src. With stride 1 the taps are plain loads,
// otherwise gathers.
func genMaxPoolBlocks() {
	iota := iota16()
	TEXT("maxPoolBlocksAVX512", NOSPLIT, "func(n, tail int, src, dst []float32, arg []int32, taps []int32, stride int, base int32)")
	Doc("maxPoolBlocksAVX512 pools 16·n + tail outputs of one row; see the Go declaration.")
	n := Load(Param("n"), RCX).(GPPhysical)
	src := Load(Param("src").Base(), RSI).(GPPhysical)
	dst := Load(Param("dst").Base(), RDI).(GPPhysical)
	arg := Load(Param("arg").Base(), R8).(GPPhysical)
	taps := Load(Param("taps").Base(), R9).(GPPhysical)
	ntaps := Load(Param("taps").Len(), R10).(GPPhysical)
	stride := Load(Param("stride"), RDX).(GPPhysical)
	base := Load(Param("base"), RBX).(GPPhysical)
	t, off, step := R11, R12, R13
	// K4: the lanes of the tail.
	tail := Load(Param("tail"), RAX).(GPPhysical)
	MOVQ(n, R14)
	MOVQ(tail, RCX)
	MOVL(U32(1), EAX)
	SHLL(CL, EAX)
	DECL(EAX)
	KMOVW(EAX, K4)
	MOVQ(R14, n)
	// Z1: each output's offset k·stride from the block's start; Z2: the
	// flat index of each output's window origin; Z3: 16·stride.
	VPBROADCASTD(stride.As32(), Z1)
	VPMULLD(iota, Z1, Z1)
	VPBROADCASTD(base.As32(), Z2)
	VPADDD(Z1, Z2, Z2)
	MOVQ(stride, step)
	SHLQ(U8(4), step) // 16·stride floats a block…
	VPBROADCASTD(step.As32(), Z3)
	SHLQ(U8(2), step) // … in bytes
	CMPQ(stride, U8(1))
	JNE(LabelRef("maxPoolBlocksAVX512_gather"))
	for _, gather := range []bool{false, true} {
		name := "maxPoolBlocksAVX512_load"
		if gather {
			name = "maxPoolBlocksAVX512_gather"
		}
		// block pools one block of outputs, the tail's lanes only when
		// masked.
		block := func(label string, masked bool) {
			// tap loads the 16 values of the tap at offset off into v.
			tap := func(v VecPhysical) {
				switch {
				case gather:
					VPADDD(Z1, Z6, Z7)
					if masked {
						KMOVW(K4, K1)
					} else {
						KXNORW(K1, K1, K1)
					}
					VGATHERDPS(Mem{Base: src, Index: Z7, Scale: 4}, K1, v) // clears K1
				case masked:
					VMOVUPS_Z(Mem{Base: src, Index: off, Scale: 4}, K4, v)
				default:
					VMOVUPS(Mem{Base: src, Index: off, Scale: 4}, v)
				}
			}
			MOVLQSX(Mem{Base: taps}, off)
			VPBROADCASTD(off.As32(), Z6)
			tap(Z4)            // the running maximum…
			VPADDD(Z2, Z6, Z5) // … and its index
			MOVQ(U32(1), t)
			Label(label + "_tap")
			CMPQ(t, ntaps)
			JGE(LabelRef(label + "_store"))
			MOVLQSX(Mem{Base: taps, Index: t, Scale: 4}, off)
			VPBROADCASTD(off.As32(), Z6)
			tap(Z8)
			VCMPPS(U8(0x1e), Z4, Z8, K2) // GT_OQ: v > best
			VCMPPS(U8(0x03), Z8, Z8, K3) // UNORD_Q: v is a NaN
			KORW(K3, K2, K2)
			VMOVAPS(Z8, K2, Z4)
			VPADDD(Z2, Z6, K2, Z5)
			INCQ(t)
			JMP(LabelRef(label + "_tap"))
			Label(label + "_store")
			if masked {
				VMOVUPS(Z4, K4, Mem{Base: dst})
				VMOVDQU32(Z5, K4, Mem{Base: arg})
				return
			}
			VMOVUPS(Z4, Mem{Base: dst})
			VMOVDQU32(Z5, Mem{Base: arg})
		}
		Label(name)
		TESTQ(n, n)
		JZ(LabelRef(name + "_tail"))
		block(name+"_full", false)
		ADDQ(step, src)
		ADDQ(U8(64), dst)
		ADDQ(U8(64), arg)
		VPADDD(Z3, Z2, Z2)
		DECQ(n)
		JMP(LabelRef(name))
		Label(name + "_tail")
		KORTESTW(K4, K4)
		JZ(LabelRef("maxPoolBlocksAVX512_done"))
		block(name+"_part", true)
		JMP(LabelRef("maxPoolBlocksAVX512_done"))
	}
	Label("maxPoolBlocksAVX512_done")
	VZEROUPPER()
	RET()
}

// genCompactStrided emits compactStridedAVX512: dst[i] = src[i·stride]
// for 16·n floats, stride 2, 4 or 8, from whole vectors of src compacted
// by permutes: a 16-lane gather on Zen 4 took a fifth of AlexNet's first
// convolution. Every block reads 16·stride floats of src.
func genCompactStrided() {
	iota := iota16()
	TEXT("compactStridedAVX512", NOSPLIT, "func(n int, dst, src []float32, stride int)")
	Doc("compactStridedAVX512 sets dst[i] = src[i·stride] for 16·n floats, stride 2, 4 or 8.")
	n := Load(Param("n"), RCX).(GPPhysical)
	dst := Load(Param("dst").Base(), RDI).(GPPhysical)
	src := Load(Param("src").Base(), RSI).(GPPhysical)
	stride := Load(Param("stride"), RDX).(GPPhysical)
	VMOVDQU32(iota, Z8)
	TESTQ(n, n)
	JZ(LabelRef("compactStridedAVX512_done"))
	CMPQ(stride, U8(2))
	JNE(LabelRef("compactStridedAVX512_by4"))
	// Stride 2: the even lanes of two vectors.
	VPSLLD(U8(1), Z8, Z9)
	Label("compactStridedAVX512_loop2")
	VMOVUPS(Mem{Base: src}, Z0)
	VPERMT2PS(Mem{Base: src, Disp: 64}, Z9, Z0)
	VMOVUPS(Z0, Mem{Base: dst})
	ADDQ(U8(128), src)
	ADDQ(U8(64), dst)
	DECQ(n)
	JNZ(LabelRef("compactStridedAVX512_loop2"))
	JMP(LabelRef("compactStridedAVX512_done"))
	// Stride 4: every fourth lane of two pairs of vectors, 8 from each
	// pair, then the two halves side by side.
	Label("compactStridedAVX512_by4")
	CMPQ(stride, U8(4))
	JNE(LabelRef("compactStridedAVX512_by8"))
	VPSLLD(U8(2), Z8, Z9) // 0, 4, …, 28 (lanes 8–15 repeat them: indices are taken mod 32)
	Label("compactStridedAVX512_loop4")
	VMOVUPS(Mem{Base: src}, Z0)
	VPERMT2PS(Mem{Base: src, Disp: 64}, Z9, Z0)
	VMOVUPS(Mem{Base: src, Disp: 128}, Z1)
	VPERMT2PS(Mem{Base: src, Disp: 192}, Z9, Z1)
	VSHUFF64X2(U8(0x44), Z1, Z0, Z0) // Z0's low half, then Z1's
	VMOVUPS(Z0, Mem{Base: dst})
	ADDQ(U32(256), src)
	ADDQ(U8(64), dst)
	DECQ(n)
	JNZ(LabelRef("compactStridedAVX512_loop4"))
	JMP(LabelRef("compactStridedAVX512_done"))
	// Stride 8: every eighth lane of four pairs of vectors, 4 from each
	// pair in its low quarter, then the four quarters side by side.
	Label("compactStridedAVX512_by8")
	VPSLLD(U8(3), Z8, Z9) // 0, 8, 16, 24, then repeats (mod 32)
	Label("compactStridedAVX512_loop8")
	compact8(src, Z9)
	VMOVUPS(Z0, Mem{Base: dst})
	ADDQ(U32(512), src)
	ADDQ(U8(64), dst)
	DECQ(n)
	JNZ(LabelRef("compactStridedAVX512_loop8"))
	Label("compactStridedAVX512_done")
	VZEROUPPER()
	RET()
}

// compact8 sets Z0 to every eighth float of the 128 at src, with Z9
// holding 0, 8, 16, 24 in its low lanes (indices mod 32); it takes Z1–Z3:
// every eighth lane of four pairs of vectors, 4 from each pair in its low
// quarter, then the four quarters side by side.
func compact8(src GPPhysical, idx VecPhysical) {
	for i, z := range []VecPhysical{Z0, Z1, Z2, Z3} {
		VMOVUPS(Mem{Base: src, Disp: 128 * i}, z)
		VPERMT2PS(Mem{Base: src, Disp: 128*i + 64}, idx, z)
	}
	VSHUFF32X4(U8(0x00), Z1, Z0, Z0) // Z0's low quarter twice, then Z1's twice
	VSHUFF32X4(U8(0x00), Z3, Z2, Z2)
	VSHUFF32X4(U8(0x88), Z2, Z0, Z0) // quarters 0 and 2 of each
}

// genCompactRows8 emits compactRows8AVX512: for r < rows, dst[r·ldd + i]
// = src[r·lds + 8i] for i < 16·blocks, and for the next 16 under the mask
// tail; every block, the last included, reads 128 floats of src. It lays
// out a whole plane of phases in one call where gatherStrided took one a
// row: AlexNet's first layer's planes are 29 floats wide.
func genCompactRows8() {
	iota := iota16()
	name := "compactRows8AVX512"
	TEXT(name, NOSPLIT, "func(rows, blocks int, dst []float32, ldd int, src []float32, lds int, tail uint32)")
	Doc(name + " compacts rows at stride 8; see the Go declaration.")
	m := Load(Param("tail"), EAX)
	KMOVW(m, K1)
	rows := Load(Param("rows"), RCX)
	blocks := Load(Param("blocks"), RBX)
	dst := Load(Param("dst").Base(), RDI)
	ldd := Load(Param("ldd"), R9)
	SHLQ(U8(2), ldd)
	src := Load(Param("src").Base(), RSI)
	lds := Load(Param("lds"), R8)
	SHLQ(U8(2), lds)
	VMOVDQU32(iota, Z9)
	VPSLLD(U8(3), Z9, Z9)
	d, sp, n := R10, R11, RDX
	TESTQ(rows, rows)
	JZ(LabelRef(name + "_done"))
	Label(name + "_row")
	MOVQ(dst, d)
	MOVQ(src, sp)
	MOVQ(blocks, n)
	TESTQ(n, n)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_block")
	compact8(sp, Z9)
	VMOVUPS(Z0, Mem{Base: d})
	ADDQ(U8(64), d)
	ADDQ(U32(512), sp)
	DECQ(n)
	JNZ(LabelRef(name + "_block"))
	Label(name + "_tail")
	KORTESTW(K1, K1)
	JZ(LabelRef(name + "_next"))
	compact8(sp, Z9)
	VMOVUPS(Z0, K1, Mem{Base: d})
	endRows(name, dst, ldd, src, lds, rows)
}

// endRows ends a loop over rows of dst and src whose body starts at
// name_row: the next row of each, ldd and lds bytes on, then name_done.
func endRows(name string, dst, ldd, src, lds, rows Register) {
	Label(name + "_next")
	ADDQ(ldd, dst)
	ADDQ(lds, src)
	DECQ(rows)
	JNZ(LabelRef(name + "_row"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

var iotaData *Mem

// iota16 returns the read-only vector 0, 1, …, 15 of int32, declaring it
// on first use. Call it outside a TEXT block.
func iota16() Mem {
	if iotaData == nil {
		m := GLOBL("iota16", RODATA|NOPTR)
		for i := 0; i < 16; i++ {
			DATA(4*i, U32(i))
		}
		iotaData = &m
	}
	return *iotaData
}

// genRowsWide emits copyRowsWideAVX512 and addRowsWideAVX512: for r <
// rows, dst[r·ldd : r·ldd+w] is set to (or has added to it) src[r·lds :
// r·lds+w], for any width w: 16 floats at a time, then the last w%16
// lanes under the mask tail. They replace a copy call a row, which for
// the short rows of small images (32 floats) cost more than the copying.
func genRowsWide() {
	for _, add := range []bool{false, true} {
		name := "copyRowsWideAVX512"
		if add {
			name = "addRowsWideAVX512"
		}
		TEXT(name, NOSPLIT, "func(rows, w int, dst []float32, ldd int, src []float32, lds int, tail uint32)")
		if add {
			Doc(name + " adds rows of w floats onto others; see the Go declaration.")
		} else {
			Doc(name + " copies rows of w floats; see the Go declaration.")
		}
		m := Load(Param("tail"), EAX)
		KMOVW(m, K1)
		rows := Load(Param("rows"), RCX)
		chunks := Load(Param("w"), RBX)
		SHRQ(U8(4), chunks)
		dst := Load(Param("dst").Base(), RDI)
		ldd := Load(Param("ldd"), R9)
		SHLQ(U8(2), ldd)
		src := Load(Param("src").Base(), RSI)
		lds := Load(Param("lds"), R8)
		SHLQ(U8(2), lds)
		d, s, n := R10, R11, RDX
		TESTQ(rows, rows)
		JZ(LabelRef(name + "_done"))
		Label(name + "_row")
		MOVQ(dst, d)
		MOVQ(src, s)
		MOVQ(chunks, n)
		TESTQ(n, n)
		JZ(LabelRef(name + "_tail"))
		Label(name + "_chunk")
		VMOVUPS(Mem{Base: s}, Z0)
		if add {
			VADDPS(Mem{Base: d}, Z0, Z0)
		}
		VMOVUPS(Z0, Mem{Base: d})
		ADDQ(U8(64), d)
		ADDQ(U8(64), s)
		DECQ(n)
		JNZ(LabelRef(name + "_chunk"))
		Label(name + "_tail")
		KORTESTW(K1, K1)
		JZ(LabelRef(name + "_next"))
		VMOVUPS_Z(Mem{Base: s}, K1, Z0)
		if add {
			VADDPS_Z(Mem{Base: d}, Z0, K1, Z0)
		}
		VMOVUPS(Z0, K1, Mem{Base: d})
		endRows(name, dst, ldd, src, lds, rows)
	}
}
