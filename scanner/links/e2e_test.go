package links_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	netsmtp "net/smtp"
	"strings"
	"sync"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/smtptest"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/rules"
	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/smtp"
)

func mail(subject, body string) []byte {
	return []byte(strings.ReplaceAll("From: Jo Bloggs <j.bloggs@oakfield.sch.uk>\nTo: x@example.com\nSubject: "+subject+
		"\nDate: Mon, 23 Nov 2026 08:00:00 +0000\nMessage-ID: <e2e@oakfield.sch.uk>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"+body+"\n", "\n", "\r\n"))
}

// TestDefaultRules runs messages through the real pipeline (parse, every
// registered scanner, the default rules): which rule decides, and what.
func TestDefaultRules(t *testing.T) {
	cfg, err := config.Parse([]byte("domains: [oakfield.sch.uk]\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	out := scanner.Envelope{Direction: scanner.Outbound, From: "j.bloggs@oakfield.sch.uk", To: []string{"friend@example.com"}}
	internal := scanner.Envelope{Direction: scanner.Internal, From: "j.bloggs@oakfield.sch.uk", To: []string{"head@oakfield.sch.uk"}}
	in := scanner.Envelope{Direction: scanner.Inbound, From: "news@example.com", To: []string{"j.bloggs@oakfield.sch.uk"}}
	for _, c := range []struct {
		name   string
		env    scanner.Envelope
		raw    []byte
		action rules.Action
		rule   string
	}{
		{"proxy link sent out", out, mail("filter", "Get round the filter with https://www.croxyproxy.com/ easily"), rules.Quarantine, "links-staff-blocked"},
		{"adult link internal", internal, mail("lol", "look www.xvideos.com/video123"), rules.Quarantine, "links-staff-blocked"},
		{"gambling link sent out", out, mail("cheltenham", "my tips are on https://www.skybet.com/horse-racing"), rules.Tag, "links-staff"},
		{"adult link inbound", in, mail("offer", "hot pics at https://www.pornhub.com/"), rules.Tag, "links-inbound"},
		{"shortener", out, mail("form", "Please fill in https://bit.ly/3trip-form by Friday"), rules.Tag, "links-shortener"},
		{"password sent out", out, mail("login", "Username: jbloggs\nPassword: Oakfield2026!"), rules.Quarantine, "credentials-outbound"},
		{"password internal", internal, mail("cover", "The supply teacher can use my SIMS login, my password is Tr4ctor!77"), rules.Tag, "credentials-internal"},
		{"password inbound not scanned", in, mail("welcome", "Your account: Username: jbloggs Password: Temp1234!x"), "", ""},
		{"ordinary mail", out, mail("trip", "The Year 5 trip leaves at 9. Details at https://www.oakfield.sch.uk/trips"), rules.Deliver, rules.RuleDefault},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := p.Scan(context.Background(), c.raw, c.env)
			if c.rule == "" {
				// Only what this package decides: other detectors
				// (authentication of the sender) may tag inbound mail.
				for _, f := range v.Result.Findings {
					if f.Category == scanner.Credentials {
						t.Errorf("finding %+v", f)
					}
				}
				return
			}
			if v.Decision.Action != c.action || v.Decision.Rule != c.rule {
				t.Errorf("%s by %s, want %s by %s; findings %+v", v.Decision.Action, v.Decision.Rule, c.action, c.rule, v.Result.Findings)
			}
		})
	}
}

// lockedBuffer collects log output from concurrent sessions.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRelay is the end-to-end proof over real sockets: an outbound message
// with a proxy link and one with a password are held (250 after the hold,
// nothing reaches the next hop); an inbound message with a gambling link is
// delivered tagged. The password appears in no log line, no quarantine
// summary and no header.
func TestRelay(t *testing.T) {
	in, out := smtptest.Start(t, nil), smtptest.Start(t, nil)
	qdir := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`domains: [oakfield.sch.uk]
trusted_networks: [127.0.0.1/32]
hostname: mailward.test
next_hop: {inbound: "smtp://%s", outbound: "smtp://%s"}
quarantine: {dir: %q}
`, in.Addr, out.Addr, qdir)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	store, err := quarantine.OpenDir(qdir)
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	srv, err := smtp.New(cfg, smtp.Options{Pipeline: p, Store: store, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()

	const secret = "Oakfield2026!"
	send := func(from, to string, msg []byte) {
		t.Helper()
		if err := netsmtp.SendMail(l.Addr().String(), nil, from, []string{to}, msg); err != nil {
			t.Fatalf("send %s -> %s: %v", from, to, err)
		}
	}
	send("j.bloggs@oakfield.sch.uk", "friend@example.com", mail("filter", "Get round the filter with https://www.croxyproxy.com/"))
	send("j.bloggs@oakfield.sch.uk", "supply@example.com", mail("login", "SIMS\nUsername: jbloggs\nPassword: "+secret))
	send("news@example.com", "j.bloggs@oakfield.sch.uk", mail("offers", "Free bet at https://www.betfair.com/promo"))

	if n := len(out.Messages()); n != 0 {
		t.Errorf("outbound next hop got %d messages, want none", n)
	}
	recs, err := store.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]string{}
	for _, r := range recs {
		rules[r.Rule] = strings.Join(r.Categories, ",")
		for _, f := range r.Findings {
			if strings.Contains(f.Summary, secret) || strings.Contains(f.Where, secret) {
				t.Errorf("quarantine record shows the password: %+v", f)
			}
		}
	}
	if !strings.Contains(rules["links-staff-blocked"], "inappropriate_link") || !strings.Contains(rules["credentials-outbound"], "credentials") {
		t.Errorf("held: %v, want a links-staff-blocked and a credentials-outbound hold", rules)
	}
	got := in.To("j.bloggs@oakfield.sch.uk")
	if len(got) != 1 {
		t.Fatalf("inbound delivered %d messages, want 1", len(got))
	}
	if h := string(got[0].Data); !strings.Contains(h, "X-Mailward-Action: tag") || !strings.Contains(h, "inappropriate_link=0.90") {
		t.Errorf("inbound headers lack the tag:\n%s", h[:min(len(h), 600)])
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("the password is in the log")
	}
}
