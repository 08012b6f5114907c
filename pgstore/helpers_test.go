package pgstore

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mailward/mailward/internal/pgtest"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/scanner"
)

var testMsg = []byte("From: a@trust.example\r\nTo: b@other.example\r\nSubject: held\r\n\r\nbody\r\n")

// migrated returns a fresh, migrated database's URL.
func migrated(t testing.TB) string {
	t.Helper()
	u := pgtest.Database(t)
	if _, err := Migrate(context.Background(), u, Options{}); err != nil {
		t.Fatal(err)
	}
	return u
}

// open opens a store on u, as one gateway would, closed at the end.
func open(t testing.TB, u string) *DB {
	t.Helper()
	db, err := Open(context.Background(), u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

func newRec(to ...string) *quarantine.Record {
	if len(to) == 0 {
		to = []string{"b@other.example"}
	}
	return &quarantine.Record{Client: "192.0.2.1", From: "a@trust.example", To: to, Direction: "outbound",
		Subject: "held", Rule: "pupil-data-outbound", Action: "quarantine", Categories: []string{"pupil_data"},
		Findings: []scanner.Finding{{Category: "pupil_data", Scanner: "pupildata", Score: 0.9, Summary: "3 UPNs"}},
		Received: time.Now().UTC().Truncate(time.Millisecond)}
}

func dbName(u string) string {
	p, _ := url.Parse(u)
	return strings.TrimPrefix(p.Path, "/")
}
