package smtp

import (
	"fmt"
	"github.com/mailward/mailward/internal/postfixtest"
	"net"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/smtptest"
)

// TestPostfixBeforeQueue follows the before-queue recipe of
// docs/deploy-postfix.md with a real Postfix on loopback: Postfix's smtpd
// proxies each session to mailward (smtpd_proxy_filter), mailward relays to
// Postfix's return listener, which queues and delivers to a sink. Clean
// mail arrives with mailward's verdict header; a blocked attachment is held
// by mailward and never reaches the sink; an outside recipient, which
// Postfix itself would relay for 127.0.0.1, is refused by mailward, which
// trusts nobody behind the proxy.
func TestPostfixBeforeQueue(t *testing.T) {
	sink := smtptest.Start(t, nil)
	front, back := freeAddr(t), freeAddr(t)
	r := startRelayCfg(t, "authentication: {enabled: false}\n", func(c *config.Config) {
		c.TrustedNetworks = []string{}
		c.NextHop.Inbound, c.NextHop.Outbound = "smtp://"+back, "smtp://"+back
	})
	pf := startPostfixProxy(t, front, back, r.addr, sink.Addr)

	send := func(rcpt, msg string) error {
		c, err := smtp.Dial(front)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Mail("parent@home.example"); err != nil {
			return err
		}
		if err := c.Rcpt(rcpt); err != nil {
			return err
		}
		w, err := c.Data()
		if err != nil {
			return err
		}
		w.Write([]byte(msg))
		return w.Close()
	}
	if err := send("office@trust.example", readFixture(t, "plain.eml")); err != nil {
		t.Fatalf("clean inbound: %v\n%s", err, pf.Log())
	}
	if err := send("office@trust.example", readFixture(t, "exe-attachment.eml")); err != nil {
		t.Fatalf("held inbound: %v", err)
	}
	if err := send("someone@outside.example", readFixture(t, "plain.eml")); err == nil || !strings.HasPrefix(err.Error(), "554") {
		t.Fatalf("outside recipient: %v, want 554 from mailward", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(sink.Messages()) < 1 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // a second delivery, if wrongly made, arrives too
	ms := sink.Messages()
	if len(ms) != 1 {
		t.Fatalf("sink got %d messages, want 1\n%s", len(ms), pf.Log())
	}
	if !strings.Contains(string(ms[0].Data), "X-Mailward-Action:") {
		t.Errorf("delivered message lacks mailward's verdict:\n%s", ms[0].Data)
	}
	if ids := heldIDs(t, r.qdir); len(ids) != 1 {
		t.Errorf("mailward holds %d messages, want the one with the attachment", len(ids))
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startPostfixProxy runs Postfix with the recipe's master.cf: smtpd on
// front proxying to filter, the return listener on back relaying
// trust.example to sink. It skips where Postfix cannot run.
func startPostfixProxy(t *testing.T, front, back, filter, sink string) *postfixtest.Postfix {
	t.Helper()
	p := postfixtest.New(t)
	sh, sp, _ := net.SplitHostPort(sink)
	mainCF := fmt.Sprintf(`myhostname = postfix.test
mydestination =
relay_domains = trust.example
mynetworks = 127.0.0.0/8
relay_transport = smtp:[%[1]s]:%[2]s
default_transport = smtp:[%[1]s]:%[2]s
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtpd_peername_lookup = no
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
alias_maps =
alias_database =
local_recipient_maps =
biff = no
`, sh, sp)
	// The two services as in docs/deploy-postfix.md (before-queue).
	masterCF := front + ` inet n - n - 100 smtpd
  -o smtpd_proxy_filter=` + filter + `
  -o smtpd_proxy_timeout=300s
  -o smtpd_proxy_options=speed_adjust
` + back + ` inet n - n - - smtpd
  -o smtpd_proxy_filter=
  -o smtpd_authorized_xforward_hosts=127.0.0.0/8
  -o smtpd_client_restrictions=
  -o smtpd_helo_restrictions=
  -o smtpd_sender_restrictions=
  -o smtpd_recipient_restrictions=permit_mynetworks,reject
  -o smtpd_relay_restrictions=permit_mynetworks,reject
  -o smtpd_data_restrictions=
  -o mynetworks=127.0.0.0/8
  -o receive_override_options=no_unknown_recipient_checks
` + postfixtest.Services
	p.Start(t, mainCF, masterCF, front)
	return p
}
