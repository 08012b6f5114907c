package mailauth

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/authres"
)

func TestCheck(t *testing.T) {
	d := world(t)
	rk, ek := keys(t)
	e := evaluator(d)
	signed := func(from, dom, sel string) []byte {
		if dom == "trust.example" {
			return sign(t, message(from), dom, sel, ek)
		}
		return sign(t, message(from), dom, sel, rk)
	}
	tampered := bytes.Replace(signed("a@example.org", "example.org", "sel"), []byte("invoice"), []byte("lnvoice"), 1)
	cases := []struct {
		name     string
		ip       netip.Addr
		mailFrom string
		helo     string
		raw      []byte
		want     string // statuses()
		policy   string
		aligned  string // "spf", "dkim", "both", ""
	}{
		{"all pass", goodIP, "a@example.org", "mx.example.org", signed("A <a@example.org>", "example.org", "sel"), "spf=pass dkim=pass dmarc=pass", "reject", "both"},
		{"spf pass only", goodIP, "a@example.org", "mx", message("a@example.org"), "spf=pass dkim=none dmarc=pass", "reject", "spf"},
		{"dkim pass only", badIP, "a@example.org", "mx", signed("a@example.org", "example.org", "sel"), "spf=fail dkim=pass dmarc=pass", "reject", "dkim"},
		{"spf fail no dkim", badIP, "a@example.org", "mx", message("a@example.org"), "spf=fail dkim=none dmarc=fail", "reject", ""},
		{"body altered", badIP, "a@example.org", "mx", tampered, "spf=fail dkim=fail dmarc=fail", "reject", ""},
		{"softfail", badIP, "a@soft.example", "mx", message("a@soft.example"), "spf=softfail dkim=none dmarc=fail", "quarantine", ""},
		{"no records", badIP, "a@none.example", "mx", message("a@none.example"), "spf=none dkim=none dmarc=none", "", ""},
		{"spf permerror", badIP, "a@perm.example", "mx", message("a@perm.example"), "spf=permerror dkim=none dmarc=fail", "reject", ""},
		{"spf void lookups", badIP, "a@void.example", "mx", message("a@void.example"), "spf=permerror dkim=none dmarc=none", "", ""},
		{"spf lookup limit", badIP, "a@loop.example", "mx", message("a@loop.example"), "spf=permerror dkim=none dmarc=none", "", ""},
		{"dns servfail", badIP, "a@broken.example", "mx", message("a@broken.example"), "spf=temperror dkim=none dmarc=temperror", "", ""},
		{"third-party signature and envelope", goodIP, "bounce@other.example", "mx", signed("a@example.org", "other.example", "sel"), "spf=pass dkim=pass dmarc=fail", "reject", ""},
		{"relaxed: subdomain envelope aligns", goodIP, "b@mail.example.org", "mx", message("a@example.org"), "spf=pass dkim=none dmarc=pass", "reject", "spf"},
		{"strict: subdomain signature does not align", badIP, "a@strict.example", "mx", signed("a@strict.example", "mail.strict.example", "sel"), "spf=fail dkim=pass dmarc=fail", "reject", ""},
		{"strict: exact signature aligns", badIP, "a@strict.example", "mx", signed("a@strict.example", "strict.example", "sel"), "spf=fail dkim=pass dmarc=pass", "reject", "dkim"},
		{"subdomain takes sp=", badIP, "a@example.org", "mx", message("x@news.example.org"), "spf=fail dkim=none dmarc=fail", "quarantine", ""},
		{"ed25519 signature", badIP, "a@trust.example", "mx", signed("head@trust.example", "trust.example", "ed"), "spf=fail dkim=pass dmarc=pass", "none", "dkim"},
		{"null sender uses helo", goodIP, "", "example.org", message("a@example.org"), "spf=pass dkim=none dmarc=pass", "reject", "spf"},
		{"unknown client address", netip.Addr{}, "a@example.org", "mx", message("a@example.org"), "spf=none dkim=none dmarc=fail", "reject", ""},
		{"two From fields", goodIP, "a@example.org", "mx", append([]byte("From: x@evil.example\r\n"), message("a@example.org")...), "spf=pass dkim=none dmarc=permerror", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.Check(context.Background(), Input{IP: c.ip, Helo: c.helo, MailFrom: c.mailFrom, Raw: c.raw})
			if got := statuses(r); got != c.want {
				t.Fatalf("got %s, want %s\nspf: %+v\ndkim: %+v\ndmarc: %+v", got, c.want, r.SPF, r.DKIM, r.DMARC)
			}
			if r.DMARC.Policy != c.policy {
				t.Errorf("policy %q, want %q", r.DMARC.Policy, c.policy)
			}
			al := ""
			switch {
			case r.DMARC.AlignedSPF && r.DMARC.AlignedDKIM:
				al = "both"
			case r.DMARC.AlignedSPF:
				al = "spf"
			case r.DMARC.AlignedDKIM:
				al = "dkim"
			}
			if r.DMARC.Status != StatusNone && al != c.aligned {
				t.Errorf("aligned %q, want %q", al, c.aligned)
			}
			// Every header we write must parse as RFC 8601.
			h := r.Header("gw.trust.example")
			id, results, err := authres.Parse(unfold(h))
			if err != nil || id != "gw.trust.example" || len(results) < 3 {
				t.Errorf("header %q: id %q, %d results, %v", h, id, len(results), err)
			}
		})
	}
}

// TestDNSDown: with nothing answering, every check is temperror, never
// none or pass.
func TestDNSDown(t *testing.T) {
	d := world(t)
	rk, _ := keys(t)
	raw := sign(t, message("a@example.org"), "example.org", "sel", rk)
	d.Stop()
	e := New(Options{Resolver: NewResolver(d.Addr, 300*time.Millisecond), Budget: 5 * time.Second})
	r := e.Check(context.Background(), Input{IP: goodIP, Helo: "mx", MailFrom: "a@example.org", Raw: raw})
	if got, want := statuses(r), "spf=temperror dkim=temperror dmarc=temperror"; got != want {
		t.Fatalf("got %s, want %s (%+v)", got, want, r.DMARC)
	}
	if !r.TempError() {
		t.Error("TempError() false")
	}
}

// TestBudget: a budget that runs out leaves temperror.
func TestBudget(t *testing.T) {
	d := world(t)
	e := New(Options{Resolver: NewResolver(d.Addr, time.Second), Budget: time.Nanosecond})
	r := e.Check(context.Background(), Input{IP: goodIP, Helo: "mx", MailFrom: "a@example.org", Raw: message("a@example.org")})
	if r.SPF.Status != StatusTempError || r.DMARC.Status != StatusTempError {
		t.Fatalf("got %s", statuses(r))
	}
}

func TestOrgDomainAndAlignment(t *testing.T) {
	for _, c := range []struct {
		a, b, mode string
		want       bool
	}{
		{"example.org", "example.org", "s", true},
		{"mail.example.org", "example.org", "r", true},
		{"mail.example.org", "example.org", "s", false},
		// *.sch.uk is a wildcard public suffix: a school's domain sits a
		// level below its area (stmarys.lancs.sch.uk).
		{"a.stmarys.lancs.sch.uk", "b.stmarys.lancs.sch.uk", "r", true},
		{"stmarys.lancs.sch.uk", "stjohns.lancs.sch.uk", "r", false},
		{"trust.example", "eviltrust.example", "r", false},
		{"x.co.uk", "y.co.uk", "r", false},
		{"EXAMPLE.ORG.", "example.org", "s", true},
		{"", "example.org", "r", false},
	} {
		if got := Aligned(c.a, c.b, c.mode); got != c.want {
			t.Errorf("Aligned(%q, %q, %s) = %v, want %v", c.a, c.b, c.mode, got, c.want)
		}
	}
	if got := OrgDomain("mail.stmarys.lancs.sch.uk"); got != "stmarys.lancs.sch.uk" {
		t.Errorf("OrgDomain = %q", got)
	}
}

func TestRenameForged(t *testing.T) {
	raw := []byte("Authentication-Results: gw.trust.example; dmarc=pass header.from=trust.example\r\n" +
		"authentication-results:  (comment) GW.TRUST.EXAMPLE 1; spf=pass\r\n" +
		"Authentication-Results: mx.google.com;\r\n\tdkim=pass header.d=example.org\r\n" +
		"Authentication-Results: gw.trust.example.evil; spf=pass\r\n" +
		"From: a@example.org\r\n\r\n" +
		"Authentication-Results: gw.trust.example; in the body\r\n")
	got := string(RenameForged(raw, "gw.trust.example"))
	if n := strings.Count(got, UntrustedFieldName+":"); n != 2 {
		t.Fatalf("renamed %d fields, want 2:\n%s", n, got)
	}
	for _, keep := range []string{"Authentication-Results: mx.google.com;", "Authentication-Results: gw.trust.example.evil;", "\r\n\r\nAuthentication-Results: gw.trust.example; in the body"} {
		if !strings.Contains(got, keep) {
			t.Errorf("lost %q:\n%s", keep, got)
		}
	}
	if same := RenameForged(message("a@example.org"), "gw"); !bytes.Equal(same, message("a@example.org")) {
		t.Error("changed a message without such a field")
	}
}

func TestHeaderFormat(t *testing.T) {
	r := &Result{
		SPF:   SPF{Status: StatusFail, Scope: "mailfrom", Sender: `"odd sender"@example.org`, Domain: "example.org"},
		DKIM:  []DKIM{{Status: StatusFail, Domain: "example.org", Selector: "sel", B: "AbCd+/12", Reason: `body hash "mismatch"`}},
		DMARC: DMARC{Status: StatusFail, FromDomain: "example.org", Record: true, Policy: "reject", Percent: 50},
		ARC:   ARC{Status: StatusNone},
	}
	h := r.Header("gw.trust.example")
	id, results, err := authres.Parse(unfold(h))
	if err != nil || id != "gw.trust.example" {
		t.Fatalf("%q: %v", h, err)
	}
	var methods []string
	for _, x := range results {
		switch v := x.(type) {
		case *authres.SPFResult:
			methods = append(methods, "spf="+string(v.Value))
		case *authres.DKIMResult:
			methods = append(methods, "dkim="+string(v.Value)+":"+v.Domain)
		case *authres.DMARCResult:
			methods = append(methods, "dmarc="+string(v.Value)+":"+v.From)
		default:
			methods = append(methods, "other")
		}
	}
	if got, want := strings.Join(methods, " "), "spf=fail dkim=fail:example.org dmarc=fail:example.org other"; got != want {
		t.Errorf("parsed %q, want %q\n%s", got, want, h)
	}
	if !strings.Contains(h, "(p=reject pct=50)") {
		t.Errorf("no policy comment in %q", h)
	}
}
