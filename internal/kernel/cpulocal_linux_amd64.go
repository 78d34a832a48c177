//go:build amd64 && !purego

package kernel

// Linux keeps each CPU's number in IA32_TSC_AUX, for its vDSO's getcpu.
const cpuNumberKept = true
