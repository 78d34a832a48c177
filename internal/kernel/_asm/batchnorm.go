package main

import (
	"strings"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The batch-norm kernels: per-plane reductions and the two affine maps of
// forward and backward, 16 floats a step for n a multiple of 16. The
// reductions keep four accumulators, so that consecutive additions do not
// wait on each other's latency, and add them pairwise at the end.

// reduceLoop emits a loop over n floats (in cx, a multiple of 16):
// step(off, acc) handles the 16 floats at byte offset off of each pointer
// in ptrs with register set acc (0…3); four steps an iteration while 64
// floats remain, then one. In a reduction the sets are accumulators, zeroed
// before and summed into the first afterwards by the caller; an
// element-wise map (genAdd) stores each step's result.
func reduceLoop(name string, cx GPPhysical, ptrs []GPPhysical, step func(off, acc int)) {
	SHRQ(U8(4), cx)
	Label(name + "_loop4")
	CMPQ(cx, U8(4))
	JB(LabelRef(name + "_loop1"))
	for u := 0; u < 4; u++ {
		step(64*u, u)
	}
	for _, p := range ptrs {
		ADDQ(U32(256), p)
	}
	SUBQ(U8(4), cx)
	JMP(LabelRef(name + "_loop4"))
	Label(name + "_loop1")
	TESTQ(cx, cx)
	JZ(LabelRef(name + "_done"))
	step(0, 0)
	for _, p := range ptrs {
		ADDQ(U8(64), p)
	}
	DECQ(cx)
	JMP(LabelRef(name + "_loop1"))
	Label(name + "_done")
}

// horizontalSum adds the four accumulators z[0..3] and then the 16 lanes
// of the result into lane 0 of z[0], using tmp.
func horizontalSum(z [4]VecPhysical, tmp VecPhysical) {
	VADDPS(z[1], z[0], z[0])
	VADDPS(z[3], z[2], z[2])
	VADDPS(z[2], z[0], z[0])
	laneSum(z[0], tmp)
}

// laneSum adds the 16 lanes of z into its lane 0, using tmp, with
// full-width shuffles only: they are AVX-512F for every register, where
// the 256- and 128-bit extracts need AVX512DQ or AVX512VL.
func laneSum(z, tmp VecPhysical) {
	VSHUFF64X2(U8(0x4e), z, z, tmp) // swap the 256-bit halves
	VADDPS(tmp, z, z)
	VSHUFF64X2(U8(0xb1), z, z, tmp) // swap the 128-bit quarters in each half
	VADDPS(tmp, z, z)
	VPERMILPS(U8(0x4e), z, tmp) // swap the 64-bit halves of each quarter
	VADDPS(tmp, z, z)
	VPERMILPS(U8(0xb1), z, tmp) // swap neighbouring lanes
	VADDPS(tmp, z, z)
}

func zero(zs ...VecPhysical) {
	for _, z := range zs {
		VPXORD(z, z, z)
	}
}

// genSum emits sumAVX512: the sum of n floats.
func genSum() {
	TEXT("sumAVX512", NOSPLIT, "func(n int, x []float32) float32")
	Doc("sumAVX512 returns the sum of n floats, n a multiple of 16.")
	n := Load(Param("n"), RCX).(GPPhysical)
	x := Load(Param("x").Base(), RSI).(GPPhysical)
	acc := [4]VecPhysical{Z0, Z1, Z2, Z3}
	zero(acc[:]...)
	reduceLoop("sumAVX512", n, []GPPhysical{x}, func(off, a int) {
		VADDPS(Mem{Base: x, Disp: off}, acc[a], acc[a])
	})
	horizontalSum(acc, Z4)
	Store(X0, ReturnIndex(0))
	VZEROUPPER()
	RET()
}

// genSumSquaredDeviations emits sumSquaredDeviationsAVX512: Σ(x − m)².
func genSumSquaredDeviations() {
	TEXT("sumSquaredDeviationsAVX512", NOSPLIT, "func(n int, x []float32, m float32) float32")
	Doc("sumSquaredDeviationsAVX512 returns the sum of (x[i] − m)² over n floats, n a multiple of 16.")
	n := Load(Param("n"), RCX).(GPPhysical)
	x := Load(Param("x").Base(), RSI).(GPPhysical)
	pm, _ := Param("m").Resolve()
	VBROADCASTSS(pm.Addr, Z8)
	acc := [4]VecPhysical{Z0, Z1, Z2, Z3}
	tmp := [4]VecPhysical{Z4, Z5, Z6, Z7}
	zero(acc[:]...)
	reduceLoop("sumSquaredDeviationsAVX512", n, []GPPhysical{x}, func(off, a int) {
		VSUBPS(Mem{Base: x, Disp: off}, Z8, tmp[a]) // m − x: squared alike
		VFMADD231PS(tmp[a], tmp[a], acc[a])
	})
	horizontalSum(acc, Z4)
	Store(X0, ReturnIndex(0))
	VZEROUPPER()
	RET()
}

// The three maps of a batch norm come twice: alone, and for a batch norm
// followed by a ReLU (relu). There, forward writes relu(x·a + b) alone;
// backward recomputes x·sa + sb with the same fused multiply-add to find
// where that output was positive, and takes the gradient g there and 0
// elsewhere, so that neither the batch norm's output nor the ReLU's
// gradient is ever stored.

// withReLU names the kernel's ReLU variant: base with "ReLU" before its
// "AVX512".
func withReLU(base string, relu bool) string {
	if relu {
		return strings.TrimSuffix(base, "AVX512") + "ReLUAVX512"
	}
	return base
}

// positiveAffine sets k to the lanes where x·sa + sb > 0 (ordered: a NaN
// is not positive), computed into t.
func positiveAffine(x Op, sa, sb, zeros, t VecPhysical, k OpmaskPhysical) {
	VMOVAPS(sb, t)
	VFMADD231PS(x, sa, t)
	VCMPPS(U8(0x1e), zeros, t, k) // GT_OQ: t > 0
}

// broadcastParams broadcasts the named float32 parameters into regs.
func broadcastParams(names []string, regs []VecPhysical) {
	for i, name := range names {
		p, _ := Param(name).Resolve()
		VBROADCASTSS(p.Addr, regs[i])
	}
}

// genSumAndCenteredDot emits sumAndCenteredDotAVX512: Σg and Σg·(x − m),
// or with relu sumAndCenteredDotReLUAVX512, the same over the lanes where
// x·sa + sb > 0.
func genSumAndCenteredDot(relu bool) {
	name := withReLU("sumAndCenteredDotAVX512", relu)
	if relu {
		TEXT(name, NOSPLIT, "func(n int, g, x []float32, m, sa, sb float32) (sg, sgx float32)")
		Doc(name+" returns the sums of g[i] and of g[i]·(x[i] − m) over the n floats (n a multiple of 16)",
			"where x[i]·sa + sb > 0.")
	} else {
		TEXT(name, NOSPLIT, "func(n int, g, x []float32, m float32) (sg, sgx float32)")
		Doc(name+" returns the sums of g[i] and of g[i]·(x[i] − m) over n floats,",
			"n a multiple of 16.")
	}
	n := Load(Param("n"), RCX).(GPPhysical)
	g := Load(Param("g").Base(), RDX).(GPPhysical)
	x := Load(Param("x").Base(), RSI).(GPPhysical)
	m, sa, sb, zeros := Z24, Z25, Z26, Z27
	if relu {
		broadcastParams([]string{"m", "sa", "sb"}, []VecPhysical{m, sa, sb})
		VPXORD(zeros, zeros, zeros)
	} else {
		broadcastParams([]string{"m"}, []VecPhysical{m})
	}
	sg := [4]VecPhysical{Z0, Z1, Z2, Z3}
	sgx := [4]VecPhysical{Z4, Z5, Z6, Z7}
	gv := [4]VecPhysical{Z8, Z9, Z10, Z11}
	t := [4]VecPhysical{Z12, Z13, Z14, Z15}
	u := [4]VecPhysical{Z16, Z17, Z18, Z19}
	k := [4]OpmaskPhysical{K1, K2, K3, K4}
	zero(sg[:]...)
	zero(sgx[:]...)
	reduceLoop(name, n, []GPPhysical{g, x}, func(off, a int) {
		VMOVUPS(Mem{Base: x, Disp: off}, t[a])
		if relu {
			positiveAffine(t[a], sa, sb, zeros, u[a], k[a])
			VMOVUPS_Z(Mem{Base: g, Disp: off}, k[a], gv[a])
		} else {
			VMOVUPS(Mem{Base: g, Disp: off}, gv[a])
		}
		VSUBPS(m, t[a], t[a]) // x − m
		VADDPS(gv[a], sg[a], sg[a])
		VFMADD231PS(gv[a], t[a], sgx[a])
	})
	horizontalSum(sgx, Z8)
	Store(X4, ReturnIndex(1))
	horizontalSum(sg, Z8)
	Store(X0, ReturnIndex(0))
	VZEROUPPER()
	RET()
}

// genAffine emits affineAVX512: dst = x·a + b, or with relu
// affineReLUAVX512: dst = relu(x·a + b), a NaN kept as ReLU keeps it.
func genAffine(relu bool) {
	name := withReLU("affineAVX512", relu)
	TEXT(name, NOSPLIT, "func(n int, dst, x []float32, a, b float32)")
	if relu {
		Doc(name + " sets dst[i] = relu(x[i]·a + b) for n floats, n a multiple of 16.")
	} else {
		Doc(name + " sets dst[i] = x[i]·a + b for n floats, n a multiple of 16.")
	}
	n := Load(Param("n"), RCX).(GPPhysical)
	dst := Load(Param("dst").Base(), RDI).(GPPhysical)
	x := Load(Param("x").Base(), RSI).(GPPhysical)
	broadcastParams([]string{"a", "b"}, []VecPhysical{Z1, Z2})
	if relu {
		VPXORD(Z3, Z3, Z3)
	}
	SHRQ(U8(4), n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	VMOVAPS(Z2, Z0)
	VFMADD231PS(Mem{Base: x}, Z1, Z0)
	if relu {
		VCMPPS(U8(0x06), Z3, Z0, K1) // NLE_UQ: !(v <= 0)
		VMOVUPS_Z(Z0, K1, Z0)
	}
	VMOVUPS(Z0, Mem{Base: dst})
	ADDQ(U8(64), x)
	ADDQ(U8(64), dst)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// genBatchNormGrad emits batchNormGradAVX512: dst = (or with acc, dst +=)
// a·g + b·(x − m) + c, or with relu batchNormGradReLUAVX512, the same of g'
// that is g where x·sa + sb > 0 and 0 elsewhere.
func genBatchNormGrad(relu bool) {
	name := withReLU("batchNormGradAVX512", relu)
	params := []string{"a", "b", "c", "m"}
	if relu {
		TEXT(name, NOSPLIT, "func(n int, acc bool, dst, g, x []float32, a, b, c, m, sa, sb float32)")
		Doc(name+" computes the input gradient of a batch norm followed by a ReLU for n floats,",
			"n a multiple of 16; see the Go declaration.")
		params = append(params, "sa", "sb")
	} else {
		TEXT(name, NOSPLIT, "func(n int, acc bool, dst, g, x []float32, a, b, c, m float32)")
		Doc(name+" computes batch norm's input gradient for n floats, n a multiple of 16;",
			"see the Go declaration.")
	}
	n := Load(Param("n"), RCX).(GPPhysical)
	acc := Load(Param("acc"), RBX).(GPPhysical)
	dst := Load(Param("dst").Base(), RDI).(GPPhysical)
	g := Load(Param("g").Base(), RDX).(GPPhysical)
	x := Load(Param("x").Base(), RSI).(GPPhysical)
	broadcastParams(params, []VecPhysical{Z4, Z5, Z6, Z7, Z8, Z9})
	if relu {
		VPXORD(Z10, Z10, Z10)
	}
	SHRQ(U8(4), n)
	JZ(LabelRef(name + "_done"))
	TESTB(acc.As8(), acc.As8())
	JNZ(LabelRef(name + "_acc"))
	for _, add := range []bool{false, true} {
		loop := name + "_set"
		if add {
			loop = name + "_acc"
		}
		Label(loop)
		VMOVUPS(Mem{Base: x}, Z1)
		var gv Op = Mem{Base: g}
		if relu {
			positiveAffine(Z1, Z8, Z9, Z10, Z2, K1)
			VMOVUPS_Z(Mem{Base: g}, K1, Z3)
			gv = Z3
		}
		VSUBPS(Z7, Z1, Z1) // x − m
		VMOVAPS(Z6, Z0)
		VFMADD231PS(gv, Z4, Z0) // c + a·g
		VFMADD231PS(Z1, Z5, Z0) // + b·(x − m)
		if add {
			VADDPS(Mem{Base: dst}, Z0, Z0)
		}
		VMOVUPS(Z0, Mem{Base: dst})
		ADDQ(U8(64), x)
		ADDQ(U8(64), g)
		ADDQ(U8(64), dst)
		DECQ(n)
		JNZ(LabelRef(loop))
		JMP(LabelRef(name + "_done"))
	}
	Label(name + "_done")
	VZEROUPPER()
	RET()
}
