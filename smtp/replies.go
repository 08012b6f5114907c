package smtp

import (
	"fmt"

	gosmtp "github.com/emersion/go-smtp"
)

// Every reply mailward gives is built here, from named codes. Text sent to a
// stranger stays generic; details go to the log. Session.Data returns only
// these *SMTPError values: a plain Go error becomes a permanent 554 in
// go-smtp, which would bounce good mail.

func reply(code int, enh gosmtp.EnhancedCode, msg string) *gosmtp.SMTPError {
	return &gosmtp.SMTPError{Code: code, EnhancedCode: enh, Message: msg}
}

var (
	errRelayDenied    = reply(554, gosmtp.EnhancedCode{5, 7, 1}, "Relay access denied")
	errBadAddress     = reply(550, gosmtp.EnhancedCode{5, 1, 3}, "Address syntax not accepted here")
	errOtherDirection = reply(452, gosmtp.EnhancedCode{4, 5, 3}, "Send this recipient in a separate transaction")
	errTooManyRcpts   = reply(452, gosmtp.EnhancedCode{4, 5, 3}, "Too many recipients")
	errNestedMail     = reply(503, gosmtp.EnhancedCode{5, 5, 1}, "Nested MAIL command: RSET first")
	errHopUnavailable = reply(451, gosmtp.EnhancedCode{4, 4, 1}, "Next hop unavailable, try again later")
	errHopFailed      = reply(451, gosmtp.EnhancedCode{4, 4, 2}, "Next hop connection lost, try again later")
	errTemporary      = reply(451, gosmtp.EnhancedCode{4, 3, 0}, "Temporary failure, try again later")
	errRateLimited    = reply(451, gosmtp.EnhancedCode{4, 7, 1}, "Sending rate exceeded, try again later")
	errPolicyTempfail = reply(451, gosmtp.EnhancedCode{4, 7, 0}, "Message deferred by policy, try again later")
	errLoop           = reply(554, gosmtp.EnhancedCode{5, 4, 6}, "Mail loop detected: too many Received headers")
	errDataTimeout    = reply(451, gosmtp.EnhancedCode{4, 4, 2}, "Timeout reading message data")
	errNoProxyHeader  = reply(421, gosmtp.EnhancedCode{4, 7, 0}, "PROXY protocol header required from this address")
	errTooLarge       = gosmtp.ErrDataTooLarge // 552 5.3.4
	errLineTooLong    = reply(554, gosmtp.EnhancedCode{5, 6, 0}, "Message has a line longer than this server accepts")
	errTooManyConns   = reply(421, gosmtp.EnhancedCode{4, 7, 0}, "Too many connections, try again later")
	errTooManyTxns    = reply(451, gosmtp.EnhancedCode{4, 7, 0}, "Too many concurrent transactions, try again later")
	errShuttingDown   = reply(421, gosmtp.EnhancedCode{4, 3, 2}, "Service shutting down, try again later")
	errBusy           = reply(451, gosmtp.EnhancedCode{4, 3, 1}, "Too busy to take this message now, try again later")
	errBusyNow        = reply(452, gosmtp.EnhancedCode{4, 3, 1}, "Too busy to take this message now, try again later")
	errBadSender      = reply(553, gosmtp.EnhancedCode{5, 1, 7}, "Sender address syntax not accepted here")
)

// replyLine is a reply written straight to the connection, outside go-smtp
// (a refused connection, a session closed while draining). A 421 names the
// host, as RFC 5321 3.8 asks.
func replyLine(host string, r *gosmtp.SMTPError) string {
	if r.Code == 421 {
		return fmt.Sprintf("%d %d.%d.%d %s %s\r\n", r.Code, r.EnhancedCode[0], r.EnhancedCode[1], r.EnhancedCode[2], host, r.Message)
	}
	return fmt.Sprintf("%d %d.%d.%d %s\r\n", r.Code, r.EnhancedCode[0], r.EnhancedCode[1], r.EnhancedCode[2], r.Message)
}

// errPolicyReject names the policy category, never the content.
func errPolicyReject(category string) *gosmtp.SMTPError {
	if category == "" {
		category = "content"
	}
	return reply(550, gosmtp.EnhancedCode{5, 7, 1}, fmt.Sprintf("Message refused by policy (%s)", category))
}

func okQueued(id string) *gosmtp.SMTPError {
	return reply(250, gosmtp.EnhancedCode{2, 0, 0}, "Ok: queued as "+id)
}

// asReply turns any error into a reply a client may hear. An unknown error
// is always a temporary failure: better a retry than a bounce.
func asReply(err error) *gosmtp.SMTPError {
	if err == nil {
		return nil
	}
	if se, ok := err.(*gosmtp.SMTPError); ok && se.Code >= 400 && se.Code < 600 {
		return se
	}
	return errTemporary
}
