package impersonation_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mailward/mailward/scanner"
)

// FuzzScan feeds arbitrary From and Reply-To fields (display names in any
// encoding, odd domains, punycode) to the detector with the directory:
// it must not panic, and every finding must be well formed.
func FuzzScan(f *testing.F) {
	for _, c := range append(append([]check(nil), directoryChecks...), plainChecks...) {
		f.Add(c.headers, c.env.Direction == scanner.Inbound)
	}
	f.Add("From: =?koi8-r?b?7c/S?= <a@xn--80ak6aa92e.com>\nReply-To: <b@xn--oakfeld-trust-.org.uk>\n", true)
	f.Add("From: \"\" <@>\nReply-To: ,,,\n", true)
	d := newDetector(yamlDirectory(&testing.T{}))
	f.Fuzz(func(t *testing.T, headers string, in bool) {
		env := inbound
		if !in {
			env = outbound("j.smith@"+trustDomain, "")
		}
		raw := strings.ReplaceAll(headers, "\n", "\r\n") + "\r\nbody\r\n"
		m, err := scanner.Parse([]byte(raw), env)
		if err != nil {
			return
		}
		fs, err := d.Scan(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Category != scanner.Impersonation || f.Score <= 0 || f.Score >= 1 || f.Summary == "" ||
				(f.Severity != "high" && f.Severity != "medium" && f.Severity != "low") {
				t.Fatalf("malformed finding %+v", f)
			}
		}
	})
}
