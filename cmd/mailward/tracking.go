package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/mailward/mailward/alert"
	"github.com/mailward/mailward/pgstore"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/report"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/msglog"
)

// openTracking opens the message log of cfg (tracking.path). With mustExist
// (the CLI, which only reads), a missing file is an error that says why
// rather than an empty new database.
// With store.url, the message log is the shared store's.
func openTracking(cfg *config.Config, mustExist bool) (trackStore, error) {
	if !cfg.Tracking.On() {
		return nil, errors.New("message tracking is off (tracking.enabled: false)")
	}
	if cfg.Store.Shared() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := pgstore.Open(ctx, cfg.Store.URL, pgstore.Options{})
		if err != nil {
			return nil, err
		}
		return sharedTracking{MsgLog: db.MsgLog(cfg.Tracker.Location()), db: db}, nil
	}
	if mustExist {
		if _, err := os.Stat(cfg.Tracking.Path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no message log at %s (tracking.path): serve writes it once mail flows", cfg.Tracking.Path)
		}
	}
	return msglog.OpenSQLite(cfg.Tracking.Path, msglog.SQLiteOptions{Location: cfg.Tracker.Location()})
}

// parseDay reads a -since or -until value: YYYY-MM-DD (a day in the
// tracker's time zone; as -until the whole day is included) or RFC 3339
// (exact).
func parseDay(s string, loc *time.Location, until bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return t, fmt.Errorf("%q: want YYYY-MM-DD or RFC 3339", s)
	}
	if until {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

// trackEvent records a held message's event from the CLI in the message
// log, when there is one; a failure is a warning (the action is done).
func trackEvent(ctx context.Context, cfg *config.Config, e msglog.Event, stderr io.Writer) {
	if !cfg.Tracking.On() {
		return
	}
	st, err := openTracking(cfg, true)
	if err != nil {
		return // no message log yet: nothing to add the event to
	}
	defer st.Close()
	e.Time = time.Now().UTC()
	if err := st.AddEvent(ctx, e); err != nil {
		fmt.Fprintf(stderr, "mailward: warning: message tracking: %v\n", err)
	}
}

// trackingLoops runs what serve does with the message log besides
// writing it, until ctx ends: retention (log.retention_days) at start and
// every hour, and the monthly report to alerts.management. notifier is
// asked for the current alert notifier at each send (reloads replace it).
func trackingLoops(ctx context.Context, cfg *config.Config, st trackStore, q quarantine.Backend, notifier func() *alert.Notifier, log *slog.Logger) {
	go func() {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			before := time.Now().AddDate(0, 0, -cfg.Log.RetentionDays)
			if n, err := st.Purge(ctx, before); err != nil {
				log.Error("message tracking retention", "err", err)
			} else if n > 0 {
				log.Info("message tracking retention", "purged", n, "before", before.Format(time.DateOnly))
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	if !cfg.Tracking.Monthly() || len(cfg.Alerts.Management) == 0 {
		return
	}
	m := &report.Monthly{Log: st, Quarantine: q, Marker: st, To: cfg.Alerts.Management, Location: cfg.Tracker.Location(),
		StaffNames: cfg.Tracking.ReportStaffNames, Logger: log,
		Mail: func(ctx context.Context, to []string, subject, text string, html, pdf []byte) error {
			n := notifier()
			if n == nil {
				return errors.New("no alert notifier")
			}
			name := "mailward-report.pdf"
			return n.SendReport(ctx, to, subject, text, html, []alert.Attachment{{Name: name, Type: "application/pdf", Data: pdf}}, time.Now())
		}}
	go m.Run(ctx)
}
