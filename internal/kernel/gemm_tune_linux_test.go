package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The tests in this file are tools for choosing the blocking and the code
// paths of the SGEMM, not checks: they skip unless their environment
// variable is set. They time one goroutine by its thread CPU time, so that
// other processes on a shared machine skew the figures less than they skew
// wall-clock benchmarks; each figure is the best of several runs.

func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic(err)
	}
	return time.Duration(ts.Nano())
}

// TestSgemmTuneShapes reports the single-goroutine GFLOP/s of one
// implementation's serial loop nest on GEMM_SHAPES ("m,n,k,TT;..." with TT
// one of NN, NT, TN, TT). GEMM_IMPL names the implementation (default: the
// one in use) and GEMM_BLOCKING ("mc,kc,nc,directB") overrides its
// blocking.
//
//	GEMM_SHAPES="1024,1024,1024,NN;64,3136,576,NN" go test -run TuneShapes -v ./internal/kernel
func TestSgemmTuneShapes(t *testing.T) {
	env := os.Getenv("GEMM_SHAPES")
	if env == "" {
		t.Skip("GEMM_SHAPES not set")
	}
	kern := *gemmImpls[len(gemmImpls)-1].kern
	for _, im := range gemmImpls {
		if im.name == os.Getenv("GEMM_IMPL") && im.kern != nil {
			kern = *im.kern
		}
	}
	if b := os.Getenv("GEMM_BLOCKING"); b != "" {
		if _, err := fmt.Sscanf(b, "%d,%d,%d,%d", &kern.mc, &kern.kc, &kern.nc, &kern.directB); err != nil {
			t.Fatalf("GEMM_BLOCKING=%q: %v", b, err)
		}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	rng := rand.New(rand.NewPCG(1, 2))
	line := fmt.Sprintf("mr=%d nr=%d mc=%d kc=%d nc=%d directB=%d:", kern.mr, kern.nr, kern.mc, kern.kc, kern.nc, kern.directB)
	for _, sh := range strings.Split(env, ";") {
		var m, n, k int
		var tr string
		if _, err := fmt.Sscanf(strings.ReplaceAll(sh, ",", " "), "%d %d %d %s", &m, &n, &k, &tr); err != nil || len(tr) != 2 {
			t.Fatalf("shape %q: want m,n,k,TT", sh)
		}
		ta, tb := tr[0] == 'T', tr[1] == 'T'
		lda, ldb := k, n
		if ta {
			lda = m
		}
		if tb {
			ldb = k
		}
		a, b, c := randMatrix(m*k, rng), randMatrix(k*n, rng), make([]float32, m*n)
		w := new(gemmWork)
		best := time.Duration(math.MaxInt64)
		for r := 0; r < max(3, int(3e9/float64(m*n*k))); r++ {
			t0 := threadCPU()
			kern.serial(w, ta, tb, m, n, k, 1, a, lda, b, ldb, 0, c, n)
			best = min(best, threadCPU()-t0)
		}
		line += fmt.Sprintf("  %s %.1f", sh, 2*float64(m*n*k)/best.Seconds()/1e9)
	}
	t.Log(line)
}

// TestSgemmTunePack reports the speed of packing, in floats per nanosecond,
// on blocks the size the AVX-512 blocking packs, from a matrix with
// GEMM_PACK columns.
func TestSgemmTunePack(t *testing.T) {
	var n int
	if _, err := fmt.Sscan(os.Getenv("GEMM_PACK"), &n); err != nil {
		t.Skip("GEMM_PACK not set")
	}
	const mc, kc, nc, mr, nr = 336, 256, 1024, 14, 32
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	rng := rand.New(rand.NewPCG(1, 2))
	src := randMatrix(max(n, nc)*max(n, nc), rng)
	dst := make([]float32, nc*kc)
	for _, tc := range []struct {
		name  string
		trans bool
		isA   bool
	}{{"A", false, true}, {"Aᵀ", true, true}, {"B", false, false}, {"Bᵀ", true, false}} {
		best := time.Duration(math.MaxInt64)
		elems := mc * kc
		for r := 0; r < 200; r++ {
			t0 := threadCPU()
			if tc.isA {
				packA(dst, tc.trans, src, n, 0, 0, mc, kc, mr)
			} else {
				packB(dst, tc.trans, src, n, 0, 0, kc, nc, nr)
				elems = kc * nc
			}
			best = min(best, threadCPU()-t0)
		}
		t.Logf("%s: %.2f floats/ns", tc.name, float64(elems)/float64(best.Nanoseconds()))
	}
}
