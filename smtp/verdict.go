package smtp

import (
	"strings"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/rules"
	"github.com/mailward/mailward/scanner"
)

// This file is what the relay does with a verdict, exported for the other
// front end that serves the same pipeline (the milter, package milter): the
// same headers, the same replies and the same quarantine record, whichever
// way the message arrived. Keep the relay's own code calling these, so the
// two cannot drift apart.

// Header is one header field mailward adds to a message it passes on.
type Header struct{ Name, Value string }

// VerdictHeaders are the fields mailward adds for a verdict, in order:
// X-Mailward-Action, X-Mailward-Findings where there are findings, and a tag
// rule's configured headers. Outbound mail gets none: outsiders learn
// nothing of the verdict. The relay prepends them below its Received:
// field; the milter asks the MTA to insert them.
func VerdictHeaders(dir scanner.Direction, action rules.Action, d rules.Decision, findings []scanner.Finding) []Header {
	if dir == scanner.Outbound {
		return nil
	}
	hs := []Header{{"X-Mailward-Action", string(action)}}
	if len(findings) > 0 {
		hs = append(hs, Header{"X-Mailward-Findings", pipeline.FindingsHeader(findings)})
	}
	if action == rules.Tag {
		for _, k := range sortedKeys(d.Headers) {
			if name, ok := headerName(k); ok {
				hs = append(hs, Header{name, headerValue(d.Headers[k])})
			}
		}
	}
	return hs
}

// SubjectPrefix is a tag rule's subject prefix where it applies, else "".
// It applies to inbound mail only: changing the subject breaks DKIM.
func SubjectPrefix(dir scanner.Direction, action rules.Action, d rules.Decision) string {
	if action != rules.Tag || dir != scanner.Inbound || d.SubjectPrefix == "" {
		return ""
	}
	return headerValue(d.SubjectPrefix)
}

// IsOurHeader reports whether a header field name claims to be mailward's
// (X-Mailward-*). An incoming one is renamed by UntrustedName before the
// message goes on, so that only mailward's own verdict carries the name.
func IsOurHeader(name string) bool { return hasFieldPrefix([]byte(name), ourPrefix) }

// UntrustedName is the name an incoming X-Mailward-* field is renamed to.
func UntrustedName(name string) string { return "X-Mailward-Untrusted-" + name[len(ourPrefix):] }

// DecisionReply is the reply for a decision that refuses the message: a
// reject names the policy categories (never the content); a tempfail says
// "deferred by policy", or a plain temporary failure when a scanner failed.
// Any other action gets the generic temporary failure: unknown means 4xx.
func DecisionReply(action rules.Action, rule string, findings []scanner.Finding) *gosmtp.SMTPError {
	switch action {
	case rules.Reject:
		return errPolicyReject(strings.Join(pipeline.Categories(findings), ", "))
	case rules.Tempfail:
		if rule == rules.RuleScannerError {
			return errTemporary
		}
		return errPolicyTempfail
	}
	return errTemporary
}

// HoldRecord is the quarantine record of a message held for the given
// findings by rule.
func HoldRecord(env scanner.Envelope, received time.Time, findings []scanner.Finding, rule, subject string) *quarantine.Record {
	return &quarantine.Record{
		Received:   received.UTC(),
		Client:     env.Client.String(),
		Helo:       env.Helo,
		TLS:        env.TLS,
		From:       env.From,
		To:         env.To,
		Direction:  string(env.Direction),
		Findings:   findings,
		Categories: pipeline.Categories(findings),
		Rule:       rule,
		Action:     string(rules.Quarantine),
		Subject:    subject,
	}
}

// Replies the milter gives in the relay's words, for the same events.
var (
	ReplyRelayDenied    = errRelayDenied
	ReplyBadAddress     = errBadAddress
	ReplyOtherDirection = errOtherDirection
	ReplyTooManyRcpts   = errTooManyRcpts
	ReplyTemporary      = errTemporary
	ReplyRateLimited    = errRateLimited
	ReplyTooLarge       = errTooLarge
	ReplyBusy           = errBusy
	ReplyLoop           = errLoop
)

// CountReceived counts the Received: fields in a message's top-level
// header (the relay refuses more than limits.max_received_headers: a loop).
func CountReceived(msg []byte) int { return countReceived(msg) }

// RcptCheck classifies one recipient as the relay's RCPT does (DESIGN.md
// "Clients, trust and direction"): its direction, or the reply that refuses
// it: an address form mailward does not route, or an untrusted client
// writing to a domain that is not the trust's (never an open relay).
func RcptCheck(domains []string, trusted bool, rcpt string) (scanner.Direction, *gosmtp.SMTPError) {
	_, domain, err := splitAddress(rcpt)
	if err != nil {
		return "", errBadAddress
	}
	if _, err := canonicalAddress(rcpt); err != nil {
		return "", errBadAddress
	}
	dir, ok := direction(trusted, newDomainSet(domains).Has(domain))
	if !ok {
		return "", errRelayDenied
	}
	return dir, nil
}

// CountReply counts a reply given at stage (mail, rcpt, data) in
// mailward_replies_total under the relay's reason names: the milter's
// replies are counted with the relay's, nil as a plain 250 at data.
func CountReply(stage string, rep *gosmtp.SMTPError) {
	if rep == nil {
		rep = &gosmtp.SMTPError{Code: 250}
	}
	countReply(stage, rep)
}
