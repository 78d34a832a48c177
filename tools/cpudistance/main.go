//go:build linux

// Command cpudistance measures how far apart two CPUs are: the round trip
// of a cache line between threads pinned to each. On a virtual machine the
// host may place the two virtual CPUs on one core complex (a round trip of
// some 55 ns on Zen 4) or far apart (330 ns and more), and work shared
// between two threads slows accordingly; tools/bench/side_by_side.sh
// records it before each run.
//
//	go run ./tools/cpudistance [-cpus 0,1]
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	var a, b int
	flag.Func("cpus", "the two CPUs, as A,B (default 0,1)", func(s string) error {
		_, err := fmt.Sscanf(s, "%d,%d", &a, &b)
		return err
	})
	a, b = 0, 1
	flag.Parse()
	// Each spinning side holds a P of its own, and the watchdog below a
	// third, whatever CPUs the process was started on.
	runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), 3))
	// Each side spins until the other answers: should one never run (both
	// threads held on one CPU by a scheduler), give up rather than hang
	// the script that asked.
	time.AfterFunc(10*time.Second, func() {
		fmt.Fprintln(os.Stderr, "cpudistance: no answer between the two CPUs in 10 s")
		os.Exit(1)
	})
	trip, err := roundTrip(a, b, 200000)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cpudistance:", err)
		os.Exit(1)
	}
	fmt.Printf("CPUs %d and %d: round trip %.0f ns\n", a, b, trip.Seconds()*1e9)
}

// pin locks the calling goroutine to its thread and the thread to cpu.
func pin(cpu int) error {
	runtime.LockOSThread()
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("pinning to CPU %d: %w", cpu, err)
	}
	return nil
}

// roundTrip returns the time for a value to go from a thread on CPU a to
// one on CPU b and back, averaged over n trips.
func roundTrip(a, b, n int) (time.Duration, error) {
	var flag atomic.Int64
	errs := make(chan error, 1)
	go func() {
		if err := pin(b); err != nil {
			errs <- err
			flag.Store(-1)
			return
		}
		errs <- nil
		for i := int64(0); i < int64(n); i++ {
			for flag.Load() != 2*i+1 {
			}
			flag.Store(2*i + 2)
		}
	}()
	if err := pin(a); err != nil {
		return 0, err
	}
	defer runtime.UnlockOSThread()
	if err := <-errs; err != nil {
		return 0, err
	}
	start := time.Now()
	for i := int64(0); i < int64(n); i++ {
		flag.Store(2*i + 1)
		for flag.Load() != 2*i+2 {
		}
	}
	return time.Since(start) / time.Duration(n), nil
}
