package report

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/report/reporttest"
)

var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return l
}()

func TestBuild(t *testing.T) {
	since := time.Date(2026, 3, 1, 0, 0, 0, 0, london) // a Sunday
	until := time.Date(2026, 3, 15, 0, 0, 0, 0, london)
	days := []msglog.DayCount{
		{Day: "2026-03-01", Direction: "inbound", Action: "deliver", Rule: "default", N: 100},
		{Day: "2026-03-02", Direction: "inbound", Action: "deliver", Rule: "default", N: 50},
		{Day: "2026-03-02", Direction: "outbound", Action: "quarantine", Rule: "pupil-data-outbound", N: 4},
		{Day: "2026-03-02", Direction: "outbound", Action: "quarantine", Rule: "pupil-data-outbound", Category: "pupil_data", N: 4},
		{Day: "2026-03-10", Direction: "internal", Action: "tag", Rule: "chain-mail-tag", N: 3},
		{Day: "2026-03-10", Direction: "internal", Action: "tag", Rule: "chain-mail-tag", Category: "chain_mail", N: 3},
	}
	at := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.UTC) }
	held := []*quarantine.Record{
		// Released after a false positive, 1 h after arrival.
		{Received: at(2, 9), Categories: []string{"pupil_data"}, Status: quarantine.Released, FalsePositive: &quarantine.Note{Who: "rev"},
			Audit: []quarantine.AuditEntry{{Time: at(2, 9), Who: "mailward", What: "held"}, {Time: at(2, 10), Who: "rev", What: "false-positive"}}},
		// Confirmed 5 h after.
		{Received: at(2, 9), Categories: []string{"pupil_data"}, Status: quarantine.Held, Confirmed: &quarantine.Note{Who: "dpo"},
			Audit: []quarantine.AuditEntry{{Time: at(2, 14), Who: "dpo", What: "confirm"}}},
		{Received: at(2, 9), Categories: []string{"pupil_data"}, Status: quarantine.Held, Confirmed: &quarantine.Note{Who: "dpo"},
			Audit: []quarantine.AuditEntry{{Time: at(5, 9), Who: "dpo", What: "confirm"}}},
		// Waiting.
		{Received: at(11, 9), Categories: []string{"offensive_language"}, Status: quarantine.Held},
		// Outside the period: not counted.
		{Received: at(20, 9), Categories: []string{"malware"}, Status: quarantine.Held},
	}
	r := Build(since, until, days, held, Options{Location: london, Now: at(15, 8)})
	if r.Messages != 157 || r.ByDirection["inbound"] != 150 || r.ByAction["quarantine"] != 4 || r.Findings["pupil_data"] != 4 {
		t.Errorf("totals %d %v %v %v", r.Messages, r.ByDirection, r.ByAction, r.Findings)
	}
	var starts []string
	for _, w := range r.Weeks {
		starts = append(starts, w.Start)
	}
	if strings.Join(starts, " ") != "2026-02-23 2026-03-02 2026-03-09" {
		t.Errorf("weeks %v", starts)
	}
	if r.Weeks[0].Messages != 100 || r.Weeks[1].Messages != 54 || r.Weeks[1].Held != 3 || r.Weeks[1].Released != 1 || r.Weeks[1].Confirmed != 2 {
		t.Errorf("weeks %+v", r.Weeks)
	}
	if len(r.TopRules) != 2 || r.TopRules[0] != (Count{"pupil-data-outbound", 4}) {
		t.Errorf("top rules %v", r.TopRules)
	}
	want := Holds{Held: 4, Released: 1, Confirmed: 2, FalsePositive: 1, Pending: 1}
	if r.Holds != want {
		t.Errorf("holds %+v, want %+v", r.Holds, want)
	}
	if len(r.PerCategory) != 2 || r.PerCategory[0].Category != "pupil_data" || r.PerCategory[0].FPRate < 0.33 || r.PerCategory[0].FPRate > 0.34 ||
		r.PerCategory[1].FPRate != -1 {
		t.Errorf("per category %+v", r.PerCategory)
	}
	if r.Review.Reviewed != 3 || r.Review.Median != 5*time.Hour || r.Review.Buckets != [5]int{0, 1, 1, 0, 1} {
		t.Errorf("review %+v", r.Review)
	}
	if r.Reviewers != nil {
		t.Errorf("staff named without report_staff_names: %v", r.Reviewers)
	}
	r = Build(since, until, days, held, Options{Location: london, StaffNames: true})
	if len(r.Reviewers) != 2 || r.Reviewers[0] != (Count{"dpo", 2}) {
		t.Errorf("reviewers %v", r.Reviewers)
	}
}

// generated builds a report over generated mail in a real store and
// quarantine.
func generated(t *testing.T, o Options) (*Report, reporttest.Result) {
	t.Helper()
	dir := t.TempDir()
	st, err := msglog.OpenSQLite(filepath.Join(dir, "m.db"), msglog.SQLiteOptions{Location: london})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	q, err := quarantine.OpenDir(filepath.Join(dir, "q"))
	if err != nil {
		t.Fatal(err)
	}
	since, until := LastMonth(time.Date(2026, 12, 1, 7, 0, 0, 0, london), london)
	res, err := reporttest.Generate(context.Background(), st, q, reporttest.Options{Since: since, Days: 30, PerDay: 400, Seed: 3, Holds: true, MaxHold: 60})
	if err != nil {
		t.Fatal(err)
	}
	o.Location = london
	o.Now = time.Date(2026, 12, 1, 7, 0, 0, 0, london)
	r, err := Collect(context.Background(), st, q, since, until, o)
	if err != nil {
		t.Fatal(err)
	}
	return r, res
}

var address = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}`)

// TestRenderGenerated renders a month of generated mail in every format
// and checks that the figures agree and that nothing personal got in.
func TestRenderGenerated(t *testing.T) {
	r, res := generated(t, Options{Title: "Monthly email report: November 2026"})
	if r.Messages != int64(res.Messages) || r.Holds.Held != len(res.Held) || r.Holds.Held == 0 {
		t.Fatalf("report counts %d messages %d held; generated %d and %d", r.Messages, r.Holds.Held, res.Messages, len(res.Held))
	}
	var h, j, p bytes.Buffer
	if err := r.WriteHTML(&h); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteJSON(&j); err != nil {
		t.Fatal(err)
	}
	if err := r.WritePDF(&p); err != nil {
		t.Fatal(err)
	}
	html := h.String()
	if n := strings.Count(html, "<svg "); n != 6 {
		t.Errorf("%d charts in the HTML, want 6", n)
	}
	if !strings.Contains(html, "<h1>Monthly email report: November 2026</h1>") || !strings.Contains(html, "1 November 2026 to 30 November 2026") {
		t.Errorf("HTML header wrong")
	}
	for _, forbidden := range []string{"<script", "generated message", "javascript:"} {
		if strings.Contains(html, forbidden) {
			t.Errorf("HTML holds %q", forbidden)
		}
	}
	for name, out := range map[string]string{"html": html, "json": j.String(), "pdf": p.String()} {
		if m := address.FindString(out); m != "" {
			t.Errorf("%s report holds an address: %s", name, m)
		}
		for _, who := range []string{"it.tech", "it.manager"} {
			if strings.Contains(out, who) {
				t.Errorf("%s report names reviewer %s without report_staff_names", name, who)
			}
		}
	}
	var back Report
	if err := json.Unmarshal(j.Bytes(), &back); err != nil || back.Messages != r.Messages || len(back.Weeks) != len(r.Weeks) {
		t.Errorf("JSON round trip: %v %d", err, back.Messages)
	}
	if !bytes.HasPrefix(p.Bytes(), []byte("%PDF-")) || !bytes.Contains(p.Bytes(), []byte("%%EOF")) || p.Len() < 5000 {
		t.Errorf("PDF of %d bytes does not look whole", p.Len())
	}
	// The same report gives the same PDF.
	var p2 bytes.Buffer
	r.WritePDF(&p2)
	if !bytes.Equal(p.Bytes(), p2.Bytes()) {
		t.Error("PDF not reproducible")
	}
	if dir := os.Getenv("MAILWARD_REPORT_SAMPLE"); dir != "" {
		os.WriteFile(filepath.Join(dir, "report-sample.html"), h.Bytes(), 0o644)
		os.WriteFile(filepath.Join(dir, "report-sample.pdf"), p.Bytes(), 0o644)
		os.WriteFile(filepath.Join(dir, "report-sample.json"), j.Bytes(), 0o644)
		t.Logf("sample report written to %s", dir)
	}
}

func TestStaffNamesOptIn(t *testing.T) {
	r, _ := generated(t, Options{StaffNames: true})
	var h bytes.Buffer
	r.WriteHTML(&h)
	if !strings.Contains(h.String(), `id="reviewers"`) || !strings.Contains(h.String(), "it.manager") {
		t.Error("report_staff_names on, but no reviewer table")
	}
}

func TestSVGEscapesLabels(t *testing.T) {
	c := Chart{ID: "x", Title: `a"<b>`, Labels: []string{`<script>alert(1)</script>`}, Horizontal: true,
		Series: []Series{{Name: "messages", Values: []float64{3}}}}
	out := string(c.SVG())
	if strings.Contains(out, "<script>") || !strings.Contains(out, "&lt;script&gt;") || strings.Contains(out, "style=") {
		t.Errorf("svg %s", out)
	}
	if out := string((Chart{ID: "e", Title: "t", Labels: []string{"a"}, Series: []Series{{Name: "n", Values: []float64{0}}}}).SVG()); !strings.Contains(out, "No data") {
		t.Errorf("empty chart %s", out)
	}
}

func TestLastMonth(t *testing.T) {
	s, u := LastMonth(time.Date(2026, 1, 1, 0, 30, 0, 0, london), london)
	if s.Format(time.DateOnly) != "2025-12-01" || u.Format(time.DateOnly) != "2026-01-01" {
		t.Errorf("%v %v", s, u)
	}
}

func TestAxis(t *testing.T) {
	for _, tc := range []struct {
		max     float64
		percent bool
		top     float64
		ticks   int
	}{
		{50, false, 60, 3}, {5000, false, 6000, 3}, {100, false, 100, 4}, {3, false, 3, 3}, {0, false, 1, 1},
		{27, false, 30, 3}, {0.69, true, 0.8, 4}, {1, true, 1, 4},
	} {
		top, ticks := axis(tc.max, tc.percent)
		if top != tc.top || ticks != tc.ticks {
			t.Errorf("axis(%v) = %v, %d; want %v, %d", tc.max, top, ticks, tc.top, tc.ticks)
		}
	}
}
