package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLinksCredentialsDefaults: the documented defaults of both sections.
func TestLinksCredentialsDefaults(t *testing.T) {
	c, err := Parse([]byte("domains: [trust.example]\n"))
	if err != nil {
		t.Fatal(err)
	}
	l := c.Links
	if !l.IsEnabled() || !l.UseBuiltin() || !l.ReadQR() || l.MaxImageBytes != 4<<20 || l.MaxImagePixels != 16_000_000 ||
		l.MaxImages != 10 || len(l.LowSeverity) != 1 || l.LowSeverity[0] != "shortener" {
		t.Errorf("links defaults %+v", l)
	}
	cr := c.Credentials
	if !cr.IsEnabled() || cr.MinScore != 0.5 || strings.Join(cr.Directions, ",") != "outbound,internal" {
		t.Errorf("credentials defaults %+v", cr)
	}
	for _, name := range []string{"links-staff-blocked", "links-staff", "links-inbound", "links-shortener", "credentials-outbound", "credentials-internal"} {
		found := false
		for _, r := range c.Rules {
			found = found || r.Name == name
		}
		if !found {
			t.Errorf("default rule %s missing", name)
		}
	}
}

func TestLinksParse(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "bets.txt")
	os.WriteFile(plain, []byte("bets.example\n"), 0o600)
	ut1 := filepath.Join(dir, "ut1")
	os.MkdirAll(filepath.Join(ut1, "astrology"), 0o700)
	os.WriteFile(filepath.Join(ut1, "astrology", "domains"), []byte("stars.example\n"), 0o600)
	c, err := Parse([]byte(fmt.Sprintf(`
links:
  enabled: false
  builtin_lists: false
  qr_codes: false
  lists:
    - {path: %q, format: domains, category: betting}
    - {path: %q, format: ut1}
  allow_domains: [bbc.co.uk]
  low_severity: [shortener, betting]
credentials:
  directions: [outbound]
  min_score: 0.8
  systems: [CPOMS]
rules:
  - {name: hold-bets, category: [inappropriate_link], tier: [betting], action: quarantine}
  - {name: tag-astro, tier: [astrology], action: tag}
  - {name: tag-short, tier: [shortener, deceptive, redirector], action: tag}
`, plain, ut1)))
	if err != nil {
		t.Fatal(err)
	}
	if c.Links.IsEnabled() || c.Links.UseBuiltin() || c.Links.ReadQR() || len(c.Links.Lists) != 2 || c.Links.AllowDomains[0] != "bbc.co.uk" {
		t.Errorf("links %+v", c.Links)
	}
	if c.Credentials.MinScore != 0.8 || c.Credentials.Directions[0] != "outbound" || c.Credentials.Systems[0] != "CPOMS" {
		t.Errorf("credentials %+v", c.Credentials)
	}
}

// TestLinksErrors: errors name the key and its line.
func TestLinksErrors(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "bets.txt")
	os.WriteFile(plain, []byte("bets.example\n"), 0o600)
	for _, c := range []struct{ yaml, key string }{
		{"links:\n  lists:\n    - {path: " + plain + ", format: csv, category: x}\n", "links.lists.0.format"},
		{"links:\n  lists:\n    - {path: " + plain + ", format: domains}\n", "links.lists.0.category"},
		{"links:\n  lists:\n    - {path: " + plain + ", format: domains, category: Bad Name}\n", "links.lists.0.category"},
		{"links:\n  lists:\n    - {path: " + dir + "/absent.txt, format: hosts, category: x}\n", "links.lists.0.path"},
		{"links:\n  lists:\n    - {path: " + plain + ", format: ut1}\n", "links.lists.0.path"},
		{"links:\n  lists:\n    - {path: " + dir + ", format: ut1, category: x}\n", "links.lists.0.category"},
		{"links:\n  allow_domains: [\"bad domain!\"]\n", "links.allow_domains.0"},
		{"links:\n  max_image_bytes: 10\n", "links.max_image_bytes"},
		{"credentials:\n  directions: [sideways]\n", "credentials.directions.0"},
		{"credentials:\n  min_score: 2\n", "credentials.min_score"},
		{"rules:\n  - {name: r, tier: [casino], action: tag}\n", "rules.0.tier.0"},
	} {
		_, err := Parse([]byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.key) || !strings.Contains(err.Error(), "line ") {
			t.Errorf("%q: error %v, want one naming %s and its line", c.yaml, err, c.key)
		}
	}
}
