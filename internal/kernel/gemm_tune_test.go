package kernel

import (
	"testing"
)

// BenchmarkSgemmMicro measures each micro-kernel alone on one 256-deep pair
// of panels, which stay in cache: the most the blocked SGEMM can reach on
// one core.
func BenchmarkSgemmMicro(b *testing.B) {
	for _, im := range gemmImpls {
		kern := im.kern
		if kern == nil {
			continue
		}
		b.Run(im.name, func(b *testing.B) {
			const kc = 256
			a := make([]float32, kern.mr*kc)
			bb := make([]float32, kern.nr*kc)
			c := make([]float32, kern.mr*kern.nr)
			for b.Loop() {
				kern.micro(kern.mr, kc, a, bb, kern.nr, c, kern.nr, 1, 1)
			}
			b.ReportMetric(float64(2*kern.mr*kern.nr*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkParallelOverhead measures the round trip of handing one chunk to
// the worker pool and waiting for it.
func BenchmarkParallelOverhead(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Parallel(2, 1, func(lo, hi int) {})
	}
}
