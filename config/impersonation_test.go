package config

import (
	"strings"
	"testing"
)

func TestImpersonationSection(t *testing.T) {
	for _, c := range []struct {
		name, yaml string
		want       []string // substrings of the error; none for a valid config
	}{
		{"defaults", "", nil},
		{"full", `impersonation:
  enabled: true
  correspondents: [county.gov.uk, "*.supplier.example"]
  role_words: [estates manager]
  allow_senders: [head.personal@gmail.com, newsletters.example]
  outbound: false
`, nil},
		{"bad values", `impersonation:
  correspondents: [someone@county.gov.uk, "bad domain"]
  role_words: [" "]
  allow_senders: ["not an address@"]
`, []string{"line 2: impersonation.correspondents.0", "impersonation.correspondents.1", "line 3: impersonation.role_words.0", "line 4: impersonation.allow_senders.0"}},
		{"rule on an impersonation tier", `rules:
  - name: hold-lookalikes
    category: [impersonation]
    tier: [lookalike_domain, from_not_theirs]
    action: quarantine
`, nil},
		{"unknown key", "impersonation:\n  lookalikes: [a.example]\n", []string{"lookalikes"}},
		{"ldap send-as filter needs {dn}", `directory:
  ldap:
    url: ldap://127.0.0.1:389
    base_dn: dc=trust,dc=example
    send_as_filter: (member=x)
`, []string{"directory.ldap.send_as_filter"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse([]byte(c.yaml))
			if len(c.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %v", c.want)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			_ = cfg
		})
	}
	cfg, err := Parse([]byte("domains: [trust.example]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Impersonation.IsEnabled() || !cfg.Impersonation.CheckOutbound() {
		t.Fatal("impersonation is not on by default")
	}
	if !contains(Categories, "impersonation") {
		t.Fatal("impersonation is not a category rules may name")
	}
}
