package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailward/mailward/internal/smtptest"
)

// TestChecksRefuse: values check-config used to accept silently, each
// refused by key and line.
func TestChecksRefuse(t *testing.T) {
	for _, c := range []struct {
		name, yaml string
		want       []string
	}{
		{"open relay v4", "trusted_networks: [127.0.0.1/32, 0.0.0.0/0]\n", []string{"line 1: trusted_networks.1: 0.0.0.0/0 is far too wide", "open relay"}},
		{"open relay v6", "trusted_networks:\n  - ::/0\n", []string{"line 2: trusted_networks.0: ::/0 is far too wide"}},
		{"wider than /8", "trusted_networks: [8.0.0.0/7]\n", []string{"trusted_networks.0: 8.0.0.0/7 is far too wide"}},
		{"mapped v4 /0", "trusted_networks: [\"::ffff:0.0.0.0/96\"]\n", []string{"trusted_networks.0: ::ffff:0.0.0.0/96 is far too wide"}},
		{"wide v6", "trusted_networks: [\"2000::/3\"]\n", []string{"trusted_networks.0: 2000::/3 is far too wide"}},
		{"proxy anyone", "proxy_networks: [0.0.0.0/0]\n", []string{"line 1: proxy_networks.0", "PROXY header"}},
		{"sso anyone", "review:\n  sso: {header: X-User, networks: [0.0.0.0/0]}\n", []string{"review.sso.networks.0", "log in"}},
		{"log level", "log:\n  level: verbose\n", []string{`line 2: log.level: unknown level "verbose"`}},
		{"log retention", "log:\n  retention_days: -5\n", []string{"line 2: log.retention_days: must not be negative"}},
		{"log format", "log:\n  format: xml\n", []string{`line 2: log.format: unknown format "xml"`}},
		{"metrics listen", "metrics:\n  listen: 9025\n", []string{"line 2: metrics.listen: bad address"}},
		{"report address", "report_addresses: [it-support]\n", []string{"line 1: report_addresses.0: want an address"}},
		{"extension with dot", "blocked_extensions: [.exe, js]\n", []string{"line 1: blocked_extensions.0: want an extension without its dot"}},
		{"hostname", "hostname: \"mail ward\"\n", []string{"line 1: hostname: want a host name"}},
		{"negative size", "max_message_bytes: -1\n", []string{"line 1: max_message_bytes: must be at least 1024"}},
		{"unknown direction", "pupil_data:\n  directions: [sideways]\n", []string{"line 2: pupil_data.directions.0: unknown direction"}},
		{"rule enums", "rules:\n  - name: r\n    direction: [out]\n    category: [spam]\n    action: drop\n",
			[]string{"rules.0.direction.0: unknown direction", "rules.0.category.0: unknown category", "rules.0.action: unknown action"}},
		{"tls pair", "tls:\n  cert: /nonexistent/cert.pem\n  key: /nonexistent/key.pem\n", []string{"line 2: tls.cert:"}},
		{"client ca", "tls:\n  client_ca: /nonexistent/ca.pem\n", []string{"line 2: tls.client_ca:"}},
		{"shared cert name needs tenant", "trusted_clients:\n  - name: m365\n    cert_names: [mail.protection.outlook.com]\n",
			[]string{"line 2: trusted_clients.0: certificate names of a shared provider", "trusted_clients: client certificates need STARTTLS"}},
		{"trusted client fields", "trusted_clients:\n  - cert_names: [\"*\", \"bad name\"]\n    networks: [10.0.0.0/33]\n    microsoft365_tenant_id: contoso\n    dkim_domains: [\"*.x\"]\n",
			[]string{"trusted_clients.0.name", "trusted_clients.0.cert_names.0", "trusted_clients.0.cert_names.1", "trusted_clients.0.networks.0", "line 4: trusted_clients.0.microsoft365_tenant_id", "trusted_clients.0.dkim_domains.0"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.yaml))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("missing %q in:\n%v", w, err)
				}
			}
		})
	}
}

// TestChecksAccept: sensible values pass, some with a warning.
func TestChecksAccept(t *testing.T) {
	cert, key, ca := writeTestCert(t)
	for _, c := range []struct {
		name, yaml string
		warn       string
	}{
		{"private /8", "trusted_networks: [10.0.0.0/8, \"fd00::/8\", 127.0.0.1/32]\n", ""},
		{"public range warns", "trusted_networks: [203.0.113.0/24]\n", "trusted_networks.0: public range"},
		{"levels", "log: {level: DEBUG}\n", ""},
		{"review read of another version", "review:\n  read: {csam: [admin]}\n", "review.read.csam: unknown category"},
		{"m365 with tenant", "tls: {cert: " + cert + ", key: " + key + ", client_ca: " + ca + "}\ntrusted_clients:\n  - name: m365\n    cert_names: [mail.protection.outlook.com]\n    microsoft365_tenant_id: 0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0\n", ""},
		{"own cert without tenant warns", "tls: {cert: " + cert + ", key: " + key + "}\ntrusted_clients:\n  - name: exchange\n    cert_names: [exch.trust.example]\n", "trusted_clients.0: no tenant check"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse([]byte(c.yaml))
			if err != nil {
				t.Fatal(err)
			}
			ws := strings.Join(cfg.Warnings, "\n")
			if c.warn == "" && ws != "" {
				t.Errorf("unexpected warnings: %s", ws)
			}
			if c.warn != "" && !strings.Contains(ws, c.warn) {
				t.Errorf("warnings %q lack %q", ws, c.warn)
			}
		})
	}
}

// writeTestCert writes a certificate, its key and (the same certificate as)
// a CA bundle.
func writeTestCert(t *testing.T) (cert, key, ca string) {
	t.Helper()
	dir := t.TempDir()
	c, _ := smtptest.SelfSigned(t)
	certPEM, keyPEM := smtptest.PEM(t, c)
	cert, key, ca = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "ca.pem")
	for p, b := range map[string][]byte{cert: certPEM, key: keyPEM, ca: certPEM} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return cert, key, ca
}
