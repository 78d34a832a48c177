package main

import (
	"fmt"

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

// genWinogradOutputRows emits winogradOutputRowsAVX512: Y = Aᵀ M A for a
// row of tiles, 16 a step, M's 16 rows lds floats apart in src, each
// tile's 2×2 outputs stored (or with acc added) into two rows of the
// output, interleaved: tile j's columns 2j and 2j+1. The last step, when
// tail is not zero, loads the tiles of its mask and stores the columns of
// the masks lo and hi (its first and second 16 columns).
func genWinogradOutputRows() {
	TEXT("winogradOutputRowsAVX512", NOSPLIT, "func(blocks int, dst0, dst1, src []float32, lds int, acc bool, tail, lo, hi uint32)")
	Doc("winogradOutputRowsAVX512 transforms a row of tiles into two rows of output; see",
		"WinogradOutputRows.")
	n := Load(Param("blocks"), RCX).(GPPhysical)
	d0 := Load(Param("dst0").Base(), RDI).(GPPhysical)
	d1 := Load(Param("dst1").Base(), RDX).(GPPhysical)
	src := Load(Param("src").Base(), RSI).(GPPhysical)
	lds := Load(Param("lds"), R8).(GPPhysical)
	acc := Load(Param("acc"), R11).(GPPhysical)
	SHLQ(U8(2), lds)
	in := R9
	for i, name := range []string{"tail", "lo", "hi"} {
		m := Load(Param(name), R10L)
		KMOVW(m, []Register{K1, K2, K3}[i])
	}
	step := func(masked bool, label string) {
		MOVQ(src, in)
		for xi := 0; xi < 16; xi++ {
			if masked {
				VMOVUPS_Z(Mem{Base: in}, K1, zmm(xi))
			} else {
				VMOVUPS(Mem{Base: in}, zmm(xi))
			}
			if xi < 15 {
				ADDQ(lds, in)
			}
		}
		for b := 0; b < 4; b++ {
			at([4]VecPhysical{zmm(b), zmm(4 + b), zmm(8 + b), zmm(12 + b)}, [2]VecPhysical{zmm(16 + b), zmm(20 + b)})
		}
		for i := 0; i < 2; i++ { // y[i][j] in Z24+2i+j
			at([4]VecPhysical{zmm(16 + 4*i), zmm(17 + 4*i), zmm(18 + 4*i), zmm(19 + 4*i)}, [2]VecPhysical{zmm(24 + 2*i), zmm(25 + 2*i)})
		}
		for i, d := range []GPPhysical{d0, d1} {
			a, b := zmm(24+2*i), zmm(25+2*i)
			VUNPCKLPS(b, a, Z0)              // a0 b0 a1 b1 | a4 b4 a5 b5 | …
			VUNPCKHPS(b, a, Z1)              // a2 b2 a3 b3 | a6 b6 a7 b7 | …
			VSHUFF32X4(U8(0x44), Z1, Z0, Z2) // lanes lo0 lo1 hi0 hi1
			VSHUFF32X4(U8(0xD8), Z2, Z2, Z2) // lo0 hi0 lo1 hi1: tiles 0–7
			VSHUFF32X4(U8(0xEE), Z1, Z0, Z3) // lo2 lo3 hi2 hi3
			VSHUFF32X4(U8(0xD8), Z3, Z3, Z3) // tiles 8–15
			for half, z := range []VecPhysical{Z2, Z3} {
				m := Mem{Base: d, Disp: 64 * half}
				k := []Register{K2, K3}[half]
				skip := fmt.Sprintf("%s_set%d%d", label, i, half)
				TESTQ(acc, acc)
				JZ(LabelRef(skip))
				if masked {
					VADDPS_Z(m, z, k, z)
				} else {
					VADDPS(m, z, z)
				}
				Label(skip)
				if masked {
					VMOVUPS(z, k, m)
				} else {
					VMOVUPS(z, m)
				}
			}
		}
	}
	TESTQ(n, n)
	JZ(LabelRef("winogradOutputRowsAVX512_tail"))
	Label("winogradOutputRowsAVX512_loop")
	step(false, "winogradOutputRowsAVX512_full")
	ADDQ(U8(64), src)
	ADDQ(U32(128), d0)
	ADDQ(U32(128), d1)
	DECQ(n)
	JNZ(LabelRef("winogradOutputRowsAVX512_loop"))
	Label("winogradOutputRowsAVX512_tail")
	KORTESTW(K1, K1)
	JZ(LabelRef("winogradOutputRowsAVX512_done"))
	step(true, "winogradOutputRowsAVX512_last")
	Label("winogradOutputRowsAVX512_done")
	VZEROUPPER()
	RET()
}
