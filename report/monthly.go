package report

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/quarantine"
)

// Marker keeps which month's report went out, with compare-and-set, so
// that gateways sharing the store send it once (msglog.SQLite has it).
type Marker interface {
	Meta(ctx context.Context, key string) (string, error)
	SetMeta(ctx context.Context, key, old, value string) (bool, error)
}

// MailFunc sends a report: a subject, a plain-text lead, the HTML body and
// the PDF to attach (alert.Notifier.SendReport fits).
type MailFunc func(ctx context.Context, to []string, subject, text string, html, pdf []byte) error

// Monthly e-mails last month's report to management once, after the month
// ends: RunOnce is idempotent (it claims the month in the Marker before
// sending and gives the claim back if sending fails, so a later run
// retries; a crash in between loses that month's mail rather than sending
// it twice).
type Monthly struct {
	Log        msglog.Store
	Quarantine quarantine.Backend
	Marker     Marker
	Mail       MailFunc
	To         []string
	Location   *time.Location
	StaffNames bool
	Now        func() time.Time
	Logger     *slog.Logger
}

// markerKey is the Marker key of the last month sent ("2026-11").
const markerKey = "monthly_report"

// RunOnce sends last month's report if nobody has. It reports whether
// this call sent it.
func (m *Monthly) RunOnce(ctx context.Context) (bool, error) {
	if len(m.To) == 0 {
		return false, nil
	}
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	if m.Location == nil {
		m.Location = time.UTC
	}
	since, until := LastMonth(now(), m.Location)
	month := since.Format("2006-01")
	last, err := m.Marker.Meta(ctx, markerKey)
	if err != nil {
		return false, err
	}
	if last >= month {
		return false, nil
	}
	if ok, err := m.Marker.SetMeta(ctx, markerKey, last, month); err != nil || !ok {
		return false, err // another gateway claimed it
	}
	sent, err := m.send(ctx, since, until, now())
	if err != nil {
		if _, rerr := m.Marker.SetMeta(ctx, markerKey, month, last); rerr != nil {
			err = fmt.Errorf("%w (and the claim could not be given back: %v)", err, rerr)
		}
		return false, err
	}
	return sent, nil
}

func (m *Monthly) send(ctx context.Context, since, until, now time.Time) (bool, error) {
	title := "Email filtering report: " + since.In(m.Location).Format("January 2006")
	r, err := Collect(ctx, m.Log, m.Quarantine, since, until, Options{Title: title, Location: m.Location, StaffNames: m.StaffNames, Now: now})
	if err != nil {
		return false, err
	}
	var html, pdf bytes.Buffer
	if err := r.WriteHTML(&html); err != nil {
		return false, err
	}
	if err := r.WritePDF(&pdf); err != nil {
		return false, err
	}
	text := fmt.Sprintf("%s\n\n%s messages (%s inbound, %s outbound, %s internal); %d held for review, %d released, %d confirmed violations, %d false positives.\n\n"+
		"The full report is below and attached as a PDF. It holds counts and trends only: no addresses, subjects, message content or pupil names.\n",
		title, humanInt(float64(r.Messages)), humanInt(float64(r.ByDirection["inbound"])), humanInt(float64(r.ByDirection["outbound"])),
		humanInt(float64(r.ByDirection["internal"])), r.Holds.Held, r.Holds.Released, r.Holds.Confirmed, r.Holds.FalsePositive)
	if err := m.Mail(ctx, m.To, title, text, html.Bytes(), pdf.Bytes()); err != nil {
		return false, err
	}
	if m.Logger != nil {
		m.Logger.Info("monthly report sent", "month", since.Format("2006-01"), "recipients", len(m.To))
	}
	return true, nil
}

// Run calls RunOnce at start and every hour until ctx ends, logging
// failures (a failed month is retried on the next hour).
func (m *Monthly) Run(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if _, err := m.RunOnce(ctx); err != nil && m.Logger != nil {
			m.Logger.Error("monthly report", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
