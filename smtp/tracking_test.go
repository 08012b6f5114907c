package smtp

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/smtptest"
	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/scanner"
)

// trackedRelay runs mailward with message tracking into a real SQLite
// store, the way serve wires it.
func trackedRelay(t *testing.T, scanners ...scanner.Scanner) (*relay, *msglog.SQLite, *msglog.Writer) {
	t.Helper()
	r := &relay{in: smtptest.Start(t, nil), out: smtptest.Start(t, nil), qdir: t.TempDir()}
	cfg, err := config.Parse(fmt.Appendf(nil, `domains: [trust.example]
trusted_networks: [127.0.0.1/32]
listen: 127.0.0.1:0
hostname: mailward.test
next_hop:
  inbound: smtp://%s
  outbound: smtp://%s
quarantine:
  dir: %s
`, r.in.Addr, r.out.Addr, r.qdir))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Tracking.Path != filepath.Join(r.qdir, "tracking", "messages.db") || !cfg.Tracking.On() {
		t.Fatalf("tracking default: %+v", cfg.Tracking)
	}
	st, err := msglog.OpenSQLite(cfg.Tracking.Path, msglog.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := msglog.NewWriter(st, msglog.WriterOptions{Linger: time.Millisecond})
	r.pipe, err = pipeline.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.pipe.Runner.Scanners = append(r.pipe.Runner.Scanners, scanners...)
	if r.store, err = quarantine.OpenDir(r.qdir); err != nil {
		t.Fatal(err)
	}
	r.logs = &lockedWriter{}
	r.srv, err = New(cfg, Options{Pipeline: r.pipe, Store: r.store, Logger: slog.New(slog.NewTextHandler(r.logs, nil)), Tracking: w})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = l.Addr().String()
	go r.srv.Serve(l)
	t.Cleanup(func() { r.srv.Close() })
	return r, st, w
}

// TestTrackingRecords: every message the relay answers leaves one record,
// found by the queue id the client heard in the 250 reply, with the
// envelope and verdict and no content.
func TestTrackingRecords(t *testing.T) {
	r, st, w := trackedRelay(t, panicky{})
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	got := cv.sendMessage("Parent@Home.example", []string{"head@trust.example"}, "Subject: Secret words\r\n\r\nbody text\r\n")
	qid, ok := strings.CutPrefix(got, "250 2.0.0 Ok: queued as ")
	if !ok {
		t.Fatalf("reply %q", got)
	}
	// The record is added after the reply, before the next command.
	cv.cmd("QUIT", "221")
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	p, err := st.Search(context.Background(), msglog.Query{QueueID: qid})
	if err != nil || len(p.Records) != 1 {
		t.Fatalf("search by the 250's queue id %s: %d records, %v", qid, len(p.Records), err)
	}
	rec := p.Records[0]
	// The panicking scanner makes it a hold (unscannable): the record names
	// the quarantine id, and the held copy is really there.
	if rec.Direction != "inbound" || rec.From != "parent@home.example" || !slices.Equal(rec.To, []string{"head@trust.example"}) ||
		rec.Client != "127.0.0.2" || rec.Action != "quarantine" || rec.Rule != "unscannable" || rec.QuarantineID == "" ||
		rec.Reply != got || rec.Size == 0 || rec.Gateway != "mailward.test" || time.Since(rec.Time) > time.Minute {
		t.Errorf("record %+v", rec)
	}
	if _, err := r.store.Get(context.Background(), rec.QuarantineID); err != nil {
		t.Errorf("quarantine id %s: %v", rec.QuarantineID, err)
	}
	p, _ = st.Search(context.Background(), msglog.Query{From: "parent@home.example"})
	if len(p.Records) != 1 {
		t.Errorf("sender search: %d records", len(p.Records))
	}
	// Nothing of the content went in: not the subject, not the body.
	var all strings.Builder
	fmt.Fprintf(&all, "%+v", p.Records)
	if strings.Contains(all.String(), "Secret") || strings.Contains(all.String(), "body text") {
		t.Errorf("content in the tracking record: %s", all.String())
	}
}

// TestTrackingDelivered: a delivered message and a refused recipient's
// transaction; the writer never holds a reply back.
func TestTrackingDelivered(t *testing.T) {
	r, st, w := trackedRelay(t)
	cv := dial(t, r.addr, "127.0.0.1")
	cv.ehlo()
	got := cv.sendMessage("head@trust.example", []string{"parent@home.example", "gran@home.example"}, "Subject: hi\r\n\r\nhello\r\n")
	qid, ok := strings.CutPrefix(got, "250 2.0.0 Ok: queued as ")
	if !ok {
		t.Fatalf("reply %q", got)
	}
	cv.cmd("QUIT", "221")
	w.Close(context.Background())
	p, err := st.Search(context.Background(), msglog.Query{To: "gran@home.example"})
	if err != nil || len(p.Records) != 1 {
		t.Fatalf("%d records, %v", len(p.Records), err)
	}
	rec := p.Records[0]
	if rec.QueueID != qid || rec.Direction != "outbound" || rec.Action != "deliver" || len(rec.To) != 2 || rec.QuarantineID != "" {
		t.Errorf("record %+v", rec)
	}
	// The next hop's own answer follows ours: its queue id lets IT follow
	// the message into the next system.
	if !strings.HasPrefix(rec.Reply, got+"; next hop: 250 ") {
		t.Errorf("reply %q lacks the next hop's 250", rec.Reply)
	}
	if written, dropped, failed := w.Counts(); written != 1 || dropped+failed != 0 {
		t.Errorf("writer counts %d %d %d", written, dropped, failed)
	}
}
