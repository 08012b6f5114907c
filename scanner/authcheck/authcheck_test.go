package authcheck

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/dnstest"
	"github.com/mailward/mailward/rules"
	"github.com/mailward/mailward/scanner"
)

var (
	goodIP = netip.MustParseAddr("192.0.2.10") // listed in the SPF records
	badIP  = netip.MustParseAddr("192.0.2.66")
)

// zone serves trust.example (DMARC p=none, as many schools start), a
// bank with p=reject, a shop with p=quarantine, a newsletter with p=none,
// and the keys of the ARC fixtures.
func zone(t *testing.T) (*dnstest.Server, crypto.Signer) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	d := dnstest.Start(t)
	rec := "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
	d.TXT("trust.example", "v=spf1 ip4:192.0.2.10 -all")
	d.TXT("_dmarc.trust.example", "v=DMARC1; p=none; rua=mailto:dmarc@trust.example")
	d.TXT("sel._domainkey.trust.example", rec)
	d.TXT("nodmarc.example", "v=spf1 ip4:192.0.2.10 -all")
	d.TXT("bank.example", "v=spf1 ip4:192.0.2.10 -all")
	d.TXT("_dmarc.bank.example", "v=DMARC1; p=reject")
	d.TXT("shop.example", "v=spf1 ip4:192.0.2.10 ~all")
	d.TXT("_dmarc.shop.example", "v=DMARC1; p=quarantine")
	d.TXT("news.example", "v=spf1 ip4:192.0.2.10 -all")
	d.TXT("_dmarc.news.example", "v=DMARC1; p=none")
	d.TXT("evil.example", "v=spf1 ip4:192.0.2.66 -all")
	d.ServFail("_dmarc.down.example")
	arcKey, err := os.ReadFile("../../mailauth/testdata/arc/key.pem")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"sel._domainkey.example.org", "arc._domainkey.lists.example.net", "arc._domainkey.relay.example.com"} {
		d.TXT(n, pemRecord(t, arcKey))
	}
	d.TXT("_dmarc.example.org", "v=DMARC1; p=reject")
	return d, key
}

// cfg is a config for trust.example asking d, with extra YAML.
func cfg(t *testing.T, d *dnstest.Server, extra string) *config.Config {
	c, err := config.Parse([]byte(fmt.Sprintf("domains: [trust.example, \"*.schools.example\"]\nhostname: gw.trust.example\ndns: {resolver: %q, timeout: 2s}\n%s", d.Addr, extra)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func msg(from string) []byte {
	return []byte("From: " + from + "\r\nTo: bursar@trust.example\r\nSubject: Gift cards\r\nDate: Mon, 23 Nov 2026 08:00:00 +0000\r\n" +
		"Message-ID: <x@y>\r\n\r\nAre you free? I need a favour.\r\n")
}

func signed(t *testing.T, raw []byte, domain string, key crypto.Signer) []byte {
	var out bytes.Buffer
	if err := dkim.Sign(&out, bytes.NewReader(raw), &dkim.SignOptions{Domain: domain, Selector: "sel", Signer: key}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestFindingsAndDefaultPolicy(t *testing.T) {
	d, key := zone(t)
	arc1, err := os.ReadFile("../../mailauth/testdata/arc/arc-1.eml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		extra    string
		dir      scanner.Direction
		ip       netip.Addr
		mailFrom string
		raw      []byte
		tier     string // "" for no finding
		action   rules.Action
		rule     string
	}{
		{"spoofed trust domain is held", "", scanner.Inbound, badIP, "ceo@evil.example", msg("Head Teacher <head@trust.example>"), TierTrustDomainFail, rules.Quarantine, "spoofed-trust-domain"},
		{"wildcard trust domain without a DMARC record: header only", "", scanner.Inbound, badIP, "ceo@evil.example", msg("head@primary.schools.example"), "", rules.Deliver, "default"},
		{"trust domain via its own SPF passes", "", scanner.Inbound, goodIP, "head@trust.example", msg("head@trust.example"), "", rules.Deliver, "default"},
		{"trust domain signed passes", "", scanner.Inbound, badIP, "bounce@evil.example", signed(t, msg("head@trust.example"), "trust.example", key), "", rules.Deliver, "default"},
		{"trust domain among two From fields", "", scanner.Inbound, goodIP, "a@news.example", append([]byte("From: a@news.example\r\n"), msg("head@trust.example")...), TierTrustDomainFail, rules.Quarantine, "spoofed-trust-domain"},
		{"lookalike is not ours", "", scanner.Inbound, badIP, "x@evil.example", msg("head@eviltrust.example"), "", rules.Deliver, "default"},
		{"p=reject failure is tagged", "", scanner.Inbound, badIP, "x@evil.example", msg("Bank <alerts@bank.example>"), TierDMARCReject, rules.Tag, "dmarc-fail-inbound"},
		{"p=quarantine failure is tagged", "", scanner.Inbound, badIP, "x@shop.example", msg("orders@shop.example"), TierDMARCQuarantine, rules.Tag, "dmarc-fail-inbound"},
		{"p=none failure is only in the header", "", scanner.Inbound, badIP, "x@evil.example", msg("news@news.example"), "", rules.Deliver, "default"},
		{"admin chooses reject", "rules:\n  - {name: dmarc-reject, direction: [inbound], tier: [dmarc_reject], action: reject}\n", scanner.Inbound, badIP, "x@evil.example", msg("alerts@bank.example"), TierDMARCReject, rules.Reject, "dmarc-reject"},
		{"several From fields", "", scanner.Inbound, goodIP, "a@news.example", append([]byte("From: a@news.example\r\n"), msg("b@bank.example")...), TierFromForged, rules.Tag, "dmarc-fail-inbound"},
		{"trust domain p=none does not weaken the hold", "", scanner.Inbound, badIP, "x@evil.example", msg("a@trust.example"), TierTrustDomainFail, rules.Quarantine, "spoofed-trust-domain"},
		{"outbound is not evaluated", "", scanner.Outbound, badIP, "head@trust.example", msg("head@trust.example"), "", rules.Deliver, "default"},
		{"internal is not evaluated", "", scanner.Internal, badIP, "head@trust.example", msg("head@trust.example"), "", rules.Deliver, "default"},
		{"ARC from an untrusted list: DMARC fail stands", "", scanner.Inbound, badIP, "b@lists.example.net", arc1, TierDMARCReject, rules.Tag, "dmarc-fail-inbound"},
		{"ARC from a trusted list vouches", "authentication: {arc_trusted_sealers: [lists.example.net]}\n", scanner.Inbound, badIP, "b@lists.example.net", arc1, "", rules.Deliver, "default"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conf := cfg(t, d, c.extra)
			s := New(conf)
			m, err := scanner.Parse(c.raw, scanner.Envelope{Client: c.ip, Helo: "mx.evil.example", From: c.mailFrom,
				To: []string{"bursar@trust.example"}, Direction: c.dir})
			if err != nil {
				t.Fatal(err)
			}
			fs, err := s.Scan(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			var tier string
			if len(fs) > 0 {
				tier = fs[0].Tiers[0]
				if fs[0].Category != scanner.Impersonation || fs[0].Scanner != Name {
					t.Errorf("finding %+v", fs[0])
				}
				for _, leak := range []string{"head@", "evil.example", "Gift", "favour"} {
					if strings.Contains(fs[0].Summary, leak) {
						t.Errorf("summary %q names %q", fs[0].Summary, leak)
					}
				}
			}
			if tier != c.tier {
				t.Fatalf("tier %q, want %q (%+v)\n%s", tier, c.tier, fs, Header(m))
			}
			dec := rules.New(conf.Rules, conf.Scan.OnError).Decide(m.Envelope, scanner.Result{Findings: fs})
			if dec.Action != c.action || dec.Rule != c.rule {
				t.Errorf("decision %s by %s, want %s by %s", dec.Action, dec.Rule, c.action, c.rule)
			}
			h := Header(m)
			if (c.dir == scanner.Inbound) != (h != "") {
				t.Errorf("header %q for %s mail", h, c.dir)
			}
			if h != "" && !strings.HasPrefix(h, "gw.trust.example;") {
				t.Errorf("authserv-id: %q", h)
			}
		})
	}
}

// TestWildcardTrustDomain: a *. entry of domains is claimed by its
// subdomains (no record at all for them: DMARC none, so flagged only when
// flag_unpublished_trust_domains is set).
func TestWildcardTrustDomain(t *testing.T) {
	d, _ := zone(t)
	for _, flag := range []bool{false, true} {
		conf := cfg(t, d, fmt.Sprintf("authentication: {flag_unpublished_trust_domains: %v}\n", flag))
		m, _ := scanner.Parse(msg("head@primary.schools.example"), scanner.Envelope{Client: badIP, Helo: "x", From: "x@evil.example", Direction: scanner.Inbound})
		fs, _ := New(conf).Scan(context.Background(), m)
		if got := len(fs) == 1 && fs[0].Tiers[0] == TierTrustDomainUnauth; got != flag {
			t.Errorf("flag %v: findings %+v", flag, fs)
		}
		if flag {
			dec := rules.New(conf.Rules, conf.Scan.OnError).Decide(m.Envelope, scanner.Result{Findings: fs})
			if dec.Action != rules.Tag {
				t.Errorf("unpublished: %s by %s", dec.Action, dec.Rule)
			}
		}
	}
}

// TestTempError: when DNS cannot answer for a trust domain's claim the
// sender is asked to retry (tempfail), never a pass; for another domain
// the header says temperror and nothing is held.
func TestTempError(t *testing.T) {
	d, _ := zone(t)
	conf := cfg(t, d, "")
	d.Stop()
	for _, c := range []struct {
		from   string
		action rules.Action
	}{
		{"head@trust.example", rules.Tempfail},
		{"a@bank.example", rules.Deliver},
	} {
		m, _ := scanner.Parse(msg(c.from), scanner.Envelope{Client: badIP, Helo: "x", From: "x@evil.example", Direction: scanner.Inbound})
		fs, err := New(conf).Scan(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		dec := rules.New(conf.Rules, conf.Scan.OnError).Decide(m.Envelope, scanner.Result{Findings: fs})
		if dec.Action != c.action {
			t.Errorf("%s: %s by %s (%+v)", c.from, dec.Action, dec.Rule, fs)
		}
		if h := Header(m); !strings.Contains(h, "dmarc=temperror") || !strings.Contains(h, "spf=temperror") {
			t.Errorf("%s: header %q", c.from, h)
		}
	}
}

func pemRecord(t *testing.T, pemKey []byte) string {
	s := string(pemKey)
	s = s[strings.Index(s, "-----\n")+6 : strings.Index(s, "-----END")]
	der, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(s, "\n", ""))
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.ParsePKCS1PrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(pub)
}
