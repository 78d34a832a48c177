//go:build amd64 && !purego

package kernel

// winogradInputAVX512 is WinogradInput's loop over 16·n tiles.
//
//go:noescape
func winogradInputAVX512(n int, dst []float32, ldd int, src []float32, off *[16]int)

// winogradOutputRowsAVX512 is WinogradOutputRows for 16·blocks tiles and,
// when tail is not zero, a last block of the tiles in tail whose output
// columns are those in lo and hi.
//
//go:noescape
func winogradOutputRowsAVX512(blocks int, dst0, dst1, src []float32, lds int, acc bool, tail, lo, hi uint32)

// winogradInputArch transforms the tiles of WinogradInput that come in
// whole vectors and returns how many.
func winogradInputArch(n int, dst []float32, ldd int, src []float32, off *[16]int) int {
	if !hasAVX512 || n < 16 {
		return 0
	}
	winogradInputAVX512(n/16, dst, ldd, src, off)
	return n &^ 15
}

// winogradOutputRowsArch does WinogradOutputRows, its last block masked,
// and reports whether it could.
func winogradOutputRowsArch(n int, dst0, dst1, src []float32, lds int, acc bool) bool {
	if !hasAVX512 {
		return false
	}
	blocks, rest := n/16, n%16
	if rest == 0 && len(dst0) < 2*n { // the last block's last column is outside
		blocks, rest = blocks-1, 16
	}
	cols := len(dst0) - 32*blocks // of the last block
	var tail, lo, hi uint32
	if rest > 0 {
		tail, lo, hi = 1<<rest-1, 1<<min(cols, 16)-1, 1<<max(cols-16, 0)-1
	}
	winogradOutputRowsAVX512(blocks, dst0, dst1, src, lds, acc, tail, lo, hi)
	return true
}
