package config

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"strings"
)

// TrustedClient trusts a client by the name on its verified TLS client
// certificate and, for a provider's shared servers, by a tenant check on
// each message, never by its address alone: a shared cloud range such as
// Microsoft 365's carries every customer's mail, and trusting it by address
// made 2024's "EchoSpoofing" possible.
//
//	tls:
//	  cert: /etc/mailward/tls/fullchain.pem
//	  key: /etc/mailward/tls/privkey.pem
//	  client_ca: ""                       # PEM bundle verifying client certificates; empty: system roots
//	trusted_clients:
//	  - name: microsoft365
//	    cert_names: [mail.protection.outlook.com]
//	    microsoft365_tenant_id: 00000000-0000-0000-0000-000000000000
//	  - name: google
//	    cert_names: ["*.google.com", smtp-relay.gmail.com]
//	    dkim_domains: [trust.example]
//
// A client whose verified certificate has one of cert_names (and whose
// address is in networks, when given) is trusted at RCPT: its mail to the
// trust's domains is internal, to anyone else outbound. After DATA the
// tenant check runs; a message that fails it is treated as from an
// untrusted client: inbound when its recipients are the trust's, refused
// (550 5.7.1) when they are not.
type TrustedClient struct {
	// Name appears in logs.
	Name string `yaml:"name"`
	// CertNames: the client's certificate, verified against tls.client_ca,
	// must be valid for one of these names ("*.example" matches one
	// label, as a certificate's own wildcard does).
	CertNames []string `yaml:"cert_names"`
	// Networks optionally also limit the client's address.
	Networks []string `yaml:"networks"`
	// Microsoft365TenantID is the trust's Microsoft 365 tenant (directory)
	// ID: every X-MS-Exchange-CrossTenant-Id header of the message must
	// name it, and there must be one. Exchange Online stamps it on the mail
	// of the tenant that sends it; another tenant's mail names that one.
	Microsoft365TenantID string `yaml:"microsoft365_tenant_id"`
	// DKIMDomains: the message must carry a DKIM signature that verifies,
	// of one of these domains (Google Workspace signs a domain's outgoing
	// mail once DKIM is set up for it; another customer cannot).
	DKIMDomains []string `yaml:"dkim_domains"`
}

// HasTenantCheck reports whether messages from this client are checked
// after DATA.
func (x *TrustedClient) HasTenantCheck() bool {
	return x.Microsoft365TenantID != "" || len(x.DKIMDomains) > 0
}

// sharedCertNames are certificate names that many customers of one provider
// share: trusting them without a tenant check trusts every customer.
var sharedCertNames = []string{"outlook.com", "office365.com", "google.com", "gmail.com", "googlemail.com", "amazonaws.com", "mimecast.com", "pphosted.com"}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func validateTrustedClients(v *validator, c *Config) {
	seen := map[string]bool{}
	for i, tc := range c.TrustedClients {
		key := fmt.Sprintf("trusted_clients.%d", i)
		if tc.Name == "" {
			v.errorf(key+".name", "every trusted client needs a name (for the logs)")
		} else if seen[tc.Name] {
			v.errorf(key+".name", "duplicate name %q", tc.Name)
		}
		seen[tc.Name] = true
		if len(tc.CertNames) == 0 {
			v.errorf(key+".cert_names", "needs at least one certificate name")
		}
		shared := false
		for j, n := range tc.CertNames {
			d, err := NormalizeDomain(strings.TrimPrefix(n, "*."))
			if err != nil || strings.Contains(d, "*") || !strings.Contains(d, ".") {
				v.errorf(fmt.Sprintf("%s.cert_names.%d", key, j), "want a DNS name or *.name, got %q", n)
				continue
			}
			for _, s := range sharedCertNames {
				if d == s || strings.HasSuffix(d, "."+s) {
					shared = true
				}
			}
		}
		for j, n := range tc.Networks {
			if _, err := netip.ParsePrefix(n); err != nil {
				v.errorf(fmt.Sprintf("%s.networks.%d", key, j), "bad CIDR %q", n)
			}
		}
		if id := tc.Microsoft365TenantID; id != "" && !guidRE.MatchString(id) {
			v.errorf(key+".microsoft365_tenant_id", "want the tenant ID as a GUID (Entra admin centre, Overview), got %q", id)
		}
		for j, d := range tc.DKIMDomains {
			if _, err := NormalizeDomain(d); err != nil || strings.Contains(d, "*") {
				v.errorf(fmt.Sprintf("%s.dkim_domains.%d", key, j), "bad domain %q", d)
			}
		}
		switch {
		case shared && !tc.HasTenantCheck():
			v.errorf(key, "certificate names of a shared provider trust all its customers: set microsoft365_tenant_id or dkim_domains")
		case !tc.HasTenantCheck():
			v.warnf(key, "no tenant check: anyone holding a certificate for these names is trusted")
		}
	}
	if len(c.TrustedClients) > 0 && c.TLS.Cert == "" {
		v.errorf("trusted_clients", "client certificates need STARTTLS: set tls.cert and tls.key")
	}
	if c.TLS.ClientCA != "" {
		if _, err := LoadCertPool(c.TLS.ClientCA); err != nil {
			v.errorf("tls.client_ca", "%v", err)
		}
	}
}

// LoadCertPool reads a PEM bundle of CA certificates.
func LoadCertPool(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	n := 0
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: no PEM certificates", path)
	}
	return pool, nil
}

// tooWide reports whether a range is so wide that trusting it, or taking
// PROXY headers or login headers from it, hands the relay to strangers:
// 0.0.0.0/0, ::/0, any public range wider than an IPv4 /8 or an IPv6 /32
// (no school trust holds more).
func tooWide(p netip.Prefix) bool {
	if isPrivate(p) { // a whole ULA fd00::/8 is still the trust's own
		return false
	}
	bits := p.Bits()
	switch a := p.Addr(); {
	case a.Is4():
		return bits < 8
	case a.Is4In6():
		return bits-96 < 8
	default:
		return bits < 32
	}
}

// validateNetworks checks a list of CIDRs and refuses ranges that are too
// wide (harm says why, for this list); each good range goes to good, if set.
func validateNetworks(v *validator, key string, nets []string, harm string, good func(key string, p netip.Prefix)) {
	for i, n := range nets {
		k := fmt.Sprintf("%s.%d", key, i)
		p, err := netip.ParsePrefix(n)
		if err != nil {
			v.errorf(k, "bad CIDR %q", n)
			continue
		}
		if tooWide(p) {
			v.errorf(k, "%s is far too wide: %s", n, harm)
			continue
		}
		if good != nil {
			good(k, p)
		}
	}
}

func validateTrustedNetworks(v *validator, c *Config) {
	validateNetworks(v, "trusted_networks", c.TrustedNetworks, "every address in it may relay through mailward to anyone (an open relay)",
		func(key string, p netip.Prefix) {
			if !isPrivate(p) {
				v.warnf(key, "public range %s is trusted by address alone; a shared range (cloud provider) must not be: use trusted_clients (certificate name and tenant check)", p)
			}
		})
	validateNetworks(v, "proxy_networks", c.ProxyNetworks, "any client there could claim any address, a trusted one included, with a PROXY header", nil)
	for i, n := range c.Review.SSO.Networks { // bad CIDRs are review.validate's
		if p, err := netip.ParsePrefix(n); err == nil && tooWide(p) {
			v.errorf(fmt.Sprintf("review.sso.networks.%d", i), "%s is far too wide: anyone there could log in to the review page as anyone by sending the header", n)
		}
	}
}
