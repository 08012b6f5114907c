package smtp

import (
	"strings"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailward/mailward/metrics"
)

// replyReasons names each of mailward's own replies for the
// mailward_replies_total metric, so that a rate-limit 451 (rate_limit) is
// never confused with a next hop's (next_hop_unavailable, next_hop_failed).
// A reply not in the table is the next hop's own, passed back (next_hop),
// except the policy refusal and the 250, which are built per message.
var replyReasons = map[*gosmtp.SMTPError]string{
	errRelayDenied:    "relay_denied",
	errBadAddress:     "bad_address",
	errOtherDirection: "other_direction",
	errTooManyRcpts:   "too_many_recipients",
	errNestedMail:     "nested_mail",
	errHopUnavailable: "next_hop_unavailable",
	errHopFailed:      "next_hop_failed",
	errTemporary:      "temporary",
	errRateLimited:    "rate_limit",
	errPolicyTempfail: "policy_tempfail",
	errLoop:           "mail_loop",
	errDataTimeout:    "data_timeout",
	errNoProxyHeader:  "proxy_header_missing",
	errTooLarge:       "too_large",
	errLineTooLong:    "line_too_long",
	errTooManyConns:   "too_many_connections",
	errTooManyTxns:    "too_many_transactions",
	errShuttingDown:   "shutting_down",
	errBusy:           "busy",
	errBusyNow:        "busy",
	errBadSender:      "bad_sender",
}

// reasonOf names a reply for metrics.
func reasonOf(rep *gosmtp.SMTPError) string {
	if r, ok := replyReasons[rep]; ok {
		return r
	}
	switch {
	case rep.Code == 250:
		return "queued"
	case rep.Code == 550 && strings.HasPrefix(rep.Message, "Message refused by policy"):
		return "policy_reject"
	}
	return "next_hop"
}

// countReply counts the reply err at stage; nil (plain acceptance of a
// command) is not counted except at data, where the 250 is the message's.
func countReply(stage string, err error) {
	if err == nil {
		return
	}
	rep, ok := err.(*gosmtp.SMTPError)
	if !ok {
		rep = asReply(err)
	}
	metrics.Reply(stage, rep.Code, reasonOf(rep))
}

// ReplyLabels lists every named reply with the stages it is given at, for
// creating the metric's series at zero (metrics.Init).
func ReplyLabels() []metrics.ReplyLabel {
	at := func(stage string, reps ...*gosmtp.SMTPError) []metrics.ReplyLabel {
		var out []metrics.ReplyLabel
		for _, r := range reps {
			out = append(out, metrics.ReplyLabel{Stage: stage, Code: r.Code, Reason: reasonOf(r)})
		}
		return out
	}
	var l []metrics.ReplyLabel
	l = append(l, at("connect", errTooManyConns, errShuttingDown, errNoProxyHeader)...)
	l = append(l, at("mail", errNestedMail, errShuttingDown, errBusyNow, errBadSender)...)
	l = append(l, at("rcpt", errRelayDenied, errBadAddress, errOtherDirection, errTooManyRcpts, errHopUnavailable,
		errHopFailed, errTooManyTxns)...)
	l = append(l, at("data", okQueued(""), errPolicyReject(""), errHopFailed, errTemporary, errRateLimited,
		errPolicyTempfail, errLoop, errDataTimeout, errTooLarge, errLineTooLong, errBusy)...)
	l = append(l, metrics.ReplyLabel{Stage: "rcpt", Code: 451, Reason: "next_hop"},
		metrics.ReplyLabel{Stage: "rcpt", Code: 550, Reason: "next_hop"},
		metrics.ReplyLabel{Stage: "data", Code: 451, Reason: "next_hop"},
		metrics.ReplyLabel{Stage: "data", Code: 554, Reason: "next_hop"})
	return l
}
