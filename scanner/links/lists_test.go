package links

import (
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/idna"
)

// match parses u and returns the categories the lists give it.
func match(l *Lists, u string) []string {
	t, ok := Parse(u)
	if !ok {
		return nil
	}
	return l.Match(t)
}

// puny is the IDNA ASCII form of a Unicode host.
func puny(h string) string {
	a, err := idna.Lookup.ToASCII(h)
	if err != nil || !strings.HasPrefix(a, "xn--") {
		panic("bad IDN " + h)
	}
	return a
}

func TestLoadDomains(t *testing.T) {
	l := NewLists()
	added, bad, err := l.LoadFile("testdata/plain.txt", "domains", "gambling")
	if err != nil {
		t.Fatal(err)
	}
	if added != 6 || bad != 1 {
		t.Errorf("added %d, bad %d; want 6 and 1", added, bad)
	}
	for _, c := range []struct {
		url  string
		want []string
	}{
		{"http://example-casino.test/", []string{"gambling"}},
		{"http://www.example-casino.test/x", []string{"gambling"}},           // subdomains match
		{"http://deep.sub.wild-bets.test/", []string{"gambling"}},            // "*.domain" entry
		{"http://dot-bets.test/", []string{"gambling"}},                      // ".domain" entry
		{"http://adblock-bets.test/", []string{"gambling"}},                  // "||domain^" entry
		{"http://url-entry-bets.test/", []string{"gambling"}},                // a URL entry lists its host
		{"http://" + puny("bücher-wetten.test") + "/", []string{"gambling"}}, // IDN entry, punycode link
		{"http://bücher-wetten.test/", []string{"gambling"}},                 // IDN entry, Unicode link
		{"http://notexample-casino.test/", nil},                              // no suffix match without a dot
		{"http://example-casino.test.evil.example/", nil},
		{"http://test/", nil},
	} {
		if got := match(l, c.url); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.url, got, c.want)
		}
	}
}

func TestLoadHosts(t *testing.T) {
	l := NewLists()
	added, bad, err := l.LoadFile("testdata/hosts.txt", "adult", "adult")
	if err == nil {
		t.Fatal("unknown format accepted")
	}
	added, bad, err = l.LoadFile("testdata/hosts.txt", "hosts", "adult")
	if err != nil {
		t.Fatal(err)
	}
	if added != 4 || bad != 1 {
		t.Errorf("added %d, bad %d; want 4 and 1", added, bad)
	}
	for u, want := range map[string]bool{
		"http://ads.tracker.test/": true, "http://tracker2.test/": true, "http://porn-host.test/": true,
		"http://intranet-proxy.test/": true, "http://localhost/": false, "http://0.0.0.0/": false,
	} {
		if got := len(match(l, u)) > 0; got != want {
			t.Errorf("%s listed %v, want %v", u, got, want)
		}
	}
}

func TestLoadUT1(t *testing.T) {
	l := NewLists()
	if _, _, err := l.LoadUT1("testdata/ut1", nil); err != nil {
		t.Fatal(err)
	}
	if got := l.Categories(); !slices.Equal(got, []string{"adult", "gambling", "redirector"}) {
		t.Errorf("categories %v", got)
	}
	for _, c := range []struct {
		url  string
		want []string
	}{
		{"https://adult-site.test/", []string{"adult"}},
		{"https://www.xxx-tube.test/v/1", []string{"adult"}},
		{"https://lucky-spins.test/", []string{"gambling"}},
		{"https://unblock-anything.test/", []string{"redirector"}},
		// urls entries: a path prefix on that host, not the whole host.
		{"https://free-host.test/~adultuser/gallery", []string{"adult"}},
		{"https://www.free-host.test/~adultuser", []string{"adult"}},
		{"https://free-host.test/~adultuser2", nil},
		{"https://free-host.test/~someoneelse/", nil},
		{"https://blog.test/naughty/post", []string{"adult"}},
		{"https://blog.test/nice/post", nil},
	} {
		if got := match(l, c.url); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.url, got, c.want)
		}
	}
	// Limited to some categories; one that is absent is an error.
	l2 := NewLists()
	if _, _, err := l2.LoadUT1("testdata/ut1", []string{"gambling"}); err != nil {
		t.Fatal(err)
	}
	if len(match(l2, "https://adult-site.test/")) != 0 || len(match(l2, "https://lucky-spins.test/")) != 1 {
		t.Error("categories not limited")
	}
	if _, _, err := NewLists().LoadUT1("testdata/ut1", []string{"empty"}); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty category: %v", err)
	}
	if _, _, err := NewLists().LoadUT1("testdata/absent", nil); err == nil {
		t.Error("absent folder accepted")
	}
}

// TestOneDomainManyCategories: a domain in two lists has both categories.
func TestOneDomainManyCategories(t *testing.T) {
	l := NewLists()
	l.LoadDomains(strings.NewReader("both.example\n"), "adult")
	l.LoadDomains(strings.NewReader("both.example\nother.example\n"), "dating")
	if got := match(l, "http://both.example/"); !slices.Equal(got, []string{"adult", "dating"}) {
		t.Errorf("both: %v", got)
	}
	if got := match(l, "http://other.example/"); !slices.Equal(got, []string{"dating"}) {
		t.Errorf("other: %v", got)
	}
}

// TestBuiltinLists: the shipped lists load without a bad line, and each
// file has the category its README names.
func TestBuiltinLists(t *testing.T) {
	l := NewLists()
	if err := LoadBuiltin(l); err != nil {
		t.Fatal(err)
	}
	want := []string{"adult", "dating", "gambling", "proxy", "shortener", "vpn"}
	if got := l.Categories(); !slices.Equal(got, want) {
		t.Errorf("categories %v, want %v", got, want)
	}
	readme, err := os.ReadFile("data/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range want {
		if !strings.Contains(string(readme), "`"+c+".txt`") {
			t.Errorf("data/README.md does not describe %s.txt", c)
		}
	}
	for u, c := range map[string]string{"https://www.bet365.com/": "gambling", "https://uk.match.com/": "dating",
		"https://www.pornhub.com/": "adult", "https://www.kproxy.com/": "proxy", "https://nordvpn.com/": "vpn", "https://bit.ly/x": "shortener"} {
		if got := match(l, u); !slices.Equal(got, []string{c}) {
			t.Errorf("%s: %v, want %s", u, got, c)
		}
	}
}
