// Package report is the trend report for management (CLT 5.1-5.3: identify
// usage trends and report them): message volume by direction, findings by
// category per week, the rules that acted most, what happened to held mail
// (released, confirmed, false positives), the false-positive rate per
// category from reviewers' verdicts, and how long review took.
//
// It holds counts and trends only: no addresses, no subjects, no content,
// no pupil names. Reviewers are named only with Options.StaffNames
// (tracking.report_staff_names, off by default).
//
// Build turns the message log's per-day counts and the quarantine's records
// into a Report; HTML, JSON and PDF render it, with the same charts as
// server-rendered SVG (the review page's statistics) or PDF drawing.
package report

import (
	"cmp"
	"slices"
	"sort"
	"time"

	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/quarantine"
)

// Report is one period's figures. Every field is a count, a rate, a
// duration or a label (direction, category, rule, week).
type Report struct {
	Title     string    `json:"title"`
	Since     time.Time `json:"since"`
	Until     time.Time `json:"until"`
	Generated time.Time `json:"generated"`
	TimeZone  string    `json:"time_zone"`

	Messages    int64            `json:"messages"`
	ByDirection map[string]int64 `json:"by_direction"`
	ByAction    map[string]int64 `json:"by_action"`
	// Findings counts messages with a finding, per category.
	Findings map[string]int64 `json:"findings"`
	Weeks    []Week           `json:"weeks"`
	TopRules []Count          `json:"top_rules"`

	Holds       Holds            `json:"holds"`
	PerCategory []CategoryReview `json:"per_category"`
	Review      ReviewTime       `json:"review_time"`
	// Reviewers is set only with Options.StaffNames.
	Reviewers []Count `json:"reviewers,omitempty"`
}

// Week is one week (Monday first, in the report's time zone).
type Week struct {
	Start       string           `json:"start"` // YYYY-MM-DD, a Monday
	Messages    int64            `json:"messages"`
	ByDirection map[string]int64 `json:"by_direction"`
	Findings    map[string]int64 `json:"findings"`
	Held        int              `json:"held"`
	Released    int              `json:"released"`
	Confirmed   int              `json:"confirmed"`
}

// Count is a label and how many.
type Count struct {
	Name string `json:"name"`
	N    int64  `json:"n"`
}

// Holds is what became of the messages held in the period.
type Holds struct {
	Held          int `json:"held"`
	Released      int `json:"released"`
	Confirmed     int `json:"confirmed"`
	FalsePositive int `json:"false_positive"`
	Deleted       int `json:"deleted"`
	Expired       int `json:"expired"`
	// Pending are still held with no reviewer verdict.
	Pending int `json:"pending"`
}

// CategoryReview is reviewers' verdicts on one category's holds. FPRate is
// false positives over verdicts (false positive plus confirmed); -1 when
// there was no verdict.
type CategoryReview struct {
	Category      string  `json:"category"`
	Held          int     `json:"held"`
	Released      int     `json:"released"`
	Confirmed     int     `json:"confirmed"`
	FalsePositive int     `json:"false_positive"`
	FPRate        float64 `json:"fp_rate"`
}

// ReviewTime is how long held mail waited for a reviewer's first action
// (release, delete, false positive, confirm).
type ReviewTime struct {
	Reviewed int           `json:"reviewed"`
	Median   time.Duration `json:"median_ns"`
	P90      time.Duration `json:"p90_ns"`
	// Buckets: under 1 hour, 1-4 hours, 4-24 hours, 1-3 days, over 3 days.
	Buckets [5]int `json:"buckets"`
}

// ReviewBuckets name ReviewTime.Buckets.
var ReviewBuckets = [5]string{"< 1 h", "1-4 h", "4-24 h", "1-3 days", "> 3 days"}

// Options shape a report.
type Options struct {
	Title    string
	Location *time.Location
	// StaffNames lets the report name reviewers.
	StaffNames bool
	Now        time.Time
}

// reviewActions are the record audit entries that count as a reviewer's
// first action on a held message.
var reviewActions = []string{"released", "deleted", "false-positive", "confirm", "suspected-illegal"}

// Build makes the report for [since, until) from the message log's per-day
// counts and the quarantine's records (those received in the period count).
func Build(since, until time.Time, days []msglog.DayCount, held []*quarantine.Record, o Options) *Report {
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	r := &Report{Title: o.Title, Since: since, Until: until, Generated: o.Now, TimeZone: loc.String(),
		ByDirection: map[string]int64{}, ByAction: map[string]int64{}, Findings: map[string]int64{}}
	if r.Title == "" {
		r.Title = "Email filtering report"
	}
	weeks := map[string]*Week{}
	week := func(day time.Time) *Week {
		d := day.In(loc)
		d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
		d = d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
		k := d.Format(time.DateOnly)
		w := weeks[k]
		if w == nil {
			w = &Week{Start: k, ByDirection: map[string]int64{}, Findings: map[string]int64{}}
			weeks[k] = w
		}
		return w
	}
	rules := map[string]int64{}
	for _, d := range days {
		day, err := time.ParseInLocation(time.DateOnly, d.Day, loc)
		if err != nil {
			continue
		}
		w := week(day)
		if d.Category == "" {
			r.Messages += d.N
			r.ByDirection[d.Direction] += d.N
			r.ByAction[d.Action] += d.N
			w.Messages += d.N
			w.ByDirection[d.Direction] += d.N
			if d.Rule != "" && d.Rule != "default" {
				rules[d.Rule] += d.N
			}
			continue
		}
		r.Findings[d.Category] += d.N
		w.Findings[d.Category] += d.N
	}
	cats := map[string]*CategoryReview{}
	var waits []time.Duration
	reviewers := map[string]int64{}
	for _, h := range held {
		if h.Received.Before(since) || !h.Received.Before(until) {
			continue
		}
		w := week(h.Received)
		w.Held++
		r.Holds.Held++
		released := h.Status == quarantine.Released || slices.ContainsFunc(h.Rcpts, func(x quarantine.Rcpt) bool { return x.Status == quarantine.RcptReleased })
		switch {
		case released:
			r.Holds.Released++
			w.Released++
		case h.Status == quarantine.Deleted:
			r.Holds.Deleted++
		case h.Status == quarantine.Expired:
			r.Holds.Expired++
		}
		if h.Confirmed != nil {
			r.Holds.Confirmed++
			w.Confirmed++
		}
		if h.FalsePositive != nil {
			r.Holds.FalsePositive++
		}
		if h.Status == quarantine.Held && h.Confirmed == nil && h.FalsePositive == nil && !released {
			r.Holds.Pending++
		}
		for _, c := range h.Categories {
			cr := cats[c]
			if cr == nil {
				cr = &CategoryReview{Category: c}
				cats[c] = cr
			}
			cr.Held++
			if released {
				cr.Released++
			}
			if h.Confirmed != nil {
				cr.Confirmed++
			}
			if h.FalsePositive != nil {
				cr.FalsePositive++
			}
		}
		if wait, who, ok := firstReview(h); ok {
			waits = append(waits, wait)
			reviewers[who]++
		}
	}
	for _, cr := range cats {
		cr.FPRate = -1
		if v := cr.FalsePositive + cr.Confirmed; v > 0 {
			cr.FPRate = float64(cr.FalsePositive) / float64(v)
		}
		r.PerCategory = append(r.PerCategory, *cr)
	}
	slices.SortFunc(r.PerCategory, func(a, b CategoryReview) int {
		return cmp.Or(cmp.Compare(b.Held, a.Held), cmp.Compare(a.Category, b.Category))
	})
	r.Review = reviewTime(waits)
	if o.StaffNames {
		r.Reviewers = top(reviewers, 20)
	}
	r.TopRules = top(rules, 10)
	// Every week of the period, empty ones too, so that a chart's gaps
	// are real gaps.
	for d := since; d.Before(until); d = d.AddDate(0, 0, 7) {
		week(d)
	}
	week(until.Add(-time.Nanosecond))
	for _, w := range weeks {
		r.Weeks = append(r.Weeks, *w)
	}
	slices.SortFunc(r.Weeks, func(a, b Week) int { return cmp.Compare(a.Start, b.Start) })
	return r
}

// firstReview is the wait from receipt to the first reviewer action, and
// who took it.
func firstReview(h *quarantine.Record) (time.Duration, string, bool) {
	for _, a := range h.Audit {
		if a.Who == "" || a.Who == "mailward" || !slices.Contains(reviewActions, a.What) {
			continue
		}
		return max(0, a.Time.Sub(h.Received)), a.Who, true
	}
	return 0, "", false
}

func reviewTime(waits []time.Duration) ReviewTime {
	rt := ReviewTime{Reviewed: len(waits)}
	if len(waits) == 0 {
		return rt
	}
	slices.Sort(waits)
	rt.Median = waits[len(waits)/2]
	rt.P90 = waits[min(len(waits)-1, len(waits)*9/10)]
	for _, w := range waits {
		switch {
		case w < time.Hour:
			rt.Buckets[0]++
		case w < 4*time.Hour:
			rt.Buckets[1]++
		case w < 24*time.Hour:
			rt.Buckets[2]++
		case w < 72*time.Hour:
			rt.Buckets[3]++
		default:
			rt.Buckets[4]++
		}
	}
	return rt
}

func top(m map[string]int64, n int) []Count {
	var out []Count
	for k, v := range m {
		out = append(out, Count{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Name < out[j].Name
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Categories returns the categories that appear in the report, in a fixed
// order (the policy's order first, then any other alphabetically).
func (r *Report) Categories() []string {
	seen := map[string]bool{}
	for c := range r.Findings {
		seen[c] = true
	}
	for _, c := range r.PerCategory {
		seen[c.Category] = true
	}
	var out []string
	for _, c := range categoryOrder {
		if seen[c] {
			out = append(out, c)
			delete(seen, c)
		}
	}
	var rest []string
	for c := range seen {
		rest = append(rest, c)
	}
	slices.Sort(rest)
	return append(out, rest...)
}

var categoryOrder = []string{"pupil_data", "malware", "offensive_language", "chain_mail", "suspicious_attachment",
	"impersonation", "inappropriate_link", "credentials", "unscannable"}

// Directions is the fixed order of directions in charts and tables.
var Directions = []string{"inbound", "outbound", "internal"}
