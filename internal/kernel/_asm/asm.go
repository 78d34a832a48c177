// Command _asm generates internal/kernel/gemm_amd64.s, the SGEMM
// micro-kernels, with avo. It lives in its own module so that the kernel
// package never depends on avo. Run it through go generate in the kernel
// package, which reproduces the committed file byte for byte:
//
//	cd internal/kernel && go generate
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// isa describes one family of register-blocked micro-kernels: a tile of up
// to maxMR rows and nv·lanes columns of C is held in vector registers while
// the packed panels of A (mr floats per step of k) and B (nr floats per step
// of k) stream past. One function holds a variant for every mr from 1 to
// maxMR, so that the last, partial panel of rows costs no wasted arithmetic.
type isa struct {
	name  string
	maxMR int
	lanes int // floats per vector register
	nv    int // vector registers per row of the tile
	vecs  []VecPhysical
}

func (s isa) nr() int { return s.nv * s.lanes }

// unroll is the number of steps of k per loop iteration: the four rows of
// B that base+index addressing reaches from one pointer and ldb.
const unroll = 4

func main() {
	ConstraintExpr("amd64,!purego")
	// 14×32 on AVX-512: 28 accumulators, 2 registers of B and 2 for the
	// broadcasts of A use all 32 zmm registers. 28 independent FMAs per step
	// of k keep both FMA pipes busy past their 4-cycle latency, and each
	// step loads 2 vectors of B and 14 floats of A for 28 FMAs.
	gen(isa{name: "sgemmKernelAVX512", maxMR: 14, lanes: 16, nv: 2, vecs: []VecPhysical{
		Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
		Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}})
	// 6×16 on AVX2+FMA: 12 accumulators, 2 of B and 2 broadcasts fill the
	// 16 ymm registers (as in BLIS's Haswell kernel).
	gen(isa{name: "sgemmKernelAVX2", maxMR: 6, lanes: 8, nv: 2, vecs: []VecPhysical{
		Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}})
	genPackCopy()
	genPackTranspose()
	genPackTransposeRows()
	genPackGather()
	genPackGatherSeg()
	genIm2colRows()
	genAddRows()
	genMaxPool2x2Row()
	genReLU()
	genReLUBackward()
	genAdd(false)
	genAdd(true)
	genSum()
	genSumSquaredDeviations()
	for _, relu := range []bool{false, true} {
		genSumAndCenteredDot(relu)
		genAffine(relu)
		genBatchNormGrad(relu)
	}
	genDot()
	genGatherStrided()
	genMaxPoolBlocks()
	genCompactStrided()
	genCompactRows8()
	genRowsWide()
	genWinogradInput()
	genWinogradOutputRows()
	genCPUNumber()
	Generate()
}

func gen(s isa) {
	if s.maxMR*s.nv+s.nv+2 > len(s.vecs) {
		panic(fmt.Sprintf("%s: %d accumulators do not fit", s.name, s.maxMR*s.nv))
	}
	TEXT(s.name, NOSPLIT, "func(mr, k int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)")
	Doc(fmt.Sprintf("%s computes one tile of mr×%d floats (1 ≤ mr ≤ %d) of C;", s.name, s.nr(), s.maxMR),
		"see the Go declaration for the loop it computes.")
	mr := Load(Param("mr"), RBX)
	Load(Param("k"), RCX)
	Load(Param("a").Base(), RSI)
	Load(Param("b").Base(), RDI)
	ldb := Load(Param("ldb"), R10)
	SHLQ(U8(2), ldb)
	LEAQ(Mem{Base: ldb, Index: ldb, Scale: 2}, R11)
	Load(Param("c").Base(), RDX)
	ldc := Load(Param("ldc"), R8)
	SHLQ(U8(2), ldc)
	Comment("Jump to the variant for mr rows, the full tile first as the most common.")
	for r := s.maxMR; r > 1; r-- {
		CMPQ(mr, U8(r))
		JEQ(LabelRef(fmt.Sprintf("%s_mr%d", s.name, r)))
	}
	for r := 1; r <= s.maxMR; r++ {
		variant(s, r)
	}
}

// variant emits the code for a tile of mr rows, entered with k in CX, the
// panels of A and B in SI and DI, the stride of B in bytes in R10 and three
// times it in R11, the tile of C in DX and its row stride in bytes in R8.
func variant(s isa, mr int) {
	label := func(l string) string { return fmt.Sprintf("%s_mr%d%s", s.name, mr, l) }
	k, ap, bp, ldb, ldb3, cp, ldc, row, n := RCX, RSI, RDI, R10, R11, RDX, R8, R9, RAX
	nacc := mr * s.nv
	acc := func(r, v int) VecPhysical { return s.vecs[r*s.nv+v] }
	bv := s.vecs[nacc : nacc+s.nv]
	bc := s.vecs[nacc+s.nv : nacc+s.nv+2]

	Label(label(""))
	Comment("Fetch the tile of C now so that its update after the loop does not wait on memory.")
	MOVQ(cp, row)
	for r := 0; r < mr; r++ {
		for off := 0; off < s.nr()*4; off += 64 {
			PREFETCHT0(Mem{Base: row, Disp: off})
		}
		if r+1 < mr {
			ADDQ(ldc, row)
		}
	}
	for r := 0; r < mr; r++ {
		for v := 0; v < s.nv; v++ {
			if s.lanes == 16 {
				// VXORPS on zmm would need AVX512DQ; VPXORD is in AVX512F.
				VPXORD(acc(r, v), acc(r, v), acc(r, v))
			} else {
				VXORPS(acc(r, v), acc(r, v), acc(r, v))
			}
		}
	}

	// Step u of an unrolled iteration reads row u of B's panel, u·ldb
	// bytes on.
	bRow := []Mem{{Base: bp}, {Base: bp, Index: ldb, Scale: 1}, {Base: bp, Index: ldb, Scale: 2}, {Base: bp, Index: ldb3, Scale: 1}}
	step := func(u int) {
		for v := 0; v < s.nv; v++ {
			VMOVUPS(bRow[u].Offset(4*v*s.lanes), bv[v])
		}
		for r := 0; r < mr; r++ {
			t := bc[r%2]
			VBROADCASTSS(Mem{Base: ap, Disp: 4 * (u*mr + r)}, t)
			for v := 0; v < s.nv; v++ {
				VFMADD231PS(bv[v], t, acc(r, v))
			}
		}
	}
	MOVQ(k, n)
	SHRQ(U8(2), n)
	JZ(LabelRef(label("_tail")))
	Label(label("_loop"))
	for u := 0; u < unroll; u++ {
		step(u)
	}
	ADDQ(U32(4*unroll*mr), ap)
	LEAQ(Mem{Base: bp, Index: ldb, Scale: 4}, bp)
	DECQ(n)
	JNZ(LabelRef(label("_loop")))

	Label(label("_tail"))
	ANDQ(U32(unroll-1), k)
	JZ(LabelRef(label("_store")))
	Label(label("_tailloop"))
	step(0)
	ADDQ(U32(4*mr), ap)
	ADDQ(ldb, bp)
	DECQ(k)
	JNZ(LabelRef(label("_tailloop")))

	Label(label("_store"))
	alpha, beta := bc[0], bc[1]
	pa, _ := Param("alpha").Resolve()
	pb, _ := Param("beta").Resolve()
	VBROADCASTSS(pa.Addr, alpha)
	VBROADCASTSS(pb.Addr, beta)
	for r := 0; r < mr; r++ {
		for v := 0; v < s.nv; v++ {
			VMULPS(alpha, acc(r, v), acc(r, v))
		}
	}
	Comment("beta == ±0 must not read C, which may hold NaNs.")
	MOVL(pb.Addr, EAX)
	SHLL(U8(1), EAX)
	JZ(LabelRef(label("_overwrite")))
	MOVQ(cp, row)
	for r := 0; r < mr; r++ {
		for v := 0; v < s.nv; v++ {
			mem := Mem{Base: row, Disp: 4 * v * s.lanes}
			VFMADD231PS(mem, beta, acc(r, v))
			VMOVUPS(acc(r, v), mem)
		}
		if r+1 < mr {
			ADDQ(ldc, row)
		}
	}
	VZEROUPPER()
	RET()

	Label(label("_overwrite"))
	MOVQ(cp, row)
	for r := 0; r < mr; r++ {
		for v := 0; v < s.nv; v++ {
			VMOVUPS(acc(r, v), Mem{Base: row, Disp: 4 * v * s.lanes})
		}
		if r+1 < mr {
			ADDQ(ldc, row)
		}
	}
	VZEROUPPER()
	RET()
}

// genCPUNumber emits cpuNumber, the number of the CPU the calling thread
// runs on, which RDTSCP leaves in the low 12 bits of ECX (Linux keeps it in
// IA32_TSC_AUX, as its vDSO's getcpu reads it), and hasRDTSCP, CPUID's flag
// for the instruction.
func genCPUNumber() {
	TEXT("cpuNumber", NOSPLIT, "func() int")
	Doc("cpuNumber returns IA32_TSC_AUX's CPU number; it needs RDTSCP.")
	RDTSCP()
	ANDQ(U32(0xfff), RCX)
	Store(RCX, ReturnIndex(0))
	RET()

	TEXT("hasRDTSCP", NOSPLIT, "func() bool")
	Doc("hasRDTSCP reports CPUID's flag for RDTSCP (leaf 0x80000001, EDX bit 27).")
	MOVL(U32(0x80000000), EAX)
	CPUID()
	XORL(EDX, EDX)
	CMPL(EAX, U32(0x80000001))
	JB(LabelRef("none"))
	MOVL(U32(0x80000001), EAX)
	XORL(ECX, ECX)
	CPUID()
	SHRL(U8(27), EDX)
	ANDL(U32(1), EDX)
	Label("none")
	Store(DL, ReturnIndex(0))
	RET()
}
