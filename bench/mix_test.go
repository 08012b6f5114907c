package bench

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailward/mailward/internal/corpora"
)

// The realistic mix: what a school trust's gateway carries on an ordinary
// day. Most messages are plain legitimate mail (the 2,500 ham messages of
// ../shared/corpora, read in place, never copied into the module); about a
// third carry an office attachment generated here: a letter (docx), a
// timetable or budget (xlsx), a newsletter (pdf) or a zip of several. The
// attachments hold ordinary prose and figures, no pupil data, so that
// every detector reads them whole and the verdict is deliver, as it is
// for most mail.

// mixShare is how the mix is made up, in messages out of 100.
var mixShare = []struct {
	kind  string
	share int
}{
	{"ham", 66}, {"docx", 10}, {"xlsx", 8}, {"pdf", 10}, {"zip", 6},
}

// mixMessage is one message of the mix, CRLF line endings, no dot-stuffing.
type mixMessage struct {
	kind string
	data []byte
}

// loadMix builds n messages of the mix, the same ones on every run (fixed
// seed, sorted corpus). It skips tb when the ham corpus is absent.
func loadMix(tb testing.TB, n int) []mixMessage {
	tb.Helper()
	dir := corpora.Dir(tb, corpora.Ham...)
	names, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(names) == 0 {
		tb.Skipf("no ham messages in %s: %v", dir, err)
	}
	sort.Strings(names)
	rng := rand.New(rand.NewSource(13))
	var kinds []string
	for _, s := range mixShare {
		for i := 0; i < s.share; i++ {
			kinds = append(kinds, s.kind)
		}
	}
	var out []mixMessage
	for i := 0; i < n; i++ {
		raw, err := os.ReadFile(names[i%len(names)])
		if err != nil {
			tb.Fatalf("read ham: %v", err)
		}
		ham := hamMessage(raw)
		kind := kinds[rng.Intn(len(kinds))]
		if kind == "ham" {
			out = append(out, mixMessage{kind, ham})
			continue
		}
		text := prose(rng, names, 4000+rng.Intn(60000))
		var name, ctype string
		var att []byte
		switch kind {
		case "docx":
			name, ctype, att = "letter.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", makeDocx(text)
		case "xlsx":
			name, ctype, att = "budget.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", makeXlsx(rng, 50+rng.Intn(3000))
		case "pdf":
			name, ctype, att = "newsletter.pdf", "application/pdf", makePDF(rng, text, 1+rng.Intn(40))
		case "zip":
			name, ctype, att = "documents.zip", "application/zip", makeZip(map[string][]byte{
				"letter.docx":   makeDocx(text),
				"timetable.csv": makeCSV(rng, 200+rng.Intn(400)),
				"notes.txt":     []byte(prose(rng, names, 4000)),
			})
		}
		out = append(out, mixMessage{kind, withAttachment(ham, i, name, ctype, att)})
	}
	return out
}

// hamMessage turns a corpus file (mbox "From " line, LF endings) into a
// message as it travels over SMTP.
func hamMessage(raw []byte) []byte {
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n"))
}

// withAttachment keeps the ham message's top header (minus its MIME
// fields) and text, and sends them as a multipart/mixed with one file.
func withAttachment(ham []byte, n int, name, ctype string, att []byte) []byte {
	end := bytes.Index(ham, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(ham)
	}
	var hdr bytes.Buffer
	skip := false
	for _, line := range strings.SplitAfter(string(ham[:end+2]), "\r\n") {
		if line == "" {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			l := strings.ToLower(line)
			skip = strings.HasPrefix(l, "content-") || strings.HasPrefix(l, "mime-version:")
		}
		if !skip {
			hdr.WriteString(line)
		}
	}
	body := ham[min(end+4, len(ham)):]
	boundary := fmt.Sprintf("=_mix_%d", n)
	var b bytes.Buffer
	b.Write(hdr.Bytes())
	fmt.Fprintf(&b, "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=%q\r\n\r\n", boundary)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n", boundary)
	b.Write(body)
	fmt.Fprintf(&b, "\r\n--%s\r\nContent-Type: %s; name=%q\r\nContent-Disposition: attachment; filename=%q\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		boundary, ctype, name, name)
	enc := base64.StdEncoding.EncodeToString(att)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}

// prose is about n bytes of the bodies of ham messages picked at random:
// real English, as a letter or newsletter would hold.
func prose(rng *rand.Rand, names []string, n int) string {
	var b strings.Builder
	for b.Len() < n {
		raw, err := os.ReadFile(names[rng.Intn(len(names))])
		if err != nil {
			continue
		}
		if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
			raw = raw[i+2:]
		}
		for _, line := range strings.Split(string(raw), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.ContainsAny(line[:1], ">-_=") {
				continue
			}
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func zipOf(files [][2]string) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, f := range files {
		w, _ := z.Create(f[0])
		w.Write([]byte(f[1]))
	}
	z.Close()
	return buf.Bytes()
}

func makeZip(files map[string][]byte) []byte {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var fs [][2]string
	for _, n := range names {
		fs = append(fs, [2]string{n, string(files[n])})
	}
	return zipOf(fs)
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// makeDocx is a minimal Word document: one paragraph per line of text.
func makeDocx(text string) []byte {
	var doc strings.Builder
	doc.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	for _, line := range strings.Split(text, "\n") {
		doc.WriteString("<w:p><w:r><w:t xml:space=\"preserve\">" + xmlEscape(line) + "</w:t></w:r></w:p>")
	}
	doc.WriteString("</w:body></w:document>")
	return zipOf([][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", doc.String()},
	})
}

var budgetItems = []string{"Textbooks", "Science consumables", "Art materials", "Sports kit", "Trips deposit",
	"Photocopying", "Music tuition", "Library books", "ICT licences", "Exam fees", "Staff training", "Catering"}

// makeXlsx is a minimal workbook: a budget of rows item, term, amount.
func makeXlsx(rng *rand.Rand, rows int) []byte {
	var sh strings.Builder
	sh.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>Item</t></is></c><c r="B1" t="inlineStr"><is><t>Term</t></is></c><c r="C1" t="inlineStr"><is><t>Amount</t></is></c></row>`)
	for r := 2; r <= rows+1; r++ {
		fmt.Fprintf(&sh, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c><c r="B%d" t="inlineStr"><is><t>%s</t></is></c><c r="C%d"><v>%d.%02d</v></c></row>`,
			r, r, budgetItems[rng.Intn(len(budgetItems))], r, []string{"Autumn", "Spring", "Summer"}[rng.Intn(3)], r, rng.Intn(5000), rng.Intn(100))
	}
	sh.WriteString("</sheetData></worksheet>")
	return zipOf([][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
			`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Budget" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", sh.String()},
	})
}

// makeCSV is a timetable: day, period, subject, room.
func makeCSV(rng *rand.Rand, rows int) []byte {
	subjects := []string{"Maths", "English", "Science", "History", "Geography", "French", "Art", "PE", "Music", "Computing"}
	days := []string{"Mon", "Tue", "Wed", "Thu", "Fri"}
	var b bytes.Buffer
	b.WriteString("day,period,subject,room\r\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&b, "%s,%d,%s,R%d\r\n", days[rng.Intn(5)], 1+rng.Intn(6), subjects[rng.Intn(len(subjects))], 1+rng.Intn(40))
	}
	return b.Bytes()
}

// makePDF is a PDF of pages of text in Flate-compressed content streams,
// with a correct cross-reference table, as office software writes them.
func makePDF(rng *rand.Rand, text string, pages int) []byte {
	lines := strings.Split(text, "\n")
	var objs []string
	kids := make([]string, pages)
	// Objects: 1 catalog, 2 pages, 3 font, then a page and its content per page.
	for p := 0; p < pages; p++ {
		kids[p] = fmt.Sprintf("%d 0 R", 4+2*p)
	}
	objs = append(objs, "<< /Type /Catalog /Pages 2 0 R >>",
		fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), pages),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	for p := 0; p < pages; p++ {
		var cs strings.Builder
		cs.WriteString("BT /F1 10 Tf 50 800 Td 12 TL\n")
		for i := 0; i < 60 && len(lines) > 0; i++ {
			l := lines[rng.Intn(len(lines))]
			l = strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(l)
			fmt.Fprintf(&cs, "(%s) Tj T*\n", l)
		}
		cs.WriteString("ET\n")
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write([]byte(cs.String()))
		zw.Close()
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*p),
			fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", z.Len(), z.String()))
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// TestMixScansClean checks that the mix is what it claims: mail every
// detector reads whole (no unscannable finding) and that the default rules
// deliver. A benchmark of a mix that is mostly quarantined or unreadable
// would measure something else.
func TestMixScansClean(t *testing.T) {
	mix := loadMix(t, 120)
	counts := map[string]int{}
	for _, m := range mix {
		counts[m.kind]++
	}
	for _, s := range mixShare {
		if counts[s.kind] == 0 {
			t.Errorf("no %s message in a mix of %d", s.kind, len(mix))
		}
	}
	p := scanPipeline(t)
	bad := 0
	for i, m := range mix {
		v := scanOne(t, p, m.data)
		if v.action != "deliver" && v.action != "tag" {
			bad++
			t.Logf("message %d (%s): %s %v %s", i, m.kind, v.action, v.categories, v.summary)
		}
		for _, c := range v.categories {
			if c == "unscannable" && m.kind != "ham" {
				t.Errorf("message %d (%s): generated attachment unscannable: %s", i, m.kind, v.summary)
			}
		}
	}
	// The ham corpus itself has a few findings (under 0.5% by design);
	// the generated attachments must add none.
	if bad > len(mix)/20 {
		t.Errorf("%d of %d mix messages not delivered", bad, len(mix))
	}
}
