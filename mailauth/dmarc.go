package mailauth

import (
	"context"
	"fmt"
	"strings"

	"github.com/emersion/go-msgauth/dmarc"
	"golang.org/x/net/publicsuffix"
)

// OrgDomain is the organisational domain of d (RFC 7489 section 3.2): the
// public suffix plus one label, by the Public Suffix List; a name that is
// itself a public suffix is its own organisational domain.
func OrgDomain(d string) string {
	d = normDomain(d)
	org, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return d
	}
	return org
}

// Aligned reports whether an authenticated domain is aligned with the
// author domain (RFC 7489 section 3.1): equal in strict mode ("s"), of the
// same organisational domain in relaxed mode (anything else).
func Aligned(authDomain, fromDomain, mode string) bool {
	a, f := normDomain(authDomain), normDomain(fromDomain)
	if a == "" || f == "" {
		return false
	}
	if mode == "s" {
		return a == f
	}
	return OrgDomain(a) == OrgDomain(f)
}

// checkDMARC applies RFC 7489 section 6.6 to the From domain, given the
// SPF and DKIM results.
func (e *Evaluator) checkDMARC(ctx context.Context, h header, s SPF, sigs []DKIM) DMARC {
	out := DMARC{Percent: 100, ADKIM: "r", ASPF: "r"}
	domains, problem := h.fromDomains()
	out.FromDomains = domains
	if len(domains) > 0 {
		out.FromDomain = domains[0]
	}
	if problem != "" {
		// A message whose author cannot be told cannot pass DMARC.
		out.Status, out.Reason = StatusPermError, problem
		return out
	}
	rec, where, st, why := e.lookupDMARC(ctx, out.FromDomain)
	if rec == nil {
		out.Status, out.Reason = st, why
		// Alignment still says something without a record (relaxed).
		out.AlignedSPF, out.AlignedDKIM = alignedSPF(s, out.FromDomain, "r"), alignedDKIM(sigs, out.FromDomain, "r")
		return out
	}
	out.Record, out.RecordDomain = true, where
	out.Policy = string(rec.Policy)
	if where != out.FromDomain && rec.SubdomainPolicy != "" {
		out.Policy = string(rec.SubdomainPolicy)
	}
	if rec.Percent != nil {
		out.Percent = *rec.Percent
	}
	if rec.DKIMAlignment == dmarc.AlignmentStrict {
		out.ADKIM = "s"
	}
	if rec.SPFAlignment == dmarc.AlignmentStrict {
		out.ASPF = "s"
	}
	out.AlignedSPF = alignedSPF(s, out.FromDomain, out.ASPF)
	out.AlignedDKIM = alignedDKIM(sigs, out.FromDomain, out.ADKIM)
	switch {
	case out.AlignedSPF || out.AlignedDKIM:
		out.Status = StatusPass
	case couldAlign(s, sigs, out.FromDomain, out.ASPF, out.ADKIM):
		// A check that might have passed in alignment could not be done.
		out.Status, out.Reason = StatusTempError, "an aligned SPF or DKIM check had a temporary DNS error"
	default:
		out.Status = StatusFail
		out.Reason = failReason(s, sigs, out.FromDomain, out.ASPF, out.ADKIM)
	}
	return out
}

// lookupDMARC finds the record for domain, then for its organisational
// domain (RFC 7489 section 6.6.3). No record is none; DNS trouble is
// temperror; a record that does not parse is permerror.
func (e *Evaluator) lookupDMARC(ctx context.Context, domain string) (rec *dmarc.Record, where string, st Status, why string) {
	names := []string{domain}
	if org := OrgDomain(domain); org != domain {
		names = append(names, org)
	}
	for _, name := range names {
		txts, err := e.opt.Resolver.LookupTXT(ctx, "_dmarc."+name)
		if err != nil {
			if isNotFound(err) {
				continue
			}
			return nil, "", StatusTempError, "DMARC record lookup failed: " + err.Error()
		}
		var recs []string
		for _, t := range txts {
			// The v tag is case-sensitive "DMARC1" (section 6.4), but
			// receivers commonly accept any case of the tag name.
			if strings.HasPrefix(strings.ReplaceAll(t, " ", ""), "v=DMARC1") {
				recs = append(recs, t)
			}
		}
		switch len(recs) {
		case 0:
			continue
		case 1:
		default:
			// Several records: as if none were published (section 6.6.3).
			return nil, "", StatusNone, "several DMARC records at _dmarc." + name
		}
		r, err := dmarc.Parse(recs[0])
		if err != nil {
			return nil, "", StatusPermError, fmt.Sprintf("DMARC record at _dmarc.%s: %v", name, err)
		}
		return r, name, "", ""
	}
	return nil, "", StatusNone, "no DMARC record"
}

// alignedSPF reports an SPF pass for a domain aligned with from. SPF of the
// HELO name counts only for the null sender, as RFC 7489 section 3.1.2 says.
func alignedSPF(s SPF, from, mode string) bool {
	return s.Status == StatusPass && Aligned(s.Domain, from, mode)
}

// alignedDKIM reports a valid signature of a domain aligned with from.
func alignedDKIM(sigs []DKIM, from, mode string) bool {
	for _, d := range sigs {
		if d.Status == StatusPass && Aligned(d.Domain, from, mode) {
			return true
		}
	}
	return false
}

// couldAlign reports whether a temporary failure hid a check that would
// have counted in alignment.
func couldAlign(s SPF, sigs []DKIM, from, aspf, adkim string) bool {
	if s.Status == StatusTempError && Aligned(s.Domain, from, aspf) {
		return true
	}
	for _, d := range sigs {
		if d.Status == StatusTempError && Aligned(d.Domain, from, adkim) {
			return true
		}
	}
	return false
}

// failReason says why DMARC failed, naming mechanisms, never content.
func failReason(s SPF, sigs []DKIM, from, aspf, adkim string) string {
	spfWhy := "SPF " + string(s.Status)
	if s.Status == StatusPass {
		spfWhy = "SPF pass not aligned"
	}
	dkimWhy := "no DKIM signature"
	for _, d := range sigs {
		if d.Status == StatusPass {
			dkimWhy = "DKIM pass not aligned"
			break
		}
		dkimWhy = "DKIM " + string(d.Status)
	}
	return spfWhy + ", " + dkimWhy
}
