package mailauth

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"testing"
	"time"
)

// python is Debian's interpreter, which has the packages the cross-check
// needs (python3-dkim, python3-authres, python3-authheaders).
const python = "/usr/bin/python3"

// crossCheck runs testdata/crosscheck.py, or skips when its packages are
// missing.
func crossCheck(t *testing.T, req map[string]any) map[string]any {
	t.Helper()
	if _, err := os.Stat(python); err != nil {
		t.Skip("cross-check skipped: /usr/bin/python3 missing (apt-get install python3-dkim python3-authheaders)")
	}
	if out, err := exec.Command(python, "-c", "import dkim, authres, authheaders").CombinedOutput(); err != nil {
		t.Skipf("cross-check skipped: python3-dkim, python3-authres or python3-authheaders missing (apt-get install python3-dkim python3-authheaders): %s", out)
	}
	in, _ := json.Marshal(req)
	cmd := exec.Command(python, "testdata/crosscheck.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("crosscheck.py: %v\n%s", err, stderr.String())
	}
	var res map[string]any
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("crosscheck.py output %q: %v", out, err)
	}
	return res
}

// methodResults returns method -> result of a parsed header (first of each).
func methodResults(h any) map[string]string {
	out := map[string]string{}
	for _, r := range h.(map[string]any)["results"].([]any) {
		m := r.(map[string]any)
		if _, ok := out[m["method"].(string)]; !ok {
			out[m["method"].(string)] = m["result"].(string)
		}
	}
	return out
}

// TestCrossCheck compares mailauth with dkimpy and authheaders on the same
// messages and the same DNS records, and has Python's authres parse our
// Authentication-Results header.
func TestCrossCheck(t *testing.T) {
	d := world(t)
	rk, ek := keys(t)
	e := New(Options{Resolver: NewResolver(d.Addr, 2*time.Second)})
	good := sign(t, message("Bursar <a@example.org>"), "example.org", "sel", rk)
	cases := []struct {
		name     string
		ip       string
		mailFrom string
		raw      []byte
	}{
		{"signed and aligned", "192.0.2.66", "a@example.org", good},
		{"body altered", "192.0.2.66", "a@example.org", bytes.Replace(good, []byte("invoice"), []byte("lnvoice"), 1)},
		{"third-party signature", "192.0.2.66", "a@example.org", sign(t, message("a@example.org"), "other.example", "sel", rk)},
		{"spf pass only", "192.0.2.10", "a@example.org", message("a@example.org")},
		{"relaxed alignment of a subdomain signature", "192.0.2.66", "a@example.org", sign(t, message("a@news.example.org"), "example.org", "sel", rk)},
		{"strict alignment", "192.0.2.66", "a@strict.example", sign(t, message("a@strict.example"), "mail.strict.example", "sel", rk)},
		{"ed25519", "192.0.2.66", "a@trust.example", sign(t, message("head@trust.example"), "trust.example", "ed", ek)},
		{"no records", "192.0.2.66", "a@none.example", message("a@none.example")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.Check(context.Background(), Input{IP: mustAddr(c.ip), Helo: "mx", MailFrom: c.mailFrom, Raw: c.raw})
			ar := r.Header("gw.trust.example")
			out := crossCheck(t, map[string]any{"msg": string(c.raw), "records": d.TXTRecords(), "ar": ar,
				"authserv_id": "gw.trust.example", "spf": string(r.SPF.Status), "mailfrom": c.mailFrom})
			ours := out["ours"].(map[string]any)
			if ours["authserv_id"] != "gw.trust.example" {
				t.Errorf("authres read authserv-id %v from %q", ours["authserv_id"], ar)
			}
			parsed := methodResults(ours)
			want := map[string]string{"spf": string(r.SPF.Status), "dmarc": string(r.DMARC.Status), "arc": string(r.ARC.Status), "dkim": "none"}
			if len(r.DKIM) > 0 {
				want["dkim"] = string(r.DKIM[0].Status)
			}
			for m, v := range want {
				if parsed[m] != v {
					t.Errorf("authres parsed %s=%s from our header, we meant %s\n%s", m, parsed[m], v, ar)
				}
			}
			if v, ok := out["dkimpy"].(bool); ok {
				if v != (r.DKIM[0].Status == StatusPass) {
					t.Errorf("dkimpy says valid=%v, we say %s", v, r.DKIM[0].Status)
				}
			}
			theirs := methodResults(out["authheaders"])
			if theirs["dmarc"] != string(r.DMARC.Status) {
				t.Errorf("authheaders dmarc=%s, we say %s (%s)", theirs["dmarc"], r.DMARC.Status, r.DMARC.Reason)
			}
			if len(r.DKIM) > 0 && theirs["dkim"] != string(r.DKIM[0].Status) {
				t.Errorf("authheaders dkim=%s, we say %s", theirs["dkim"], r.DKIM[0].Status)
			}
			t.Logf("ours: %v; authheaders: %v", parsed, theirs)
		})
	}
}

// TestCrossCheckARC: dkimpy's ARC verifier agrees with ours on the
// fixtures (which dkimpy also wrote: see testdata/arc/gen.py).
func TestCrossCheckARC(t *testing.T) {
	d := arcWorld(t)
	e := New(Options{Resolver: NewResolver(d.Addr, 2*time.Second)})
	for _, f := range []string{"arc-1.eml", "arc-2.eml", "arc-tampered.eml"} {
		raw, err := os.ReadFile("testdata/arc/" + f)
		if err != nil {
			t.Fatal(err)
		}
		r := e.Check(context.Background(), Input{IP: badIP, Helo: "mx", MailFrom: "b@lists.example.net", Raw: raw})
		out := crossCheck(t, map[string]any{"msg": string(raw), "records": d.TXTRecords(), "ar": r.Header("gw.trust.example"),
			"authserv_id": "gw.trust.example", "spf": string(r.SPF.Status), "mailfrom": "b@lists.example.net"})
		if out["arc"] != string(r.ARC.Status) {
			t.Errorf("%s: dkimpy arc=%v, we say %s (%s)", f, out["arc"], r.ARC.Status, r.ARC.Reason)
		}
	}
}
