// Package msglogtest is the behaviour every msglog.Store must have, as a
// test suite: the embedded SQLite store runs it, and so must a shared
// store (PostgreSQL, issue 15). Each test gets a fresh, empty store.
package msglogtest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mailward/mailward/msglog"
)

// Run runs the suite; open returns a new empty store (closed by the test's
// cleanup), whose per-day counts are in Europe/London.
func Run(t *testing.T, open func(t *testing.T) msglog.Store) {
	for name, f := range map[string]func(*testing.T, msglog.Store){
		"Search": testSearch, "SearchPages": testSearchPages, "Purge": testPurge, "Counts": testCounts,
		"ConcurrentAppend": testConcurrentAppend,
	} {
		t.Run(name, func(t *testing.T) { f(t, open(t)) })
	}
}

// testConcurrentAppend appends from several goroutines at once and loses
// nothing.
func testConcurrentAppend(t *testing.T, s msglog.Store) {
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				batch := []msglog.Record{{Time: t0.Add(time.Duration(i) * time.Second), QueueID: fmt.Sprintf("g%d-%d", g, i), Direction: "inbound",
					From: fmt.Sprintf("s%d@x.example", g), To: []string{"r@a.trust.example"}, Action: "deliver", Rule: "default"}}
				if err := s.Append(context.Background(), batch); err != nil {
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
	p, err := s.Search(context.Background(), msglog.Query{To: "r@a.trust.example", Limit: 1000})
	if err != nil || len(p.Records) != 160 {
		t.Fatalf("%d records, %v; want 160", len(p.Records), err)
	}
	c, _ := s.Counts(context.Background(), t0.Add(-time.Hour), t0.Add(time.Hour))
	if sum(c, "", "") != 160 {
		t.Errorf("daily count %d, want 160", sum(c, "", ""))
	}
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // a Monday

// fixture is a small day of mail: ids q1..q6.
func fixture() []msglog.Record {
	return []msglog.Record{
		{Time: t0, QueueID: "q1", Client: "192.0.2.1", Direction: "inbound", From: "News@Outside.example", To: []string{"ann@a.trust.example", "bob@a.trust.example"}, Size: 1200, Action: "deliver", Rule: "default", Reply: "250 2.0.0"},
		{Time: t0.Add(time.Minute), QueueID: "q2", Client: "10.0.0.5", Direction: "outbound", From: "ann@a.trust.example", To: []string{"parent@home.example"}, Size: 90000, Action: "quarantine", Rule: "pupil-data-outbound", Categories: []string{"pupil_data"}, Scores: map[string]float64{"pupil_data": 0.97}, Reply: "250 2.0.0", QuarantineID: "h2"},
		{Time: t0.Add(2 * time.Minute), QueueID: "q3", Direction: "inbound", From: "chain@outside.example", To: []string{"bob@a.trust.example"}, Size: 800, Action: "tag", Rule: "chain-tag", Categories: []string{"chain_mail", "offensive_language"}, Scores: map[string]float64{"chain_mail": 0.8, "offensive_language": 0.6}},
		{Time: t0.Add(3 * time.Minute), QueueID: "q4", Direction: "inbound", From: "", To: []string{"ann@a.trust.example"}, Size: 500, Action: "reject", Rule: "malware", Categories: []string{"malware"}, Reply: "550 5.7.1"},
		{Time: t0.Add(24 * time.Hour), QueueID: "q5", Direction: "internal", From: "bob@a.trust.example", To: []string{"ann@a.trust.example"}, Size: 300, Action: "deliver", Rule: "default"},
		{Time: t0.Add(48 * time.Hour), QueueID: "q6", Direction: "outbound", From: "ann@a.trust.example", To: []string{"x@b.example", "y@b.example"}, Size: 300, Action: "deliver", Rule: "default"},
	}
}

func ids(p msglog.Page) []string {
	var out []string
	for _, r := range p.Records {
		out = append(out, r.QueueID)
	}
	return out
}

func testSearch(t *testing.T, s msglog.Store) {
	ctx := context.Background()
	if err := s.Append(ctx, fixture()); err != nil {
		t.Fatal(err)
	}
	if err := s.AddEvent(ctx, msglog.Event{Time: t0.Add(time.Hour), QuarantineID: "h2", What: "released", Who: "rev", Recipients: 1}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    msglog.Query
		want []string
	}{
		{"all newest first", msglog.Query{}, []string{"q6", "q5", "q4", "q3", "q2", "q1"}},
		{"sender exact, any case", msglog.Query{From: "ANN@a.trust.example"}, []string{"q6", "q2"}},
		{"sender in angle brackets", msglog.Query{From: "<ann@a.trust.example>"}, []string{"q6", "q2"}},
		{"sender domain", msglog.Query{From: "@outside.example"}, []string{"q3", "q1"}},
		{"sender domain is not a suffix match", msglog.Query{From: "@side.example"}, nil},
		{"recipient exact", msglog.Query{To: "bob@a.trust.example"}, []string{"q3", "q1"}},
		{"recipient domain, one row per message", msglog.Query{To: "@b.example"}, []string{"q6"}},
		{"recipient domain and sender", msglog.Query{From: "bob@a.trust.example", To: "@a.trust.example"}, []string{"q5"}},
		{"sender and recipient", msglog.Query{From: "news@outside.example", To: "ann@a.trust.example"}, []string{"q1"}},
		{"date range", msglog.Query{Since: t0.Add(time.Minute), Until: t0.Add(24 * time.Hour)}, []string{"q4", "q3", "q2"}},
		{"action", msglog.Query{Action: "quarantine"}, []string{"q2"}},
		{"category", msglog.Query{Category: "offensive_language"}, []string{"q3"}},
		{"category is a whole word", msglog.Query{Category: "mail"}, nil},
		{"direction", msglog.Query{Direction: "internal"}, []string{"q5"}},
		{"queue id", msglog.Query{QueueID: "q4"}, []string{"q4"}},
		{"quarantine id", msglog.Query{QueueID: "h2"}, []string{"q2"}},
		{"recipient with date range", msglog.Query{To: "ann@a.trust.example", Since: t0.Add(time.Hour)}, []string{"q5"}},
		{"bounce sender (empty) is not matched by an address", msglog.Query{From: "@"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := s.Search(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(p); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	p, err := s.Search(ctx, msglog.Query{QueueID: "q2"})
	if err != nil || len(p.Records) != 1 {
		t.Fatal(p, err)
	}
	r := p.Records[0]
	if r.From != "ann@a.trust.example" || !slices.Equal(r.To, []string{"parent@home.example"}) || r.Size != 90000 ||
		r.Client != "10.0.0.5" || r.Rule != "pupil-data-outbound" || r.Scores["pupil_data"] != 0.97 || r.Reply != "250 2.0.0" ||
		!r.Time.Equal(t0.Add(time.Minute)) || !slices.Equal(r.Categories, []string{"pupil_data"}) {
		t.Errorf("record read back as %+v", r)
	}
	if len(r.Events) != 1 || r.Events[0].What != "released" || r.Events[0].Who != "rev" || r.Events[0].Recipients != 1 {
		t.Errorf("events %+v", r.Events)
	}
}

func testSearchPages(t *testing.T, s msglog.Store) {
	ctx := context.Background()
	var recs []msglog.Record
	for i := range 25 {
		// Pairs share a time, so the cursor must break ties by sequence.
		recs = append(recs, msglog.Record{Time: t0.Add(time.Duration(i/2) * time.Second), QueueID: fmt.Sprintf("p%02d", i),
			Direction: "inbound", From: "a@x.example", To: []string{"b@a.trust.example"}, Action: "deliver"})
	}
	if err := s.Append(ctx, recs); err != nil {
		t.Fatal(err)
	}
	for _, q := range []msglog.Query{{Limit: 10}, {Limit: 10, From: "a@x.example"}, {Limit: 10, To: "b@a.trust.example"}} {
		var all []string
		for range 10 {
			p, err := s.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, ids(p)...)
			if p.Next.Time.IsZero() {
				break
			}
			q.Before = p.Next
		}
		if len(all) != 25 || all[0] != "p24" || all[24] != "p00" {
			t.Errorf("query %+v: paged through %d records %v", q, len(all), all)
		}
		seen := map[string]bool{}
		for _, id := range all {
			if seen[id] {
				t.Errorf("query %+v: %s twice", q, id)
			}
			seen[id] = true
		}
	}
}

func testPurge(t *testing.T, s msglog.Store) {
	ctx := context.Background()
	if err := s.Append(ctx, fixture()); err != nil {
		t.Fatal(err)
	}
	s.AddEvent(ctx, msglog.Event{Time: t0.Add(time.Hour), QuarantineID: "h2", What: "released"})
	n, err := s.Purge(ctx, t0.Add(24*time.Hour))
	if err != nil || n != 4 {
		t.Fatalf("purged %d, %v; want 4", n, err)
	}
	p, _ := s.Search(ctx, msglog.Query{})
	if got := ids(p); !slices.Equal(got, []string{"q6", "q5"}) {
		t.Errorf("left %v", got)
	}
	// The purged rows' recipients are gone too: no search can find them.
	p, _ = s.Search(ctx, msglog.Query{To: "bob@a.trust.example"})
	if len(p.Records) != 0 {
		t.Errorf("recipient search found purged rows %v", ids(p))
	}
	// An event of a purged message goes with it: a record stored again
	// under the same quarantine id has none.
	if err := s.Append(ctx, []msglog.Record{{Time: t0.Add(30 * time.Hour), QueueID: "again", Direction: "outbound", From: "a@x.example",
		To: []string{"b@y.example"}, Action: "quarantine", QuarantineID: "h2"}}); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Search(ctx, msglog.Query{QueueID: "h2"}); len(p.Records) != 1 || len(p.Records[0].Events) != 0 {
		t.Errorf("after purge: %+v", p.Records)
	}
	// The per-day counts stay: they hold no addresses.
	c, _ := s.Counts(ctx, t0.Add(-48*time.Hour), t0.Add(72*time.Hour))
	if sum(c, "", "") != 7 { // the six, and the one stored again

		t.Errorf("counts after purge: %v", c)
	}
}

func sum(cs []msglog.DayCount, category, direction string) int64 {
	var n int64
	for _, c := range cs {
		if c.Category == category && (direction == "" || c.Direction == direction) {
			n += c.N
		}
	}
	return n
}

func testCounts(t *testing.T, s msglog.Store) {
	ctx := context.Background()
	// Two appends of the same day add up.
	if err := s.Append(ctx, fixture()[:3]); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, fixture()[3:]); err != nil {
		t.Fatal(err)
	}
	// 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
	late := msglog.Record{Time: time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC), QueueID: "bst", Direction: "inbound", From: "a@x.example", To: []string{"b@a.trust.example"}, Action: "deliver", Rule: "default"}
	if err := s.Append(ctx, []msglog.Record{late}); err != nil {
		t.Fatal(err)
	}
	c, err := s.Counts(ctx, t0, time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if sum(c, "", "") != 4 || sum(c, "", "inbound") != 3 || sum(c, "chain_mail", "") != 1 || sum(c, "malware", "") != 1 || sum(c, "offensive_language", "") != 1 {
		t.Errorf("first day counts %+v", c)
	}
	c, _ = s.Counts(ctx, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC))
	if len(c) != 1 || c[0].Day != "2026-07-01" {
		t.Errorf("London day: %+v", c)
	}
}
