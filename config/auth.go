package config

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// DNS names the resolver that mail authentication (SPF, DKIM, DMARC, ARC)
// asks, so a site can point it at its own validating resolver and tests at
// a server on loopback.
//
//	dns:
//	  resolver: 127.0.0.1:53   # host:port; empty: the system resolver
//	  timeout: 5s              # per query; default 5s
type DNS struct {
	Resolver string   `yaml:"resolver"`
	Timeout  Duration `yaml:"timeout"`
}

// Authentication configures the inbound authentication check (issue 16,
// scanner "authentication"): SPF, DKIM, DMARC and ARC of mail from
// outside, reported in an Authentication-Results header on relayed
// inbound mail and as impersonation findings the rules act on.
//
//	authentication:
//	  enabled: true                # default true
//	  authserv_id: mx.trust.example  # default: hostname
//	  budget: 20s                  # all lookups of one message; default 20s
//	  arc_trusted_sealers: [lists.example.org]   # ARC sealers whose upstream results are believed
type Authentication struct {
	// Enabled turns the check on. Default true.
	Enabled *bool `yaml:"enabled"`
	// AuthservID names this gateway in Authentication-Results; incoming
	// fields claiming it are renamed. Default: hostname.
	AuthservID string `yaml:"authserv_id"`
	// Budget bounds all DNS work for one message; what is left undone is
	// temperror. Default 20s.
	Budget Duration `yaml:"budget"`
	// ARCTrustedSealers are domains (d= of ARC-Seal) of intermediaries
	// (mailing lists, forwarding services) whose recorded DMARC pass is
	// believed once their ARC chain verifies, so mail they altered is not
	// taken for a spoof.
	ARCTrustedSealers []string `yaml:"arc_trusted_sealers"`
	// FlagUnpublished also makes a finding (tier
	// trust_domain_unauthenticated, tagged by default) of mail from
	// outside that claims a trust domain publishing no DMARC record and
	// passes neither SPF nor DKIM for it. Off by default: without a
	// record the trust has not said which services may send as it, so a
	// newsletter service would be flagged; publishing a DMARC record is
	// the better fix, and then a failure is held.
	FlagUnpublished bool `yaml:"flag_unpublished_trust_domains"`
}

// AuthTiers are the tiers the authentication check puts on its findings,
// for rules to match with tier: (they have no order, unlike Severities).
var AuthTiers = []string{
	"trust_domain_dmarc_fail",      // From is one of domains, from outside, DMARC fails
	"trust_domain_unauthenticated", // as above, but the domain publishes no DMARC record
	"trust_domain_auth_temperror",  // as above, but DNS failed: cannot tell yet
	"dmarc_reject",                 // DMARC fails and the domain asks for reject
	"dmarc_quarantine",             // DMARC fails and the domain asks for quarantine
	"from_forged",                  // several From fields
}

// IsEnabled reports whether the check runs (default true).
func (x *Authentication) IsEnabled() bool { return x.Enabled == nil || *x.Enabled }

func (x *DNS) applyDefaults() {
	if x.Timeout == 0 {
		x.Timeout = Duration(5 * time.Second)
	}
}

func (x *Authentication) applyDefaults(hostname string) {
	if x.AuthservID == "" {
		x.AuthservID = hostname
	}
	if x.Budget == 0 {
		x.Budget = Duration(20 * time.Second)
	}
}

func (x *DNS) validate(v *validator) {
	if x.Resolver != "" {
		host, _, err := splitHostPort(x.Resolver)
		if err != nil {
			v.errorf("dns.resolver", "want host:port, %v", err)
		} else if _, err := netip.ParseAddr(host); err != nil {
			v.errorf("dns.resolver", "want an IP address and port (a resolver cannot be found by name), got %q", x.Resolver)
		}
	}
	if x.Timeout.D() < 100*time.Millisecond || x.Timeout.D() > time.Minute {
		v.errorf("dns.timeout", "must be between 100ms and 1m, got %s", x.Timeout.D())
	}
}

func (x *Authentication) validate(v *validator) {
	if strings.ContainsAny(x.AuthservID, " \t\r\n;()\"") {
		v.errorf("authentication.authserv_id", "must be a plain host name, got %q", x.AuthservID)
	}
	if x.Budget.D() < time.Second || x.Budget.D() > 5*time.Minute {
		v.errorf("authentication.budget", "must be between 1s and 5m, got %s", x.Budget.D())
	}
	for i, d := range x.ARCTrustedSealers {
		if _, err := NormalizeDomain(d); err != nil || strings.ContainsAny(d, "@*") {
			v.errorf(fmt.Sprintf("authentication.arc_trusted_sealers.%d", i), "want a domain, got %q", d)
		}
	}
}
