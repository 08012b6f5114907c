package mailauth

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzHeaders feeds untrusted header bytes to every parser that reads
// them without DNS: From domains, ARC set grouping, the A-R renaming and
// the upstream A-R reader. Seeded from the ARC fixtures.
func FuzzHeaders(f *testing.F) {
	files, _ := filepath.Glob("testdata/arc/*.eml")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("From: a@example.org, \"x\" <b@c>\r\nAuthentication-Results: (c) gw; spf=pass\r\n\r\n"))
	f.Add([]byte("ARC-Seal: i=1; cv=none\r\nFrom: =?utf-8?q?x?= <a@b>\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		h := parseHeader(raw)
		h.fromDomains()
		if sets, n, problem := arcSets(h); problem == "" {
			for i := 1; i <= n; i++ {
				parseAAR(sets[i].aar.value)
			}
		}
		out := RenameForged(raw, "gw")
		if len(out) < len(raw) || !bytes.Equal(out[bodyStart(out):], raw[bodyStart(raw):]) {
			t.Fatalf("renaming changed the body or shrank the message")
		}
		canonBody(raw, true)
		canonBody(raw, false)
	})
}

// BenchmarkCheck is one full evaluation (SPF, a DKIM signature, DMARC)
// against the loopback DNS server: the work mailward adds per inbound
// message, DNS round trips included.
func BenchmarkCheck(b *testing.B) {
	d := world(b)
	rk, _ := keys(b)
	raw := sign(b, message("a@example.org"), "example.org", "sel", rk)
	e := New(Options{Resolver: NewResolver(d.Addr, 2*time.Second)})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		r := e.Check(ctx, Input{IP: goodIP, Helo: "mx", MailFrom: "a@example.org", Raw: raw})
		if r.DMARC.Status != StatusPass {
			b.Fatal(statuses(r))
		}
	}
}
