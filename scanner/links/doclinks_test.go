package links

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/mailward/mailward/scanner"
)

// docx builds a minimal Word file whose only hyperlink goes to target.
func docx(t *testing.T, target string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml": `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<w:body><w:p><w:hyperlink r:id="rId5"><w:r><w:t>our sports day page</w:t></w:r></w:hyperlink></w:p></w:body></w:document>`,
		"word/_rels/document.xml.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="` + target + `" TargetMode="External"/></Relationships>`,
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDocumentLinks: hyperlinks that are not in a document's text (a
// Word hyperlink's target, a PDF link annotation) are read too.
func TestDocumentLinks(t *testing.T) {
	part := func(ct, name string, data []byte) string {
		return "Content-Type: " + ct + "\r\nContent-Disposition: attachment; filename=" + name +
			"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(data)
	}
	pdf := []byte("%PDF-1.4\n1 0 obj\n<< /Type /Annot /Subtype /Link /A << /S /URI /URI (https://www.pornhub.com/\\(x\\)) >> >>\nendobj\n" +
		"2 0 obj\n<< /A << /S /URI /URI <68747470733A2F2F6B70726F78792E636F6D2F> >> >>\nendobj\ntrailer\n<< >>\n%%EOF\n")
	// The same kind of link inside a compressed object stream, where PDF 1.5
	// writers put annotations: invisible to a reading of the raw file.
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte("1 0 << /Type /Annot /Subtype /Link /A << /S /URI /URI (https://www.pornhub.com/hidden) >> >>"))
	zw.Close()
	objStm := []byte(fmt.Sprintf("%%PDF-1.5\n3 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n", z.Len()))
	objStm = append(append(objStm, z.Bytes()...), "\nendstream\nendobj\ntrailer\n<< >>\n%%EOF\n"...)
	for _, c := range []struct {
		name string
		att  string
		want []string
	}{
		{"pdf link in an object stream", part("application/pdf", "flyer.pdf", objStm), []string{"adult"}},
		{"word hyperlink", part("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "sports.docx",
			docx(t, "https://www.bet365.com/?a=1&amp;b=2")), []string{"gambling"}},
		{"word hyperlink to the school", part("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "sports.docx",
			docx(t, "https://www.oakfield.sch.uk/sports")), nil},
		{"pdf link annotations", part("application/pdf", "flyer.pdf", pdf), []string{"adult", "proxy"}},
	} {
		d := defaultDetector(t)
		fs, err := d.Scan(context.Background(), parse(t, eml("x", "see attached", false, c.att)))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range fs {
			got = append(got, f.Tiers[0])
			if f.Where != "1" {
				t.Errorf("%s: where %q", c.name, f.Where)
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: tiers %v, want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: tiers %v, want %v", c.name, got, c.want)
			}
		}
	}
}

// TestDocumentLinksBeyondBounds: a Word file with more hyperlinks than are
// read is an unscannable finding for that attachment, not a silent skip.
func TestDocumentLinksBeyondBounds(t *testing.T) {
	var rels strings.Builder
	for i := 0; i <= maxDocLinks; i++ {
		fmt.Fprintf(&rels, `<Relationship Id="r%d" Type="h" Target="https://example.org/%d" TargetMode="External"/>`, i, i)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("word/_rels/document.xml.rels")
	w.Write([]byte("<Relationships>" + rels.String() + "</Relationships>"))
	zw.Close()
	links, unread := officeLinks(buf.Bytes())
	if len(links) != maxDocLinks || unread == "" {
		t.Fatalf("%d links, unread %q; want %d and a reason", len(links), unread, maxDocLinks)
	}
	att := "Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document\r\n" +
		"Content-Disposition: attachment; filename=many.docx\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(buf.Bytes())
	fs, err := defaultDetector(t).Scan(context.Background(), parse(t, eml("x", "see attached", false, att)))
	if err != nil {
		t.Fatal(err)
	}
	var got bool
	for _, f := range fs {
		got = got || f.Category == scanner.Unscannable && f.Where == "1" && !strings.Contains(f.Summary, "many.docx")
	}
	if !got {
		t.Errorf("no unscannable finding for the attachment: %+v", fs)
	}
}
