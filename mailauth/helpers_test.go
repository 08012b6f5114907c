package mailauth

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/mailward/mailward/internal/dnstest"
)

// The client addresses of the tests (TEST-NET-1: data only, never dialled).
var (
	goodIP = netip.MustParseAddr("192.0.2.10")
	badIP  = netip.MustParseAddr("192.0.2.66")
)

var (
	keyOnce sync.Once
	rsaKey  *rsa.PrivateKey
	edKey   ed25519.PrivateKey
)

// keys returns one RSA (2048) and one Ed25519 key for the whole test run.
func keys(t testing.TB) (*rsa.PrivateKey, ed25519.PrivateKey) {
	keyOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
		if _, edKey, err = ed25519.GenerateKey(rand.Reader); err != nil {
			t.Fatal(err)
		}
	})
	return rsaKey, edKey
}

// keyRecord is the DKIM key TXT record for a signer.
func keyRecord(t testing.TB, s crypto.Signer) string {
	switch k := s.Public().(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k)
	}
	t.Fatalf("unknown key %T", s)
	return ""
}

// world is a DNS server with the records of the test domains:
//
//	example.org   SPF ip4:192.0.2.10 -all, DMARC p=reject, key sel (RSA)
//	soft.example  SPF ~all, DMARC p=quarantine
//	none.example  no SPF, no DMARC
//	perm.example  SPF with an unknown mechanism
//	void.example  SPF with three includes of names that do not exist
//	loop.example  SPF including itself (over 10 lookups)
//	strict.example  DMARC adkim=s aspf=s, key sel (RSA)
//	trust.example  the trust: SPF ip4:192.0.2.10 -all, DMARC p=none, key sel (Ed25519)
//	broken.example SERVFAIL for everything
//	other.example  a third party's signing key
func world(t testing.TB) *dnstest.Server {
	rk, ek := keys(t)
	d := dnstest.Start(t)
	d.TXT("example.org", "v=spf1 ip4:192.0.2.10 -all")
	d.TXT("_dmarc.example.org", "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@example.org")
	d.TXT("sel._domainkey.example.org", keyRecord(t, rk))
	d.TXT("mail.example.org", "v=spf1 ip4:192.0.2.10 -all")
	d.TXT("soft.example", "v=spf1 ip4:198.51.100.1 ~all")
	d.TXT("_dmarc.soft.example", "v=DMARC1; p=quarantine")
	d.A("none.example", "192.0.2.10")
	d.TXT("perm.example", "v=spf1 foo:bar -all")
	d.TXT("_dmarc.perm.example", "v=DMARC1; p=reject")
	d.TXT("void.example", "v=spf1 include:a.nx.example include:b.nx.example include:c.nx.example -all")
	d.TXT("loop.example", "v=spf1 include:loop.example -all")
	d.TXT("strict.example", "v=spf1 ip4:192.0.2.10 -all")
	d.TXT("_dmarc.strict.example", "v=DMARC1; p=reject; adkim=s; aspf=s")
	d.TXT("sel._domainkey.strict.example", keyRecord(t, rk))
	d.TXT("sel._domainkey.mail.strict.example", keyRecord(t, rk))
	d.TXT("trust.example", "v=spf1 ip4:192.0.2.10 -all")
	d.TXT("_dmarc.trust.example", "v=DMARC1; p=none")
	d.TXT("ed._domainkey.trust.example", keyRecord(t, ek))
	d.TXT("sel._domainkey.other.example", keyRecord(t, rk))
	d.TXT("other.example", "v=spf1 ip4:192.0.2.10 -all")
	d.ServFail("broken.example")
	d.ServFail("_dmarc.broken.example")
	d.ServFail("sel._domainkey.broken.example")
	return d
}

// message builds a plain message from the given From value.
func message(from string) []byte {
	return []byte("From: " + from + "\r\n" +
		"To: bursar@trust.example\r\n" +
		"Subject: Invoice 4471\r\n" +
		"Date: Mon, 23 Nov 2026 08:00:00 +0000\r\n" +
		"Message-ID: <4471@example.org>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" +
		"Please find the invoice attached.  \r\n\r\nRegards\r\n")
}

// sign adds a DKIM-Signature of domain/selector with key.
func sign(t testing.TB, raw []byte, domain, selector string, key crypto.Signer) []byte {
	t.Helper()
	var out bytes.Buffer
	err := dkim.Sign(&out, bytes.NewReader(raw), &dkim.SignOptions{Domain: domain, Selector: selector, Signer: key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
		HeaderKeys: []string{"From", "To", "Subject", "Date", "Message-ID"}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// evaluator asks the test server.
func evaluator(d *dnstest.Server) *Evaluator {
	return New(Options{Resolver: NewResolver(d.Addr, 2*time.Second), Budget: 10 * time.Second})
}

// statuses summarises a result as "spf=pass dkim=pass dmarc=pass".
func statuses(r *Result) string {
	parts := []string{"spf=" + string(r.SPF.Status)}
	if len(r.DKIM) == 0 {
		parts = append(parts, "dkim=none")
	}
	for _, d := range r.DKIM {
		parts = append(parts, "dkim="+string(d.Status))
	}
	parts = append(parts, "dmarc="+string(r.DMARC.Status))
	return strings.Join(parts, " ")
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
