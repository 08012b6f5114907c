package mailauth

import (
	"context"
	"net"
	"strings"

	"blitiri.com.ar/go/spf"
)

// checkSPF evaluates the envelope sender (RFC 7208 section 2.4), or the
// HELO name for the null sender (section 2.3), with the library's RFC
// limits: 10 DNS-querying terms and 2 void lookups per evaluation.
func (e *Evaluator) checkSPF(ctx context.Context, in Input) SPF {
	out := SPF{Scope: "mailfrom", Sender: in.MailFrom}
	_, dom, ok := strings.Cut(in.MailFrom, "@")
	if in.MailFrom == "" || !ok || dom == "" {
		out.Scope, out.Sender, dom = "helo", in.Helo, in.Helo
	}
	out.Domain = normDomain(dom)
	if !in.IP.IsValid() {
		out.Status, out.Reason = StatusNone, "client address unknown"
		return out
	}
	if out.Domain == "" || !strings.Contains(out.Domain, ".") || isIPLiteral(out.Domain) {
		out.Status, out.Reason = StatusNone, "no domain to check"
		return out
	}
	helo := in.Helo
	if out.Scope == "helo" {
		helo = out.Domain
	}
	sender := in.MailFrom
	if out.Scope == "helo" {
		sender = "postmaster@" + out.Domain
	}
	r, err := spf.CheckHostWithSender(net.IP(in.IP.Unmap().AsSlice()), helo, sender,
		spf.WithResolver(e.opt.Resolver), spf.WithContext(ctx))
	out.Status = Status(r)
	if err != nil && err != spf.ErrNoResult && r != spf.Pass && r != spf.Fail && r != spf.SoftFail && r != spf.Neutral {
		out.Reason = err.Error()
	}
	if r == spf.TempError && ctx.Err() != nil {
		out.Reason = "evaluation budget ran out"
	}
	return out
}

// isIPLiteral reports whether a HELO name is an address literal, which
// SPF cannot check.
func isIPLiteral(s string) bool {
	return strings.HasPrefix(s, "[") || net.ParseIP(s) != nil
}
