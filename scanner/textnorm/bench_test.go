package textnorm

import (
	"strings"
	"testing"
)

// BenchmarkWords50K tokenizes an ordinary 50 KB plain-text body: the cost
// every content detector pays for a typical large message.
func BenchmarkWords50K(b *testing.B) {
	line := "The quick brown fox jumps over the lazy dog.\r\n"
	text := strings.Repeat(line, (50<<10)/len(line))
	var z Tokenizer
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		z.Words(text)
	}
}

// FuzzSameAsReference: the tokenizer with its fast paths gives the words,
// bytes and flags of the one before them (legacy_test.go) for any text.
func FuzzSameAsReference(f *testing.F) {
	for _, s := range []string{
		"f.u.c.k you", "sh1t @ss f**k", "ѕһіт\u200b", "a b c d e f", "> > x\n-----Original Message-----\nFrom: a\nSent: b\nSubject: c",
		"dick@example.com http://x", "&amp;&#x1F600;", "fuuuuuck", "\xff\xfe", "a\u0336", "1 2 3", "x y", "@", "'a'b'",
		"www.example.com and WWW.x", "Aaa baaab AAAh x  y   z", "ſubject: x\n Cc: y\n*Reply-To: z\r\nDATE: now",
		"http ://x a://b  f  u  c  k", "don't who're she'll I'M", "é ü ł Ωmega ｆｕｌｌ", "\tTo:\t a\n\n\n", "The quick brown fox jumps over the lazy dog.\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var z Tokenizer
		var r refTokenizer
		got, want := z.Words(s), r.Words(s)
		if len(got) != len(want) {
			t.Fatalf("%d words, reference %d, for %q", len(got), len(want), s)
		}
		for i := range got {
			if got[i] != want[i] || z.String(got[i]) != r.String(want[i]) {
				t.Fatalf("word %d %+v %q, reference %+v %q, for %q", i, got[i], z.String(got[i]), want[i], r.String(want[i]), s)
			}
		}
	})
}
