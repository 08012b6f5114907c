package mailauth

import (
	"bytes"
	"context"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// checkDKIM verifies up to MaxSignatures DKIM-Signature fields with
// go-msgauth. A message without signatures has none (an empty slice).
func (e *Evaluator) checkDKIM(ctx context.Context, raw []byte) []DKIM {
	lookup := func(name string) ([]string, error) { return e.opt.Resolver.LookupTXT(ctx, name) }
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT: lookup, MaxVerifications: e.opt.MaxSignatures})
	if err != nil && len(vs) == 0 {
		// The header could not be read at all: treat as one broken
		// signature only if one was there.
		if bytes.Contains(bytes.ToLower(raw[:headerEnd(raw)]), []byte("dkim-signature:")) {
			return []DKIM{{Status: StatusPermError, Reason: "message header unreadable"}}
		}
		return nil
	}
	out := make([]DKIM, 0, len(vs))
	for _, v := range vs {
		d := DKIM{Domain: normDomain(v.Domain), Identifier: v.Identifier}
		d.Selector, d.Algorithm, d.B = sigTags(raw, len(out))
		switch {
		case v.Err == nil:
			d.Status = StatusPass
		case dkim.IsTempFail(v.Err):
			d.Status, d.Reason = StatusTempError, v.Err.Error()
		case dkim.IsPermFail(v.Err):
			d.Status, d.Reason = StatusPermError, v.Err.Error()
		default:
			d.Status, d.Reason = StatusFail, v.Err.Error()
		}
		out = append(out, d)
	}
	return out
}

// sigTags reads s=, a= and the first 12 characters of b= from the n-th
// DKIM-Signature field: go-msgauth reports results in field order but
// not these tags.
func sigTags(raw []byte, n int) (selector, algo, b string) {
	fs := parseHeader(raw).fields("DKIM-Signature")
	if n >= len(fs) {
		return "", "", ""
	}
	tags := parseTags(fs[n])
	b = stripWSP(tags["b"])
	if len(b) > 12 {
		b = b[:12]
	}
	return stripWSP(tags["s"]), stripWSP(tags["a"]), b
}

// parseTags reads a DKIM-style tag list (tag=value; ...).
func parseTags(v string) map[string]string {
	m := map[string]string{}
	for _, part := range strings.Split(v, ";") {
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if _, dup := m[k]; !dup {
			m[k] = strings.TrimSpace(val)
		}
	}
	return m
}

// stripWSP removes folding white space from a tag value.
func stripWSP(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
}
