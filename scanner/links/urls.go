package links

import (
	"bytes"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Target is where one link goes, reduced to what the checks need.
type Target struct {
	// Host is lowercase ASCII (punycode for IDN), without port or
	// trailing dot; for IP literals the canonical address.
	Host string
	// Path is the URL path, as written, for UT1 "urls" entries.
	Path string
	// IP is set when Host is an IP address (dotted, bracketed IPv6, or a
	// single decimal, hex or octal number such as http://3232235777/).
	IP netip.Addr
	// UserinfoHost is set when the URL carries a user part that looks
	// like a host name (http://school.org.uk@evil.example/): the reader
	// sees the first name, the browser goes to the second.
	UserinfoHost bool
	// Bare is set for a domain written without scheme or www.
	Bare bool
	// MixedScript is set when a label of the host mixes Latin letters
	// with Cyrillic, Greek or Armenian ones ("pаypal" with a Cyrillic
	// а): a homograph made to pass for another site.
	MixedScript bool
}

// maxURLLen bounds one URL; longer runs are cut there.
const maxURLLen = 4096

// FindURLs returns the link-like strings of text in order: URLs with a
// scheme or www., then bare domain names ("bet365.com", "bit.ly/x7",
// letters of any script) whose last label is a real top-level domain.
// E-mail addresses, file names and version numbers are not links. It
// reads the text once, by hand rather than by a regular expression over
// Unicode classes, which ran at 1 MB a second.
func FindURLs(text string) []string {
	var out []string
	covered := schemeURLs(text)
	for _, loc := range covered {
		out = append(out, trimURL(text[loc[0]:loc[1]]))
	}
	next := 0
	for from := 0; from < len(text); {
		i := strings.IndexByte(text[from:], '.')
		if i < 0 {
			break
		}
		dot := from + i
		// The candidate is the run of host characters and dots around
		// the dot.
		start := dot
		for start > 0 {
			r, n := utf8.DecodeLastRuneInString(text[:start])
			if !hostRune(r) && r != '.' {
				break
			}
			start -= n
		}
		end := dot
		for end < len(text) {
			r, n := utf8.DecodeRuneInString(text[end:])
			if !hostRune(r) && r != '.' {
				break
			}
			end += n
		}
		from = end
		for next < len(covered) && covered[next][1] <= start {
			next++
		}
		if next < len(covered) && covered[next][0] < end {
			continue // inside a URL with a scheme
		}
		host := strings.TrimRight(text[start:end], ".-")
		if host == "" || host[0] == '.' || host[0] == '-' || strings.Contains(host, "..") || !strings.Contains(host, ".") {
			continue
		}
		if start > 0 {
			r, _ := utf8.DecodeLastRuneInString(text[:start])
			// user@host is an address; a/b.c or a_b.c are parts of
			// something longer (a path, a file name, a parameter).
			if strings.ContainsRune("@/\\_=&?%:~$#+", r) {
				continue
			}
		}
		stop := start + len(host)
		if stop < len(text) && (text[stop] == '@' || text[stop] == '_') {
			continue // the local part of an address
		}
		if len(host) > 253 || !knownSuffix(host) {
			continue
		}
		if stop < len(text) && text[stop] == '/' {
			// A path follows: "bit.ly/3xYz".
			p := stop
			for p < len(text) && p-stop < maxURLLen {
				r, n := utf8.DecodeRuneInString(text[p:])
				if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("<>\"`{}|^[]", r) {
					break
				}
				p += n
			}
			from = max(from, p)
			out = append(out, trimURL(text[start:p]))
			continue
		}
		out = append(out, host)
	}
	return out
}

// schemeURLs finds URLs written with a scheme (http, https, ftp) or
// starting with www., as [start, end) pairs in order.
func schemeURLs(text string) [][]int {
	if !strings.Contains(text, "://") && !strings.Contains(text, ".") {
		return nil
	}
	// An ASCII-lowercased copy keeps byte offsets (strings.ToLower may not).
	lower := []byte(text)
	for i, c := range lower {
		if c >= 'A' && c <= 'Z' {
			lower[i] = c + 'a' - 'A'
		}
	}
	var starts []int
	for off := 0; ; {
		i := bytes.Index(lower[off:], []byte("://"))
		if i < 0 {
			break
		}
		i += off
		off = i + 3
		j := i
		for j > 0 && lower[j-1] >= 'a' && lower[j-1] <= 'z' {
			j--
		}
		switch string(lower[j:i]) {
		case "http", "https", "ftp":
			if j == 0 || !wordByte(lower[j-1]) {
				starts = append(starts, j)
			}
		}
	}
	for off := 0; ; {
		i := bytes.Index(lower[off:], []byte("www."))
		if i < 0 {
			break
		}
		i += off
		off = i + 4
		if i == 0 || !wordByte(lower[i-1]) && lower[i-1] != '/' && lower[i-1] != '.' && lower[i-1] != '@' {
			starts = append(starts, i)
		}
	}
	slices.Sort(starts)
	var out [][]int
	end := -1
	for _, st := range starts {
		if st < end {
			continue // inside the previous URL
		}
		end = st
		for end < len(text) && end-st < maxURLLen {
			r, n := utf8.DecodeRuneInString(text[end:])
			if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Z, r) || r == utf8.RuneError || strings.ContainsRune("<>\"`{}|^[]", r) {
				break
			}
			end += n
		}
		out = append(out, []int{st, end})
	}
	return out
}

// wordByte reports whether c is an ASCII letter, digit or underscore.
func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// hostRune reports whether r may be part of a host name label.
func hostRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r))
}

// knownSuffix reports whether host ends in a top-level domain of the
// public suffix list (ICANN section), so "index.html" and "v1.2" are not
// domains.
func knownSuffix(host string) bool {
	a, err := idna.Lookup.ToASCII(strings.ToLower(host))
	if err != nil || !strings.Contains(a, ".") {
		return false
	}
	ps, icann := publicsuffix.PublicSuffix(a)
	return icann && ps != a
}

// trimURL drops punctuation that ends a sentence rather than the URL, and
// a closing bracket with no opening one inside the URL.
func trimURL(s string) string {
	if len(s) > maxURLLen {
		s = s[:maxURLLen]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	for s != "" {
		r, n := utf8.DecodeLastRuneInString(s)
		switch {
		case strings.ContainsRune(".,;:!?'\"*>»”’", r):
			s = s[:len(s)-n]
			continue
		case r == ')' && strings.Count(s, "(") < strings.Count(s, ")"):
			s = s[:len(s)-n]
			continue
		}
		break
	}
	return s
}

// Parse reduces a link (an href, or a string FindURLs returned) to its
// target. ok is false for links that go nowhere on the web (mailto:,
// tel:, fragments, relative paths).
func Parse(raw string) (t Target, ok bool) {
	s := strings.TrimSpace(raw)
	s = strings.Map(func(r rune) rune {
		// Browsers drop tabs and newlines inside URLs and read a
		// backslash as a slash in http(s) URLs.
		switch r {
		case '\t', '\r', '\n':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, s)
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"), strings.HasPrefix(lower, "ftp://"):
	case strings.HasPrefix(lower, "//"):
		s = "http:" + s
	case strings.Contains(lower, ":") && !strings.HasPrefix(lower, "www.") && schemeLike(lower):
		return Target{}, false // mailto:, tel:, javascript:, cid: ...
	case strings.HasPrefix(lower, "www."):
		s = "http://" + s
	default:
		host := s
		if i := strings.IndexAny(host, "/?#"); i >= 0 {
			host = host[:i]
		}
		if !knownSuffix(host) {
			if _, err := netip.ParseAddr(host); err != nil {
				return Target{}, false
			}
		}
		s = "http://" + s
		t.Bare = true
	}
	// The authority ends at the first '/', '?' or '#' after the scheme.
	rest := s[strings.Index(s, "//")+2:]
	auth := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		auth = rest[:i]
	}
	if i := strings.LastIndexByte(auth, '@'); i >= 0 {
		user := auth[:i]
		if u, err := url.PathUnescape(user); err == nil {
			user = u
		}
		if j := strings.IndexByte(user, ':'); j >= 0 {
			user = user[:j]
		}
		if strings.Contains(user, ".") {
			t.UserinfoHost = true
		}
		auth = auth[i+1:]
	}
	host := auth
	if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i > 0 {
			host = host[1:i]
		}
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	if h, err := url.PathUnescape(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" || strings.IndexFunc(host, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return Target{}, false
	}
	if a, ok := parseIP(host); ok {
		t.Host, t.IP = a.String(), a
	} else {
		h, err := idna.Lookup.ToASCII(host)
		if err != nil {
			// Not a valid IDN: keep the lowercase form so that lists
			// written the same way still match.
			h = host
		}
		t.Host = strings.ToLower(h)
		t.MixedScript = mixedScript(t.Host)
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 && rest[i] == '/' {
		p := rest[i:]
		if j := strings.IndexAny(p, "?#"); j >= 0 {
			p = p[:j]
		}
		t.Path = p
	}
	return t, true
}

// schemeLike reports whether s starts with a URI scheme and a colon.
func schemeLike(s string) bool {
	i := strings.IndexByte(s, ':')
	if i <= 0 {
		return false
	}
	for j, r := range s[:i] {
		if !(r >= 'a' && r <= 'z' || j > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return false
		}
	}
	return true
}

// parseIP reads a host that is an IP address in any form a browser
// accepts: dotted quad, IPv6, or the IPv4 shorthands (one number, decimal,
// hex 0x or octal 0 parts: http://0xC0A80001/).
func parseIP(host string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap(), true
	}
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var nums []uint64
	for _, p := range parts {
		if p == "" {
			return netip.Addr{}, false
		}
		base := 10
		switch {
		case strings.HasPrefix(p, "0x"):
			base, p = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		if p == "" {
			p = "0"
		}
		n, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		nums = append(nums, n)
	}
	// The last part fills the remaining bytes (a.b.c.d, a.b.c16, a.b24, a32).
	var v uint64
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
		v |= n << (8 * (3 - i))
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, false
	}
	v |= last
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// registered returns the registrable domain of host (example.co.uk for
// www.example.co.uk), or host itself when it has none.
func registered(host string) string {
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

// confusableScripts are the scripts whose letters pass for Latin ones.
var confusableScripts = []*unicode.RangeTable{unicode.Latin, unicode.Cyrillic, unicode.Greek, unicode.Armenian}

// mixedScript reports whether any label of an IDNA ASCII host, decoded,
// has letters of two of confusableScripts. Labels mixing other scripts
// (Japanese kana with Han and Latin) are ordinary.
func mixedScript(host string) bool {
	if !strings.Contains(host, "xn--") {
		return false
	}
	u, err := idna.Lookup.ToUnicode(host)
	if err != nil {
		return false
	}
	for _, label := range strings.Split(u, ".") {
		seen := -1
		for _, r := range label {
			if !unicode.IsLetter(r) {
				continue
			}
			for i, tab := range confusableScripts {
				if unicode.Is(tab, r) {
					if seen >= 0 && seen != i {
						return true
					}
					seen = i
				}
			}
		}
	}
	return false
}
