package kernel

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// TestCurrentCPU pins the test's thread to each CPU it may run on in turn
// and checks that currentCPU names that CPU (or 0 where the processor
// cannot tell).
func TestCurrentCPU(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var allowed unix.CPUSet
	if err := unix.SchedGetaffinity(0, &allowed); err != nil {
		t.Fatal(err)
	}
	defer unix.SchedSetaffinity(0, &allowed)
	t.Logf("RDTSCP numbers CPUs: %v", canNumberCPU)
	for cpu := 0; cpu < 1024; cpu++ {
		if !allowed.IsSet(cpu) {
			continue
		}
		var one unix.CPUSet
		one.Set(cpu)
		if err := unix.SchedSetaffinity(0, &one); err != nil {
			t.Fatal(err)
		}
		want := cpu
		if !canNumberCPU {
			want = 0
		}
		if got := currentCPU(); got != want {
			t.Fatalf("pinned to CPU %d, currentCPU() = %d (RDTSCP: %v)", cpu, got, canNumberCPU)
		}
	}
}
