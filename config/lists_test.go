package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestListsSection: defaults under quarantine.dir, and the keys of the
// lists and the digest links validated by name.
func TestListsSection(t *testing.T) {
	c, err := Parse([]byte("domains: [a.example]\nquarantine: {dir: /var/q}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Lists.Path != filepath.Join("/var/q", "lists", "lists.db") || c.Lists.Refresh.D() != 2*time.Second {
		t.Errorf("defaults %+v", c.Lists)
	}
	if c.Review.Notices.DigestLinkTTL.D() != 168*time.Hour || c.Tracker.TimeZone != "Europe/London" {
		t.Errorf("digest link ttl %v, time zone %q", c.Review.Notices.DigestLinkTTL.D(), c.Tracker.TimeZone)
	}
	for _, bad := range []struct{ yaml, key string }{
		{"lists: {refresh: 1ms}", "lists.refresh"},
		{"lists: {refrsh: 1s}", "lists.refrsh"},
		{"review: {notices: {digest_link_ttl: 1m}}", "review.notices.digest_link_ttl"},
		{"review: {notices: {digest_key: tooshort}}", "review.notices.digest_key"},
		{"tracker: {time_zone: Nowhere/Land}", "tracker.time_zone"},
	} {
		_, err := Parse([]byte("domains: [a.example]\n" + bad.yaml + "\n"))
		if err == nil || !strings.Contains(err.Error(), bad.key) {
			t.Errorf("%s: %v, want an error naming %s", bad.yaml, err, bad.key)
		}
	}
}
