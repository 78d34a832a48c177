package tensor

import "github.com/convnet/convnet/internal/kernel"

// A convolution of stride S is one of stride 1 over its input split into
// its S×S phases (kernel/implicit.go): tap k of an axis, at offset
// k − P = q·S + r, reads phase r shifted by q. When each phase's taps
// span at most three shifts, shifting each phase plane by its first
// tap's makes the convolution a 3×3 one of stride 1 over C·S² channels
// with no padding (the taps a phase lacks weigh zero), and Winograd's
// F(2×2, 3×3) computes that in 4·S² multiply-adds an output and input
// channel where the direct convolution takes KH·KW: AlexNet's 11×11
// stride-4 first layer, 64 against 121.

// phaseSplit is a strided convolution as a 3×3 stride-1 one over its
// input's phases: that convolution's plan, the shift of each phase's
// first tap along each axis, and the planes each input channel makes, in
// the order forwardWinograd reads them: the stride-2 phases of each phase,
// input gathered at twice the stride.
type phaseSplit struct {
	plan   convPlan
	by, bx []int
	planes []kernel.PhasePlane
}

// phaseMinSaving is how many times fewer multiply-adds the phases'
// Winograd convolution must take than the direct one, 4·S² against
// KH·KW, to pay for laying out the phases and transforming them.
const phaseMinSaving = 1.5

// phaseShifts returns, for a kernel of k taps at padding pad and stride s,
// the shift of each phase's first tap, and whether every phase has taps
// spanning at most three shifts.
func phaseShifts(k, pad, s int) (first []int, ok bool) {
	first, last := make([]int, s), make([]int, s)
	seen := make([]bool, s)
	for tap := 0; tap < k; tap++ {
		v := tap - pad
		q := floorDiv(v, s)
		r := v - q*s
		if !seen[r] {
			seen[r], first[r] = true, q
		}
		last[r] = q
	}
	for r := range seen {
		if !seen[r] || last[r]-first[r] > 2 {
			return nil, false
		}
	}
	return first, true
}

// floorDiv is a/b rounded towards −∞, for b > 0.
func floorDiv(a, b int) int {
	q := a / b
	if a < 0 && q*b != a {
		q--
	}
	return q
}

// phasedWinograd returns the convolution as Winograd's F(2×2, 3×3) over its
// input's phases, and reports whether it suits that: strided, one group,
// no dilation, phases of at most three taps an axis, enough multiply-adds
// saved, and a phase convolution that suits Winograd but for its input
// channels, whose number matters less against a kernel this large, on
// maps large enough for a GEMM an image.
func (p *convPlan) phasedWinograd() (phaseSplit, bool) {
	g := &p.geom
	if !winogradEnabled || p.groups != 1 || g.DH != 1 || g.DW != 1 || (g.SH == 1 && g.SW == 1) ||
		float64(g.KH*g.KW) < phaseMinSaving*float64(4*g.SH*g.SW) {
		return phaseSplit{}, false
	}
	by, okY := phaseShifts(g.KH, g.PH, g.SH)
	bx, okX := phaseShifts(g.KW, g.PW, g.SW)
	if !okY || !okX {
		return phaseSplit{}, false
	}
	c := g.C * g.SH * g.SW
	pd := convPlan{geom: kernel.ConvGeom{C: c, H: g.OH + 2, W: g.OW + 2, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, OH: g.OH, OW: g.OW},
		n: p.n, cout: p.cout, groups: 1, cinG: c, coutG: p.cout, rowsG: 9 * c, hw: p.hw}
	// The phases are laid out a band of an image at a time, so maps too
	// small for a GEMM of their own are left out.
	if !pd.winogradShape() || p.cout < winogradMinChannels || pd.winogradTiling().images != 1 {
		return phaseSplit{}, false
	}
	return phaseSplit{plan: pd, by: by, bx: bx, planes: patchPlanes(g.SH, g.SW, by, bx)}, true
}

// patchPlanes lists the planes of one input channel of a convolution of
// stride (sh, sw) whose phases start at shifts by and bx, as
// forwardWinograd reads them: phase by phase, each as its stride-2 phases,
// which are input gathered at stride (2·sh, 2·sw): row a of phase ry's
// stride-2 phase ry2 is phase row 2a + ry2 + by[ry], input row
// (2a + ry2 + by[ry])·sh + ry.
func patchPlanes(sh, sw int, by, bx []int) []kernel.PhasePlane {
	split := func(r, q2, s int) (residue, shift int) {
		v := q2*s + r
		shift = floorDiv(v, 2*s)
		return v - shift*2*s, shift
	}
	var planes []kernel.PhasePlane
	for ry := 0; ry < sh; ry++ {
		for rx := 0; rx < sw; rx++ {
			for ry2 := 0; ry2 < 2; ry2++ {
				for rx2 := 0; rx2 < 2; rx2++ {
					var pl kernel.PhasePlane
					pl.RY, pl.QY = split(ry, ry2+by[ry], sh)
					pl.RX, pl.QX = split(rx, rx2+bx[rx], sw)
					planes = append(planes, pl)
				}
			}
		}
	}
	return planes
}

// forwardPhased writes the convolution of x with w into y as s, finished
// by ep: each band of tile rows lays out the rows of the phases it reads.
// The weights' form is kept between calls when keep holds (packedFor).
func (p *convPlan) forwardPhased(s phaseSplit, x, w []float32, keep bool, ep *epilogue, y []float32) {
	g, pd := &p.geom, s.plan
	pw := packedFor(w, keep, p.weightForm(formPhased), func(pw *packedWeights) {
		wd := kernel.GetScratch(p.cout * pd.rowsG)
		defer kernel.PutScratch(wd)
		p.phaseWeights(s, w, wd)
		pd.winogradWeights(wd, pw)
	})
	defer pw.release()
	in, perRow := g.H*g.W, len(s.planes)/g.SH // input plane; planes of a row phase
	pg := pd.winogradGeom()
	cols := pg.PaddedWidth()
	pd.forwardWinograd(nil, pw.rows, ep, y, pd.winogradTiling(), false, func(xp []float32, img, t0, t1, plane int) {
		// The band's rows of each plane are the plane's from row t0 on:
		// the planes shifted down by t0.
		band := make([]kernel.PhasePlane, perRow)
		for i := 0; i < g.C*g.SH; i++ { // channel i/SH, row phase i%SH
			ry := i % g.SH
			for k, pl := range s.planes[ry*perRow : (ry+1)*perRow] {
				pl.QY += t0
				band[k] = pl
			}
			kernel.PhasePlanes(x[(img*g.C+i/g.SH)*in:][:in], g.H, g.W, 2*g.SH, 2*g.SW, band, xp[i*perRow*plane:], plane/cols, cols)
		}
	})
}

// phaseWeights writes into wd the weights of s's 3×3 convolution from w:
// tap (ty, tx) of phase (ry, rx) of input channel c is w's tap
// ((by[ry]+ty)·SH + ry + PH, (bx[rx]+tx)·SW + rx + PW), zero where that
// lies outside the kernel.
func (p *convPlan) phaseWeights(s phaseSplit, w, wd []float32) {
	g := &p.geom
	// src[(ry·SW+rx)·9 + ty·3+tx]: the tap of w's kernel, or −1.
	src := make([]int, g.SH*g.SW*9)
	for ry := 0; ry < g.SH; ry++ {
		for rx := 0; rx < g.SW; rx++ {
			for t := 0; t < 9; t++ {
				ky := (s.by[ry]+t/3)*g.SH + ry + g.PH
				kx := (s.bx[rx]+t%3)*g.SW + rx + g.PW
				i := (ry*g.SW+rx)*9 + t
				src[i] = -1
				if ky >= 0 && ky < g.KH && kx >= 0 && kx < g.KW {
					src[i] = ky*g.KW + kx
				}
			}
		}
	}
	kk := g.KH * g.KW
	kernel.Parallel(p.cout*g.C, 16, func(lo, hi int) {
		for oc := lo; oc < hi; oc++ { // output channel and input channel
			ws, wo := w[oc*kk:][:kk], wd[oc*len(src):][:len(src)]
			for i, k := range src {
				if k < 0 {
					wo[i] = 0
				} else {
					wo[i] = ws[k]
				}
			}
		}
	})
}
