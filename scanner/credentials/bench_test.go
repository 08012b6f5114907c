package credentials

import (
	"context"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

// BenchmarkScan50K: an ordinary 50 KB message that mentions logins and
// passwords without sharing one.
func BenchmarkScan50K(b *testing.B) {
	var body strings.Builder
	for body.Len() < 50<<10 {
		body.WriteString("Please log in to SIMS with your usual user name; never share your password with anyone.\n" +
			"The governors met on Tuesday and agreed the budget for next year.\n")
	}
	raw := "From: a@oakfield.sch.uk\r\nTo: b@example.com\r\nSubject: x\r\n\r\n" + strings.ReplaceAll(body.String(), "\n", "\r\n")
	m, err := scanner.Parse([]byte(raw), scanner.Envelope{Direction: scanner.Outbound})
	if err != nil {
		b.Fatal(err)
	}
	d := New(config.Default().Credentials)
	b.SetBytes(int64(body.Len()))
	for b.Loop() {
		fs, err := d.Scan(context.Background(), m)
		if err != nil || len(fs) != 0 {
			b.Fatal(err, fs)
		}
	}
}
