package impersonation

import "testing"

func TestLookalike(t *testing.T) {
	trust := newProtected("oakfield-trust.org.uk", true)
	school := newProtected("oakfield.kent.sch.uk", true)
	supplier := newProtected("edusupplies.co.uk", false)
	for _, c := range []struct {
		domain string
		p      protectedDomain
		want   string // "" for no lookalike
	}{
		{"oakfield-trust.org.uk", trust, ""},
		{"mail.oakfield-trust.org.uk", trust, ""},
		{"oakfie1d-trust.org.uk", trust, "confusable characters"},
		{"oakfleld-trust.org.uk", trust, "confusable characters"}, // l for i
		{"oakfield-trust.co.uk", trust, "same name under another ending"},
		{"oakfeld-trust.org.uk", trust, "one character changed"},
		{"oakfiedl-trust.org.uk", trust, "one character changed"}, // swapped
		{"oakfeild-trustt.org.uk", trust, "two characters changed"},
		{"oakfield-trust-schools.org.uk", trust, "the name with words added"},
		{"oakfieldtrust-mail.com", trust, "the name with words added"},
		{"academy-oakfield-trust.com", trust, "the name with words added"},
		{"oakfield-trust.org.uk.invoices.example", trust, "the domain inside another domain"},
		{"xn--akfield-trust-h7k.org.uk", trust, "confusable characters in a punycode name"}, // Cyrillic о
		{"xn--oakfild-trust-03k.org.uk", trust, "confusable characters in a punycode name"}, // Cyrillic е
		{"oakhill-trust.org.uk", trust, ""},
		{"gmail.com", trust, ""},
		{"oakfield.kent.sch.uk", school, ""},
		{"oakfie1d.kent.sch.uk", school, "confusable characters"},
		{"oakfield.surrey.sch.uk", school, "same name under another ending"},
		{"edusupplles.co.uk", supplier, "confusable characters"},
		{"edusuplies.co.uk", supplier, "one character changed"},
		{"edusupplies.com", supplier, "same name under another ending"},
		{"edu.co.uk", supplier, ""},
		{"bbc.co.uk", supplier, ""},
	} {
		l, ok := lookalikeOf(newCandidate(c.domain), c.p)
		if got := l.how; !ok && got != "" || ok != (c.want != "") || got != c.want {
			t.Errorf("%s vs %s: got %q (ok %v), want %q", c.domain, c.p.domain, got, ok, c.want)
		}
		if ok && !c.p.trust && l.score >= 0.8 {
			t.Errorf("%s: a correspondent's lookalike scores %.2f, want under the holding 0.8", c.domain, l.score)
		}
	}
}

func TestSkeleton(t *testing.T) {
	for in, want := range map[string]string{
		"modern":  "modem", // rn reads as m
		"аpple":   "apple", // Cyrillic а
		"g00gle":  "google",
		"paypa1":  "paypal",
		"café":    "cafe",
		"vvidget": "widget",
		"cloud":   "doud", // cl reads as d
	} {
		if got := skeleton(in); got != skeleton(want) {
			t.Errorf("skeleton(%q) = %q, want %q", in, got, skeleton(want))
		}
	}
	if skeleton("oakfield") == skeleton("oakhill") {
		t.Error("different names share a skeleton")
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"oakfield", "oakfield", 0}, {"oakfield", "oakfeld", 1}, {"oakfield", "oakfiedl", 1},
		{"oakfield", "oakfeild", 1}, {"oakfield", "okafeild", 2}, {"oak", "oakfield", 3},
	} {
		if got := editDistance([]rune(c.a), []rune(c.b)); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
