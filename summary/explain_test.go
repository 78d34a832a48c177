package summary_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/convnet/convnet/summary"
)

func TestStackedConvs(t *testing.T) {
	for _, c := range []struct{ channels, size int }{{64, 56}, {10, 7}, {3, 3}} {
		d, err := summary.StackedConvs(c.channels, c.size)
		if err != nil {
			t.Fatal(err)
		}
		cc, hw := int64(c.channels*c.channels), int64(c.size*c.size)
		one, three := d[0], d[1]
		if one.Weights != 49*cc || three.Weights != 27*cc {
			t.Errorf("C=%d: weights %d and %d, want 49C² = %d and 27C² = %d", c.channels, one.Weights, three.Weights, 49*cc, 27*cc)
		}
		if one.MultAdds != 49*cc*hw || three.MultAdds != 27*cc*hw {
			t.Errorf("C=%d on %d×%d: multiply-adds %d and %d, want 49C²HW and 27C²HW", c.channels, c.size, c.size, one.MultAdds, three.MultAdds)
		}
		if one.ReceptiveField != 7 || three.ReceptiveField != 7 || one.ReLUs != 1 || three.ReLUs != 3 {
			t.Errorf("receptive fields %d and %d, ReLUs %d and %d", one.ReceptiveField, three.ReceptiveField, one.ReLUs, three.ReLUs)
		}
		want := []int{1, c.channels, c.size, c.size}
		if !reflect.DeepEqual(one.Output, want) || !reflect.DeepEqual(three.Output, want) {
			t.Errorf("outputs %v and %v, want %v", one.Output, three.Output, want)
		}
	}
	if _, err := summary.StackedConvs(0, 5); err == nil {
		t.Error("0 channels: no error")
	}
}

// TestInceptionReductions checks inception (3a) against the products
// worked by hand: at 28×28 = 784 positions, a k×k conv from a to b channels
// costs 784·a·b·k² multiply-adds and has a·b·k² weights.
func TestInceptionReductions(t *testing.T) {
	d, err := summary.InceptionReductions(summary.Inception3a)
	if err != nil {
		t.Fatal(err)
	}
	with, without := d[0], d[1]
	parts := func(d summary.Design) []int64 {
		var out []int64
		for _, p := range d.Parts {
			out = append(out, p.MultAdds)
		}
		return out
	}
	// 1×1 192→64; 1×1 192→96 + 3×3 96→128; 1×1 192→16 + 5×5 16→32; 1×1 192→32
	wantWith := []int64{9633792, 14450688 + 86704128, 2408448 + 10035200, 4816896}
	// 1×1 192→64; 3×3 192→128; 5×5 192→32; 1×1 192→32
	wantWithout := []int64{9633792, 173408256, 120422400, 4816896}
	if got := parts(with); !reflect.DeepEqual(got, wantWith) {
		t.Errorf("with reductions, branches %v, want %v", got, wantWith)
	}
	if got := parts(without); !reflect.DeepEqual(got, wantWithout) {
		t.Errorf("without, branches %v, want %v", got, wantWithout)
	}
	if with.MultAdds != 128049152 || without.MultAdds != 308281344 {
		t.Errorf("modules: %d and %d multiply-adds, want 128,049,152 and 308,281,344", with.MultAdds, without.MultAdds)
	}
	if with.Weights != 163328 || without.Weights != 393216 {
		t.Errorf("modules: %d and %d weights, want 163,328 and 393,216", with.Weights, without.Weights)
	}
	if want := []int{1, 256, 28, 28}; !reflect.DeepEqual(with.Output, want) || !reflect.DeepEqual(without.Output, want) {
		t.Errorf("outputs %v and %v, want %v", with.Output, without.Output, want)
	}

	// Any row of the table: inception (4e), 528 channels on 14×14.
	c := summary.InceptionConfig{Name: "inception (4e)", In: 528, Size: 14, C1x1: 256, Reduce3: 160, C3x3: 320, Reduce5: 32, C5x5: 128, PoolProj: 128}
	d, err = summary.InceptionReductions(c)
	if err != nil {
		t.Fatal(err)
	}
	conv := func(a, b, k int) int64 { return int64(a * b * k * k) }
	w := conv(528, 256, 1) + conv(528, 160, 1) + conv(160, 320, 3) + conv(528, 32, 1) + conv(32, 128, 5) + conv(528, 128, 1)
	wo := conv(528, 256, 1) + conv(528, 320, 3) + conv(528, 128, 5) + conv(528, 128, 1)
	if d[0].Weights != w || d[1].Weights != wo || d[0].MultAdds != w*196 || d[1].MultAdds != wo*196 {
		t.Errorf("inception (4e): %+v and %+v, want %d and %d weights", d[0], d[1], w, wo)
	}
	if _, err := summary.InceptionReductions(summary.InceptionConfig{In: 3}); err == nil {
		t.Error("an empty configuration: no error")
	}
}

func TestExplain(t *testing.T) {
	e, err := summary.Explain(64, 56)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := e.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, want := range []string{
		"200,704  = 49C²", "110,592  = 27C²", "629,407,744", "346,816,512", "7×7",
		"55% of the weights", "81% more",
		"128,049,152", "308,281,344", "163,328", "393,216", "2.41× fewer", "58% saved", "9.7× fewer",
		"Table 1 lists 128M ops for inception (3a)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("explanation lacks %q:\n%s", want, text)
		}
	}
	j, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var back summary.Explanation
	if err := json.Unmarshal(j, &back); err != nil || !reflect.DeepEqual(&back, e) {
		t.Errorf("JSON did not round-trip (%v): %s", err, j)
	}
}
