package impersonation_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/directory/ldaptest"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/rules"
	"github.com/mailward/mailward/scanner"
)

// TestPipeline runs messages through the whole pipeline (config file,
// directory, every scanner, the default rules) with the YAML directory and
// with the LDAP directory, and checks the action and rule chosen.
func TestPipeline(t *testing.T) {
	staff, err := filepath.Abs("testdata/staff.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []struct {
		name      string
		directory func(t *testing.T) string
	}{
		{"yaml", func(t *testing.T) string { return "directory:\n  file: " + staff + "\n" }},
		{"ldap", func(t *testing.T) string {
			s := ldaptest.Start(t)
			at := "@" + trustDomain
			s.Person("Margaret Thompson", "m.thompson"+at, "staff", "Head Teacher", "")
			s.Person("Jane Smith", "j.smith"+at, "staff", "Teacher of Maths", "")
			s.Group("School Office", "office"+at, ldaptest.PersonDN("Jane Smith"))
			pw := filepath.Join(t.TempDir(), "ldap-password")
			if err := os.WriteFile(pw, []byte(ldaptest.RootPW+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("directory:\n  ldap:\n    url: %s\n    base_dn: %s\n    bind_dn: %s\n    bind_password_file: %s\n",
				s.URL, ldaptest.BaseDN, ldaptest.RootDN, pw)
		}},
	} {
		t.Run(src.name, func(t *testing.T) {
			dir := t.TempDir()
			cfgText := "domains: [" + trustDomain + "]\n" +
				"quarantine:\n  dir: " + filepath.Join(dir, "q") + "\n" +
				"authentication:\n  enabled: false\n" + // SPF/DKIM/DMARC are tested in their own package
				"impersonation:\n  correspondents: [edusupplies.co.uk]\n" + src.directory(t)
			path := filepath.Join(dir, "mailward.yaml")
			if err := os.WriteFile(path, []byte(cfgText), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(path)
			if err != nil {
				t.Fatalf("config: %v\n%s", err, cfgText)
			}
			p, err := pipeline.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			in := scanner.Envelope{Direction: scanner.Inbound, From: "x@outside.example", To: []string{"j.smith@" + trustDomain}}
			out := scanner.Envelope{Direction: scanner.Outbound, Trusted: true, From: "j.smith@" + trustDomain, To: []string{"parent@outside.example"}}
			for _, c := range []struct {
				name    string
				env     scanner.Envelope
				headers string
				action  rules.Action
				rule    string
			}{
				{"head teacher gift-card scam is held", in, "From: Margaret Thompson <m.thompson.head@gmail.com>\n", rules.Quarantine, "impersonation-inbound"},
				{"role from free mail is held", in, "From: Head Teacher <oakfield.head@outlook.com>\n", rules.Quarantine, "impersonation-inbound"},
				{"trust lookalike is held", in, "From: Accounts <accounts@oakfie1d-trust.org.uk>\n", rules.Quarantine, "impersonation-inbound"},
				{"teacher's name from gmail is tagged", in, "From: Jane Smith <janesmith77@gmail.com>\n", rules.Tag, "any-finding"},
				{"Reply-To elsewhere is tagged", in, "From: <sales@acme.example>\nReply-To: <acme.sales@gmail.com>\n", rules.Tag, "any-finding"},
				{"ordinary mail is delivered", in, "From: Pat Parent <pat@outside.example>\n", rules.Deliver, rules.RuleDefault},
				{"forged head teacher From outbound is tagged", out, "From: <m.thompson@oakfield-trust.org.uk>\n", rules.Tag, "any-finding"},
				{"shared mailbox outbound is delivered", out, "From: School Office <office@oakfield-trust.org.uk>\n", rules.Deliver, rules.RuleDefault},
			} {
				raw := strings.ReplaceAll(c.headers, "\n", "\r\n") + "To: <j.smith@" + trustDomain + ">\r\nSubject: hello\r\n" +
					"Date: Mon, 2 Dec 2024 09:00:00 +0000\r\nMessage-ID: <p1@test.example>\r\n\r\nSee you tomorrow.\r\n"
				v := p.Scan(context.Background(), []byte(raw), c.env)
				if v.Decision.Action != c.action || v.Decision.Rule != c.rule {
					t.Errorf("%s: %s by %s, want %s by %s (%s; findings %+v)", c.name, v.Decision.Action, v.Decision.Rule,
						c.action, c.rule, v.Decision.Reason, v.Result.Findings)
				}
			}
		})
	}
}
