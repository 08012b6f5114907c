package scanner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func parseFixture(t *testing.T, name string, lim ParseLimits) *Message {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("extract", "testdata", "mail", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseWith(context.Background(), raw, Envelope{Direction: Inbound}, lim)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestParseModel checks that the shared model carries what extraction
// found: nested attachments tied to their parent and top-level index,
// texts and tables tied to their attachment, links, and the body.
func TestParseModel(t *testing.T) {
	m := parseFixture(t, "zip-nested-exe.eml", ParseLimits{})
	if len(m.Attachments) != 3 {
		t.Fatalf("%d attachments", len(m.Attachments))
	}
	exe := m.Attachments[2]
	if exe.Path != "files.zip/inner.zip/setup.exe" || exe.Index != 1 || exe.Depth != 2 ||
		exe.Parent != m.Attachments[1] || exe.Parent.Parent != m.Attachments[0] || exe.SniffedType != "application/vnd.microsoft.portable-executable" {
		t.Errorf("nested item %+v", *exe)
	}

	m = parseFixture(t, "clean-xlsx.eml", ParseLimits{})
	if len(m.Tables) != 1 || m.Tables[0].Attachment != m.Attachments[0] || m.Tables[0].Where != "1" {
		t.Errorf("tables %+v", m.Tables)
	}
	var att *Text
	for i := range m.Texts {
		if m.Texts[i].Kind == KindAttachment {
			att = &m.Texts[i]
		}
	}
	if att == nil || att.Attachment != m.Attachments[0] || !strings.Contains(att.Content, "Lovelace") {
		t.Errorf("attachment text %+v", att)
	}
	if m.Body() != "List attached." {
		t.Errorf("body %q", m.Body())
	}

	m = parseFixture(t, "hidden-text.eml", ParseLimits{})
	if len(m.Links) != 1 || m.Links[0].URL != "https://evil.example/login" || m.Links[0].Where != "body" {
		t.Errorf("links %+v", m.Links)
	}
	if strings.Contains(m.Body(), "white on white") {
		t.Errorf("hidden text in Body(): %q", m.Body())
	}

	m = parseFixture(t, "docm.eml", ParseLimits{})
	if !m.Attachments[0].HasTrait("macros") {
		t.Errorf("traits %v", m.Attachments[0].Traits)
	}
}

// TestLimitsBecomeUnscannable: a limit hit during parsing is an
// unscannable finding naming the attachment, which the default rules
// quarantine.
func TestLimitsBecomeUnscannable(t *testing.T) {
	m := parseFixture(t, "zip-nested-exe.eml", ParseLimits{MaxDepth: 1})
	if len(m.Limits) != 1 || m.Limits[0] != "nesting deeper than 1 in attachment 1" {
		t.Fatalf("limits %v", m.Limits)
	}
	res := (&Runner{}).Run(context.Background(), m)
	if len(res.Findings) != 1 || res.Findings[0].Category != Unscannable || res.Findings[0].Summary != m.Limits[0] ||
		res.Findings[0].Where != "1" {
		t.Errorf("findings %+v", res.Findings)
	}
}

// TestParseNotAMessage: input that is no message at all is an error, and
// hostile structure never panics out of Parse.
func TestParseHostile(t *testing.T) {
	before, _ := Panics()
	for _, raw := range []string{
		"",
		"\x00\x01\x02",
		"Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n--",
		"Content-Type: message/rfc822\r\n\r\nContent-Type: message/rfc822\r\n\r\n",
		"Content-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBBQAAAAIAAAAIQD//////////w==",
	} {
		if m, err := Parse([]byte(raw), Envelope{}); err == nil && m == nil {
			t.Errorf("%q: nil message without error", raw)
		}
	}
	if after, last := Panics(); after != before {
		t.Errorf("recovered panic: %s", last)
	}
}

func BenchmarkParseFixtures(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join("extract", "testdata", "mail", "*.eml"))
	var msgs [][]byte
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		msgs = append(msgs, raw)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, raw := range msgs {
			Parse(raw, Envelope{})
		}
	}
}
