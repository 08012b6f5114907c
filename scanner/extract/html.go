package extract

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlResult is what a reader of an HTML document sees and what it hides.
type htmlResult struct {
	// Visible is the text as shown: scripts, styles and hidden elements removed.
	Visible string
	// Hidden is text the markup keeps from the reader: display:none,
	// visibility:hidden, zero-size fonts, text coloured like its background.
	Hidden string
	Links  []htmlLink
	// Script, Form and Smuggling are set for active content.
	Script, Form, Smuggling bool
}

type htmlLink struct{ URL, Text string }

// smuggleBlob is the size of an inline data: URL or base64 run in a script
// from which an HTML file is taken to carry a file of its own (HTML smuggling).
const smuggleBlob = 8 << 10

type frame struct {
	tag    atom.Atom
	name   string
	hidden bool
	fg, bg string
}

// htmlText walks s with the tokenizer (no tree building: cheap for mail) and
// separates visible from hidden text.
func htmlText(s string) htmlResult {
	var res htmlResult
	var vis, hid textBuilder
	vis.b.Grow(len(s) / 4)
	z := html.NewTokenizer(strings.NewReader(s))
	stack := []frame{{bg: "#ffffff"}}
	skip := 0 // inside script, style, title, head-only content
	var link *htmlLink
	var linkText textBuilder
	var attrs attrList
	hiddenSel := map[string]bool{} // ".class" and "#id" selectors a <style> hides
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			vis.flush()
			hid.flush()
			res.Visible, res.Hidden = strings.TrimSpace(vis.String()), strings.TrimSpace(hid.String())
			return res
		case html.TextToken:
			if skip > 0 {
				switch top := stack[len(stack)-1].tag; {
				case top == atom.Script && !res.Smuggling && hasBase64Run(z.Text(), smuggleBlob):
					res.Smuggling = true
				case top == atom.Style:
					hiddenRules(z.Text(), hiddenSel)
				}
				continue
			}
			t := z.Text()
			top := stack[len(stack)-1]
			if top.hidden || (top.fg != "" && top.fg == top.bg) {
				hid.write(t)
			} else {
				vis.write(t)
				if link != nil {
					linkText.write(t)
				}
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			attrs = attrs[:0]
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if len(k) > 2 && k[0] == 'o' && k[1] == 'n' {
					res.Script = true
				}
				if key, ok := wantedAttrs[string(k)]; ok {
					attrs = append(attrs, [2]string{key, string(v)})
				}
			}
			switch a {
			case atom.Script:
				res.Script = true
			case atom.Form:
				res.Form = true
			case atom.Input:
				if strings.EqualFold(attrs.get("type"), "password") {
					res.Form = true
				}
			case atom.Br:
				vis.newline()
				hid.newline()
			}
			for _, k := range []string{"href", "src", "action", "data"} {
				v := strings.TrimSpace(attrs.get(k))
				if v == "" {
					continue
				}
				lv := strings.ToLower(v)
				if strings.HasPrefix(lv, "javascript:") || strings.HasPrefix(lv, "vbscript:") {
					res.Script = true
				}
				if strings.HasPrefix(lv, "data:") && len(v) > smuggleBlob && !strings.HasPrefix(lv, "data:image/") {
					res.Smuggling = true
				}
			}
			if href := strings.TrimSpace(attrs.get("href")); href != "" && (a == atom.A || a == atom.Area) && !strings.HasPrefix(href, "#") {
				if link != nil {
					res.Links = append(res.Links, htmlLink{URL: link.URL, Text: strings.TrimSpace(linkText.String())})
				}
				link = &htmlLink{URL: truncateUTF8(href, 2048)}
				linkText = textBuilder{}
			}
			if act := strings.TrimSpace(attrs.get("action")); a == atom.Form && act != "" {
				res.Links = append(res.Links, htmlLink{URL: truncateUTF8(act, 2048), Text: "form"})
			}
			if tt == html.SelfClosingTagToken || voidElement(a) {
				if alt := attrs.get("alt"); a == atom.Img && alt != "" && skip == 0 && !stack[len(stack)-1].hidden {
					vis.write([]byte(" " + alt + " "))
				}
				continue
			}
			if block(a) {
				vis.newline()
				hid.newline()
			}
			// Elements that close themselves implicitly (<p><p>, <li><li>).
			if top := stack[len(stack)-1]; len(stack) > 1 && top.tag == a && implicitClose(a) {
				stack = stack[:len(stack)-1]
			}
			f := stack[len(stack)-1]
			f.tag, f.name = a, string(name)
			if hiddenStyle(attrs) || len(hiddenSel) > 0 && hiddenBySelector(attrs, hiddenSel) {
				f.hidden = true
			}
			if c := attrs.get("color"); c != "" {
				f.fg = normColor(c)
			}
			if c := attrs.get("bgcolor"); c != "" {
				f.bg = normColor(c)
			}
			if st := attrs.get("style"); st != "" {
				if c := styleValue(st, "color"); c != "" {
					f.fg = normColor(c)
				}
				if c := styleValue(st, "background-color"); c != "" {
					f.bg = normColor(c)
				} else if c := styleValue(st, "background"); c != "" {
					f.bg = normColor(strings.Fields(c)[0])
				}
			}
			if len(stack) < 512 {
				stack = append(stack, f)
			}
			if skipContent(a) {
				skip++
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if (a == atom.A || a == atom.Area) && link != nil {
				res.Links = append(res.Links, htmlLink{URL: link.URL, Text: truncateUTF8(strings.TrimSpace(linkText.String()), 512)})
				link = nil
			}
			for i := len(stack) - 1; i > 0; i-- {
				if stack[i].name == string(name) {
					for j := len(stack) - 1; j >= i; j-- {
						if skipContent(stack[j].tag) && skip > 0 {
							skip--
						}
					}
					stack = stack[:i]
					break
				}
			}
			if block(a) {
				vis.newline()
				hid.newline()
			}
		}
		if len(res.Links) > 10000 {
			res.Links = res.Links[:10000]
		}
	}
}

// wantedAttrs are the attributes htmlText reads; others are not copied.
var wantedAttrs = map[string]string{"href": "href", "src": "src", "action": "action", "data": "data",
	"style": "style", "color": "color", "bgcolor": "bgcolor", "type": "type", "hidden": "hidden",
	"size": "size", "alt": "alt", "aria-hidden": "aria-hidden", "class": "class", "id": "id"}

// attrList holds one tag's wanted attributes, reused from tag to tag.
type attrList [][2]string

func (l attrList) get(k string) string {
	for _, kv := range l {
		if kv[0] == k {
			return kv[1]
		}
	}
	return ""
}

func (l attrList) has(k string) bool {
	for _, kv := range l {
		if kv[0] == k {
			return true
		}
	}
	return false
}

// textBuilder collapses white space as a browser does.
type textBuilder struct {
	b     strings.Builder
	space bool
	nl    bool
}

func (t *textBuilder) write(p []byte) {
	for i := 0; i < len(p); {
		c := p[i]
		if c < utf8.RuneSelf {
			i++
			switch c {
			case ' ', '\t', '\n', '\r', '\f':
				t.space = true
				continue
			}
			t.sep()
			t.b.WriteByte(c)
			continue
		}
		r, n := utf8.DecodeRune(p[i:])
		i += n
		switch r {
		case '\u00a0':
			t.space = true
			continue
		case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
			// Zero-width characters split words to dodge filters.
			continue
		}
		t.sep()
		t.b.WriteRune(r)
	}
}

// sep writes the pending line break or space before a character.
func (t *textBuilder) sep() {
	if t.b.Len() > 0 {
		if t.nl {
			t.b.WriteByte('\n')
		} else if t.space {
			t.b.WriteByte(' ')
		}
	}
	t.nl, t.space = false, false
}

func (t *textBuilder) newline()       { t.nl = true }
func (t *textBuilder) flush()         {}
func (t *textBuilder) String() string { return t.b.String() }

func voidElement(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input,
		atom.Link, atom.Meta, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

func implicitClose(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Li, atom.Td, atom.Th, atom.Tr, atom.Option, atom.Dt, atom.Dd:
		return true
	}
	return false
}

func skipContent(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Title, atom.Template:
		return true
	}
	return false
}

func block(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Table, atom.Tr, atom.Li, atom.Ul, atom.Ol, atom.H1, atom.H2, atom.H3,
		atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Pre, atom.Hr, atom.Section, atom.Article,
		atom.Header, atom.Footer, atom.Td, atom.Th, atom.Dt, atom.Dd, atom.Center, atom.Body:
		return true
	}
	return false
}

// hiddenStyle reports markup that keeps an element's text from the reader.
func hiddenStyle(attrs attrList) bool {
	if attrs.has("hidden") {
		return true
	}
	if strings.EqualFold(attrs.get("aria-hidden"), "true") && attrs.get("style") == "" {
		return false // screen readers only: still shown
	}
	if fs := attrs.get("size"); fs == "0" {
		return true
	}
	return hiddenCSS(attrs.get("style"))
}

// hiddenCSS reports declarations that keep an element's text from view.
func hiddenCSS(st string) bool {
	if st == "" {
		return false
	}
	switch strings.ToLower(styleValue(st, "display")) {
	case "none":
		return true
	}
	switch strings.ToLower(styleValue(st, "visibility")) {
	case "hidden", "collapse":
		return true
	}
	if strings.EqualFold(styleValue(st, "mso-hide"), "all") {
		return true
	}
	if v := styleValue(st, "opacity"); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f < 0.1 {
			return true
		}
	}
	if v := styleValue(st, "font-size"); v != "" && tinyLength(v) {
		return true
	}
	for _, k := range []string{"max-height", "height", "max-width", "width"} {
		if v := styleValue(st, k); v != "" && tinyLength(v) && strings.Contains(strings.ToLower(st), "overflow") {
			return true
		}
	}
	return false
}

// hiddenRules records the simple selectors (".class", "tag.class", "#id")
// of the rules in a style sheet that hide their elements: phishing mail
// hides its filler text through a class rather than an inline style.
func hiddenRules(css []byte, sel map[string]bool) {
	s := string(css)
	for len(sel) < 1000 {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			return
		}
		close := strings.IndexByte(s[open:], '}')
		if close < 0 {
			return
		}
		selectors, decls := s[:open], s[open+1:open+close]
		s = s[open+close+1:]
		if i := strings.LastIndexByte(selectors, '}'); i >= 0 {
			selectors = selectors[i+1:]
		}
		if !hiddenCSS(decls) {
			continue
		}
		for _, one := range strings.Split(selectors, ",") {
			one = strings.TrimSpace(one)
			if i := strings.LastIndexAny(one, " >+~"); i >= 0 {
				one = one[i+1:]
			}
			if i := strings.IndexAny(one, ".#"); i >= 0 {
				one = one[i:]
				if !strings.ContainsAny(one[1:], ".#:[") && len(one) > 1 {
					sel[one] = true
				}
			}
		}
	}
}

// hiddenBySelector reports an element whose class or id a style sheet hides.
func hiddenBySelector(attrs attrList, sel map[string]bool) bool {
	for _, c := range strings.Fields(attrs.get("class")) {
		if sel["."+c] {
			return true
		}
	}
	id := strings.TrimSpace(attrs.get("id"))
	return id != "" && sel["#"+id]
}

// tinyLength is a CSS length of at most one pixel.
func tinyLength(v string) bool {
	v = strings.ToLower(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "!important")))
	num := strings.TrimRight(v, "abcdefghijklmnopqrstuvwxyz%")
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil {
		return false
	}
	return f <= 1 && (f == 0 || strings.HasSuffix(v, "px"))
}

// styleValue returns the value of property k in an inline style.
func styleValue(style, k string) string {
	for style != "" {
		var decl string
		decl, style, _ = strings.Cut(style, ";")
		name, val, ok := strings.Cut(decl, ":")
		if ok && strings.EqualFold(strings.TrimSpace(name), k) {
			val = strings.TrimSpace(val)
			return strings.TrimSpace(strings.TrimSuffix(val, "!important"))
		}
	}
	return ""
}

// normColor maps the common spellings of a colour to #rrggbb.
func normColor(c string) string {
	c = strings.ToLower(strings.TrimSpace(c))
	switch c {
	case "white":
		return "#ffffff"
	case "black":
		return "#000000"
	case "transparent", "inherit", "initial", "":
		return ""
	}
	if len(c) == 4 && c[0] == '#' {
		return "#" + string([]byte{c[1], c[1], c[2], c[2], c[3], c[3]})
	}
	if strings.HasPrefix(c, "rgb(") && strings.HasSuffix(c, ")") {
		parts := strings.Split(c[4:len(c)-1], ",")
		if len(parts) == 3 {
			var b strings.Builder
			b.WriteByte('#')
			for _, p := range parts {
				n, err := strconv.Atoi(strings.TrimSpace(p))
				if err != nil || n < 0 || n > 255 {
					return c
				}
				b.WriteString(strconv.FormatInt(int64(n)|0x100, 16)[1:])
			}
			return b.String()
		}
	}
	return c
}

// hasBase64Run reports a run of at least n base64 characters.
func hasBase64Run(b []byte, n int) bool {
	run := 0
	for _, c := range b {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' {
			run++
			if run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}
