//go:build amd64 && !purego

package kernel

// winogradInputAVX512 is WinogradInput's loop over 16·n tiles.
//
//go:noescape
func winogradInputAVX512(n int, dst []float32, ldd int, src []float32, off *[16]int)

// winogradOutputAVX512 is WinogradOutput's loop over 16·n tiles.
//
//go:noescape
func winogradOutputAVX512(n int, dst []float32, ldd int, src []float32, lds int)

// winogradInputArch transforms the tiles of WinogradInput that come in
// whole vectors and returns how many.
func winogradInputArch(n int, dst []float32, ldd int, src []float32, off *[16]int) int {
	if !hasAVX512 || n < 16 {
		return 0
	}
	winogradInputAVX512(n/16, dst, ldd, src, off)
	return n &^ 15
}

// winogradOutputArch is winogradInputArch for WinogradOutput.
func winogradOutputArch(n int, dst []float32, ldd int, src []float32, lds int) int {
	if !hasAVX512 || n < 16 {
		return 0
	}
	winogradOutputAVX512(n/16, dst, ldd, src, lds)
	return n &^ 15
}
