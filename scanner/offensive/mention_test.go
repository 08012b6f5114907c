package offensive

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
)

func TestQuotations(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`he called her a 'stupid bitch' in class`, []string{"stupid bitch"}},
		{`"Kill them all" was shouted, and then “go home”.`, []string{"Kill them all", "go home"}},
		{`you’re right: ‘you’re a dumb whore’ is what he said`, []string{"you’re a dumb whore"}},
		{`the pupils' books and the teachers' room`, nil},
		{`don't, can't, it's fine`, nil},
		{`an unclosed 'quote goes on`, nil},
		{`(“in brackets”)`, []string{"in brackets"}},
	} {
		if got := quotations(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("quotations(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// BenchmarkHostileQuotes: a text of nothing but quotations whose words the
// text's own reading does not have (the tokenizer skips URLs) costs linear
// time, not quadratic.
func BenchmarkHostileQuotes(b *testing.B) {
	s := newScanner(b, config.Offensive{})
	text := strings.Repeat("they said 'http://x.example/a' ", 30000)
	m := msg(text)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := s.Scan(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzScan runs the whole detector (quotations, patterns, model windows)
// over arbitrary text: no panic, and a score in (0, 1].
func FuzzScan(f *testing.F) {
	for _, s := range []string{`he said 'you stupid bitch' and I reported it`, `"Kill them all" was shouted`,
		`‘you’re a dumb whore’ — reported`, `'a' 'b' 'c`, `the pupils' books`, "«x» „y“ ‘z’", `'`, `"" ''`} {
		f.Add(s)
	}
	s := newScanner(f, config.Offensive{})
	f.Fuzz(func(t *testing.T, text string) {
		fs, err := s.Scan(context.Background(), msg(text))
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range fs {
			if x.Score <= 0 || x.Score > 1 {
				t.Fatalf("score %v for %q", x.Score, text)
			}
		}
	})
}
