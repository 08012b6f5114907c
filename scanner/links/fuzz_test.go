package links

import (
	"strings"
	"testing"
	"unicode"
)

// FuzzURLs feeds arbitrary text to the URL extractor, the wrapper
// remover and the parser: none may panic, every URL found is a piece of
// the text, and a parsed host is lowercase without spaces.
func FuzzURLs(f *testing.F) {
	for _, s := range []string{
		"See https://www.bet365.com/promo. Then reply.",
		"try bit.ly/3xYz and www.kproxy.com, ok?",
		"http://school.org.uk@evil.example/ http://0xCB.0x00.0x71.0x07/ http://[2001:db8::1]:80/",
		"https://eur02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.pornhub.com%2Fx&data=1",
		"https://urldefense.com/v3/__https://www.hide*me.example/__;LQ!!x$",
		"https://urldefense.proofpoint.com/v2/url?u=https-3A__www.bet365.com_promo&d=D",
		"пример.рф bücher.de xn--bcher-kva.example",
		"mail head@bet365.com (http://example.org/a_(b))",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, u := range FindURLs(text) {
			if !strings.Contains(text, u) {
				t.Fatalf("FindURLs gave %q, not in the text", u)
			}
			if tg, ok := Parse(Unwrap(u)); ok {
				if strings.IndexFunc(tg.Host, unicode.IsSpace) >= 0 || (!tg.IP.IsValid() && strings.ToLower(tg.Host) != tg.Host) {
					t.Fatalf("Parse(%q) host %q", u, tg.Host)
				}
			}
		}
		Parse(text)
		Unwrap(text)
	})
}

// FuzzDocLinks feeds arbitrary bytes as an Office file:
// reading their hyperlinks must not panic.
func FuzzDocLinks(f *testing.F) {
	f.Add([]byte("%PDF-1.4\n<< /A << /S /URI /URI (https://www.pornhub.com/\\(x\\)) >> >>\n/URI <6874747073>\n"))
	f.Add([]byte("PK\x03\x04 not really a zip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		officeLinks(data)
	})
}
