package nexthop

import (
	"bytes"

	"github.com/emersion/go-smtp"
)

// A client may ask for SMTPUTF8 (RFC 6531) whatever its message holds: Go's
// net/smtp, for one, always asks when it is offered. When the next hop does
// not offer SMTPUTF8, RFC 6531 section 3.2 lets the relay send the message on
// without it as long as nothing in it needs it: the envelope addresses and
// the header fields are ASCII. Only a message that does need it is refused:
// a non-ASCII sender or recipient at MAIL or RCPT, non-ASCII header fields
// at the end of data. A UTF-8 body needs 8BITMIME, not SMTPUTF8.
var (
	// errUTF8Address: RFC 6531 3.7.4.1.
	errUTF8Address = &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 6, 7},
		Message: "Non-ASCII address not accepted: the next hop does not support SMTPUTF8"}
	// errUTF8Header: RFC 6531 3.7.4.2 (5.6.9, a message with UTF-8 header
	// fields that cannot be transferred).
	errUTF8Header = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 9},
		Message: "UTF-8 header fields cannot be transferred: the next hop does not support SMTPUTF8"}
)

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// headerASCII reports whether the top-level header section of msg (up to the
// first empty line) is all ASCII.
func headerASCII(msg []byte) bool {
	end := len(msg)
	if bytes.HasPrefix(msg, []byte("\r\n")) {
		end = 0
	} else if i := bytes.Index(msg, []byte("\r\n\r\n")); i >= 0 {
		end = i
	}
	for _, c := range msg[:end] {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
