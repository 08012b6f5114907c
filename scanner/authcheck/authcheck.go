// Package authcheck is the "authentication" scanner: it evaluates SPF,
// DKIM, DMARC and ARC (package mailauth) for mail from outside, keeps the
// result on the message for the Authentication-Results header, and turns
// failures that matter into impersonation findings for the rules.
//
// Only inbound mail is evaluated: outbound and internal mail comes from
// the trust's own servers, which mailward trusts by address or certificate.
package authcheck

import (
	"context"
	"strings"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/mailauth"
	"github.com/mailward/mailward/scanner"
)

// Name is the scanner's name in findings, logs and metrics.
const Name = "authentication"

// Tiers of the findings (config.AuthTiers lists them for rule validation).
const (
	TierTrustDomainFail      = "trust_domain_dmarc_fail"
	TierTrustDomainUnauth    = "trust_domain_unauthenticated"
	TierTrustDomainTempError = "trust_domain_auth_temperror"
	TierDMARCReject          = "dmarc_reject"
	TierDMARCQuarantine      = "dmarc_quarantine"
	TierFromForged           = "from_forged"
)

// Scanner evaluates inbound mail authentication.
type Scanner struct {
	eval       *mailauth.Evaluator
	domains    domainSet
	authservID string
	// flagUnpublished: see config.Authentication.FlagUnpublished.
	flagUnpublished bool
}

var _ scanner.Scanner = (*Scanner)(nil)

// New builds the scanner from the config's dns, authentication and
// domains settings.
func New(cfg *config.Config) *Scanner {
	r := mailauth.NewResolver(cfg.DNS.Resolver, cfg.DNS.Timeout.D())
	return &Scanner{
		eval: mailauth.New(mailauth.Options{Resolver: r, Budget: cfg.Authentication.Budget.D(),
			TrustedSealers: normAll(cfg.Authentication.ARCTrustedSealers)}),
		domains:         newDomainSet(cfg.Domains),
		authservID:      cfg.Authentication.AuthservID,
		flagUnpublished: cfg.Authentication.FlagUnpublished,
	}
}

// Name implements scanner.Scanner.
func (s *Scanner) Name() string { return Name }

// derivedKey stores the evaluation on the message.
type derivedKey struct{}

// outcome is what Scan leaves on the message for the relay.
type outcome struct {
	res    *mailauth.Result
	header string
}

// Scan evaluates an inbound message. It never returns an error: a DNS
// failure is temperror in the result, and a finding when the message
// claims one of the trust's domains.
func (s *Scanner) Scan(ctx context.Context, m *scanner.Message) ([]scanner.Finding, error) {
	if m.Envelope.Direction != scanner.Inbound {
		return nil, nil
	}
	res := s.eval.Check(ctx, mailauth.Input{IP: m.Envelope.Client, Helo: m.Envelope.Helo,
		MailFrom: m.Envelope.From, Raw: m.Raw})
	m.SetDerived(derivedKey{}, &outcome{res: res, header: res.Header(s.authservID)})
	return s.findings(res), nil
}

// Result returns the evaluation Scan left on m, if it ran.
func Result(m *scanner.Message) (*mailauth.Result, bool) {
	if m == nil {
		return nil, false
	}
	v, ok := m.Derived(derivedKey{})
	if !ok {
		return nil, false
	}
	return v.(*outcome).res, true
}

// Header returns the Authentication-Results value for m (without the field
// name), or "" when the check did not run on it.
func Header(m *scanner.Message) string {
	if m == nil {
		return ""
	}
	if v, ok := m.Derived(derivedKey{}); ok {
		return v.(*outcome).header
	}
	return ""
}

// findings turns a result into findings. The summaries name the check and
// the outcome, never an address or any content.
func (s *Scanner) findings(r *mailauth.Result) []scanner.Finding {
	d := r.DMARC
	claims := false
	for _, dom := range d.FromDomains {
		if s.domains.Has(dom) {
			claims = true
		}
	}
	f := func(score float64, tier, summary string) []scanner.Finding {
		return []scanner.Finding{{Category: scanner.Impersonation, Scanner: Name, Score: score,
			Summary: summary, Where: "header", Tiers: []string{tier}, Severity: tier}}
	}
	if arcVouches(r) {
		// A trusted intermediary saw DMARC pass before it changed the
		// message (a mailing list footer): not a spoof.
		return nil
	}
	if claims {
		switch {
		case d.Status == mailauth.StatusFail:
			return f(0.95, TierTrustDomainFail, "claims trust domain, DMARC fail")
		case d.Status == mailauth.StatusPermError:
			return f(0.95, TierTrustDomainFail, "claims trust domain, DMARC permerror ("+d.Reason+")")
		case d.Status == mailauth.StatusTempError:
			return f(0.5, TierTrustDomainTempError, "claims trust domain, DMARC temperror")
		case d.Status == mailauth.StatusNone && s.flagUnpublished && !d.AlignedSPF && !d.AlignedDKIM:
			if hasTemp(r) {
				return f(0.5, TierTrustDomainTempError, "claims trust domain, no DMARC record, SPF or DKIM temperror")
			}
			return f(0.6, TierTrustDomainUnauth, "claims trust domain, no DMARC record and no aligned SPF or DKIM pass")
		}
		return nil
	}
	switch {
	case d.Status == mailauth.StatusFail && d.Policy == "reject":
		return f(0.7, TierDMARCReject, "DMARC fail, domain policy reject")
	case d.Status == mailauth.StatusFail && d.Policy == "quarantine":
		return f(0.6, TierDMARCQuarantine, "DMARC fail, domain policy quarantine")
	case d.Status == mailauth.StatusPermError && d.Reason == "several From fields":
		return f(0.6, TierFromForged, "several From fields, DMARC permerror")
	}
	return nil
}

// arcVouches reports whether a verified ARC chain from a trusted sealer
// records a DMARC pass for the same author domain.
func arcVouches(r *mailauth.Result) bool {
	a := r.ARC
	return r.DMARC.Status != mailauth.StatusPass && a.Status == mailauth.StatusPass && a.Trusted &&
		a.Upstream != nil && a.Upstream.DMARC == mailauth.StatusPass &&
		a.Upstream.HeaderFrom != "" && a.Upstream.HeaderFrom == r.DMARC.FromDomain
}

// hasTemp reports a temporary failure in SPF or any DKIM signature.
func hasTemp(r *mailauth.Result) bool {
	if r.SPF.Status == mailauth.StatusTempError {
		return true
	}
	for _, d := range r.DKIM {
		if d.Status == mailauth.StatusTempError {
			return true
		}
	}
	return false
}

// domainSet matches domains as config's domains: exact, or *. wildcards
// for strict subdomains; never a suffix match.
type domainSet struct {
	exact    map[string]bool
	wildcard []string
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

// Has reports whether a normalised domain is one of the set.
func (s domainSet) Has(d string) bool {
	if s.exact[d] {
		return true
	}
	for _, w := range s.wildcard {
		if strings.HasSuffix(d, w) && len(d) > len(w) {
			return true
		}
	}
	return false
}

func normAll(ds []string) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		if n, err := config.NormalizeDomain(d); err == nil {
			out = append(out, n)
		}
	}
	return out
}
