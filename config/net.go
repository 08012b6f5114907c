package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// NormalizeDomain lowercases a domain, converts it to its IDNA ASCII form and
// drops a trailing dot, so that domains are compared exactly, never by suffix.
func NormalizeDomain(d string) (string, error) {
	d = strings.TrimSuffix(strings.TrimSpace(d), ".")
	if d == "" {
		return "", fmt.Errorf("empty domain")
	}
	a, err := idna.Lookup.ToASCII(strings.ToLower(d))
	if err != nil {
		return "", fmt.Errorf("domain %q: %w", d, err)
	}
	return strings.ToLower(a), nil
}

// isPrivate reports whether a whole range is loopback, RFC 1918, ULA or
// link-local: ranges that cannot be shared with strangers on the Internet.
func isPrivate(p netip.Prefix) bool {
	a := p.Masked().Addr()
	if !(a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast()) {
		return false
	}
	// The last address of the range must be private too (10.0.0.0/7 is not).
	last := lastAddr(p)
	return last.IsLoopback() || last.IsPrivate() || last.IsLinkLocalUnicast()
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	bits := p.Bits()
	for i := range b {
		for j := 0; j < 8; j++ {
			if i*8+j >= bits {
				b[i] |= 0x80 >> j
			}
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func splitHostPort(hp string) (string, int, error) {
	h, p, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, fmt.Errorf("bad address %q: %v", hp, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return "", 0, fmt.Errorf("bad port in %q", hp)
	}
	return h, n, nil
}

// Hop is a parsed next-hop address.
type Hop struct {
	// Kind is "smtp" or "maildir".
	Kind string
	// Addr is host:port for smtp.
	Addr string
	// Dir is the folder for maildir.
	Dir string
}

// ParseHop parses smtp://host:port or maildir:DIR.
func ParseHop(s string) (Hop, error) {
	if dir, ok := strings.CutPrefix(s, "maildir:"); ok {
		if dir == "" {
			return Hop{}, fmt.Errorf("maildir: needs a folder")
		}
		return Hop{Kind: "maildir", Dir: dir}, nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "smtp" || u.Host == "" || u.Path != "" || u.User != nil {
		return Hop{}, fmt.Errorf("bad next hop %q: want smtp://host:port or maildir:DIR", s)
	}
	if _, _, err := splitHostPort(u.Host); err != nil {
		return Hop{}, fmt.Errorf("bad next hop %q: %v", s, err)
	}
	return Hop{Kind: "smtp", Addr: u.Host}, nil
}
