package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genReLU emits reluAVX512: dst = x where x > 0 or x is a NaN, +0
// elsewhere, 16 floats a step for n a multiple of 16. NLE_UQ ("not less
// than or equal", true on NaN) selects the lanes that keep x; the others
// are zeroed by the masked move.
func genReLU() {
	TEXT("reluAVX512", NOSPLIT, "func(n int, dst, x []float32)")
	Doc("reluAVX512 computes ReLU of n floats, n a multiple of 16; see the Go declaration.")
	n := Load(Param("n"), RCX)
	dst := Load(Param("dst").Base(), RDI)
	x := Load(Param("x").Base(), RSI)
	VPXORD(Z1, Z1, Z1)
	SHRQ(U8(4), n)
	JZ(LabelRef("reluAVX512_done"))
	Label("reluAVX512_loop")
	VMOVUPS(Mem{Base: x}, Z0)
	VCMPPS(U8(0x06), Z1, Z0, K1) // NLE_UQ: !(x <= 0)
	VMOVUPS_Z(Z0, K1, Z2)
	VMOVUPS(Z2, Mem{Base: dst})
	ADDQ(U8(64), x)
	ADDQ(U8(64), dst)
	DECQ(n)
	JNZ(LabelRef("reluAVX512_loop"))
	Label("reluAVX512_done")
	VZEROUPPER()
	RET()
}

// genReLUBackward emits reluBackwardAVX512: dst = (or with acc, dst +=)
// g where y > 0 and +0 elsewhere (NaN y included), 16 floats a step for n
// a multiple of 16.
func genReLUBackward() {
	TEXT("reluBackwardAVX512", NOSPLIT, "func(n int, acc bool, dst, g, y []float32)")
	Doc("reluBackwardAVX512 computes ReLU's gradient for n floats, n a multiple of 16; see",
		"the Go declaration.")
	n := Load(Param("n"), RCX)
	acc := Load(Param("acc"), RBX)
	dst := Load(Param("dst").Base(), RDI)
	g := Load(Param("g").Base(), RSI)
	y := Load(Param("y").Base(), RDX)
	VPXORD(Z1, Z1, Z1)
	SHRQ(U8(4), n)
	JZ(LabelRef("reluBackwardAVX512_done"))
	TESTB(acc.(GPPhysical).As8(), acc.(GPPhysical).As8())
	JNZ(LabelRef("reluBackwardAVX512_acc"))
	for _, add := range []bool{false, true} {
		loop := "reluBackwardAVX512_set"
		if add {
			loop = "reluBackwardAVX512_acc"
		}
		Label(loop)
		VMOVUPS(Mem{Base: y}, Z0)
		VCMPPS(U8(0x1e), Z1, Z0, K1) // GT_OQ: y > 0
		VMOVUPS_Z(Mem{Base: g}, K1, Z2)
		if add {
			// dst + g, in the order of the Go loop (which NaN's payload wins).
			VMOVUPS(Mem{Base: dst}, Z3)
			VADDPS(Z2, Z3, Z2)
		}
		VMOVUPS(Z2, Mem{Base: dst})
		ADDQ(U8(64), y)
		ADDQ(U8(64), g)
		ADDQ(U8(64), dst)
		DECQ(n)
		JNZ(LabelRef(loop))
		JMP(LabelRef("reluBackwardAVX512_done"))
	}
	Label("reluBackwardAVX512_done")
	VZEROUPPER()
	RET()
}

// genAdd emits addAVX512: dst = a + b, or with relu addReLUAVX512: dst =
// relu(a + b), a NaN kept as ReLU keeps it; 16 floats a step for n a
// multiple of 16, four steps an iteration while 64 floats remain.
func genAdd(relu bool) {
	name := withReLU("addAVX512", relu)
	TEXT(name, NOSPLIT, "func(n int, dst, a, b []float32)")
	if relu {
		Doc(name + " sets dst[i] = relu(a[i] + b[i]) for n floats, n a multiple of 16.")
	} else {
		Doc(name + " sets dst[i] = a[i] + b[i] for n floats, n a multiple of 16.")
	}
	n := Load(Param("n"), RCX).(GPPhysical)
	dst := Load(Param("dst").Base(), RDI).(GPPhysical)
	a := Load(Param("a").Base(), RSI).(GPPhysical)
	b := Load(Param("b").Base(), RDX).(GPPhysical)
	zeros := Z8
	if relu {
		VPXORD(zeros, zeros, zeros)
	}
	z := [4]VecPhysical{Z0, Z1, Z2, Z3}
	k := [4]OpmaskPhysical{K1, K2, K3, K4}
	reduceLoop(name, n, []GPPhysical{a, b, dst}, func(off, u int) {
		VMOVUPS(Mem{Base: a, Disp: off}, z[u])
		VADDPS(Mem{Base: b, Disp: off}, z[u], z[u])
		if relu {
			VCMPPS(U8(0x06), zeros, z[u], k[u]) // NLE_UQ: !(v <= 0)
			VMOVUPS_Z(z[u], k[u], z[u])
		}
		VMOVUPS(z[u], Mem{Base: dst, Disp: off})
	})
	VZEROUPPER()
	RET()
}
