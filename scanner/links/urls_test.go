package links

import (
	"slices"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in       string
		host     string
		ip       bool
		userinfo bool
		ok       bool
	}{
		{"https://www.bet365.com/en/", "www.bet365.com", false, false, true},
		{"HTTP://WWW.Bet365.COM./x?y=1", "www.bet365.com", false, false, true},
		{"http://bet365.com:8080/", "bet365.com", false, false, true},
		{"www.pornhub.com/view", "www.pornhub.com", false, false, true},
		{"//cdn.example.org/a.js", "cdn.example.org", false, false, true},
		// IDN: the Unicode and the punycode spelling reduce to one host.
		{"http://bücher.example/", "xn--bcher-kva.example", false, false, true},
		{"http://xn--bcher-kva.example/", "xn--bcher-kva.example", false, false, true},
		// The user part is what the reader sees; the host is what the browser visits.
		{"http://school.org.uk@evil.example/login", "evil.example", false, true, true},
		{"http://www.oakfield.sch.uk:password@evil.example/", "evil.example", false, true, true},
		{"https://user@example.org/", "example.org", false, false, true},
		// A backslash is a slash to a browser: the host ends there.
		{`http://evil.example\@good.example/`, "evil.example", false, false, true},
		// IP literals in every form a browser accepts.
		{"http://203.0.113.7/index.html", "203.0.113.7", true, false, true},
		{"http://3405803783/", "203.0.113.7", true, false, true},
		{"http://0xCB.0x00.0x71.0x07/", "203.0.113.7", true, false, true},
		{"http://0313.0.0161.07/", "203.0.113.7", true, false, true},
		{"http://[2001:db8::1]:8080/", "2001:db8::1", true, false, true},
		{"http://%62et365.com/", "bet365.com", false, false, true},
		// Links that go nowhere on the web.
		{"mailto:head@oakfield.sch.uk", "", false, false, false},
		{"tel:+441234567890", "", false, false, false},
		{"javascript:alert(1)", "", false, false, false},
		{"#top", "", false, false, false},
		{"images/logo.png", "", false, false, false},
		{"http:///nohost", "", false, false, false},
	} {
		got, ok := Parse(c.in)
		if ok != c.ok || got.Host != c.host || got.IP.IsValid() != c.ip || got.UserinfoHost != c.userinfo {
			t.Errorf("Parse(%q) = %+v, %v; want host %q ip %v userinfo %v ok %v", c.in, got, ok, c.host, c.ip, c.userinfo, c.ok)
		}
	}
}

func TestFindURLs(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		{"See https://www.bet365.com/promo. Then reply.", []string{"https://www.bet365.com/promo"}},
		{"(link: http://example.org/a_(b))", []string{"http://example.org/a_(b)"}},
		{"try bit.ly/3xYz and www.kproxy.com, ok?", []string{"www.kproxy.com", "bit.ly/3xYz"}},
		{"visit pokerstars.uk!", []string{"pokerstars.uk"}},
		{"Unicode: пример.рф and bücher.de", []string{"пример.рф", "bücher.de"}},
		// Addresses, file names, versions and dotted words are not links.
		{"mail head@bet365.com or j.smith@oakfield.sch.uk", nil},
		{"open report.pdf, index.html and setup.exe; v1.2.3 of perl5.8", nil},
		{"e.g. i.e. etc. Mr.Smith", nil},
		{"no dots here at all", nil},
		{`"http://a.example/x" <http://b.example/y>`, []string{"http://a.example/x", "http://b.example/y"}},
	} {
		got := FindURLs(c.text)
		if !slices.Equal(got, c.want) {
			t.Errorf("FindURLs(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestUnwrap(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://eur02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.pornhub.com%2Fx&data=05%7C01&reserved=0",
			"https://www.pornhub.com/x"},
		{"https://urldefense.proofpoint.com/v2/url?u=https-3A__www.bet365.com_promo&d=DwMFaQ&c=x&r=y",
			"https://www.bet365.com/promo"},
		{"https://urldefense.proofpoint.com/v1/url?u=http%3A%2F%2Fkproxy.com%2F&k=abc",
			"http://kproxy.com/"},
		{"https://urldefense.com/v3/__https://www.kproxy.com/path__;!!ABC!def$",
			"https://www.kproxy.com/path"},
		// '*' stands for a character listed base64url-encoded after "__;" ("-" here).
		{"https://urldefense.com/v3/__https://www.hide*me.example/__;LQ!!x$", "https://www.hide-me.example/"},
		{"https://www.google.com/url?q=https://tinyurl.com/abc&sa=D", "https://tinyurl.com/abc"},
		// Nested: Safe Links around URL Defense.
		{"https://nam.safelinks.protection.outlook.com/?url=https%3A%2F%2Furldefense.proofpoint.com%2Fv2%2Furl%3Fu%3Dhttps-3A__bet365.com_%26d%3Dx",
			"https://bet365.com/"},
		// Not wrappers.
		{"https://www.oakfield.sch.uk/?url=https://bet365.com/", "https://www.oakfield.sch.uk/?url=https://bet365.com/"},
		{"mailto:x@example.org", "mailto:x@example.org"},
	} {
		if got := Unwrap(c.in); got != c.want {
			t.Errorf("Unwrap(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
