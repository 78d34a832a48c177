package kernel

import "syscall"

// osYield gives up the CPU to any other runnable thread on it
// (sched_yield). A spinning goroutine calls it as well as runtime.Gosched,
// which only yields to other goroutines: when the system runs a worker and
// the caller it waits for on one CPU (a virtual machine's scheduler packs
// them so after they sleep), the spinner would otherwise take half the
// time of the thread it waits for.
func osYield() { syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }
