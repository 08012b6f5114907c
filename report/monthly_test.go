package report_test

import (
	"bytes"
	"context"
	"mime"
	"mime/multipart"
	"net/mail"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailward/mailward/alert"
	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/smtptest"
	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/report"
	"github.com/mailward/mailward/report/reporttest"
	"github.com/mailward/mailward/tracker"
)

// monthly is a monthly job over generated mail that mails through a real
// SMTP next hop, as serve wires it.
func monthly(t *testing.T, st *msglog.SQLite, q *quarantine.Dir, hop string, now time.Time) *report.Monthly {
	t.Helper()
	cfg := config.Default()
	cfg.Domains = []string{"trust.example"}
	cfg.NextHop.Inbound, cfg.NextHop.Outbound = "smtp://"+hop, "smtp://"+hop
	cfg.Alerts.Management = []string{"head@trust.example", "bursar@trust.example"}
	n := alert.New(cfg, tracker.NewMemory(time.UTC), nil)
	loc, _ := time.LoadLocation("Europe/London")
	return &report.Monthly{Log: st, Quarantine: q, Marker: st, To: cfg.Alerts.Management, Location: loc,
		Now: func() time.Time { return now },
		Mail: func(ctx context.Context, to []string, subject, text string, html, pdf []byte) error {
			return n.SendReport(ctx, to, subject, text, html, []alert.Attachment{{Name: "report.pdf", Type: "application/pdf", Data: pdf}}, now)
		}}
}

func TestMonthlyOnce(t *testing.T) {
	dir := t.TempDir()
	st, err := msglog.OpenSQLite(filepath.Join(dir, "m.db"), msglog.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	q, _ := quarantine.OpenDir(filepath.Join(dir, "q"))
	ctx := context.Background()
	if _, err := reporttest.Generate(ctx, st, q, reporttest.Options{Since: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Days: 30, PerDay: 200, Seed: 9, Holds: true, MaxHold: 10}); err != nil {
		t.Fatal(err)
	}
	sink := smtptest.Start(t, nil)
	now := time.Date(2026, 12, 1, 0, 20, 0, 0, time.UTC)

	// The next hop refuses: nothing is marked, a later run retries.
	sink.Set(func(b *smtptest.Behaviour) {
		b.DataErr = &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try later"}
	})
	if sent, err := monthly(t, st, q, sink.Addr, now).RunOnce(ctx); sent || err == nil {
		t.Fatalf("refused send: sent %v, err %v", sent, err)
	}
	if v, _ := st.Meta(ctx, "monthly_report"); v != "" {
		t.Fatalf("month marked %q after a failed send", v)
	}
	sink.Set(func(b *smtptest.Behaviour) { b.DataErr = nil })

	// Two gateways at once: one sends.
	var wg sync.WaitGroup
	var mu sync.Mutex
	sends := 0
	for range 2 {
		wg.Go(func() {
			sent, err := monthly(t, st, q, sink.Addr, now).RunOnce(ctx)
			if err != nil {
				t.Error(err)
			}
			if sent {
				mu.Lock()
				sends++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if sends != 1 || len(sink.Messages()) != 2 {
		t.Fatalf("%d sends, %d messages at the next hop; want 1 and 2 (one per recipient)", sends, len(sink.Messages()))
	}
	// Later in the month: nothing more.
	if sent, _ := monthly(t, st, q, sink.Addr, now.Add(72*time.Hour)).RunOnce(ctx); sent {
		t.Error("sent twice in December")
	}
	// A month on: January's run sends December's.
	if sent, err := monthly(t, st, q, sink.Addr, time.Date(2027, 1, 1, 6, 0, 0, 0, time.UTC)).RunOnce(ctx); !sent || err != nil {
		t.Errorf("January: sent %v, %v", sent, err)
	}

	m := sink.Messages()[0]
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	if s := msg.Header.Get("Subject"); s != "Email filtering report: November 2026" {
		t.Errorf("subject %q", s)
	}
	_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		types = append(types, strings.SplitN(p.Header.Get("Content-Type"), ";", 2)[0])
	}
	if strings.Join(types, " ") != "multipart/alternative application/pdf" {
		t.Errorf("parts %v", types)
	}
	if strings.Contains(string(m.Data), "@org") || strings.Contains(string(m.Data), "staff0") {
		t.Error("the report mail holds an address from the traffic")
	}
}
