package offensive

import "testing"

func TestOneEdit(t *testing.T) {
	for _, c := range []struct {
		b, w string
		want bool
	}{
		{"dsigusting", "disgusting", true}, {"disgustng", "disgusting", true}, {"disgustiing", "disgusting", true},
		{"disgustinf", "disgusting", true}, {"disgusting", "disgusting", false}, {"dgsiusting", "disgusting", false},
		{"parasite", "parasites", true}, {"vermin", "vermin", false}, {"virgin", "vermin", false},
	} {
		if got := oneEdit([]byte(c.b), c.w); got != c.want {
			t.Errorf("oneEdit(%q, %q) = %v", c.b, c.w, got)
		}
	}
}
