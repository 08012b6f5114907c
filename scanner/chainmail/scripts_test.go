package chainmail

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mailward/mailward/scanner/textnorm"
)

func TestScriptWords(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// Gurmukhi: vowel signs stay in the word (textnorm splits "ਮਾੜੀ"
		// at the spacing ones); bindi, tippi, addak and nukta go.
		{"ਮਾੜੀ ਕਿਸਮਤ, ਨਹੀਂ ਅੱਗੇ ਭੇਜੋ!", "ਮਾੜੀ ਕਿਸਮਤ ਨਹੀ ਅਗੇ ਭੇਜੋ"},
		{"ਜ਼ਰੂਰੀ", "ਜਰੂਰੀ"},
		// Bengali: digits read as ASCII, vowel signs and virama kept.
		{"১০ জনকে পাঠান। দুর্ভাগ্য", "10 জনকে পাঠান দুর্ভাগ্য"},
		// Urdu and Arabic: digits of both sets, hamza forms and variant
		// letters folded (Urdu ی and Arabic ى are ي, ہ is ه), harakat,
		// tatweel and ZWNJ dropped.
		{"۱۰ لوگوں کو بھیجیں، ٹھیک ہے", "10 لوگوں کو بھيجيں ٹھيک هے"},
		{"أرسلها إلى ١٣ شخصاً خلال ٢٤ ساعة", "ارسلها الي 13 شخصا خلال 24 ساعه"},
		{"كـــل", "کل"},
		// Latin text: lowercased, accents gone, URLs and addresses skipped.
		{"Prześlij DALEJ https://x.example/a a@b.example ok", "przeslij dalej ok"},
		// Unspaced scripts: one character (with its marks) a word.
		{"请转发给所有朋友", "请 转 发 给 所 有 朋 友"},
		{"ส่งต่อ", "ส่ ง ต่ อ"},
		{"", ""},
	} {
		if got := string(scriptWords(nil, c.in)); got != c.want {
			t.Errorf("scriptWords(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestTextnormOnScripts documents why chainmail reads these scripts
// itself: textnorm (shared, not to be changed for chainmail) drops their
// digits and splits or strips their vowel signs. When textnorm learns them
// this test fails, and scriptWords can go.
func TestTextnormOnScripts(t *testing.T) {
	if got := textnorm.Normalize("১০ জনকে"); got == "10 জনকে" {
		t.Errorf("textnorm now reads Bengali (%q): scriptWords may be unnecessary", got)
	}
	if got := textnorm.Normalize("ਮਾੜੀ"); got == "ਮਾੜੀ" {
		t.Errorf("textnorm now reads Gurmukhi (%q): scriptWords may be unnecessary", got)
	}
}

func FuzzScriptWords(f *testing.F) {
	for _, s := range []string{"ਮਾੜੀ ਕਿਸਮਤ", "১০ জনকে", "أرسلها ١٣", "请转发", "ส่งต่อ", "a\u200cb \u0640", "Ǆ ﷺ ﻻ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := scriptWords(nil, s)
		if !utf8.Valid(out) {
			t.Fatalf("invalid UTF-8 from %q: %q", s, out)
		}
		if strings.Contains(string(out), "  ") || strings.HasPrefix(string(out), " ") || strings.HasSuffix(string(out), " ") {
			t.Fatalf("bad spacing from %q: %q", s, out)
		}
		// Reading the output again changes nothing.
		if again := scriptWords(nil, string(out)); string(again) != string(out) {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, out, again)
		}
	})
}
