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
