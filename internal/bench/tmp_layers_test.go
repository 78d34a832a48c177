package bench

import (
	"bufio"
	"fmt"
	"os"
	"testing"

	"github.com/convnet/convnet/tensor"
)

func BenchmarkTmpLayers(b *testing.B) {
	f, _ := os.Open("/tmp/layers.txt")
	s := bufio.NewScanner(f)
	for s.Scan() {
		var name string
		var cin, cout, k, st, pad, hw int
		fmt.Sscan(s.Text(), &name, &cin, &cout, &k, &st, &pad, &hw)
		x := tensor.Full(0.5, 1, cin, hw, hw)
		w := tensor.Full(0.01, cout, cin, k, k)
		bias := tensor.Full(0.1, cout)
		o := tensor.ConvOptions{Stride: [2]int{st, st}, Padding: [2]int{pad, pad}}
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				tensor.Conv2d(x, w, bias, o)
			}
		})
	}
}
