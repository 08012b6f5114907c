package smtp

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/dnstest"
	"github.com/mailward/mailward/internal/smtptest"
)

const (
	ourTenant   = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
	otherTenant = "99999999-8888-7777-6666-555555555555"
)

// certRelay is a relay with STARTTLS whose trusted_clients are a Microsoft
// 365 tenant and a Google Workspace domain, verified against a test CA;
// 127.0.0.2 (the clients here) is not in trusted_networks.
type certRelay struct {
	*relay
	ca  *smtptest.CA
	dns *dnstest.Server
	key ed25519.PrivateKey
}

func startCertRelay(t *testing.T) *certRelay {
	t.Helper()
	ca := smtptest.NewCA(t, "test CA")
	cert, key := smtptest.WriteFiles(t, ca.Issue(t, "mailward.test"))
	d := dnstest.Start(t)
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	d.TXT("sel._domainkey.trust.example", "v=DKIM1; k=ed25519; p="+base64.StdEncoding.EncodeToString(pub))
	r := startRelay(t, fmt.Sprintf(`tls:
  cert: %s
  key: %s
  client_ca: %s
dns:
  resolver: %s
  timeout: 2s
authentication: {enabled: false}
trusted_clients:
  - name: microsoft365
    cert_names: [mail.protection.outlook.com]
    networks: [127.0.0.0/8]
    microsoft365_tenant_id: %s
  - name: google
    cert_names: ["*.google.com"]
    dkim_domains: [trust.example]
`, cert, key, ca.WriteCA(t), d.Addr, ourTenant))
	return &certRelay{relay: r, ca: ca, dns: d, key: priv}
}

// send runs one transaction from 127.0.0.2 over STARTTLS, presenting cert
// (none when nil), and returns the replies to RCPT and to the end of DATA.
func (r *certRelay) send(t *testing.T, cert *tls.Certificate, rcpt string, msg []byte) (rcptErr, dataErr error) {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
	conn, err := d.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	c, err := smtp.NewClient(conn, "mailward.test")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cfg := &tls.Config{RootCAs: r.ca.Pool, ServerName: "mailward.test"}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	if err := c.StartTLS(cfg); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("head@trust.example"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt(rcpt); err != nil {
		return err, nil
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write(msg)
	dataErr = w.Close()
	c.Quit()
	return nil, dataErr
}

func tenantMsg(headers ...string) []byte {
	var b bytes.Buffer
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("From: Head <head@trust.example>\r\nTo: parent@home.example\r\nSubject: Trip on Friday\r\n" +
		"Date: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <trip-1@trust.example>\r\n\r\n" +
		"The coach leaves at nine.\r\n")
	return b.Bytes()
}

func (r *certRelay) signed(t *testing.T, raw []byte, domain string) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := dkim.Sign(&out, bytes.NewReader(raw), &dkim.SignOptions{Domain: domain, Selector: "sel", Signer: r.key,
		HeaderKeys: []string{"From", "To", "Subject", "Date", "Message-ID"}}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func code(err error) string {
	if err == nil {
		return "250"
	}
	s := err.Error()
	if len(s) >= 3 {
		return s[:3]
	}
	return s
}

// TestTrustedClientCertificates: over real STARTTLS on loopback, a client
// outside trusted_networks relays outbound only with a verified certificate
// of a configured name AND a message that passes the tenant check (the
// EchoSpoofing defence); a message failing it is treated as from an
// untrusted client: inbound when addressed to the trust, refused otherwise.
func TestTrustedClientCertificates(t *testing.T) {
	r := startCertRelay(t)
	m365 := r.ca.Issue(t, "mail.protection.outlook.com", "*.mail.protection.outlook.com")
	google := r.ca.Issue(t, "mail-sor-f41.google.com")
	wrongName := r.ca.Issue(t, "mail.evil.example")
	otherCA := smtptest.NewCA(t, "someone else's CA").Issue(t, "mail.protection.outlook.com")

	ours := "X-MS-Exchange-CrossTenant-Id: " + ourTenant
	theirs := "X-MS-Exchange-CrossTenant-Id: " + otherTenant
	cases := []struct {
		name             string
		cert             *tls.Certificate
		rcpt             string
		msg              []byte
		wantRcpt, wantDt string
		wantHop          string // "out", "in" or "" (nothing relayed)
	}{
		{"m365, our tenant, outbound", &m365, "parent@home.example", tenantMsg(ours), "250", "250", "out"},
		{"m365, header folded", &m365, "parent@home.example", tenantMsg("X-MS-Exchange-CrossTenant-Id:\r\n " + ourTenant), "250", "250", "out"},
		{"m365, another tenant, outbound refused", &m365, "parent@home.example", tenantMsg(theirs), "250", "550", ""},
		{"m365, another tenant forging ours, refused", &m365, "parent@home.example", tenantMsg(ours, theirs), "250", "550", ""},
		{"m365, no tenant header, refused", &m365, "parent@home.example", tenantMsg(), "250", "550", ""},
		{"m365, another tenant to the trust: inbound", &m365, "office@trust.example", tenantMsg(theirs), "250", "250", "in"},
		{"google, signed by the trust", &google, "parent@home.example", r.signed(t, tenantMsg(), "trust.example"), "250", "250", "out"},
		{"google, signed by another domain, refused", &google, "parent@home.example", r.signed(t, tenantMsg(), "other.example"), "250", "550", ""},
		{"google, unsigned, refused", &google, "parent@home.example", tenantMsg(), "250", "550", ""},
		{"google cert with the m365 header only, refused", &google, "parent@home.example", tenantMsg(ours), "250", "550", ""},
		{"certificate of another name", &wrongName, "parent@home.example", tenantMsg(ours), "554", "", ""},
		{"certificate of another CA", &otherCA, "parent@home.example", tenantMsg(ours), "554", "", ""},
		{"no certificate", nil, "parent@home.example", tenantMsg(ours), "554", "", ""},
		{"no certificate, to the trust: inbound", nil, "office@trust.example", tenantMsg(ours), "250", "250", "in"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			nIn, nOut := len(r.in.Messages()), len(r.out.Messages())
			rcptErr, dataErr := r.send(t, c.cert, c.rcpt, c.msg)
			if got := code(rcptErr); got != c.wantRcpt {
				t.Fatalf("RCPT: %v, want %s", rcptErr, c.wantRcpt)
			}
			if rcptErr == nil {
				if got := code(dataErr); got != c.wantDt {
					t.Fatalf("DATA: %v, want %s", dataErr, c.wantDt)
				}
			}
			gotIn, gotOut := len(r.in.Messages())-nIn, len(r.out.Messages())-nOut
			switch c.wantHop {
			case "out":
				if gotOut != 1 || gotIn != 0 {
					t.Errorf("relayed in %d, out %d; want out", gotIn, gotOut)
				}
			case "in":
				if gotIn != 1 || gotOut != 0 {
					t.Errorf("relayed in %d, out %d; want in", gotIn, gotOut)
				}
				m := r.in.Messages()[len(r.in.Messages())-1]
				if !strings.Contains(string(m.Data), "X-Mailward-Action:") {
					t.Errorf("inbound message lacks the verdict header")
				}
			default:
				if gotIn+gotOut != 0 {
					t.Errorf("relayed in %d, out %d; want nothing", gotIn, gotOut)
				}
			}
		})
	}
	logs := r.logs.String()
	if !strings.Contains(logs, "tenant check failed") || !strings.Contains(logs, "trusted_client=microsoft365") {
		t.Errorf("the log does not say which tenant check failed:\n%s", logs)
	}
	if strings.Contains(logs, otherTenant) {
		t.Error("the log repeats header values")
	}
}

// TestTrustedClientDNSFailure: when the DKIM key cannot be fetched (SERVFAIL)
// the message is deferred (451), never refused or relayed unchecked.
func TestTrustedClientDNSFailure(t *testing.T) {
	r := startCertRelay(t)
	r.dns.ServFail("sel._domainkey.trust.example")
	google := r.ca.Issue(t, "mail-sor-f41.google.com")
	_, dataErr := r.send(t, &google, "parent@home.example", r.signed(t, tenantMsg(), "trust.example"))
	if code(dataErr) != "451" {
		t.Fatalf("DATA: %v, want 451", dataErr)
	}
	if n := len(r.out.Messages()); n != 0 {
		t.Fatalf("relayed %d", n)
	}
}

func TestCertHasName(t *testing.T) {
	ca := smtptest.NewCA(t, "ca")
	c := ca.Issue(t, "mail.protection.outlook.com", "*.mail.protection.outlook.com", "mx.google.com").Leaf
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"mail.protection.outlook.com", true},
		{"trust-example.mail.protection.outlook.com", true}, // the certificate's own wildcard covers it
		{"*.mail.protection.outlook.com", true},
		{"*.google.com", true},
		{"google.com", false},
		{"*.outlook.com", false}, // a.b.outlook.com is two labels down
		{"evil.example", false},
	} {
		if got := certHasName(c, tc.name); got != tc.want {
			t.Errorf("certHasName(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestRelayPresentsClientCertificate: with tls.cert set, mailward shows its
// certificate to a next hop that asks for one (Exchange Online's connector
// restricted by certificate); this hop refuses TLS without a certificate
// from the test CA, so mail arriving over TLS proves it was shown. Without
// tls.cert the handshake fails and the sender hears 451, not 250.
func TestRelayPresentsClientCertificate(t *testing.T) {
	ca := smtptest.NewCA(t, "test CA")
	ours := ca.Issue(t, "mailward.trust.example")
	hopCert := ca.Issue(t, "trust-example.mail.protection.outlook.com")
	hop := smtptest.Start(t, func(s *gosmtp.Server) {
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{hopCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.Pool}
	})
	certFile, keyFile := smtptest.WriteFiles(t, ours)
	for _, c := range []struct {
		name, tls string
		want      string
	}{
		{"with tls.cert", "tls: {cert: " + certFile + ", key: " + keyFile + "}\n", "250"},
		{"without", "", "451"},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := len(hop.Messages())
			r := startRelayCfg(t, c.tls, func(cfg *config.Config) { cfg.NextHop.Inbound = "smtp://" + hop.Addr })
			cv := dial(t, r.addr, "127.0.0.2")
			cv.send("EHLO client.example\r\n")
			cv.expect("250")
			cv.send("MAIL FROM:<parent@home.example>\r\n")
			cv.expect("250")
			cv.send("RCPT TO:<office@trust.example>\r\n")
			got := cv.reply()
			if c.want == "250" {
				if !strings.HasPrefix(got, "250") {
					t.Fatalf("RCPT: %s", got)
				}
				cv.send("DATA\r\n")
				cv.expect("354")
				cv.send(string(tenantMsg()) + ".\r\n")
				got = cv.reply()
			}
			if !strings.HasPrefix(got, c.want) {
				t.Fatalf("reply %q, want %s", got, c.want)
			}
			ms := hop.Messages()
			if c.want == "250" && (len(ms) != n+1 || !ms[len(ms)-1].TLS) {
				t.Fatalf("hop got %d messages (TLS %v)", len(ms)-n, len(ms) > n && ms[len(ms)-1].TLS)
			}
		})
	}
}
