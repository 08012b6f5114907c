package smtp

import (
	"net/smtp"
	"strings"
	"testing"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/smtptest"
)

// TestSMTPUTF8NextHopWithout: a client that asks for SMTPUTF8 is refused only
// when its message needs it (RFC 6531 3.2: a non-ASCII envelope address or
// header field) and the next hop lacks it; anything else is relayed without
// the parameter. The next hop is a real go-smtp server without SMTPUTF8,
// which refuses the parameter outright, so a delivery proves it was dropped.
func TestSMTPUTF8NextHopWithout(t *testing.T) {
	ascii := "From: jose@elsewhere.example\r\nSubject: plain\r\n\r\nhello\r\n"
	tests := []struct {
		name      string
		hopUTF8   bool
		from, to  string
		body      string
		rcptReply string // expected RCPT reply
		dataReply string // expected end-of-data reply, when RCPT passed
	}{
		{"ascii message", false, "jose@elsewhere.example", "head@trust.example", ascii, "250", "250"},
		{"utf-8 body only", false, "jose@elsewhere.example", "head@trust.example",
			"Subject: plain\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nJos\u00e9 says caf\u00e9\r\n", "250", "250"},
		{"encoded-word subject", false, "jose@elsewhere.example", "head@trust.example",
			"Subject: =?utf-8?q?caf=C3=A9?=\r\n\r\nhi\r\n", "250", "250"},
		{"utf-8 sender", false, "jos\u00e9@elsewhere.example", "head@trust.example", ascii, "553 5.6.7", ""},
		{"utf-8 recipient", false, "jose@elsewhere.example", "d\u00e9partement@trust.example", ascii, "553 5.6.7", ""},
		{"utf-8 header", false, "jose@elsewhere.example", "head@trust.example",
			"From: Jos\u00e9 <jose@elsewhere.example>\r\nSubject: caf\u00e9\r\n\r\nhi\r\n", "250", "554 5.6.9"},
		{"utf-8 header, hop with SMTPUTF8", true, "jos\u00e9@elsewhere.example", "head@trust.example",
			"Subject: caf\u00e9\r\n\r\nhi\r\n", "250", "250"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hop := smtptest.Start(t, func(s *gosmtp.Server) { s.EnableSMTPUTF8 = tc.hopUTF8 })
			r := startRelayCfg(t, "", func(c *config.Config) { c.NextHop.Inbound = "smtp://" + hop.Addr })
			cv := dial(t, r.addr, "127.0.0.2")
			cv.ehlo()
			cv.cmd("MAIL FROM:<"+tc.from+"> SMTPUTF8 BODY=8BITMIME", "250")
			cv.cmd("RCPT TO:<"+tc.to+">", tc.rcptReply)
			if tc.dataReply == "" {
				if n := len(hop.Messages()); n != 0 {
					t.Fatalf("next hop got %d messages", n)
				}
				return
			}
			cv.cmd("DATA", "354")
			cv.send(dotStuff(tc.body) + ".\r\n")
			cv.expect(tc.dataReply)
			msgs := hop.Messages()
			if !strings.HasPrefix(tc.dataReply, "250") {
				if len(msgs) != 0 {
					t.Fatalf("refused message delivered: %+v", msgs)
				}
				return
			}
			if len(msgs) != 1 || !strings.HasSuffix(string(msgs[0].Data), tc.body) {
				t.Fatalf("next hop got %+v", msgs)
			}
		})
	}
}

// TestSMTPUTF8NetSMTP: Go's net/smtp asks for SMTPUTF8 whenever it is
// offered; its plain ASCII mail still reaches a next hop without it.
func TestSMTPUTF8NetSMTP(t *testing.T) {
	hop := smtptest.Start(t, func(s *gosmtp.Server) { s.EnableSMTPUTF8 = false })
	r := startRelayCfg(t, "", func(c *config.Config) { c.NextHop.Inbound = "smtp://" + hop.Addr })
	msg := "From: a@trust.example\r\nTo: head@trust.example\r\nSubject: report\r\n\r\nThe report is attached.\r\n"
	if err := smtp.SendMail(r.addr, nil, "a@trust.example", []string{"head@trust.example"}, []byte(msg)); err != nil {
		t.Fatalf("net/smtp: %v", err)
	}
	if m := hop.Messages(); len(m) != 1 || !strings.HasSuffix(string(m[0].Data), msg) {
		t.Fatalf("next hop got %+v", m)
	}
}
