package data_test

import (
	"fmt"

	"github.com/convnet/convnet/data"
)

// A dataset stored class by class, as an image folder is, sampled evenly:
// its first 4 examples would all be of class 0.
func ExampleBalancedSubset() {
	d := &data.Bytes{Pixels: make([]uint8, 12), Labels: []uint8{0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2}, C: 1, H: 1, W: 1, NumClasses: 3}
	s := data.BalancedSubset(d, 6, 1)
	counts := make([]int, 3)
	buf := make([]float32, 1)
	for i := 0; i < s.Len(); i++ {
		counts[s.Example(i, buf)]++
	}
	fmt.Println(s.Len(), "examples; per class:", counts)
	// Output: 6 examples; per class: [2 2 2]
}
