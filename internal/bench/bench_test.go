package bench

import (
	"fmt"
	"io"
	"testing"
)

// BenchmarkWorkloads runs every workload of the suite whose model exists as
// a Go benchmark, reporting allocations: `go test -bench . ./internal/bench`
// (add -short to run only the small ones).
func BenchmarkWorkloads(b *testing.B) {
	for _, w := range Workloads() {
		if testing.Short() && !small(w.Name) {
			continue
		}
		b.Run(w.Name, func(b *testing.B) {
			call, err := w.Setup()
			if err != nil {
				b.Skip(err)
			}
			for i := 0; i < w.Warm; i++ {
				call()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				call()
			}
		})
	}
}

func small(name string) bool {
	for _, p := range []string{"sgemm/", "conv/", "train/lenet5", "infer/lenet5"} {
		if len(name) >= len(p) && name[:len(p)] == p {
			return true
		}
	}
	return false
}

func TestRunPrintsEachSelectedWorkload(t *testing.T) {
	ws := []Workload{
		{Name: "a/1", Reps: 3, Warm: 1, Setup: func() (func(), error) { return func() {}, nil }},
		{Name: "a/2", Reps: 3, Warm: 1, Setup: func() (func(), error) { return nil, fmt.Errorf("no model") }},
		{Name: "b/1", Reps: 3, Warm: 1, Setup: func() (func(), error) { return func() {}, nil }},
	}
	var out, errw stringsBuilder
	res := Run(ws, Options{Only: "a/"}, &out, &errw, true)
	if len(res) != 1 || res[0].Workload != "a/1" || res[0].Runs != 3 {
		t.Fatalf("results %+v", res)
	}
	if want := "skipped a/2: no model\n"; errw.String() != want {
		t.Fatalf("stderr %q, want %q", errw.String(), want)
	}
	if out.String() == "" || out.String()[0] != '{' {
		t.Fatalf("stdout %q is not JSON lines", out.String())
	}
}

type stringsBuilder struct{ b []byte }

func (s *stringsBuilder) Write(p []byte) (int, error) { s.b = append(s.b, p...); return len(p), nil }
func (s *stringsBuilder) String() string              { return string(s.b) }

var _ io.Writer = (*stringsBuilder)(nil)
