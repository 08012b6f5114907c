package smtp

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/netip"
	"strings"
	"sync"

	"github.com/emersion/go-msgauth/dkim"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/mailauth"
	"github.com/mailward/mailward/rules"
	"github.com/mailward/mailward/scanner"
)

// clientTrust trusts clients by their verified TLS client certificate
// (config trusted_clients): a shared cloud range is never trusted by
// address, only a certificate name plus, per message, a tenant check.
type clientTrust struct {
	roots   *x509.CertPool // nil: the system's roots
	clients []certClient
	dns     *mailauth.Resolver
	err     error // tls.client_ca did not load: no client is trusted
}

type certClient struct {
	cfg  *config.TrustedClient
	nets []netip.Prefix
}

// clientTrusts caches one clientTrust per loaded config: the CA bundle is
// read once, not at every MAIL, and a reload brings its own.
var clientTrusts sync.Map // *config.Config -> *clientTrust

func clientTrustFor(cfg *config.Config) *clientTrust {
	if v, ok := clientTrusts.Load(cfg); ok {
		return v.(*clientTrust)
	}
	ct := &clientTrust{dns: mailauth.NewResolver(cfg.DNS.Resolver, cfg.DNS.Timeout.D())}
	if cfg.TLS.ClientCA != "" {
		ct.roots, ct.err = config.LoadCertPool(cfg.TLS.ClientCA)
	}
	for i := range cfg.TrustedClients {
		tc := &cfg.TrustedClients[i]
		c := certClient{cfg: tc}
		for _, n := range tc.Networks {
			if p, err := netip.ParsePrefix(n); err == nil {
				c.nets = append(c.nets, p.Masked())
			}
		}
		ct.clients = append(ct.clients, c)
	}
	v, _ := clientTrusts.LoadOrStore(cfg, ct)
	return v.(*clientTrust)
}

// match returns the trusted client whose names the session's verified
// client certificate carries, or nil. The certificate is checked here,
// not in the handshake (tls.RequestClientCert): a sender whose own
// certificate is self-signed or expired must still be able to deliver
// inbound mail, untrusted. A mail server's certificate is usually a server
// certificate, so either the client or the server usage is accepted.
//
// why says, when a certificate was shown but trusts nobody, what failed
// (for a debug log line: certificate names are no personal data).
func (ct *clientTrust) match(conn *gosmtp.Conn, client netip.Addr) (tc *config.TrustedClient, why string) {
	if len(ct.clients) == 0 || ct.err != nil {
		return nil, ""
	}
	state, ok := conn.TLSConnectionState()
	if !ok || len(state.PeerCertificates) == 0 {
		return nil, ""
	}
	leaf := state.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, c := range state.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: ct.roots, Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}}); err != nil {
		return nil, "certificate not verified: " + err.Error()
	}
	for _, c := range ct.clients {
		if len(c.nets) > 0 && !trust(c.nets).Trusted(client) {
			continue
		}
		for _, name := range c.cfg.CertNames {
			if certHasName(leaf, name) {
				return c.cfg, ""
			}
		}
	}
	return nil, fmt.Sprintf("certificate names %v (CN %q) match no trusted_clients entry from this address", leaf.DNSNames, leaf.Subject.CommonName)
}

// certHasName reports whether a certificate is valid for name, or, for a
// configured "*.suffix", carries a DNS name one label under suffix (or that
// very wildcard).
func certHasName(c *x509.Certificate, name string) bool {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	suffix, wild := strings.CutPrefix(name, "*.")
	if !wild {
		return c.VerifyHostname(name) == nil
	}
	for _, d := range c.DNSNames {
		d = strings.ToLower(strings.TrimSuffix(d, "."))
		if d == name {
			return true
		}
		if label, rest, ok := strings.Cut(d, "."); ok && rest == suffix && label != "" && label != "*" {
			return true
		}
	}
	return false
}

// sessionTrust is the trust of a session at MAIL: by address, else by a
// verified client certificate (via names the trusted client, whose tenant
// check the transaction runs after DATA).
func (ss *session) sessionTrust(byAddr bool) (trusted bool, via *config.TrustedClient) {
	if byAddr || ss.g == nil {
		return byAddr, nil
	}
	via, why := clientTrustFor(ss.g.cfg).match(ss.conn, ss.client)
	if why != "" {
		ss.srv.log.Debug("client certificate not trusted", "client", ss.client, "why", why)
	}
	return via != nil, via
}

// Tenant check outcomes.
var (
	errTenantRelay = reply(550, gosmtp.EnhancedCode{5, 7, 1}, "Relay access denied")
)

// tenantCheck runs the tenant check of a client trusted by certificate.
// When the message fails it, the transaction continues as from an
// untrusted client: internal mail becomes inbound; outbound mail is
// refused (550 5.7.1), which is exactly the relay abuse a shared range
// invites. A DNS failure during a DKIM check is a 451: the sender retries.
func (t *transaction) tenantCheck() *gosmtp.SMTPError {
	ss := t.ss
	tc := ss.via
	if tc == nil || !tc.HasTenantCheck() {
		return nil
	}
	// DNS for a DKIM check may take a third of the reply deadline; the
	// scan needs the rest.
	ctx, cancel := context.WithDeadline(context.Background(), t.dot.Add(ss.srv.cfg.Limits.ReplyDeadline.D()/3))
	defer cancel()
	ok, reason, err := tenantPasses(ctx, clientTrustFor(ss.g.cfg).dns, tc, t.raw)
	if err != nil {
		ss.srv.log.Warn("tenant check: DNS failed", "queue_id", t.id, "client", ss.client, "trusted_client", tc.Name, "err", err)
		t.action, t.rule = rules.Tempfail, "tenant-check"
		t.env = t.envelope()
		t.logLine(errTemporary)
		return errTemporary
	}
	if ok {
		return nil
	}
	ss.srv.log.Info("tenant check failed: client not trusted for this message", "queue_id", t.id, "client", ss.client,
		"trusted_client", tc.Name, "reason", reason, "direction_was", ss.dir)
	ss.trusted, ss.via = false, nil
	switch ss.dir {
	case scanner.Internal:
		ss.dir = scanner.Inbound
		return nil
	case scanner.Inbound:
		return nil
	}
	t.action, t.rule = rules.Reject, "tenant-check"
	t.env = t.envelope()
	t.logLine(errTenantRelay)
	return errTenantRelay
}

// tenantPasses applies the trusted client's tenant checks to the message.
// reason says which failed (for the log: never header values).
func tenantPasses(ctx context.Context, dns *mailauth.Resolver, tc *config.TrustedClient, raw []byte) (ok bool, reason string, err error) {
	if id := tc.Microsoft365TenantID; id != "" {
		if !crossTenantIs(raw, id) {
			return false, "X-MS-Exchange-CrossTenant-Id missing or naming another tenant", nil
		}
	}
	if len(tc.DKIMDomains) > 0 {
		ok, err := dkimFrom(ctx, dns, tc.DKIMDomains, raw)
		if err != nil || !ok {
			return false, "no valid DKIM signature of dkim_domains", err
		}
	}
	return true, "", nil
}

// crossTenantIs reports whether the header has at least one
// X-MS-Exchange-CrossTenant-Id field and every one names tenant. Exchange
// Online stamps the sending tenant's ID; a sender in another tenant could
// add a field naming ours, but not remove the one naming its own.
func crossTenantIs(raw []byte, tenant string) bool {
	vals := headerValues(raw, "X-MS-Exchange-CrossTenant-Id")
	if len(vals) == 0 {
		return false
	}
	for _, v := range vals {
		if !strings.EqualFold(strings.TrimSpace(v), tenant) {
			return false
		}
	}
	return true
}

// headerValues returns the unfolded values of every field name in the
// message header (the part before the first empty line).
func headerValues(raw []byte, name string) []string {
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(raw)
	}
	var out []string
	lines := strings.Split(string(raw[:end]), "\r\n")
	for i := 0; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], " ") || strings.HasPrefix(lines[i], "\t") {
			continue // a continuation of some other field
		}
		k, v, ok := strings.Cut(lines[i], ":")
		if !ok || !strings.EqualFold(strings.TrimRight(k, " \t"), name) {
			continue
		}
		for i+1 < len(lines) && (strings.HasPrefix(lines[i+1], " ") || strings.HasPrefix(lines[i+1], "\t")) {
			i++
			v += " " + strings.TrimSpace(lines[i])
		}
		out = append(out, v)
	}
	return out
}

// dkimFrom reports whether the message carries a DKIM signature of one of
// domains that verifies. err is a temporary DNS failure (retry later).
func dkimFrom(ctx context.Context, dns *mailauth.Resolver, domains []string, raw []byte) (bool, error) {
	want := map[string]bool{}
	for _, d := range domains {
		if n, err := config.NormalizeDomain(d); err == nil {
			want[n] = true
		}
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT:        func(name string) ([]string, error) { return dns.LookupTXT(ctx, name) },
		MaxVerifications: 5,
	})
	if err != nil && len(vs) == 0 {
		return false, nil
	}
	var temp error
	for _, v := range vs {
		d, err := config.NormalizeDomain(v.Domain)
		if err != nil || !want[d] {
			continue
		}
		switch {
		case v.Err == nil:
			return true, nil
		case dkim.IsTempFail(v.Err):
			temp = fmt.Errorf("dkim %s: %w", d, v.Err)
		}
	}
	if temp != nil {
		return false, temp
	}
	return false, nil
}

// hopCertificate is the certificate mailward shows a next hop that asks for
// one (tls.cert), or nil. Exchange Online's inbound connector restricted by
// certificate checks its name.
func hopCertificate(cfg *config.Config) *tls.Certificate {
	if cfg.TLS.Cert == "" {
		return nil
	}
	c, err := tls.LoadX509KeyPair(cfg.TLS.Cert, cfg.TLS.Key)
	if err != nil {
		return nil // New loads the same pair for STARTTLS and reports the error
	}
	return &c
}
