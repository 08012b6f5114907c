package mailauth

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailward/mailward/internal/dnstest"
)

// arcWorld serves the keys and records the ARC fixtures (written by
// testdata/arc/gen.py with dkimpy) were made for.
func arcWorld(t *testing.T) *dnstest.Server {
	b, err := os.ReadFile("testdata/arc/key.pem")
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	k, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	d := dnstest.Start(t)
	rec := keyRecord(t, k)
	d.TXT("sel._domainkey.example.org", rec)
	d.TXT("arc._domainkey.lists.example.net", rec)
	d.TXT("arc._domainkey.relay.example.com", rec)
	d.TXT("_dmarc.example.org", "v=DMARC1; p=reject")
	d.TXT("example.org", "v=spf1 ip4:192.0.2.10 -all")
	return d
}

func TestARC(t *testing.T) {
	d := arcWorld(t)
	cases := []struct {
		file     string
		trusted  []string
		want     Status
		n        int
		sealer   string
		upstream Status // the trusted sealer's recorded DMARC, "" when not read
	}{
		{"arc-1.eml", nil, StatusPass, 1, "lists.example.net", ""},
		{"arc-1.eml", []string{"lists.example.net"}, StatusPass, 1, "lists.example.net", StatusPass},
		{"arc-2.eml", []string{"relay.example.com"}, StatusPass, 2, "relay.example.com", StatusFail},
		{"arc-2.eml", []string{"lists.example.net"}, StatusPass, 2, "relay.example.com", ""},
		{"arc-tampered.eml", []string{"lists.example.net"}, StatusFail, 1, "lists.example.net", ""},
		{"forged-aar", []string{"lists.example.net"}, StatusFail, 1, "lists.example.net", ""},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			file := c.file
			if file == "forged-aar" {
				file = "arc-1.eml"
			}
			raw, err := os.ReadFile(filepath.Join("testdata/arc", file))
			if err != nil {
				t.Fatal(err)
			}
			if c.file == "forged-aar" {
				// A sender rewriting what the sealer recorded breaks the seal.
				raw = bytes.Replace(raw, []byte("spf=pass smtp.mailfrom=example.org"), []byte("spf=pass smtp.mailfrom=evil.example"), 1)
			}
			e := New(Options{Resolver: NewResolver(d.Addr, 2*time.Second), TrustedSealers: c.trusted})
			r := e.Check(context.Background(), Input{IP: badIP, Helo: "mx.lists.example.net", MailFrom: "bounce@lists.example.net", Raw: raw})
			a := r.ARC
			if a.Status != c.want || a.Instances != c.n || a.Sealer != c.sealer {
				t.Fatalf("arc %+v, want %s with %d sets sealed by %s", a, c.want, c.n, c.sealer)
			}
			var up Status
			if a.Upstream != nil {
				up = a.Upstream.DMARC
				if a.Upstream.HeaderFrom != "example.org" {
					t.Errorf("upstream header.from %q", a.Upstream.HeaderFrom)
				}
			}
			if up != c.upstream {
				t.Errorf("upstream dmarc %q, want %q", up, c.upstream)
			}
			// The list's footer broke the author's signature: DMARC fails
			// here whatever ARC says; ARC is evidence for the rules.
			if r.DMARC.Status != StatusFail {
				t.Errorf("dmarc %s, want fail (%+v)", r.DMARC.Status, r.DKIM)
			}
		})
	}
}

// TestARCStructure: broken chains fail without any DNS.
func TestARCStructure(t *testing.T) {
	e := New(Options{Resolver: NewResolver("127.0.0.1:9", 100*time.Millisecond)})
	body := "From: a@example.org\r\n\r\nhi\r\n"
	for name, c := range map[string]struct {
		hdr    string
		reason string
	}{
		"missing seal":   {"ARC-Authentication-Results: i=1; x; none\r\nARC-Message-Signature: i=1; a=rsa-sha256; d=x; s=y; b=\r\n", "ARC set 1 incomplete"},
		"gap":            {"ARC-Seal: i=2; cv=pass; d=x; s=y; b=\r\nARC-Message-Signature: i=2; d=x; s=y; b=\r\nARC-Authentication-Results: i=2; x; none\r\n", "ARC set 1 incomplete"},
		"bad instance":   {"ARC-Seal: i=0; cv=none; b=\r\n", "ARC field with a bad instance tag"},
		"first cv pass":  {"ARC-Seal: i=1; cv=pass; d=x; s=y; b=\r\nARC-Message-Signature: i=1; d=x; s=y; b=\r\nARC-Authentication-Results: i=1; x; none\r\n", "seal 1 has cv=pass"},
		"newest cv fail": {"ARC-Seal: i=1; cv=fail; d=x; s=y; b=\r\nARC-Message-Signature: i=1; d=x; s=y; b=\r\nARC-Authentication-Results: i=1; x; none\r\n", "newest seal says cv=fail"},
		"two seals in 1": {"ARC-Seal: i=1; cv=none; b=\r\nARC-Seal: i=1; cv=none; b=\r\n", "two ARC fields of one kind in set 1"},
		"over 50 sets":   {"ARC-Seal: i=51; cv=pass; b=\r\n", "ARC field with a bad instance tag"},
	} {
		r := e.Check(context.Background(), Input{Raw: []byte(c.hdr + body)})
		if r.ARC.Status != StatusFail || r.ARC.Reason != c.reason {
			t.Errorf("%s: %+v, want fail: %s", name, r.ARC, c.reason)
		}
	}
	if r := e.Check(context.Background(), Input{Raw: []byte(body)}); r.ARC.Status != StatusNone {
		t.Errorf("no ARC: %+v", r.ARC)
	}
}
