package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/directory"
	"github.com/mailward/mailward/internal/smtptest"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/review"
	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/tracker"
	"github.com/mailward/mailward/tracker/redistest"
)

// body decodes a received digest's text.
func body(t *testing.T, raw []byte) (subject, text string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return subject, string(b)
}

type env struct {
	cfg      *config.Config
	internal *smtptest.Server // next_hop.inbound: the trust's own mail server
	external *smtptest.Server // next_hop.outbound
	n        *Notifier
	tr       tracker.Tracker
}

func setup(t *testing.T, tr tracker.Tracker, extra string) *env {
	t.Helper()
	in, out := smtptest.Start(t, nil), smtptest.Start(t, nil)
	yml := fmt.Sprintf(`
domains: [trust.example, "*.schools.trust.example"]
next_hop:
  inbound: smtp://%s
  outbound: smtp://%s
review:
  base_url: https://mailward.trust.example/
directory:
  file: ../directory/testdata/people.yaml
alerts:
  from: mailward@trust.example
  it: [it-support@trust.example]
  dpo: [dpo@la.example]
%s`, in.Addr, out.Addr, extra)
	cfg, err := config.Parse([]byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := directory.Open(cfg.Directory.File, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := New(cfg, tr, dir)
	n.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	return &env{cfg: cfg, internal: in, external: out, n: n, tr: tr}
}

// trackers runs a test with the in-process tracker and with Redis.
func trackers(t *testing.T, f func(t *testing.T, tr tracker.Tracker)) {
	t.Run("memory", func(t *testing.T) { f(t, tracker.NewMemory(nil)) })
	t.Run("redis", func(t *testing.T) {
		tr, err := tracker.Dial(redisURL(t), 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tr.Close() })
		f(t, tr)
	})
}

var sharedRedis string

func redisURL(t *testing.T) string {
	if sharedRedis == "" {
		t.Skip(redistest.ErrNoServer.Error())
	}
	return sharedRedis
}

func TestMain(m *testing.M) {
	sharedRedis = redistest.Shared(11)
	var srv *redistest.Server
	if sharedRedis == "" {
		dir, _ := os.MkdirTemp("", "redis")
		defer os.RemoveAll(dir)
		var err error
		if srv, err = redistest.StartServer(dir); err == nil {
			sharedRedis = srv.URL
		} else if !errors.Is(err, redistest.ErrNoServer) {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	if srv != nil {
		srv.Stop()
	}
	os.Exit(code)
}

// The offending message: its subject, file name and evidence must never
// reach an alert.
const (
	secretSubject = "Year 7 SEN list for the trip"
	secretFile    = "pupils-SEN-register.xlsx"
	secretSummary = "31 UPNs in attachment 2 (xlsx)"
)

var t0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

func heldRecord(id, from string, n int) *quarantine.Record {
	to := make([]string, n)
	for i := range to {
		to[i] = fmt.Sprintf("parent%d@example.com", i)
	}
	return &quarantine.Record{ID: id, Received: t0, Client: "10.0.0.5", From: from, To: to,
		Direction: "outbound", Subject: secretSubject, Rule: "pupil-data-outbound", Action: "quarantine",
		Categories: []string{"pupil_data"},
		Findings:   []scanner.Finding{{Category: "pupil_data", Scanner: "pupildata", Score: 0.97, Summary: secretSummary, Where: "2/" + secretFile}}}
}

func noContent(t *testing.T, raw []byte) {
	t.Helper()
	s := string(raw)
	_, text := body(t, raw)
	for _, secret := range []string{secretSubject, secretFile, secretSummary, "UPN", "SEN"} {
		if strings.Contains(s, secret) || strings.Contains(text, secret) {
			t.Errorf("alert leaks %q:\n%s", secret, text)
		}
	}
}

// TestThirdConfirmedViolationAlertsManager is the end-to-end case:
// after a reviewer confirms the third violation in a day, exactly one alert
// reaches the sender's line manager, at a real SMTP server, through the
// inbound next hop, naming no content.
func TestThirdConfirmedViolationAlertsManager(t *testing.T) {
	trackers(t, func(t *testing.T, tr tracker.Tracker) {
		ctx := context.Background()
		e := setup(t, tr, "")
		sender := "j.smith-" + fmt.Sprint(time.Now().UnixNano()) + "@trust.example"
		// The directory knows j.smith@trust.example; make this run's sender
		// unique (shared Redis) but keep the manager lookup.
		e.n.dir = aliasDir{e.n.dir, sender, "j.smith@trust.example"}
		now := t0.Add(time.Hour)
		confirm := func(id string) {
			t.Helper()
			if err := e.n.confirmed(ctx, heldRecord(id, sender, 31), "reviewer-ann", now); err != nil {
				t.Fatal(err)
			}
			now = now.Add(10 * time.Minute)
		}
		flush := func() int {
			t.Helper()
			n, err := e.n.Flush(ctx, now.Add(2*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		id := func(i int) string { return fmt.Sprintf("%s%02d", "aaaaaaaaaaaaaaaaaa", i) }
		confirm(id(1))
		confirm(id(1)) // the same message confirmed twice counts once
		confirm(id(2))
		if n := flush(); n != 0 || len(e.internal.Messages()) != 0 {
			t.Fatalf("alert before the third violation: %d", n)
		}
		confirm(id(3))
		if n := flush(); n != 1 {
			t.Fatalf("%d digests, want 1", n)
		}
		got := e.internal.Messages()
		if len(got) != 1 || len(e.external.Messages()) != 0 {
			t.Fatalf("internal %d, external %d: want one mail via the inbound hop", len(got), len(e.external.Messages()))
		}
		m := got[0]
		if m.From != "mailward@trust.example" || len(m.To) != 1 || m.To[0] != "head@trust.example" {
			t.Fatalf("envelope %s -> %v", m.From, m.To)
		}
		subject, text := body(t, m.Data)
		for _, want := range []string{sender, "Recipients:   31 (outbound)", "pupil_data", "pupil-data-outbound",
			"reviewer-ann", "3 today, 3 this month", "escalation: at least 3 confirmed violations in a day",
			"https://mailward.trust.example/messages/" + id(1), "https://mailward.trust.example/messages/" + id(3)} {
			if !strings.Contains(text, want) {
				t.Errorf("alert lacks %q:\n%s", want, text)
			}
		}
		if strings.Count(text, "Confirmed policy violation") != 3 {
			t.Errorf("want the day's three violations in one digest:\n%s", text)
		}
		if !strings.Contains(subject, "mailward: 3 confirmed policy violations (") {
			t.Errorf("subject %q", subject)
		}
		if !strings.Contains(string(m.Data), "Auto-Submitted: auto-generated") {
			t.Error("no Auto-Submitted")
		}
		if hm, err := mail.ReadMessage(strings.NewReader(string(m.Data))); err != nil {
			t.Fatal(err)
		} else if id := hm.Header.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@trust.example>") {
			t.Errorf("Message-ID %q", id)
		} else if _, err := hm.Header.Date(); err != nil {
			t.Errorf("Date: %v", err)
		}
		noContent(t, m.Data)

		// A fourth confirmation tells the manager of that one only.
		confirm(id(4))
		flush()
		got = e.internal.Messages()
		if len(got) != 2 {
			t.Fatalf("fourth: %d mails", len(got))
		}
		_, text = body(t, got[1].Data)
		if strings.Count(text, "Confirmed policy violation") != 1 || !strings.Contains(text, id(4)) {
			t.Errorf("fourth digest:\n%s", text)
		}
	})
}

// aliasDir answers for alias as the directory does for real.
type aliasDir struct {
	directory.Source
	alias, real string
}

func (a aliasDir) Lookup(addr string) (directory.Person, bool) {
	if directory.Normalize(addr) == a.alias {
		addr = a.real
	}
	return a.Source.Lookup(addr)
}

// TestHoldSpreeOneMail: fifty pupil-data holds in a minute are one mail to
// IT (internal hop) and one to the DPO (external hop), each item once.
func TestHoldSpreeOneMail(t *testing.T) {
	trackers(t, func(t *testing.T, tr tracker.Tracker) {
		ctx := context.Background()
		e := setup(t, tr, "")
		sender := fmt.Sprintf("spree-%d@trust.example", time.Now().UnixNano())
		for i := 0; i < 50; i++ {
			rec := heldRecord(fmt.Sprintf("spree%d-%d", time.Now().UnixNano(), i), sender, 3)
			it := Item{Time: t0, Sender: rec.From, Recipients: len(rec.To), Direction: rec.Direction,
				Categories: rec.Categories, Rule: rec.Rule, Action: rec.Action, QuarantineID: rec.ID}
			for range 2 { // told twice (retry, second instance): counted once
				if err := e.n.Held(ctx, it, t0.Add(time.Duration(i)*time.Second)); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Not yet due: the urgent period is a minute from the first hold.
		if n, _ := e.n.Flush(ctx, t0.Add(59*time.Second)); n != 0 {
			t.Fatalf("sent early: %d", n)
		}
		if n, err := e.n.Flush(ctx, t0.Add(time.Minute)); n != 2 || err != nil {
			t.Fatalf("flush: %d %v", n, err)
		}
		in, out := e.internal.Messages(), e.external.Messages()
		if len(in) != 1 || in[0].To[0] != "it-support@trust.example" {
			t.Fatalf("internal: %d", len(in))
		}
		if len(out) != 1 || out[0].To[0] != "dpo@la.example" {
			t.Fatalf("external: %d", len(out))
		}
		for _, m := range []smtptest.Message{in[0], out[0]} {
			_, text := body(t, m.Data)
			if c := strings.Count(text, "Message held"); c != 50 {
				t.Errorf("%d items, want 50", c)
			}
			noContent(t, m.Data)
		}
		// Holds of other categories tell nobody by default.
		it := Item{Sender: sender, Categories: []string{"chain_mail"}, QuarantineID: "x"}
		e.n.Held(ctx, it, t0.Add(time.Hour))
		if n, _ := e.n.Flush(ctx, t0.Add(3*time.Hour)); n != 0 {
			t.Fatalf("chain_mail hold alerted: %d", n)
		}
	})
}

// TestTwoInstancesSendOnce: two gateways sharing Redis flush the same due
// digest at once; one mail goes out.
func TestTwoInstancesSendOnce(t *testing.T) {
	ctx := context.Background()
	a, err := tracker.Dial(redisURL(t), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, _ := tracker.Dial(redisURL(t), 0, nil)
	defer b.Close()
	e := setup(t, a, "")
	other := New(e.cfg, b, nil)
	other.Log = e.n.Log
	sender := fmt.Sprintf("twice-%d@trust.example", time.Now().UnixNano())
	e.n.RateLimited(ctx, Item{Sender: sender, Note: "over 200 messages per hour"}, sender, t0)
	other.RateLimited(ctx, Item{Sender: sender, Note: "over 200 messages per hour"}, sender, t0.Add(time.Second))
	var wg sync.WaitGroup
	var total int
	var mu sync.Mutex
	for _, n := range []*Notifier{e.n, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _ := n.Flush(ctx, t0.Add(2*time.Minute))
			mu.Lock()
			total += c
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != 1 || len(e.internal.Messages()) != 1 {
		t.Fatalf("%d digests, %d mails; want 1", total, len(e.internal.Messages()))
	}
	_, text := body(t, e.internal.Messages()[0].Data)
	if strings.Count(text, "Sending rate exceeded") != 1 {
		t.Fatalf("rate alert told twice:\n%s", text)
	}
}

// The notifier's methods fit the review page's hooks.
var _ = review.Hooks{OnConfirm: (*Notifier)(nil).ConfirmedViolation, OnSuspectedIllegal: (*Notifier)(nil).SuspectedIllegal}

func TestSuspectedIllegalAtOnce(t *testing.T) {
	ctx := context.Background()
	e := setup(t, tracker.NewMemory(nil), "")
	e.n.Now = func() time.Time { return t0 }
	rec := heldRecord("dddddddddddddddddddd", "j.smith@trust.example", 1)
	e.n.SuspectedIllegal(ctx, rec, "ann")
	e.n.SuspectedIllegal(ctx, rec, "bob") // marked twice: told once
	e.n.Flush(ctx, t0.Add(time.Minute))
	got := e.internal.Messages()
	if len(got) != 1 || got[0].To[0] != "it-support@trust.example" || len(e.external.Messages()) != 1 {
		t.Fatalf("internal %d external %d", len(got), len(e.external.Messages()))
	}
	subject, text := body(t, got[0].Data)
	if !strings.Contains(subject, "1 message for urgent attention") || !strings.Contains(text, "do not view it again") ||
		!strings.Contains(text, "/messages/dddddddddddddddddddd") {
		t.Fatalf("%s\n%s", subject, text)
	}
	noContent(t, got[0].Data)
}

func TestNoManagerTellsIT(t *testing.T) {
	ctx := context.Background()
	e := setup(t, tracker.NewMemory(nil), `
  escalation:
    - violations_today: 1
      notify: [line_manager]
`)
	// head@ has no manager in the directory.
	if err := e.n.confirmed(ctx, heldRecord("cccccccccccccccccccc", "head@trust.example", 2), "ann", t0); err != nil {
		t.Fatal(err)
	}
	e.n.Flush(ctx, t0.Add(2*time.Hour))
	got := e.internal.Messages()
	if len(got) != 1 || got[0].To[0] != "it-support@trust.example" {
		t.Fatalf("%v", got)
	}
	if _, text := body(t, got[0].Data); !strings.Contains(text, "no line manager in the directory") {
		t.Fatalf("no note:\n%s", text)
	}
}

func TestSendFailureRetries(t *testing.T) {
	ctx := context.Background()
	e := setup(t, tracker.NewMemory(nil), "")
	e.internal.Set(func(b *smtptest.Behaviour) {
		b.DataErr = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
	})
	e.n.RateLimited(ctx, Item{Sender: "x@trust.example"}, "x@trust.example", t0)
	if n, err := e.n.Flush(ctx, t0.Add(time.Minute)); n != 0 || err == nil {
		t.Fatalf("refused send: %d %v", n, err)
	}
	e.internal.Set(func(b *smtptest.Behaviour) { b.DataErr = nil })
	if n, _ := e.n.Flush(ctx, t0.Add(time.Minute+30*time.Second)); n != 0 {
		t.Fatal("retried before the backoff")
	}
	if n, err := e.n.Flush(ctx, t0.Add(4*time.Minute)); n != 1 || err != nil {
		t.Fatalf("retry: %d %v", n, err)
	}
	if len(e.internal.Messages()) != 1 {
		t.Fatalf("%d mails", len(e.internal.Messages()))
	}
}

func TestWebhook(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var posts []WebhookPayload
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p WebhookPayload
		if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&p) != nil {
			w.WriteHeader(400)
			return
		}
		mu.Lock()
		posts = append(posts, p)
		mu.Unlock()
	}))
	defer hs.Close()
	e := setup(t, tracker.NewMemory(nil), "  webhook: {url: \""+hs.URL+"/hook/secret-token\"}\n")
	for i := 0; i < 5; i++ {
		it := Item{Sender: "j.smith@trust.example", Recipients: 31, Categories: []string{"malware"},
			QuarantineID: fmt.Sprintf("w%d", i), Time: t0}
		e.n.Held(ctx, it, t0)
	}
	if n, err := e.n.Flush(ctx, t0.Add(time.Minute)); err != nil || n != 3 { // IT mail, DPO mail, webhook
		t.Fatalf("flush %d %v", n, err)
	}
	if len(posts) != 1 || len(posts[0].Items) != 5 || posts[0].Source != "mailward" ||
		!strings.Contains(posts[0].Text, "5 held messages") || !strings.Contains(posts[0].Text, "https://mailward.trust.example/messages/w0") {
		t.Fatalf("%+v", posts)
	}
	// A failing webhook's error does not reveal its URL (a secret token).
	hs.Close()
	e.n.Held(ctx, Item{Sender: "j.smith@trust.example", Categories: []string{"malware"}, QuarantineID: "w9"}, t0.Add(time.Hour))
	_, err := e.n.Flush(ctx, t0.Add(2*time.Hour))
	if err == nil || strings.Contains(err.Error(), "secret-token") {
		t.Fatalf("webhook error %v", err)
	}
}

// TestRedisDownAlertsStillGo: with Redis gone, holds are queued in the
// instance and IT still gets one digest, without waiting on Redis long.
func TestRedisDownAlertsStillGo(t *testing.T) {
	srv := redistest.Start(t)
	tr, err := tracker.Dial(srv.URL, 200*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	e := setup(t, tr, "")
	ctx := context.Background()
	srv.Stop()
	start := time.Now()
	for i := 0; i < 3; i++ {
		err := e.n.Held(ctx, Item{Sender: "j.smith@trust.example", Categories: []string{"malware"}, QuarantineID: fmt.Sprintf("down%d", i)}, t0)
		if err == nil {
			t.Fatal("no error reported with Redis down")
		}
	}
	if n, _ := e.n.Flush(ctx, t0.Add(time.Minute)); n != 2 { // IT and DPO
		t.Fatalf("%d digests with Redis down, want 2", n)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("took %v", took)
	}
	got := e.internal.Messages()
	if len(got) != 1 {
		t.Fatalf("%d mails to IT", len(got))
	}
	if _, text := body(t, got[0].Data); strings.Count(text, "Message held") != 3 {
		t.Fatalf("digest:\n%s", text)
	}
}
