package review

import (
	"bufio"
	"bytes"
	"fmt"
	"mime"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
	"github.com/jhillyerd/enmime/v2"
	"github.com/microcosm-cc/bluemonday"

	"github.com/mailward/mailward/quarantine"
)

// header is one header field, in message order, decoded for display.
type header struct{ Name, Value string }

// attachment is one part listed on the detail page.
type attachment struct {
	Index        int
	FileName     string
	DeclaredType string
	SniffedType  string
	Size         int
	Inline       bool
	Findings     []string
	data         []byte
}

// view is a held message parsed for display. Everything in it is shown
// through html/template (escaped), except HTML, which is sanitised here and
// served only inside the sandboxed body frame.
type view struct {
	Headers     []header
	Text        string
	HTML        string // sanitised
	HasHTML     bool
	Attachments []attachment
	Problems    []string
}

// sanitizer keeps formatting and tables and drops everything active or
// remote: scripts, event handlers, styles (CSS expressions, url()), images,
// links, forms, frames, base and meta elements. Link text stays as text.
var sanitizer = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "div", "span", "b", "i", "u", "s", "strong", "em", "blockquote", "pre", "code",
		"ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "sub", "sup", "small",
		"big", "center", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "abbr", "address", "cite", "q")
	p.AllowAttrs("colspan", "rowspan").Matching(regexp.MustCompile(`^[0-9]{1,3}$`)).OnElements("td", "th")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(?i)(left|right|center|justify)$`)).OnElements("p", "div", "td", "th", "tr", "table")
	p.AllowAttrs("dir").Matching(regexp.MustCompile(`^(?i)(ltr|rtl|auto)$`)).Globally()
	p.AddSpaceWhenStrippingTag(true)
	return p
}()

// Sanitize returns HTML safe to show: see sanitizer.
func Sanitize(html string) string { return sanitizer.Sanitize(html) }

func parseView(raw []byte, rec *quarantine.Record) *view {
	v := &view{Headers: orderedHeaders(raw)}
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		v.Problems = append(v.Problems, "the message could not be parsed; showing headers only")
		return v
	}
	v.Text = env.Text
	if strings.TrimSpace(env.HTML) != "" {
		v.HasHTML = true
		v.HTML = Sanitize(env.HTML)
	}
	for _, e := range env.Errors {
		v.Problems = append(v.Problems, e.Name)
	}
	idx := 0
	add := func(parts []*enmime.Part, inline bool) {
		for _, p := range parts {
			idx++
			a := attachment{Index: idx, FileName: p.FileName, DeclaredType: strings.ToLower(p.ContentType),
				SniffedType: mimetype.Detect(p.Content).String(), Size: len(p.Content), Inline: inline, data: p.Content}
			if a.FileName == "" {
				a.FileName = fmt.Sprintf("part%d", idx)
			}
			for _, f := range rec.Findings {
				if f.Where == strconv.Itoa(idx) || strings.HasPrefix(f.Where, strconv.Itoa(idx)+"/") {
					a.Findings = append(a.Findings, fmt.Sprintf("%s (%.2f): %s", f.Category, f.Score, f.Summary))
				}
			}
			v.Attachments = append(v.Attachments, a)
		}
	}
	// The same order as scanner.Parse, so finding indexes match.
	add(env.Attachments, false)
	add(env.Inlines, true)
	add(env.OtherParts, true)
	return v
}

var wordDecoder = &mime.WordDecoder{}

// orderedHeaders reads the top-level header in order, unfolded and with
// encoded words decoded. Invalid UTF-8 is replaced, never passed through.
func orderedHeaders(raw []byte) []header {
	var out []header
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			break
		}
		if (line[0] == ' ' || line[0] == '\t') && len(out) > 0 {
			out[len(out)-1].Value += " " + strings.TrimSpace(line)
			continue
		}
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		out = append(out, header{Name: name, Value: strings.TrimSpace(val)})
		if len(out) > 500 {
			break
		}
	}
	for i := range out {
		if d, err := wordDecoder.DecodeHeader(out[i].Value); err == nil {
			out[i].Value = d
		}
		out[i].Value = strings.ToValidUTF8(out[i].Value, "\uFFFD")
		out[i].Name = strings.ToValidUTF8(out[i].Name, "\uFFFD")
		if utf8.RuneCountInString(out[i].Value) > 2000 {
			out[i].Value = string([]rune(out[i].Value)[:2000]) + "…"
		}
	}
	return out
}

// subjectOf returns the decoded Subject of raw, for records that lack it.
func subjectOf(raw []byte) string {
	for _, h := range orderedHeaders(raw) {
		if strings.EqualFold(h.Name, "Subject") {
			return h.Value
		}
	}
	return ""
}
