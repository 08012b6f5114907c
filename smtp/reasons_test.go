package smtp

import (
	"testing"

	gosmtp "github.com/emersion/go-smtp"
)

// TestReplyReasons: each reply has its own reason, so a rate-limit 451 is
// never counted as a next hop's, and a next hop's own reply (any code) is
// counted as next_hop.
func TestReplyReasons(t *testing.T) {
	for _, c := range []struct {
		rep  *gosmtp.SMTPError
		want string
	}{
		{errRateLimited, "rate_limit"},
		{errHopUnavailable, "next_hop_unavailable"},
		{errHopFailed, "next_hop_failed"},
		{errTemporary, "temporary"},
		{errPolicyTempfail, "policy_tempfail"},
		{okQueued("abc"), "queued"},
		{errPolicyReject("malware"), "policy_reject"},
		{&gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try later"}, "next_hop"},
		{&gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such user"}, "next_hop"},
	} {
		if got := reasonOf(c.rep); got != c.want {
			t.Errorf("%d %s: reason %q, want %q", c.rep.Code, c.rep.Message, got, c.want)
		}
	}
	seen := map[string]*gosmtp.SMTPError{}
	for rep, reason := range replyReasons {
		if prev, ok := seen[reason]; ok && prev.Code == rep.Code && reason != "busy" {
			t.Errorf("reason %q names two replies with code %d", reason, rep.Code)
		}
		seen[reason] = rep
	}
}
