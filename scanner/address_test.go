package scanner

import (
	"net/textproto"
	"testing"
)

func TestAddresses(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		want        []string // name|address
	}{
		{"plain", `"Jane Smith" <Jane.Smith@Trust.example>`, []string{"Jane Smith|jane.smith@trust.example"}},
		{"list", `a@x.example, "B" <b@y.example>`, []string{"|a@x.example", "B|b@y.example"}},
		{"utf-8 word", `=?utf-8?q?Ren=C3=A9e_Dupont?= <r@x.example>`, []string{"Renée Dupont|r@x.example"}},
		{"windows-1252 word", `=?windows-1252?q?Ren=E9e_=93Head=94?= <r@x.example>`, []string{"Renée “Head”|r@x.example"}},
		{"koi8-r word", `=?koi8-r?b?8NLJ18XU?= <p@x.example>`, []string{"Привет|p@x.example"}},
		{"unparsable", `Head Teacher <head@x.example> (`, nil},
		{"nothing", `undisclosed-recipients:;`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := textproto.MIMEHeader{"From": {tc.value}}
			var got []string
			for _, a := range Addresses(h, "From") {
				got = append(got, a.Name+"|"+a.Address)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("got %q, want %q", got[i], tc.want[i])
				}
			}
		})
	}
}
