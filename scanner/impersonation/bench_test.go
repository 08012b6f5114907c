package impersonation_test

import (
	"context"
	"testing"

	"github.com/mailward/mailward/directory"
	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/scanner/impersonation"
)

// BenchmarkScan is the cost per inbound message with a 60-person directory
// and 38 protected domains, for a message that matches nothing (the usual
// case) and one that matches a name, a lookalike and a Reply-To.
func BenchmarkScan(b *testing.B) {
	staff, err := directory.Open("testdata/ham-staff.yaml", 0)
	if err != nil {
		b.Fatal(err)
	}
	corr := append([]string{}, plausibleCorrespondents...)
	for i := 0; i < 30; i++ {
		corr = append(corr, string(rune('a'+i%26))+"correspondent"+string(rune('a'+i/26))+".example")
	}
	d := impersonation.New(impersonation.Options{Domains: []string{"oakfield-trust.org.uk"}, Correspondents: corr, Directory: staff})
	for _, c := range []struct{ name, headers string }{
		{"clean", "From: Pat Parent <pat.parent@outside.example>\r\nReply-To: <pat.parent@outside.example>\r\n"},
		{"match", "From: David Smith <d.smith@oakfie1d-trust.org.uk>\r\nReply-To: <pay@gmail.com>\r\n"},
	} {
		m, err := scanner.Parse([]byte(c.headers+"Subject: x\r\n\r\nbody\r\n"), inbound)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := d.Scan(context.Background(), m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
