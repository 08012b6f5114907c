package offensive

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/eval"
	"github.com/mailward/mailward/scanner"
)

// minimalDocx is a Word document holding one paragraph.
func minimalDocx(t *testing.T, text string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels":         `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml":   `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>` + text + `</w:t></w:r></w:p></w:body></w:document>`,
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

// TestEveryTextAPersonReads: abuse is found wherever a reader meets it,
// through the real parser and extraction: the subject, a display name, an
// HTML-only body, a .docx, a forwarded message (less than the sender's own
// words, not zero).
func TestEveryTextAPersonReads(t *testing.T) {
	s := newScanner(t, config.Offensive{MinScore: 0.3})
	head := "From: Sam <sam@trust.example>\r\nTo: parent@example.com\r\nDate: Mon, 7 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n"
	docx := base64.StdEncoding.EncodeToString(minimalDocx(t, "You are a useless idiot and a waste of space."))
	cases := []struct {
		name, raw, where string
	}{
		{"subject", head + "Subject: you absolute wanker\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n", "subject"},
		{"display name", "From: \"Stupid Bitch\" <sam@trust.example>\r\nTo: parent@example.com\r\nSubject: trip\r\n\r\nThe coach leaves at 8.\r\n", "header"},
		{"HTML-only body", head + "Subject: re: trip\r\nContent-Type: text/html\r\n\r\n<html><body><p>You are <b>pathetic</b>, you stupid cow.</p></body></html>\r\n", "body"},
		{"docx", head + "Subject: notes\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nNotes attached.\r\n--b\r\n" +
			"Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name=notes.docx\r\nContent-Disposition: attachment; filename=notes.docx\r\nContent-Transfer-Encoding: base64\r\n\r\n" + docx + "\r\n--b--\r\n", "1"},
		{"forwarded message", head + "Subject: fwd\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n--b\r\n" +
			"Content-Type: message/rfc822\r\n\r\nFrom: x@example.com\r\nSubject: hi\r\n\r\nI will kill you, you fucking retard.\r\n--b--\r\n", "1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := scanner.Parse([]byte(c.raw), scanner.Envelope{Direction: scanner.Outbound, To: []string{"parent@example.com"}})
			if err != nil {
				t.Fatal(err)
			}
			fs, err := s.Scan(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != 1 {
				t.Fatalf("findings %+v, want one", fs)
			}
			if fs[0].Where != c.where {
				t.Errorf("where %q (%s), want %q", fs[0].Where, fs[0].Summary, c.where)
			}
			if c.name == "forwarded message" && !strings.Contains(fs[0].Summary, "forwarded") {
				t.Errorf("forwarded words not marked: %s", fs[0].Summary)
			}
		})
	}
}

// TestFunctionalCases runs the project's own behaviour cases
// (testdata/functional.jsonl: each tier, disguises, British insults, and
// counter-speech, lessons, dinner menus, place names and idioms that must
// stay clean). Written beside the code, they test behaviour, not quality:
// quality is measured on the public validation split (model/FIGURES.md).
func TestFunctionalCases(t *testing.T) {
	s := newScanner(t, config.Offensive{})
	items, err := eval.Load("testdata/functional.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		m, err := scanner.Parse(it.Raw, scanner.Envelope{Direction: scanner.Outbound, To: []string{"someone@example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		fs, err := s.Scan(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		if found := len(fs) > 0; found == eval.Negative(it.Label) {
			t.Errorf("%s (%s): findings %+v", it.Name, it.Label, fs)
		}
	}
}
