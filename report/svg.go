package report

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
)

// SVG draws the chart as an inline SVG element: plain shapes and text with
// presentation attributes only (no script, no style element or attribute),
// so that it shows under the review page's Content-Security-Policy
// (style-src 'self'), offline, in an e-mail and when printed. Each bar has
// a <title> for a tooltip without JavaScript.
func (c Chart) SVG() template.HTML {
	var b strings.Builder
	if c.Horizontal {
		c.horizontal(&b)
	} else {
		c.vertical(&b)
	}
	return template.HTML(b.String()) // every text in it went through esc
}

func esc(s string) string { return html.EscapeString(s) }

// axis picks a value axis for data up to m: a round step (1, 2, 2.5 or 5
// times a power of ten; whole numbers for counts) and 1 to 5 ticks, so
// that labels are round and the top is close to m.
func axis(m float64, percent bool) (top float64, ticks int) {
	if m <= 0 {
		return 1, 1
	}
	raw := m / 4
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * p
	for _, f := range []float64{1, 2, 2.5, 5, 10} {
		if f == 2.5 && p < 10 && !percent {
			continue // 2.5 messages is not a count
		}
		if f*p >= raw {
			step = f * p
			break
		}
	}
	if !percent && step < 1 {
		step = 1
	}
	ticks = int(math.Ceil(m/step - 1e-9))
	return step * float64(ticks), max(ticks, 1)
}

func (c Chart) value(v float64) string {
	if c.Percent {
		return fmt.Sprintf("%.0f%%", v*100)
	}
	return humanInt(v)
}

// humanInt writes 1234567 as "1,234,567".
func humanInt(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

const (
	chartW    = 720
	fontAttrs = `font-family="DejaVu Sans, Arial, sans-serif" font-size="11" fill="#333"`
)

func (c Chart) open(b *strings.Builder, h int) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="chart-%s" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`,
		esc(c.ID), chartW, h, chartW, h, esc(c.Title))
	fmt.Fprintf(b, `<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`, chartW, h)
}

func (c Chart) empty(b *strings.Builder) bool {
	if !c.Empty() {
		return false
	}
	c.open(b, 60)
	fmt.Fprintf(b, `<text x="%d" y="34" text-anchor="middle" %s>No data in this period.</text></svg>`, chartW/2, fontAttrs)
	return true
}

// legend draws the series names at y, left to right.
func (c Chart) legend(b *strings.Builder, y int) {
	if len(c.Series) < 2 {
		return
	}
	x := 56
	for i, s := range c.Series {
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/>`, x, y-9, Colour(s.Name, i))
		fmt.Fprintf(b, `<text x="%d" y="%d" %s>%s</text>`, x+14, y, fontAttrs, esc(s.Name))
		x += 24 + 7*len(s.Name)
		if x > chartW-120 {
			x = 56
			y += 16
		}
	}
}

func legendRows(c Chart) int {
	if len(c.Series) < 2 {
		return 0
	}
	rows, x := 1, 56
	for _, s := range c.Series {
		x += 24 + 7*len(s.Name)
		if x > chartW-120 {
			x = 56
			rows++
		}
	}
	return rows
}

func (c Chart) vertical(b *strings.Builder) {
	if c.empty(b) {
		return
	}
	const left, top, plotH = 56, 12, 190
	h := top + plotH + 34 + 16*legendRows(c) + 6
	c.open(b, h)
	plotW := chartW - left - 12
	top0, ticks := axis(c.Max(), c.Percent)
	for i := 0; i <= ticks; i++ {
		v := top0 * float64(i) / float64(ticks)
		y := top + plotH - int(float64(plotH)*float64(i)/float64(ticks))
		fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#e3e3e3"/>`, left, y, left+plotW, y)
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="end" %s>%s</text>`, left-6, y+4, fontAttrs, c.value(v))
	}
	n := len(c.Labels)
	slot := float64(plotW) / float64(max(n, 1))
	bw := max(2, slot*0.7)
	every := max(1, int(math.Ceil(float64(n)*48/float64(plotW))))
	for i, l := range c.Labels {
		x := float64(left) + slot*float64(i) + (slot-bw)/2
		base := float64(top + plotH)
		total := 0.0
		for si, s := range c.Series {
			if i >= len(s.Values) || s.Values[i] <= 0 {
				continue
			}
			hgt := float64(plotH) * s.Values[i] / top0
			base -= hgt
			total += s.Values[i]
			fmt.Fprintf(b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s, %s: %s</title></rect>`,
				x, base, bw, hgt, Colour(s.Name, si), esc(l), esc(s.Name), c.value(s.Values[i]))
		}
		if i%every == 0 {
			fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" %s>%s</text>`, x+bw/2, top+plotH+16, fontAttrs, esc(l))
		}
	}
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>`, left, top+plotH, left+plotW, top+plotH)
	c.legend(b, top+plotH+38)
	b.WriteString(`</svg>`)
}

func (c Chart) horizontal(b *strings.Builder) {
	if c.empty(b) {
		return
	}
	const left, top, row = 250, 8, 24
	n := len(c.Labels)
	h := top + row*n + 10
	c.open(b, h)
	plotW := chartW - left - 80
	top0 := c.Max()
	if c.Percent {
		top0 = 1
	}
	if top0 <= 0 {
		top0 = 1
	}
	for i, l := range c.Labels {
		y := top + row*i
		label := l
		if len([]rune(label)) > 38 {
			label = string([]rune(label)[:37]) + "…"
		}
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="end" %s>%s</text>`, left-8, y+15, fontAttrs, esc(label))
		x := float64(left)
		total := 0.0
		for si, s := range c.Series {
			if i >= len(s.Values) || s.Values[i] <= 0 {
				continue
			}
			w := float64(plotW) * s.Values[i] / top0
			fmt.Fprintf(b, `<rect class="bar" x="%.1f" y="%d" width="%.1f" height="16" fill="%s"><title>%s: %s</title></rect>`,
				x, y+3, w, Colour(s.Name, si), esc(l), c.value(s.Values[i]))
			x += w
			total += s.Values[i]
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%d" %s>%s</text>`, x+6, y+15, fontAttrs, c.value(total))
	}
	b.WriteString(`</svg>`)
}
