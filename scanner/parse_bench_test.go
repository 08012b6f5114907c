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
