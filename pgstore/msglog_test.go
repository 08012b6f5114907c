package pgstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailward/mailward/msglog"
)

// genRecords makes n deterministic message records over ten days: senders
// and recipients from a few domains (mixed case), actions, categories,
// held ones with a quarantine id.
func genRecords(n int) []msglog.Record {
	r := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	doms := []string{"trust.example", "a.trust.example", "other.example", "Mixed.Example"}
	actions := []string{"deliver", "tag", "quarantine", "reject", "tempfail"}
	cats := []string{"pupil_data", "offensive_language", "chain_mail", "malware"}
	var out []msglog.Record
	for i := range n {
		rec := msglog.Record{
			Time:      t0.Add(time.Duration(r.IntN(10*24*3600)) * time.Second),
			QueueID:   fmt.Sprintf("Q%05d", i),
			Client:    "192.0.2.1",
			Direction: []string{"inbound", "outbound", "internal"}[r.IntN(3)],
			From:      fmt.Sprintf("User%d@%s", r.IntN(20), doms[r.IntN(len(doms))]),
			Size:      int64(r.IntN(100000)),
			Action:    actions[r.IntN(len(actions))],
			Rule:      fmt.Sprintf("rule-%d", r.IntN(4)),
			Reply:     "250 2.0.0",
			Gateway:   []string{"gw-a", "gw-b"}[i%2],
		}
		for range 1 + r.IntN(3) {
			rec.To = append(rec.To, fmt.Sprintf("r%d@%s", r.IntN(15), doms[r.IntN(len(doms))]))
		}
		if r.IntN(3) == 0 {
			c := cats[r.IntN(len(cats))]
			rec.Categories = []string{c}
			rec.Scores = map[string]float64{c: 0.5 + float64(r.IntN(50))/100}
		}
		if rec.Action == "quarantine" {
			rec.QuarantineID = fmt.Sprintf("h%05d", i)
		}
		out = append(out, rec)
	}
	return out
}

// TestMsgLogMatchesSQLite: the same records written to the embedded SQLite
// store and to PostgreSQL answer every query alike (records, order, paging
// cursors, events), and give the same per-day counts; the SQLite store is
// the reference.
func TestMsgLogMatchesSQLite(t *testing.T) {
	ctx := context.Background()
	loc, _ := time.LoadLocation("Europe/London")
	lite, err := msglog.OpenSQLite(filepath.Join(t.TempDir(), "m.db"), msglog.SQLiteOptions{Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg := open(t, migrated(t)).MsgLog(loc)
	recs := genRecords(600)
	for _, s := range []msglog.Store{lite, pg} {
		for i := 0; i < len(recs); i += 100 {
			if err := s.Append(ctx, recs[i:i+100]); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range recs[:40] {
			if r.QuarantineID != "" {
				if err := s.AddEvent(ctx, msglog.Event{Time: r.Time.Add(time.Hour), QuarantineID: r.QuarantineID, What: "released", Who: "it", Recipients: 1}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	day := func(d int) time.Time { return time.Date(2026, 3, 2+d, 0, 0, 0, 0, loc) }
	queries := []msglog.Query{
		{},
		{Limit: 7},
		{From: "user3@trust.example"},
		{From: "USER3@TRUST.EXAMPLE"},
		{From: "@mixed.example"},
		{From: "@trust.example"},
		{To: "r4@other.example"},
		{To: "@a.trust.example", Limit: 50},
		{From: "@other.example", To: "@trust.example"},
		{Since: day(2), Until: day(4)},
		{Action: "quarantine", Direction: "outbound"},
		{Category: "pupil_data"},
		{QueueID: "Q00017"},
		{QueueID: recs[3].QuarantineID + recs[5].QuarantineID},
		{To: "@other.example", Since: day(1), Until: day(8), Limit: 10},
	}
	for _, q := range queries {
		for pageNo := 0; pageNo < 3; pageNo++ {
			want, err := lite.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pg.Search(ctx, q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			if len(want.Records) == 0 && q.QueueID == "" && q.From == "" && q.To == "" {
				t.Errorf("%+v: the reference found nothing: the query tests nothing", q)
			}
			if !reflect.DeepEqual(got.Records, want.Records) || got.Next.Time.Equal(want.Next.Time) != true || (got.Next.Seq == 0) != (want.Next.Seq == 0) {
				t.Errorf("%+v page %d:\n got %d records, next %v\nwant %d records, next %v", q, pageNo, len(got.Records), got.Next, len(want.Records), want.Next)
				for i := range min(len(got.Records), len(want.Records)) {
					if !reflect.DeepEqual(got.Records[i], want.Records[i]) {
						t.Errorf("first difference at %d:\n got %+v\nwant %+v", i, got.Records[i], want.Records[i])
						break
					}
				}
				break
			}
			if want.Next.Seq == 0 {
				break
			}
			q.Before = want.Next
		}
	}
	wantC, _ := lite.Counts(ctx, day(0), day(10))
	gotC, err := pg.Counts(ctx, day(0), day(10))
	byKey := func(cs []msglog.DayCount) {
		slices.SortFunc(cs, func(a, b msglog.DayCount) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	}
	byKey(wantC)
	byKey(gotC)
	if err != nil || !reflect.DeepEqual(gotC, wantC) {
		t.Errorf("counts differ: %d rows vs %d, %v", len(gotC), len(wantC), err)
	}
	for _, s := range []msglog.Store{lite, pg} {
		if n, err := s.Purge(ctx, day(5)); err != nil || n == 0 {
			t.Errorf("%T purge: %d, %v", s, n, err)
		}
	}
	a, _ := lite.Search(ctx, msglog.Query{Limit: msglog.MaxLimit})
	b, _ := pg.Search(ctx, msglog.Query{Limit: msglog.MaxLimit})
	if len(a.Records) != len(b.Records) {
		t.Errorf("after purge: %d records in PostgreSQL, %d in SQLite", len(b.Records), len(a.Records))
	}
	// The monthly report's marker: compare-and-set.
	for _, step := range []struct {
		old, val string
		ok       bool
	}{{"", "2026-02", true}, {"", "2026-02", false}, {"2026-01", "2026-03", false}, {"2026-02", "2026-03", true}} {
		if ok, err := pg.SetMeta(ctx, "monthly_report", step.old, step.val); ok != step.ok || err != nil {
			t.Errorf("SetMeta(%q, %q) = %v, %v; want %v", step.old, step.val, ok, err, step.ok)
		}
	}
	if v, _ := pg.Meta(ctx, "monthly_report"); v != "2026-03" {
		t.Errorf("meta = %q", v)
	}
}
