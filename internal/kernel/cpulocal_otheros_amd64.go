//go:build amd64 && !purego && !linux

package kernel

// Other systems may leave IA32_TSC_AUX unset or use it otherwise.
const cpuNumberKept = false
