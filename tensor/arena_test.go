package tensor

import "testing"

// TestArenaView checks that a view reads the caller's data, that its
// results come from the arena and are recycled by Reset, and that Reset
// leaves the viewed data alone.
func TestArenaView(t *testing.T) {
	a := NewArena()
	data := []float32{1, 2, 3, 4}
	x := a.View(data, 2, 2)
	data[0] = 10 // a view, not a copy
	y := MulScalar(x, 2)
	if got := y.Data(); got[0] != 20 || got[3] != 8 {
		t.Fatalf("2·view = %v, want [20 4 6 8]", got)
	}
	if y.arena != a {
		t.Fatal("the result of a view is not in its arena")
	}
	first := &y.Data()[0]
	a.Reset()
	z := MulScalar(x, 3) // same length as y: takes y's recycled buffer, not data's
	if &z.Data()[0] != first {
		t.Error("Reset did not recycle the result's buffer")
	}
	if data[0] != 10 || z.Data()[0] != 30 {
		t.Errorf("after Reset the view reads %v, its result %v", data, z.Data())
	}
	defer func() {
		if recover() == nil {
			t.Error("a view whose shape does not match its data did not panic")
		}
	}()
	a.View(data, 3)
}
