package scanner

import (
	"strings"
	"testing"
)

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

func BenchmarkParsePlain50K(b *testing.B) {
	raw := plainMessage(50 << 10)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(raw, Envelope{}); err != nil {
			b.Fatal(err)
		}
	}
}

// altMessage50K is a multipart/alternative (plain and HTML) message of
// about 50 KB, the other common shape of ordinary mail.
func altMessage50K() []byte {
	var plain, html strings.Builder
	for plain.Len()+html.Len() < 50<<10 {
		plain.WriteString("The governors met on Tuesday and agreed the budget for next year.\r\n")
		html.WriteString("<p style=\"margin:0\">The governors met on <b>Tuesday</b> and agreed the <a href=\"https://trust.example/budget\">budget</a>.</p>\r\n")
	}
	return []byte("From: a@example.org\r\nTo: b@trust.example\r\nSubject: Minutes\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=alt\r\n\r\n--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		plain.String() + "\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>" + html.String() + "</body></html>\r\n--alt--\r\n")
}

func BenchmarkParseAlt50K(b *testing.B) {
	raw := altMessage50K()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(raw, Envelope{}); err != nil {
			b.Fatal(err)
		}
	}
}
