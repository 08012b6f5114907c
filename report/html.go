package report

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"time"
)

//go:embed templates/report.html
var templateFS embed.FS

var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"date":     func(t time.Time) string { return t.Format("2 January 2006") },
	"datetime": func(t time.Time) string { return t.Format("2 January 2006 15:04") },
	"before":   func(t time.Time) time.Time { return t.Add(-time.Nanosecond) },
	"num":      func(n int64) string { return humanInt(float64(n)) },
	"pct": func(n, total int64) string {
		if total == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(total))
	},
	"rate": func(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) },
	"dur":  Duration,
}).ParseFS(templateFS, "templates/report.html"))

// Duration writes a review wait for people: "3 h 20 min", "2 days 4 h".
func Duration(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()+0.5))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%d days %d h", int(d.Hours())/24, int(d.Hours())%24)
}

type view struct {
	R          *Report
	Charts     []Chart
	Directions []string
	Actions    []Count
}

func (r *Report) view() view {
	v := view{R: r, Charts: r.Charts(), Directions: Directions}
	for a, n := range r.ByAction {
		v.Actions = append(v.Actions, Count{a, n})
	}
	slices.SortFunc(v.Actions, func(a, b Count) int {
		if a.N != b.N {
			return int(b.N - a.N)
		}
		return bytes.Compare([]byte(a.Name), []byte(b.Name))
	})
	return v
}

// WriteHTML writes the report as a standalone HTML document (its style
// inline, its charts inline SVG): it opens offline and prints as it shows.
func (r *Report) WriteHTML(w io.Writer) error {
	return tmpl.ExecuteTemplate(w, "doc", r.view())
}

// Body is the report's body for embedding in another page (the review
// page's statistics), styled by that page's style sheet.
func (r *Report) Body() (template.HTML, error) {
	var b bytes.Buffer
	if err := tmpl.ExecuteTemplate(&b, "body", r.view()); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil // produced by html/template
}
