package report

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// WritePDF writes the report as an A4 PDF drawn with fpdf (pure Go: no
// browser or converter needed): the same figures, charts and tables as
// the HTML. The creation date is the report's Generated time, so the same
// report gives the same file.
func (r *Report) WritePDF(w io.Writer) error {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetTitle(r.Title, true)
	p.SetCreator("mailward", true)
	p.SetCreationDate(r.Generated)
	p.SetModificationDate(r.Generated)
	p.SetCatalogSort(true)
	p.SetMargins(15, 15, 15)
	p.SetAutoPageBreak(true, 15)
	tr := p.UnicodeTranslatorFromDescriptor("") // cp1252: the core fonts' encoding
	p.SetFooterFunc(func() {
		p.SetY(-12)
		p.SetFont("Helvetica", "", 8)
		p.SetTextColor(110, 110, 110)
		p.CellFormat(0, 5, tr(fmt.Sprintf("%s · page %d · counts and trends only: no addresses, subjects, content or pupil names", r.Title, p.PageNo())), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	p.SetFont("Helvetica", "B", 18)
	p.SetTextColor(30, 30, 30)
	p.CellFormat(0, 9, tr(r.Title), "", 1, "L", false, 0, "")
	p.SetFont("Helvetica", "", 10)
	p.SetTextColor(90, 90, 90)
	p.CellFormat(0, 6, tr(fmt.Sprintf("%s to %s (%s) · generated %s", r.Since.Format("2 January 2006"),
		r.Until.Add(-time.Nanosecond).Format("2 January 2006"), r.TimeZone, r.Generated.Format("2 January 2006 15:04"))), "", 1, "L", false, 0, "")
	p.Ln(2)

	tiles := []Count{{"messages", r.Messages}}
	for _, d := range Directions {
		tiles = append(tiles, Count{d, r.ByDirection[d]})
	}
	tiles = append(tiles, Count{"held", int64(r.Holds.Held)}, Count{"released", int64(r.Holds.Released)},
		Count{"confirmed", int64(r.Holds.Confirmed)}, Count{"false positives", int64(r.Holds.FalsePositive)},
		Count{"awaiting review", int64(r.Holds.Pending)})
	x0, y0 := p.GetXY()
	tw := 180.0 / 5
	for i, t := range tiles {
		x, y := x0+float64(i%5)*tw, y0+float64(i/5)*15
		p.SetDrawColor(210, 210, 210)
		p.Rect(x, y, tw-2, 13, "D")
		p.SetXY(x+2, y+1)
		p.SetFont("Helvetica", "B", 12)
		p.SetTextColor(30, 30, 30)
		p.CellFormat(tw-4, 6, humanInt(float64(t.N)), "", 2, "L", false, 0, "")
		p.SetX(x + 2)
		p.SetFont("Helvetica", "", 8)
		p.SetTextColor(90, 90, 90)
		p.CellFormat(tw-4, 4, tr(t.Name), "", 0, "L", false, 0, "")
	}
	p.SetXY(x0, y0+float64((len(tiles)+4)/5)*15+2)
	p.SetFont("Helvetica", "", 10)
	p.SetTextColor(30, 30, 30)
	p.MultiCell(0, 5, tr(fmt.Sprintf("Median time to first review %s; 90%% within %s (%d reviewed).",
		Duration(r.Review.Median), Duration(r.Review.P90), r.Review.Reviewed)), "", "L", false)

	for _, c := range r.Charts() {
		pdfChart(p, tr, c)
	}

	pdfTable(p, tr, "Held mail by category", []string{"Category", "Held", "Released", "Confirmed", "False pos.", "FP rate"},
		func() [][]string {
			var rows [][]string
			for _, c := range r.PerCategory {
				rate := "no verdicts"
				if c.FPRate >= 0 {
					rate = fmt.Sprintf("%.0f%%", 100*c.FPRate)
				}
				rows = append(rows, []string{c.Category, strconv.Itoa(c.Held), strconv.Itoa(c.Released), strconv.Itoa(c.Confirmed), strconv.Itoa(c.FalsePositive), rate})
			}
			return rows
		}())
	var actions [][]string
	for _, a := range r.view().Actions {
		share := "-"
		if r.Messages > 0 {
			share = fmt.Sprintf("%.1f%%", 100*float64(a.N)/float64(r.Messages))
		}
		actions = append(actions, []string{a.Name, humanInt(float64(a.N)), share})
	}
	pdfTable(p, tr, "What the gateway did", []string{"Action", "Messages", "Share"}, actions)
	if len(r.Reviewers) > 0 {
		var rows [][]string
		for _, x := range r.Reviewers {
			rows = append(rows, []string{x.Name, humanInt(float64(x.N))})
		}
		pdfTable(p, tr, "Reviewers' first actions", []string{"Reviewer", "First actions"}, rows)
	}
	if err := p.Output(w); err != nil {
		return fmt.Errorf("report pdf: %w", err)
	}
	return nil
}

func rgb(hex string) (int, int, int) {
	v, _ := strconv.ParseUint(hex[1:], 16, 32)
	return int(v >> 16 & 0xff), int(v >> 8 & 0xff), int(v & 0xff)
}

// pdfChart draws a chart as the SVG does: stacked bars with a value axis,
// or horizontal bars with labels; a new page when it does not fit.
func pdfChart(p *fpdf.Fpdf, tr func(string) string, c Chart) {
	const width = 180.0
	h := 62.0
	if c.Horizontal {
		h = 6*float64(max(len(c.Labels), 1)) + 10
	}
	if len(c.Series) > 1 {
		h += 6
	}
	_, pageH := p.GetPageSize()
	if p.GetY()+h+14 > pageH-15 {
		p.AddPage()
	}
	p.Ln(3)
	p.SetFont("Helvetica", "B", 11)
	p.SetTextColor(30, 30, 30)
	p.CellFormat(0, 6, tr(c.Title), "", 1, "L", false, 0, "")
	x0, y0 := p.GetXY()
	p.SetFont("Helvetica", "", 7)
	p.SetTextColor(60, 60, 60)
	if c.Empty() {
		p.CellFormat(0, 6, "No data in this period.", "", 1, "L", false, 0, "")
		return
	}
	if c.Horizontal {
		left := 62.0
		plot := width - left - 18
		top0 := c.Max()
		if c.Percent {
			top0 = 1
		}
		for i, l := range c.Labels {
			y := y0 + 6*float64(i)
			p.SetXY(x0, y)
			p.CellFormat(left-2, 5, tr(truncate(l, 40)), "", 0, "R", false, 0, "")
			x, total := x0+left, 0.0
			for si, s := range c.Series {
				if i >= len(s.Values) || s.Values[i] <= 0 {
					continue
				}
				w := plot * s.Values[i] / top0
				p.SetFillColor(rgb(Colour(s.Name, si)))
				p.Rect(x, y+0.5, w, 4, "F")
				x += w
				total += s.Values[i]
			}
			p.SetXY(x+1, y)
			p.CellFormat(18, 5, c.value(total), "", 0, "L", false, 0, "")
		}
		p.SetXY(x0, y0+6*float64(len(c.Labels))+2)
	} else {
		left, plotH := 16.0, 45.0
		plot := width - left
		top0, ticks := axis(c.Max(), c.Percent)
		p.SetDrawColor(225, 225, 225)
		for i := 0; i <= ticks; i++ {
			y := y0 + plotH - plotH*float64(i)/float64(ticks)
			p.Line(x0+left, y, x0+width, y)
			p.SetXY(x0, y-2)
			p.CellFormat(left-1, 4, c.value(top0*float64(i)/float64(ticks)), "", 0, "R", false, 0, "")
		}
		n := len(c.Labels)
		slot := plot / float64(max(n, 1))
		bw := slot * 0.7
		every := max(1, (n*12+int(plot)-1)/int(plot))
		for i, l := range c.Labels {
			x := x0 + left + slot*float64(i) + (slot-bw)/2
			base := y0 + plotH
			for si, s := range c.Series {
				if i >= len(s.Values) || s.Values[i] <= 0 {
					continue
				}
				hh := plotH * s.Values[i] / top0
				base -= hh
				p.SetFillColor(rgb(Colour(s.Name, si)))
				p.Rect(x, base, bw, hh, "F")
			}
			if i%every == 0 {
				p.SetXY(x+bw/2-8, y0+plotH+1)
				p.CellFormat(16, 4, tr(l), "", 0, "C", false, 0, "")
			}
		}
		p.SetXY(x0, y0+plotH+6)
	}
	if len(c.Series) > 1 {
		x := x0 + 16
		y := p.GetY()
		for si, s := range c.Series {
			p.SetFillColor(rgb(Colour(s.Name, si)))
			p.Rect(x, y+1, 3, 3, "F")
			p.SetXY(x+4, y)
			w := p.GetStringWidth(s.Name) + 8
			p.CellFormat(w, 5, tr(s.Name), "", 0, "L", false, 0, "")
			x += w + 4
			if x > x0+width-30 {
				x = x0 + 16
				y += 5
			}
		}
		p.SetXY(x0, y+6)
	}
	if c.Note != "" {
		p.SetFont("Helvetica", "I", 7)
		p.CellFormat(0, 4, tr(c.Note), "", 1, "L", false, 0, "")
	}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// pdfTable draws a simple table: the first column left, the rest right.
func pdfTable(p *fpdf.Fpdf, tr func(string) string, title string, head []string, rows [][]string) {
	_, pageH := p.GetPageSize()
	if p.GetY()+14+5*float64(len(rows)) > pageH-15 && len(rows) < 30 {
		p.AddPage()
	}
	p.Ln(4)
	p.SetFont("Helvetica", "B", 11)
	p.SetTextColor(30, 30, 30)
	p.CellFormat(0, 6, tr(title), "", 1, "L", false, 0, "")
	if len(rows) == 0 {
		p.SetFont("Helvetica", "", 9)
		p.CellFormat(0, 5, "None in this period.", "", 1, "L", false, 0, "")
		return
	}
	first := 60.0
	rest := (180 - first) / float64(max(len(head)-1, 1))
	p.SetFont("Helvetica", "B", 8)
	p.SetDrawColor(200, 200, 200)
	for i, h := range head {
		w, align := rest, "R"
		if i == 0 {
			w, align = first, "L"
		}
		p.CellFormat(w, 5, tr(h), "B", 0, align, false, 0, "")
	}
	p.Ln(-1)
	p.SetFont("Helvetica", "", 8)
	for _, row := range rows {
		for i, v := range row {
			w, align := rest, "R"
			if i == 0 {
				w, align = first, "L"
			}
			p.CellFormat(w, 5, tr(v), "", 0, align, false, 0, "")
		}
		p.Ln(-1)
	}
}
