package kernel

// AddTo adds src into dst element-wise: dst[i] += src[i].
func AddTo(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}
