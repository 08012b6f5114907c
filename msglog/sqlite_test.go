package msglog

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func openTest(t testing.TB) *SQLite {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenSQLite(filepath.Join(t.TempDir(), "tracking", "messages.db"), SQLiteOptions{Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // a Monday

func sum(cs []DayCount, category, direction string) int64 {
	var n int64
	for _, c := range cs {
		if c.Category == category && (direction == "" || c.Direction == direction) {
			n += c.N
		}
	}
	return n
}

// TestPurgeRemovesRows: no recipient or event row of a purged message is
// left in the file.
func TestPurgeRemovesRows(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	err := s.Append(ctx, []Record{
		{Time: t0, QueueID: "old", Direction: "inbound", From: "a@x.example", To: []string{"b@a.trust.example", "c@a.trust.example"}, Action: "quarantine", QuarantineID: "h1"},
		{Time: t0.Add(48 * time.Hour), QueueID: "new", Direction: "inbound", From: "a@x.example", To: []string{"b@a.trust.example"}, Action: "deliver"},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.AddEvent(ctx, Event{Time: t0.Add(time.Hour), QuarantineID: "h1", What: "released"})
	if n, err := s.Purge(ctx, t0.Add(24*time.Hour)); n != 1 || err != nil {
		t.Fatalf("purged %d, %v", n, err)
	}
	for table, want := range map[string]int{"messages": 1, "recipients": 1, "events": 0} {
		var n int
		s.db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n)
		if n != want {
			t.Errorf("%s: %d rows left, want %d", table, n, want)
		}
	}
}

// TestConcurrentAppend writes from several goroutines and two handles on
// the same file (as serve and a CLI would), and loses nothing.
func TestConcurrentAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	a, err := OpenSQLite(path, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenSQLite(path, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		st := a
		if g%2 == 1 {
			st = b
		}
		wg.Go(func() {
			for i := range 20 {
				batch := []Record{{Time: t0.Add(time.Duration(i) * time.Second), QueueID: fmt.Sprintf("g%d-%d", g, i), Direction: "inbound",
					From: fmt.Sprintf("s%d@x.example", g), To: []string{"r@a.trust.example"}, Action: "deliver", Rule: "default"}}
				if err := st.Append(context.Background(), batch); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	p, err := a.Search(context.Background(), Query{To: "r@a.trust.example", Limit: 1000})
	if err != nil || len(p.Records) != 160 {
		t.Fatalf("%d records, %v; want 160", len(p.Records), err)
	}
	c, _ := b.Counts(context.Background(), t0.Add(-time.Hour), t0.Add(time.Hour))
	if sum(c, "", "") != 160 {
		t.Errorf("daily count %d, want 160", sum(c, "", ""))
	}
}

func TestMetaCompareAndSet(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	check := func(old, val string, want bool) {
		t.Helper()
		ok, err := s.SetMeta(ctx, "report", old, val)
		if err != nil || ok != want {
			t.Errorf("SetMeta(%q -> %q) = %v, %v; want %v", old, val, ok, err, want)
		}
	}
	check("", "2026-01", true)
	check("", "2026-01", false) // a second instance loses
	check("2025-12", "2026-02", false)
	check("2026-01", "2026-02", true)
	check("2026-02", "", true) // given back
	check("", "2026-02", true)
	if v, _ := s.Meta(ctx, "report"); v != "2026-02" {
		t.Errorf("meta %q", v)
	}
}
