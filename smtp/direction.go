package smtp

import (
	"net/netip"

	"github.com/mailward/mailward/scanner"
)

// trust decides whether a client address is trusted.
type trust []netip.Prefix

func (t trust) Trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// direction follows DESIGN.md: trusted client + our domain = internal;
// trusted + other = outbound; untrusted + our domain = inbound; untrusted +
// other = no direction at all (ok false): that would be an open relay.
func direction(trusted, ours bool) (scanner.Direction, bool) {
	switch {
	case trusted && ours:
		return scanner.Internal, true
	case trusted:
		return scanner.Outbound, true
	case ours:
		return scanner.Inbound, true
	default:
		return "", false
	}
}

// DirectionFor classifies one recipient as the relay would: ok is false when
// the relay would refuse it (an untrusted client and a domain not ours, or
// an address form mailward does not route). `mailward scan` uses it.
func DirectionFor(domains []string, trusted bool, rcpt string) (scanner.Direction, bool) {
	_, d, err := splitAddress(rcpt)
	if err != nil {
		return "", false
	}
	return direction(trusted, newDomainSet(domains).Has(d))
}

// IsOurDomain reports whether an address's domain is one of domains.
func IsOurDomain(domains []string, addr string) bool {
	_, d, err := splitAddress(addr)
	return err == nil && newDomainSet(domains).Has(d)
}
