package report

import (
	"fmt"
	"time"
)

// Chart is one chart's data, drawn as SVG (svg.go) or in a PDF (pdf.go):
// bars per label, one segment per series (stacked), or one bar per label
// when there is one series. Horizontal charts suit long labels (rules).
type Chart struct {
	ID         string
	Title      string
	Labels     []string
	Series     []Series
	Horizontal bool
	// Percent shows values as percentages (0..1 in the data).
	Percent bool
	// Note explains an empty chart or what the values mean.
	Note string
}

// Series is one named row of values, one per label.
type Series struct {
	Name   string
	Values []float64
}

// Empty reports whether the chart has nothing to draw.
func (c Chart) Empty() bool {
	for _, s := range c.Series {
		for _, v := range s.Values {
			if v > 0 {
				return false
			}
		}
	}
	return true
}

// Max is the largest bar (stacked total).
func (c Chart) Max() float64 {
	m := 0.0
	for i := range c.Labels {
		t := 0.0
		for _, s := range c.Series {
			if i < len(s.Values) {
				t += s.Values[i]
			}
		}
		m = max(m, t)
	}
	return m
}

// palette gives every series name the same colour in every chart.
var palette = map[string]string{
	"inbound": "#2f6fb0", "outbound": "#e08a1e", "internal": "#6a9f3a",
	"pupil_data": "#b8336a", "malware": "#5b2a86", "offensive_language": "#d1495b", "chain_mail": "#edae49",
	"suspicious_attachment": "#00798c", "impersonation": "#30638e", "inappropriate_link": "#8d6a9f",
	"credentials": "#a05c34", "unscannable": "#7a7a7a",
	"released": "#2e8b57", "confirmed": "#c0392b", "false positive": "#e67e22", "deleted": "#7f8c8d",
	"expired": "#95a5a6", "pending": "#3498db", "held": "#34495e", "messages": "#2f6fb0", "rate": "#e67e22",
	"reviewed": "#2f6fb0",
}

var fallback = []string{"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7"}

// Colour is a series' colour.
func Colour(name string, i int) string {
	if c, ok := palette[name]; ok {
		return c
	}
	return fallback[i%len(fallback)]
}

// weekLabel is a week's axis label: "3 Mar".
func weekLabel(start string) string {
	t, err := time.Parse(time.DateOnly, start)
	if err != nil {
		return start
	}
	return t.Format("2 Jan")
}

// Charts are the report's charts, in reading order.
func (r *Report) Charts() []Chart {
	var out []Chart
	labels := make([]string, len(r.Weeks))
	for i, w := range r.Weeks {
		labels[i] = weekLabel(w.Start)
	}
	vol := Chart{ID: "volume", Title: "Messages per week by direction", Labels: labels}
	for _, d := range Directions {
		s := Series{Name: d}
		for _, w := range r.Weeks {
			s.Values = append(s.Values, float64(w.ByDirection[d]))
		}
		vol.Series = append(vol.Series, s)
	}
	vol.Note = "weeks start on Monday"
	out = append(out, vol)

	fc := Chart{ID: "findings", Title: "Messages with findings per week, by category", Labels: labels}
	for _, c := range r.Categories() {
		s := Series{Name: c}
		for _, w := range r.Weeks {
			s.Values = append(s.Values, float64(w.Findings[c]))
		}
		fc.Series = append(fc.Series, s)
	}
	fc.Note = "a message with findings in two categories counts in both"
	out = append(out, fc)

	rules := Chart{ID: "rules", Title: "Rules that acted most (besides the default)", Horizontal: true}
	s := Series{Name: "messages"}
	for _, c := range r.TopRules {
		rules.Labels = append(rules.Labels, c.Name)
		s.Values = append(s.Values, float64(c.N))
	}
	rules.Series = []Series{s}
	out = append(out, rules)

	holds := Chart{ID: "holds", Title: "Held mail per week: released versus confirmed", Labels: labels}
	for _, name := range []string{"released", "confirmed", "held"} {
		s := Series{Name: name}
		for _, w := range r.Weeks {
			switch name {
			case "released":
				s.Values = append(s.Values, float64(w.Released))
			case "confirmed":
				s.Values = append(s.Values, float64(w.Confirmed))
			default:
				s.Values = append(s.Values, float64(max(0, w.Held-w.Released-w.Confirmed)))
			}
		}
		holds.Series = append(holds.Series, s)
	}
	holds.Note = "held: neither released nor confirmed (yet)"
	out = append(out, holds)

	fp := Chart{ID: "fp", Title: "False-positive rate per category (reviewers' verdicts)", Horizontal: true, Percent: true}
	s = Series{Name: "rate"}
	for _, c := range r.PerCategory {
		if c.FPRate < 0 {
			continue
		}
		fp.Labels = append(fp.Labels, fmt.Sprintf("%s (%d verdicts)", c.Category, c.FalsePositive+c.Confirmed))
		s.Values = append(s.Values, c.FPRate)
	}
	fp.Series = []Series{s}
	fp.Note = "false positives / (false positives + confirmed violations)"
	out = append(out, fp)

	rt := Chart{ID: "review", Title: "Time to first review of held mail", Labels: ReviewBuckets[:]}
	s = Series{Name: "reviewed"}
	for _, n := range r.Review.Buckets {
		s.Values = append(s.Values, float64(n))
	}
	rt.Series = []Series{s}
	out = append(out, rt)
	return out
}
