package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// Dot-product tiles for C = A·Bᵀ with A and B both stored with k
// contiguous (a weight gradient dY·colᵀ): each element of a 4×6 tile of C
// is the dot product of a row of A and a row of B, summed 16 lanes at a
// time and the lanes added at the end. Neither operand needs packing, which
// for a short, wide C costs as much as the product.
const dotRowsA, dotRowsB = 4, 6

// genDot emits sgemmDotAVX512(k, rows, out): out[i·6+j] = Σ_p a_i[p]·b_j[p]
// for the rows a_0…a_3 = rows[0…3] and b_0…b_5 = rows[4…9], k floats each.
func genDot() {
	TEXT("sgemmDotAVX512", NOSPLIT, "func(k int, rows *[10]*float32, out *[24]float32)")
	Doc("sgemmDotAVX512 computes a 4×6 tile of dot products of k floats; see the Go declaration.")
	k := Load(Param("k"), RCX).(GPPhysical)
	rows := Load(Param("rows"), RAX).(GPPhysical)
	gp := []GPPhysical{R8, R9, R10, R11, R12, R13, RBX, RDX, RSI, RDI}
	for i, r := range gp {
		MOVQ(Mem{Base: rows, Disp: 8 * i}, r)
	}
	aRow, bRow := gp[:dotRowsA], gp[dotRowsA:]
	off, tail := R15, R14
	acc := func(i, j int) VecPhysical { return zmm(i*dotRowsB + j) }
	av := []VecPhysical{Z24, Z25, Z26, Z27}
	bt := []VecPhysical{Z28, Z29}
	for i := 0; i < dotRowsA*dotRowsB; i++ {
		VPXORD(zmm(i), zmm(i), zmm(i))
	}
	XORQ(off, off)
	MOVQ(k, tail)
	ANDQ(U8(15), tail)
	SHRQ(U8(4), k)
	step := func(masked bool) {
		load := func(base GPPhysical, dst VecPhysical) {
			m := Mem{Base: base, Index: off, Scale: 1}
			if masked {
				VMOVUPS_Z(m, K1, dst)
			} else {
				VMOVUPS(m, dst)
			}
		}
		for i, r := range aRow {
			load(r, av[i])
		}
		for j, r := range bRow {
			load(r, bt[j%2])
			for i := range aRow {
				VFMADD231PS(av[i], bt[j%2], acc(i, j))
			}
		}
	}
	Label("sgemmDotAVX512_loop")
	TESTQ(k, k)
	JZ(LabelRef("sgemmDotAVX512_tail"))
	step(false)
	ADDQ(U8(64), off)
	DECQ(k)
	JMP(LabelRef("sgemmDotAVX512_loop"))

	Label("sgemmDotAVX512_tail")
	Comment("The last k mod 16 floats, through a mask of that many lanes.")
	TESTQ(tail, tail)
	JZ(LabelRef("sgemmDotAVX512_sum"))
	MOVQ(tail, RCX)
	MOVL(U32(1), EAX)
	SHLL(CL, EAX)
	DECL(EAX)
	KMOVW(EAX, K1)
	step(true)

	Label("sgemmDotAVX512_sum")
	out := Load(Param("out"), RAX).(GPPhysical)
	for i := 0; i < dotRowsA*dotRowsB; i++ {
		laneSum(zmm(i), Z30)
		VMOVSS(zmm(i).AsX(), Mem{Base: out, Disp: 4 * i})
	}
	VZEROUPPER()
	RET()
}

// zmm returns register Zi.
func zmm(i int) VecPhysical {
	zs := []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
		Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}
	if i >= len(zs) {
		panic(fmt.Sprintf("no register Z%d", i))
	}
	return zs[i]
}
