package extract

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func extractFile(t *testing.T, name string) *Result {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "mail", name))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Extract(context.Background(), raw, Limits{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

// want describes what extraction must find in one corpus message.
type want struct {
	// texts are "kind@where:substring" that some text must contain.
	texts []string
	// absent are substrings no visible text (plain, html, attachment) may contain.
	absent []string
	// items are "path" or "path[trait,trait]" or "path!" for encrypted.
	items []string
	// tables are "where:name:first cell".
	tables []string
	links  []string
}

func TestExtractCorpus(t *testing.T) {
	tests := map[string]want{
		"clean-plain.eml":       {texts: []string{"subject@subject:Trip on Friday", "plain@body:science museum"}},
		"clean-alt-html.eml":    {texts: []string{"plain@body:read it online at", "hidden@body:Preheader"}, absent: []string{"track()", "color:red"}, links: []string{"https://news.example.org/autumn|read it online"}},
		"clean-latin1.eml":      {texts: []string{"subject@subject:Réunion", "plain@body:La réunion des parents aura lieu à l'école."}},
		"clean-mislabelled.eml": {texts: []string{"subject@subject:Café menu", "plain@body:crème brûlée on Friday – all"}},
		"clean-pdf.eml":         {texts: []string{"attachment@1:Term dates 2027", "attachment@1:Spring term starts 5 January"}, items: []string{"term-dates.pdf"}},
		"clean-pdf-cid.eml":     {texts: []string{"attachment@1:Ada Lovelace, Year 5"}},
		"clean-png.eml":         {items: []string{"logo.png"}},
		"clean-docx.eml":        {texts: []string{"attachment@1:governors' meeting"}, tables: []string{"1:document.xml table 1:Item"}},
		"clean-xlsx.eml":        {texts: []string{"attachment@1:Lovelace"}, tables: []string{"1:Sheet1:UPN"}},
		"clean-ics.eml":         {texts: []string{"attachment@1:form tutors in the main hall"}},
		"clean-vcf.eml":         {texts: []string{"attachment@1:FN:Mrs Example"}},
		"clean-zip-pdfs.eml":    {texts: []string{"attachment@1:Autumn report", "attachment@1:Spring report"}, items: []string{"reports.zip[archive]", "reports.zip/reports/autumn.pdf", "reports.zip/reports/spring.pdf"}},
		"clean-csv.eml":         {tables: []string{"1:export.csv:UPN"}},
		"clean-odt.eml":         {texts: []string{"attachment@1:The inspection went well."}},
		"clean-ods.eml":         {texts: []string{"attachment@1:Hopper"}, tables: []string{"1:Year 5:UPN"}},
		"clean-forward-docx.eml": {texts: []string{"plain@body:See below.", "attachment@1:Forwarded minutes.", "attachment@1:Minutes of the staff meeting"},
			absent: []string{}, items: []string{"Minutes.eml", "Minutes.eml/minutes.docx"}},
		"clean-tnef.eml":     {texts: []string{"attachment@1:Rich text body from Outlook", "attachment@1:Agenda: budget"}, items: []string{"winmail.dat/agenda.txt"}},
		"clean-tgz.eml":      {texts: []string{"attachment@1:all fine"}, items: []string{"logs.tar.gz/logs.tar/logs/app.log"}},
		"clean-7z.eml":       {texts: []string{"attachment@1:Lorem ipsum"}, items: []string{"texts.7z[archive]", "texts.7z/01", "texts.7z/10"}},
		"clean-msg.eml":      {texts: []string{"attachment@1:Richard Lehane"}, items: []string{"saved.msg/test.doc", "saved.msg/image001.gif"}},
		"clean-xls.eml":      {texts: []string{"attachment@1:Avocado"}, tables: []string{"1:Test sheet 1:Test1", "1:Test sheet 2:Test2"}},
		"clean-doc.eml":      {texts: []string{"attachment@1:British imperialism"}},
		"encrypted-xlsx.eml": {items: []string{"class.xlsx!"}, absent: []string{"Lovelace"}},
		"hidden-text.eml": {texts: []string{"html@body:Visible offer text", "hidden@body:white on white words", "hidden@body:zero size words", "hidden@body:display none words"},
			absent: []string{"white on white", "zero size", "display none"}, links: []string{"https://evil.example/login|https://bank.example/"}},
		"docm.eml":           {items: []string{"report.docm[macros]"}},
		"docx-vba.eml":       {items: []string{"report.docx[macros]"}},
		"xls-vba.eml":        {items: []string{"budget.xls[macros]"}, texts: []string{"attachment@1:budget figures here"}},
		"html-smuggling.eml": {items: []string{"document.html[html-script,html-smuggling]"}, absent: []string{"TVqQ"}},
		"html-form.eml":      {items: []string{"login.htm[html-form]"}, links: []string{"https://evil.example/collect|form"}},
		"pdf-js.eml":         {items: []string{"statement.pdf[pdf-javascript,pdf-openaction]"}},
		"pdf-launch.eml":     {items: []string{"statement.pdf[pdf-launch]"}},
		"zip-encrypted.eml":  {items: []string{"invoice.zip![archive,encrypted-entry]", "invoice.zip/invoice.doc!"}},
		"zip-nested-exe.eml": {items: []string{"files.zip/inner.zip/setup.exe"}},
		"forward-scr.eml":    {items: []string{"fwd.eml/fun.scr"}, texts: []string{"attachment@1:Nice one."}},
		"rtf-object.eml":     {items: []string{"order.doc[ole-object]", "order.doc/object1.bin"}, texts: []string{"attachment@1:Please see the order."}},
		"tnef-exe.eml":       {items: []string{"winmail.dat/update.exe"}},
		"tgz-js.eml":         {items: []string{"archive.tgz/archive.tar/run.js"}},
		"onenote-hta.eml":    {items: []string{"document.one[archive]", "document.one/embedded1", "document.one/embedded2[html-script]"}},
		"rar-exe.eml":        {items: []string{"invoice.rar[archive]", "invoice.rar/invoice.txt", "invoice.rar/invoice.exe"}, texts: []string{"attachment@1:Invoice 42"}},
		"7z-encrypted.eml":   {items: []string{"secret.7z![archive,encrypted-entry]"}},
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "mail", "*.eml"))
	if len(files) < len(tests) {
		t.Fatalf("corpus has %d files, want at least %d", len(files), len(tests))
	}
	for name, w := range tests {
		t.Run(name, func(t *testing.T) {
			r := extractFile(t, name)
			if len(r.Limits) > 0 {
				t.Errorf("limits hit: %v", r.Limits)
			}
			for _, spec := range w.texts {
				kw, sub, _ := strings.Cut(spec, ":")
				kind, where, _ := strings.Cut(kw, "@")
				if !slices.ContainsFunc(r.Texts, func(x Text) bool {
					return x.Kind == kind && x.Where == where && strings.Contains(x.Content, sub)
				}) {
					t.Errorf("no %s text at %s containing %q; texts: %s", kind, where, sub, dumpTexts(r))
				}
			}
			for _, sub := range w.absent {
				for _, x := range r.Texts {
					if x.Kind != KindHidden && strings.Contains(x.Content, sub) {
						t.Errorf("visible %s text at %s contains %q", x.Kind, x.Where, sub)
					}
				}
			}
			for _, spec := range w.items {
				p, traits, _ := strings.Cut(strings.TrimSuffix(spec, "]"), "[")
				enc := strings.HasSuffix(p, "!")
				p = strings.TrimSuffix(p, "!")
				i := slices.IndexFunc(r.Items, func(it *Item) bool { return it.Path == p })
				if i < 0 {
					t.Errorf("no item %q; items: %v", p, paths(r))
					continue
				}
				it := r.Items[i]
				if it.Encrypted != enc {
					t.Errorf("item %q encrypted = %v, want %v", p, it.Encrypted, enc)
				}
				for _, tr := range strings.Split(traits, ",") {
					if tr != "" && !it.HasTrait(tr) {
						t.Errorf("item %q traits %v, want %s", p, it.Traits, tr)
					}
				}
				if it.Size != int64(len(it.Data)) {
					t.Errorf("item %q size %d for %d bytes", p, it.Size, len(it.Data))
				}
				if it.Depth != strings.Count(p, "/")-strings.Count(r.Items[indexOfTop(r, it)].Path, "/") && it.Parent != nil && !strings.Contains(p, "/reports/") && !strings.Contains(p, "/logs/") {
					t.Errorf("item %q depth %d", p, it.Depth)
				}
			}
			for _, spec := range w.tables {
				parts := strings.SplitN(spec, ":", 3)
				if !slices.ContainsFunc(r.Tables, func(tb Table) bool {
					return tb.Where == parts[0] && tb.Name == parts[1] && len(tb.Rows) > 0 && len(tb.Rows[0]) > 0 && tb.Rows[0][0] == parts[2]
				}) {
					t.Errorf("no table %q; tables: %d", spec, len(r.Tables))
				}
			}
			for _, spec := range w.links {
				u, text, _ := strings.Cut(spec, "|")
				if !slices.ContainsFunc(r.Links, func(l Link) bool { return l.URL == u && l.Text == text }) {
					t.Errorf("no link %q; links: %v", spec, r.Links)
				}
			}
		})
	}
}

func indexOfTop(r *Result, it *Item) int {
	for it.Parent != nil {
		it = it.Parent
	}
	return slices.Index(r.Items, it)
}

func dumpTexts(r *Result) string {
	var b strings.Builder
	for _, x := range r.Texts {
		c := x.Content
		if len(c) > 60 {
			c = c[:60]
		}
		b.WriteString(x.Kind + "@" + x.Where + ":" + c + " | ")
	}
	return b.String()
}

func paths(r *Result) []string {
	var p []string
	for _, it := range r.Items {
		p = append(p, it.Path)
	}
	return p
}

// TestTablesShape checks what the pupil-data detector reads: every row of a
// spreadsheet or CSV, cell by cell, and ODF's repeated empty cells and rows
// not expanded to the sheet's edge.
func TestTablesShape(t *testing.T) {
	for _, name := range []string{"clean-xlsx.eml", "clean-csv.eml", "clean-ods.eml"} {
		r := extractFile(t, name)
		if len(r.Tables) != 1 {
			t.Fatalf("%s: %d tables", name, len(r.Tables))
		}
		rows := r.Tables[0].Rows
		if len(rows) != len(pupilRows) {
			t.Errorf("%s: %d rows, want %d", name, len(rows), len(pupilRows))
		}
		for i, row := range rows {
			if i < len(pupilRows) && !slices.Equal(trimRow(row), trimRow(pupilRows[i])) {
				t.Errorf("%s row %d = %q, want %q", name, i, row, pupilRows[i])
			}
		}
		if r.Tables[0].Item == nil || r.Tables[0].Item.Index != 1 {
			t.Errorf("%s: table not tied to attachment 1", name)
		}
	}
}

func trimRow(r []string) []string {
	for len(r) > 0 && r[len(r)-1] == "" {
		r = r[:len(r)-1]
	}
	return r
}

func TestDecodeText(t *testing.T) {
	tests := []struct {
		in, charset, want string
	}{
		{"plain ascii", "", "plain ascii"},
		{"caf\xc3\xa9", "utf-8", "café"},
		{"caf\xe9", "iso-8859-1", "café"},
		{"caf\xe9", "utf-8", "café"},                   // mislabelled Latin-1
		{"caf\xc3\xa9", "iso-8859-1", "café"},          // mislabelled UTF-8
		{"\xef\xbb\xbfbom", "", "bom"},                 // UTF-8 BOM
		{"\xff\xfeh\x00i\x00", "", "hi"},               // UTF-16LE BOM
		{"\x93quoted\x94", "windows-1252", "“quoted”"}, // Windows quotes
		{"\xcf\xf0\xe8\xe2\xe5\xf2", "windows-1251", "Привет"},
		{"x", "no-such-charset", "x"},
	}
	for _, tc := range tests {
		if got := decodeText([]byte(tc.in), tc.charset, false); got != tc.want {
			t.Errorf("decodeText(%q, %q) = %q, want %q", tc.in, tc.charset, got, tc.want)
		}
	}
}

func TestHTMLText(t *testing.T) {
	tests := []struct {
		name, html, visible, hidden string
		script, form, smuggling     bool
	}{
		{"basic", "<p>Hello <b>world</b></p><p>Next</p>", "Hello world\nNext", "", false, false, false},
		{"script and style dropped", "<style>.a{}</style><p>Text</p><script>x()</script>", "Text", "", true, false, false},
		{"unclosed head still shows body", "<html><head><title>T</title><body>Body text", "Body text", "", false, false, false},
		{"visibility hidden", `<span style="visibility:hidden">secret</span>shown`, "shown", "secret", false, false, false},
		{"black on black", `<div style="background-color:#000;color:black">dark</div>`, "", "dark", false, false, false},
		{"white on dark is visible", `<div style="background:#333333"><font color="white">ok</font></div>`, "ok", "", false, false, false},
		{"zero width joiners removed", "pa\u200bss\u200dword", "password", "", false, false, false},
		{"entities", "caf&eacute; &amp; tea", "café & tea", "", false, false, false},
		{"on handler", `<img src="x" onerror="alert(1)">`, "", "", true, false, false},
		{"javascript link", `<a href="javascript:alert(1)">x</a>`, "x", "", true, false, false},
		{"password form", `<form><input type="password"></form>`, "", "", false, true, false},
		{"data url blob", `<a href="data:application/octet-stream;base64,` + strings.Repeat("QUFB", 3000) + `">get</a>`, "get", "", false, false, true},
		{"data url image is fine", `<img src="data:image/png;base64,` + strings.Repeat("QUFB", 3000) + `">`, "", "", false, false, false},
		{"class hidden by a style sheet", `<style>p{margin:0} .a, span.hid { display : none } #x{font-size:0}</style><p class="b a">one</p><span class="hid">two</span><div id="x">three</div><p class="b">four</p>`, "four", "one two three", false, false, false},
		{"nested hidden", `<div style="display:none"><p>a<b>b</b></p></div><p>c</p>`, "c", "ab", false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := htmlText(tc.html)
			if strings.Join(strings.Fields(h.Visible), " ") != strings.Join(strings.Fields(tc.visible), " ") {
				t.Errorf("visible %q, want %q", h.Visible, tc.visible)
			}
			if strings.Join(strings.Fields(h.Hidden), " ") != strings.Join(strings.Fields(tc.hidden), " ") {
				t.Errorf("hidden %q, want %q", h.Hidden, tc.hidden)
			}
			if h.Script != tc.script || h.Form != tc.form || h.Smuggling != tc.smuggling {
				t.Errorf("script/form/smuggling = %v/%v/%v, want %v/%v/%v", h.Script, h.Form, h.Smuggling, tc.script, tc.form, tc.smuggling)
			}
		})
	}
}

func TestPDFNames(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"/Type /Catalog /OpenAction 3 0 R", []string{"OpenAction"}},
		{"/S /J#61vaScript /JS (x)", []string{"JavaScript", "JS"}},
		{"/Launch<</F(cmd)>>", []string{"Launch"}},
		{"/JavaScriptX /Encryptor", nil},
		{"trailer << /Encrypt 5 0 R >>", []string{"Encrypt"}},
	}
	for _, tc := range tests {
		found := map[string]bool{}
		pdfNames([]byte(tc.in), found)
		var got []string
		for _, n := range []string{"JavaScript", "JS", "OpenAction", "AA", "Launch", "EmbeddedFile", "Encrypt"} {
			if found[n] {
				got = append(got, n)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("pdfNames(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestRTFText(t *testing.T) {
	text, objs := rtfText([]byte(`{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}}{\*\generator X;}Caf\'e9 \u8364?5\par Line two{\*\objdata 0102d0cf11e0}}`))
	if text != "Café €5\nLine two" {
		t.Errorf("text %q", text)
	}
	if len(objs) != 1 || objs[0][0] != 1 || objs[0][2] != 0xD0 {
		t.Errorf("objects %x", objs)
	}
}

// TestPlainPartCheap guards the relay's common case: a plain UTF-8 message
// opens nothing and detects no charset (see BenchmarkExtractPlain50K).
func TestPlainPartCheap(t *testing.T) {
	raw := plainMessage(50 << 10)
	r, err := Extract(context.Background(), raw, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Items) != 0 || len(r.Texts) != 2 || !strings.Contains(r.Texts[1].Content, "café included") {
		t.Fatalf("items %d texts %d", len(r.Items), len(r.Texts))
	}
	allocs := testing.AllocsPerRun(20, func() { Extract(context.Background(), raw, Limits{}) })
	if allocs > 200 {
		t.Errorf("%v allocations to extract a plain 50 KB message", allocs)
	}
}

// plainMessage builds an ordinary text message of about n bytes.
func plainMessage(n int) []byte {
	var b strings.Builder
	b.WriteString("From: Alice <alice@example.org>\r\nTo: bob@trust.example\r\nSubject: Minutes of the meeting\r\nDate: Mon, 23 Nov 2026 08:00:00 +0000\r\nMessage-ID: <1@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	line := "The governors met on Tuesday and agreed the budget for next year, caf\u00e9 included.\r\n"
	for b.Len() < n {
		b.WriteString(line)
	}
	return []byte(b.String())
}

func BenchmarkExtractPlain50K(b *testing.B) {
	raw := plainMessage(50 << 10)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Extract(context.Background(), raw, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// pdfWithCIDFont is how Word and LibreOffice write text: two-byte glyph
// codes in hex strings, readable only through the font's ToUnicode map.
// The page and its font sit in a compressed object stream.
func pdfWithCIDFont(text string) []byte {
	codes := map[rune]int{}
	var shown strings.Builder
	var bfchar strings.Builder
	for _, r := range text {
		c, ok := codes[r]
		if !ok {
			c = len(codes) + 3
			codes[r] = c
			fmt.Fprintf(&bfchar, "<%04X> <%04X>\n", c, r)
		}
		fmt.Fprintf(&shown, "%04X", c)
	}
	cmapData := "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n1 begincodespacerange <0000> <FFFF> endcodespacerange\n" +
		fmt.Sprintf("%d beginbfchar\n%sendbfchar\nendcmap end end", len(codes), bfchar.String())
	content := "BT /F2 11 Tf 72 700 Td [<" + shown.String()[:8] + "> -30 <" + shown.String()[8:] + ">] TJ ET"
	deflate := func(s string) []byte {
		var b bytes.Buffer
		zw := zlib.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.Bytes()
	}
	page := "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F2 5 0 R >> >> >> "
	font := "<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+Calibri /Encoding /Identity-H /ToUnicode 6 0 R >>"
	header := fmt.Sprintf("3 0 5 %d ", len(page))
	objStm := deflate(header + page + font)
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	b.WriteString("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n")
	c := deflate(content)
	fmt.Fprintf(&b, "4 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream\nendobj\n", len(c), c)
	cm := deflate(cmapData)
	fmt.Fprintf(&b, "6 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream\nendobj\n", len(cm), cm)
	fmt.Fprintf(&b, "7 0 obj\n<< /Type /ObjStm /N 2 /First %d /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream\nendobj\n", len(header), len(objStm), objStm)
	b.WriteString("trailer\n<< /Root 1 0 R >>\n%%EOF\n")
	return b.Bytes()
}

func TestPDFToUnicode(t *testing.T) {
	w := newWalker(context.Background(), Limits{})
	it := w.newItem(nil, "list.pdf", "application/pdf", pdfWithCIDFont("Ada Lovelace, Year 5"))
	w.inspect(it)
	if len(w.res.Texts) != 1 || w.res.Texts[0].Content != "Ada Lovelace, Year 5" {
		t.Errorf("texts %+v", w.res.Texts)
	}
}

// altMessage is a multipart/alternative message (plain and HTML) of about
// n bytes, the other common shape of ordinary mail.
func altMessage(n int) []byte {
	var plain, html strings.Builder
	for plain.Len()+html.Len() < n {
		plain.WriteString("The governors met on Tuesday and agreed the budget for next year.\r\n")
		html.WriteString("<p style=\"margin:0\">The governors met on <b>Tuesday</b> and agreed the <a href=\"https://trust.example/budget\">budget</a>.</p>\r\n")
	}
	return []byte("From: a@example.org\r\nTo: b@trust.example\r\nSubject: Minutes\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=alt\r\n\r\n--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		plain.String() + "\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>" + html.String() + "</body></html>\r\n--alt--\r\n")
}

func BenchmarkExtractAlt50K(b *testing.B) {
	raw := altMessage(50 << 10)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Extract(context.Background(), raw, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReadSST: shared strings split across CONTINUE records, where the
// remainder of a string restarts with its own width flag.
func TestReadSST(t *testing.T) {
	head := []byte{3, 0, 0, 0, 3, 0, 0, 0}
	ada := []byte{3, 0, 0, 'A', 'd', 'a'}
	love := []byte{8, 0, 0, 'L', 'o', 'v', 'e'}
	lace := []byte{1, 'l', 0, 'a', 0, 0x07, 0x01, 'e', 0}  // wide remainder with "ć"
	rich := []byte{2, 0, 0x08, 1, 0, 'N', 'o', 0, 0, 0, 0} // one formatting run after the text
	chunk1 := append(append(append([]byte{}, head...), ada...), love...)
	chunk2 := append(append([]byte{}, lace...), rich...)
	got := readSST([][]byte{chunk1, chunk2})
	want := []string{"Ada", "Lovelaće", "No"}
	if !slices.Equal(got, want) {
		t.Errorf("readSST = %q, want %q", got, want)
	}
}

func TestXLSDates(t *testing.T) {
	for _, tc := range []struct {
		serial float64
		d1904  bool
		want   string
	}{{42348, false, "2015-12-10"}, {1, false, "1900-01-01"}, {61, false, "1900-03-01"}, {0, true, ""}, {40886, true, "2015-12-10"}} {
		got, _ := serialDate(tc.serial, tc.d1904)
		if got != tc.want {
			t.Errorf("serialDate(%v, %v) = %q, want %q", tc.serial, tc.d1904, got, tc.want)
		}
	}
	for f, want := range map[string]bool{"dd/mm/yyyy": true, "0.00": false, `"Day" 0`: false, "[Red]0.0": false, "yyyy-mm-dd;@": true} {
		if dateFormat(f) != want {
			t.Errorf("dateFormat(%q) = %v", f, !want)
		}
	}
}
