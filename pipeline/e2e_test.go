package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/smtptest"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/smtp"
)

// TestEndToEnd is issue 7's proof over real sockets: a sender over its
// rate gets 451 4.7.1; three senders of one neutral body make it
// chain_mail; after a reviewer confirms a sender's third violation in a day
// exactly one alert reaches the line manager's mailbox through the inbound
// next hop, with no content in it.
func TestEndToEnd(t *testing.T) {
	in, out := smtptest.Start(t, nil), smtptest.Start(t, nil)
	qdir := t.TempDir()
	// Names unique to this run keep runs apart in a shared Redis.
	u := fmt.Sprintf("%x", time.Now().UnixNano())
	smith, busy := "j.smith-"+u+"@trust.example", "busy-"+u+"@trust.example"
	people := qdir + "/people.yaml"
	os.WriteFile(people, []byte("people:\n  - {address: "+smith+", role: staff, manager: head@trust.example}\n"+
		"  - {address: head@trust.example, role: staff}\n"), 0o600)
	redisYAML := ""
	if sharedRedisURL() != "" {
		redisYAML = "redis: {url: \"" + sharedRedisURL() + "\"}\n"
	}
	cfg, err := config.Parse([]byte(fmt.Sprintf(`domains: [trust.example]
trusted_networks: [127.0.0.1/32]
hostname: mailward.test
next_hop: {inbound: "smtp://%s", outbound: "smtp://%s"}
quarantine: {dir: %q}
review: {base_url: "https://mailward.trust.example"}
directory: {file: %q}
alerts: {it: [it-support@trust.example]}
tracker:
  chain_spread_senders: 3
  overrides:
    - sender: [%s]
      messages_per_hour: 3
%s`, in.Addr, out.Addr, qdir, people, busy, redisYAML)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		quiet = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	p.Notifier().Log = quiet
	store, err := quarantine.OpenDir(qdir)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := smtp.New(cfg, smtp.Options{Pipeline: p, Store: store, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()

	send := func(from string, to []string, msg string) error {
		t.Helper()
		c, err := gosmtp.Dial(l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.SendMail(from, to, strings.NewReader(strings.ReplaceAll(msg, "\n", "\r\n")))
	}

	// 1. Rate limit: the fourth message in the hour is deferred with 451 4.7.1.
	for i := 1; i <= 4; i++ {
		err := send(busy, []string{"parent@example.com"}, "Subject: newsletter "+u+"\n\nHello.\n")
		var se *gosmtp.SMTPError
		if i <= 3 && err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if i == 4 && (!errors.As(err, &se) || se.Code != 451 || se.EnhancedCode != (gosmtp.EnhancedCode{4, 7, 1})) {
			t.Fatalf("message 4: %v, want 451 4.7.1", err)
		}
	}

	// 2. Chain spread: the same neutral body from three colleagues.
	// (Different words from track_test.go's letter: the spread is shared.)
	letter := "Dear all,\nthe photocopier on the first floor will be serviced on Wednesday morning, so please\n" +
		"send large print jobs to the reprographics room before Tuesday evening. Toner and paper\n" +
		"orders for next term go through the school office as usual, with the cost code on the form.\n"
	letter = pipeline.Salt(letter, u)
	for i, who := range []string{"a.one", "b.two", "c.three"} {
		from := who + "-" + u + "@trust.example"
		if err := send(from, []string{"all-staff@trust.example"}, "Subject: please read\n\n"+letter); err != nil {
			t.Fatalf("chain copy %d: %v", i+1, err)
		}
	}
	held := func(from string) []*quarantine.Record {
		recs, err := store.List(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var out []*quarantine.Record
		for _, r := range recs {
			if r.From == from {
				out = append(out, r)
			}
		}
		return out
	}
	if got := held("c.three-" + u + "@trust.example"); len(got) != 1 || got[0].Rule != "chain-mail-staff" {
		t.Fatalf("third chain copy not held as chain mail: %+v", got)
	}
	if len(held("a.one-"+u+"@trust.example")) != 0 || len(in.To("all-staff@trust.example")) != 2 {
		t.Fatalf("first copies should have been delivered: %d held, %d delivered", len(held("a.one-"+u+"@trust.example")), len(in.To("all-staff@trust.example")))
	}

	// 3. Three violations by j.smith, confirmed by a reviewer.
	const secretSubject = "Trip money owed by Year 7"
	exe := "Subject: " + secretSubject + "\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n" +
		"--b\nContent-Type: text/plain\n\nplease run the attached\n" +
		"--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=owed-list.exe\n" +
		"Content-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA==\n--b--\n"
	before := len(held(smith))
	for i := 0; i < 3; i++ {
		if err := send(smith, []string{"parent@example.com", "other@example.com"}, exe); err != nil {
			t.Fatalf("violation %d: %v", i+1, err)
		}
	}
	recs := held(smith)
	if len(recs)-before != 3 {
		t.Fatalf("%d held, want 3", len(recs)-before)
	}
	n := p.Notifier()
	for i, rec := range recs[before:] {
		n.ConfirmedViolation(context.Background(), rec, "reviewer-ann")
		if i < 2 {
			if _, err := n.Flush(context.Background(), time.Now().Add(3*time.Hour)); err != nil {
				t.Fatal(err)
			}
			if len(in.To("head@trust.example")) != 0 {
				t.Fatalf("manager alerted after %d confirmations", i+1)
			}
		}
	}
	if _, err := n.Flush(context.Background(), time.Now().Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	alerts := in.To("head@trust.example")
	if len(alerts) != 1 {
		t.Fatalf("%d alerts to the manager, want 1", len(alerts))
	}
	a := string(alerts[0].Data)
	for _, secret := range []string{secretSubject, "owed-list", "please run", "TVqQ"} {
		if strings.Contains(a, secret) {
			t.Errorf("alert leaks %q", secret)
		}
	}
	if !strings.Contains(a, smith) || strings.Count(a, "https://mailward.trust.example/messages/") != 3 {
		t.Errorf("alert lacks the sender or the three links:\n%s", a)
	}
	// IT heard of the rate limit once.
	var rate int
	for _, m := range in.To("it-support@trust.example") {
		rate += strings.Count(string(m.Data), busy)
	}
	if rate == 0 || !bytes.Contains([]byte(a), []byte("Auto-Submitted: auto-generated")) {
		t.Errorf("IT rate alert %d", rate)
	}
}

// sharedRedisURL is $REDIS_URL, or the package's private server (track_test.go).
func sharedRedisURL() string { return pipeline.TestRedisURL }
