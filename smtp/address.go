package smtp

import (
	"errors"
	"strings"

	"github.com/mailward/mailward/config"
)

// errAddress is any address form mailward refuses to route.
var errAddress = errors.New("address form not accepted")

// splitAddress checks a RCPT address and returns its local part and
// normalised domain. go-smtp has already removed angle brackets, discarded
// any source route (RFC 5321 3.6.1: the route is ignored, so only the final
// mailbox is routed and checked) and unquoted a quoted local part.
//
// Refused: '%' and '!' (old relay hacks: "user%other@ours"), more than one
// '@' (a quoted "@" in the local part), address literals ([192.0.2.1]),
// and anything without a domain.
func splitAddress(addr string) (local, domain string, err error) {
	if strings.ContainsAny(addr, "%!") || strings.Count(addr, "@") != 1 {
		return "", "", errAddress
	}
	at := strings.LastIndexByte(addr, '@')
	local, domain = addr[:at], addr[at+1:]
	if local == "" || domain == "" || strings.HasPrefix(domain, "[") || strings.ContainsAny(domain, "[]\\\"") {
		return "", "", errAddress
	}
	domain, err = config.NormalizeDomain(domain)
	if err != nil {
		return "", "", errAddress
	}
	return local, domain, nil
}

// domainSet matches normalised domains exactly or by an explicit "*." wildcard,
// never by suffix: eviltrust.example is not trust.example.
type domainSet struct {
	exact    map[string]bool
	wildcard []string // ".example.org" for "*.example.org"
}

func newDomainSet(domains []string) domainSet {
	s := domainSet{exact: map[string]bool{}}
	for _, d := range domains {
		if rest, ok := strings.CutPrefix(d, "*."); ok {
			if n, err := config.NormalizeDomain(rest); err == nil {
				s.wildcard = append(s.wildcard, "."+n)
			}
			continue
		}
		if n, err := config.NormalizeDomain(d); err == nil {
			s.exact[n] = true
		}
	}
	return s
}

// Has reports whether a normalised domain is one of ours.
func (s domainSet) Has(domain string) bool {
	if s.exact[domain] {
		return true
	}
	for _, w := range s.wildcard {
		if strings.HasSuffix(domain, w) && len(domain) > len(w) {
			return true
		}
	}
	return false
}

// errControl is an address with a control character (a bare CR could
// start a new header line in our Received: or a maildir's X-Original-To).
var errControl = errors.New("control character in address")

// canonicalAddress is the RFC 5321 form of an address as go-smtp hands it
// over (angle brackets gone, a quoted local part unquoted): the local part
// as a dot-string when it is one ("john.doe"@x becomes john.doe@x, as RFC
// 5321 4.1.2 asks), otherwise as a quoted-string with '"' and '\' escaped
// ("john doe"@x stays quoted). This is what is relayed, logged and written
// into our headers, so the next hop gets the mailbox the client meant and
// not an unquoted local part it would read differently. Control
// characters are refused: RFC 5321 allows none, even quoted.
func canonicalAddress(addr string) (string, error) {
	for i := 0; i < len(addr); i++ {
		if c := addr[i]; c < 0x20 || c == 0x7f {
			return "", errControl
		}
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return quoteLocal(addr), nil // "postmaster"
	}
	return quoteLocal(addr[:at]) + addr[at:], nil
}

// quoteLocal quotes a local part unless it is a dot-string.
func quoteLocal(local string) string {
	if isDotString(local) {
		return local
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(local); i++ {
		if c := local[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(local[i])
	}
	b.WriteByte('"')
	return b.String()
}

// isDotString reports whether s is Atom *("." Atom) (RFC 5321 4.1.2), with
// UTF-8 allowed in atoms as SMTPUTF8 (RFC 6531) does.
func isDotString(s string) bool {
	if s == "" {
		return false
	}
	for _, atom := range strings.Split(s, ".") {
		if atom == "" {
			return false
		}
		for i := 0; i < len(atom); i++ {
			c := atom[i]
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c >= 0x80:
			case strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0:
			default:
				return false
			}
		}
	}
	return true
}
