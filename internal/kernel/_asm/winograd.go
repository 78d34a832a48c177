package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The transforms of Winograd's F(2×2, 3×3), 16 columns a step: each
// column is one tile, each row one position of its 4×4 patch, 4×4
// transform or 2×2 output. Every value is a sum or difference of two,
// done in the order of the Go loops (winograd.go), so that both agree bit
// for bit.

// bt emits Bᵀ applied to the four vectors in (a row or a column of a
// patch), writing out: out0 = in0 − in2, out1 = in1 + in2, out2 = in2 −
// in1, out3 = in1 − in3.
func bt(in, out [4]VecPhysical) {
	VSUBPS(in[2], in[0], out[0])
	VADDPS(in[2], in[1], out[1])
	VSUBPS(in[1], in[2], out[2])
	VSUBPS(in[3], in[1], out[3])
}

// genWinogradInput emits winogradInputAVX512: V = Bᵀ d B for 16 tiles a
// step, d's 16 rows at their own offsets in src.
func genWinogradInput() {
	TEXT("winogradInputAVX512", NOSPLIT, "func(n int, dst []float32, ldd int, src []float32, off *[16]int)")
	Doc("winogradInputAVX512 transforms 16·n tiles; see WinogradInput.")
	n := Load(Param("n"), RCX).(GPPhysical)
	dst := Load(Param("dst").Base(), RDI).(GPPhysical)
	ldd := Load(Param("ldd"), RDX).(GPPhysical)
	src := Load(Param("src").Base(), RSI).(GPPhysical)
	off := Load(Param("off"), R8).(GPPhysical)
	SHLQ(U8(2), ldd)
	row, out := R9, R10
	TESTQ(n, n)
	JZ(LabelRef("winogradInputAVX512_done"))
	Label("winogradInputAVX512_loop")
	for u := 0; u < 16; u++ {
		MOVQ(Mem{Base: off, Disp: 8 * u}, row)
		VMOVUPS(Mem{Base: src, Index: row, Scale: 4}, zmm(u))
	}
	// Rows of the patch: t[a][c] in Z16+4a+c from d[r][c] in Z4r+c.
	for c := 0; c < 4; c++ {
		bt([4]VecPhysical{zmm(c), zmm(4 + c), zmm(8 + c), zmm(12 + c)},
			[4]VecPhysical{zmm(16 + c), zmm(20 + c), zmm(24 + c), zmm(28 + c)})
	}
	// Columns: v[a][b] in Z4a+b.
	for a := 0; a < 4; a++ {
		bt([4]VecPhysical{zmm(16 + 4*a), zmm(17 + 4*a), zmm(18 + 4*a), zmm(19 + 4*a)},
			[4]VecPhysical{zmm(4 * a), zmm(4*a + 1), zmm(4*a + 2), zmm(4*a + 3)})
	}
	MOVQ(dst, out)
	for xi := 0; xi < 16; xi++ {
		VMOVUPS(zmm(xi), Mem{Base: out})
		if xi < 15 {
			ADDQ(ldd, out)
		}
	}
	ADDQ(U8(64), src)
	ADDQ(U8(64), dst)
	DECQ(n)
	JNZ(LabelRef("winogradInputAVX512_loop"))
	Label("winogradInputAVX512_done")
	VZEROUPPER()
	RET()
}

// at emits Aᵀ applied to four vectors: out0 = (in0 + in1) + in2, out1 =
// (in1 − in2) − in3.
func at(in [4]VecPhysical, out [2]VecPhysical) {
	VADDPS(in[1], in[0], out[0])
	VADDPS(in[2], out[0], out[0])
	VSUBPS(in[2], in[1], out[1])
	VSUBPS(in[3], out[1], out[1])
}

// genWinogradOutput emits winogradOutputAVX512: Y = Aᵀ M A for 16 tiles a
// step, M's 16 rows lds floats apart in src.
func genWinogradOutput() {
	TEXT("winogradOutputAVX512", NOSPLIT, "func(n int, dst []float32, ldd int, src []float32, lds int)")
	Doc("winogradOutputAVX512 transforms 16·n tiles; see WinogradOutput.")
	n := Load(Param("n"), RCX).(GPPhysical)
	dst := Load(Param("dst").Base(), RDI).(GPPhysical)
	ldd := Load(Param("ldd"), RDX).(GPPhysical)
	src := Load(Param("src").Base(), RSI).(GPPhysical)
	lds := Load(Param("lds"), R8).(GPPhysical)
	SHLQ(U8(2), ldd)
	SHLQ(U8(2), lds)
	in, out := R9, R10
	TESTQ(n, n)
	JZ(LabelRef("winogradOutputAVX512_done"))
	Label("winogradOutputAVX512_loop")
	MOVQ(src, in)
	for xi := 0; xi < 16; xi++ {
		VMOVUPS(Mem{Base: in}, zmm(xi))
		if xi < 15 {
			ADDQ(lds, in)
		}
	}
	// Rows: s[i][b] in Z16+4i+b from m[a][b] in Z4a+b.
	for b := 0; b < 4; b++ {
		at([4]VecPhysical{zmm(b), zmm(4 + b), zmm(8 + b), zmm(12 + b)}, [2]VecPhysical{zmm(16 + b), zmm(20 + b)})
	}
	// Columns: y[i][j] in Z2i+j.
	for i := 0; i < 2; i++ {
		at([4]VecPhysical{zmm(16 + 4*i), zmm(17 + 4*i), zmm(18 + 4*i), zmm(19 + 4*i)}, [2]VecPhysical{zmm(2 * i), zmm(2*i + 1)})
	}
	MOVQ(dst, out)
	for q := 0; q < 4; q++ {
		VMOVUPS(zmm(q), Mem{Base: out})
		if q < 3 {
			ADDQ(ldd, out)
		}
	}
	ADDQ(U8(64), src)
	ADDQ(U8(64), dst)
	DECQ(n)
	JNZ(LabelRef("winogradOutputAVX512_loop"))
	Label("winogradOutputAVX512_done")
	VZEROUPPER()
	RET()
}
