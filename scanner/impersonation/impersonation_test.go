package impersonation_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/directory"
	"github.com/mailward/mailward/directory/ldaptest"
	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/scanner/impersonation"
)

const trustDomain = "oakfield-trust.org.uk"

// yamlDirectory is testdata/staff.yaml.
func yamlDirectory(t *testing.T) directory.Source {
	t.Helper()
	f, err := directory.Open("testdata/staff.yaml", 0)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// ldapDirectory is the same trust in a real slapd: people with titles,
// shared mailboxes as mail-enabled groups of their members.
func ldapDirectory(t *testing.T) directory.Source {
	t.Helper()
	s := ldaptest.Start(t)
	at := "@" + trustDomain
	s.Person("Margaret Thompson", "m.thompson"+at, "staff", "Head Teacher", "")
	s.Person("David Clarke", "d.clarke"+at, "staff", "Bursar", "")
	s.Person("Susan Patel", "s.patel"+at, "staff", "School Business Manager", "")
	s.Person("Gareth Evans", "g.evans"+at, "it", "Network Manager", "")
	s.Person("Jane Smith", "j.smith"+at, "staff", "Teacher of Maths", "")
	s.Person("Zoë Müller", "zoe.muller"+at, "staff", "", "")
	s.Person("Ava Pupil", "7a.pupil"+at, "pupil", "", "")
	s.Group("School Office", "office"+at, ldaptest.PersonDN("Jane Smith"))
	s.Group("Finance Office", "finance"+at, ldaptest.PersonDN("David Clarke"))
	return directory.NewLDAP(directory.LDAPOptions{URL: s.URL, BindDN: ldaptest.RootDN, BindPassword: ldaptest.RootPW,
		BaseDN: ldaptest.BaseDN, Timeout: 5 * time.Second, CacheTTL: time.Minute})
}

func newDetector(dir directory.Source) *impersonation.Detector {
	return impersonation.New(impersonation.Options{Domains: []string{trustDomain}, Correspondents: []string{"edusupplies.co.uk"},
		AllowSenders: []string{"maggie.t@gmail.com"}, Outbound: true, Directory: dir})
}

func parse(t *testing.T, env scanner.Envelope, headers string) *scanner.Message {
	t.Helper()
	raw := strings.ReplaceAll(headers, "\n", "\r\n") + "Subject: a quick favour\r\nDate: Mon, 2 Dec 2024 09:00:00 +0000\r\n" +
		"Message-ID: <t1@test.example>\r\nContent-Type: text/plain\r\n\r\nAre you free?\r\n"
	m, err := scanner.Parse([]byte(raw), env)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// check is one expectation: no finding (want ""), or one impersonation
// finding whose summary contains want, scoring in [min, max], of severity.
type check struct {
	name     string
	env      scanner.Envelope
	headers  string
	want     string
	min, max float64
	severity string
}

var inbound = scanner.Envelope{Direction: scanner.Inbound, From: "bounce@outside.example", To: []string{"j.smith@" + trustDomain}}

func outbound(from, auth string) scanner.Envelope {
	return scanner.Envelope{Direction: scanner.Outbound, Trusted: true, From: from, AuthUser: auth, To: []string{"someone@outside.example"}}
}

// directoryChecks hold for the YAML and the LDAP directory alike.
var directoryChecks = []check{
	{"head teacher's name from gmail", inbound, "From: Margaret Thompson <m.thompson.head@gmail.com>\n",
		"display name matches staff name of the head teacher; outside sender", 0.9, 0.99, "high"},
	{"head teacher's initial", inbound, "From: \"Mrs M. Thompson\" <mthompson@outlook.com>\n",
		"display name matches staff name of the head teacher (initial)", 0.8, 0.9, "high"},
	{"surname first", inbound, "From: \"Thompson, Margaret\" <mt@outlook.com>\n", "staff name of the head teacher", 0.9, 0.99, "high"},
	{"Cyrillic a in the name", inbound, "From: =?utf-8?b?TdCwcmdhcmV0IFRob21wc29u?= <mt@outlook.com>\n", "staff name of the head teacher", 0.9, 0.99, "high"},
	{"bursar's name from a company", inbound, "From: David Clarke <david@consulting.example>\n", "staff name of the bursar", 0.9, 0.9, "high"},
	{"business manager", inbound, "From: Susan Patel <sp1980@hotmail.co.uk>\n", "school business manager", 0.9, 0.99, "high"},
	{"teacher's name from gmail is tagged", inbound, "From: Jane Smith <janesmith77@gmail.com>\n", "display name matches staff name;", 0.55, 0.65, "low"},
	{"accents", inbound, "From: Zoe Muller <zm@gmail.com>\n", "display name matches staff name", 0.55, 0.65, "low"},
	{"IT", inbound, "From: Gareth Evans <gevans@yahoo.co.uk>\n", "network manager", 0.7, 0.79, "medium"},
	{"another first name", inbound, "From: John Smith <john@outside.example>\n", "", 0, 0, ""},
	{"a pupil's name", inbound, "From: Ava Pupil <ava@gmail.com>\n", "", 0, 0, ""},
	{"a shared mailbox's name", inbound, "From: School Office <office@gmail.com>\n", "", 0, 0, ""},
	{"allowed personal address", inbound, "From: Margaret Thompson <maggie.t@gmail.com>\n", "", 0, 0, ""},
	{"name and lookalike domain", inbound, "From: Margaret Thompson <m.thompson@oakfie1d-trust.org.uk>\n",
		"display name matches staff name of the head teacher; From domain looks like the trust's domain oakfield-trust.org.uk (confusable characters)", 0.95, 0.99, "high"},
	{"name and Reply-To elsewhere", inbound, "From: Susan Patel <s.patel@gmail.com>\nReply-To: payments@invoices.example\n",
		"school business manager; Reply-To is another organisation's domain; outside sender", 0.99, 0.99, "high"},

	// Outbound: the header From must be the sender's or a shared mailbox of theirs.
	{"own address", outbound("j.smith@"+trustDomain, ""), "From: Jane Smith <J.Smith@oakfield-trust.org.uk>\n", "", 0, 0, ""},
	{"shared mailbox member", outbound("j.smith@"+trustDomain, ""), "From: School Office <office@oakfield-trust.org.uk>\n", "", 0, 0, ""},
	{"head teacher's From", outbound("j.smith@"+trustDomain, ""), "From: Margaret Thompson <m.thompson@oakfield-trust.org.uk>\n",
		"From is the head teacher's address, not the envelope sender's", 0.85, 0.85, "high"},
	{"head teacher's From, internal", scanner.Envelope{Direction: scanner.Internal, Trusted: true, From: "j.smith@" + trustDomain},
		"From: Margaret Thompson <m.thompson@oakfield-trust.org.uk>\n", "From is the head teacher's address", 0.85, 0.85, "high"},
	{"another's shared mailbox", outbound("j.smith@"+trustDomain, ""), "From: Finance <finance@oakfield-trust.org.uk>\n",
		"From is a trust address the envelope sender is not a member of", 0.6, 0.6, "medium"},
	{"bursar's shared mailbox", outbound("d.clarke@"+trustDomain, ""), "From: Finance <finance@oakfield-trust.org.uk>\n", "", 0, 0, ""},
	{"outside From", outbound("j.smith@"+trustDomain, ""), "From: <jane.smith@gmail.com>\n",
		"From is an outside address, not the envelope sender's", 0.5, 0.5, "low"},
	{"authenticated user wins", outbound("m.thompson@"+trustDomain, "j.smith@"+trustDomain), "From: <m.thompson@oakfield-trust.org.uk>\n",
		"not the authenticated user's", 0.85, 0.85, "high"},
	{"bounce", outbound("", ""), "From: Mail Delivery System <mailer-daemon@oakfield-trust.org.uk>\n", "", 0, 0, ""},
	{"sender not in the directory", outbound("list-bounces@"+trustDomain, ""), "From: <someone@outside.example>\n", "", 0, 0, ""},
	{"redirect keeps the original From", outbound("j.smith@"+trustDomain, ""), "From: <parent@outside.example>\nResent-From: <j.smith@oakfield-trust.org.uk>\n", "", 0, 0, ""},
}

// plainChecks need no directory.
var plainChecks = []check{
	{"role from gmail", inbound, "From: Head Teacher <oakfieldhead@gmail.com>\n",
		"display name matches staff role 'head teacher' from a free mail address; outside sender", 0.85, 0.85, "high"},
	{"headteacher with a name", inbound, "From: \"Headteacher - Mrs Jones\" <hteacher@outlook.com>\n", "staff role 'headteacher'", 0.85, 0.85, "high"},
	{"bursar role", inbound, "From: Bursar <bursar.oakfield@gmail.com>\n", "staff role 'bursar'", 0.85, 0.85, "high"},
	{"IT role", inbound, "From: IT Support <it.helpdesk@gmail.com>\n", "staff role 'it support'", 0.55, 0.55, "medium"},
	{"trust address as the display name", inbound, "From: \"m.thompson@oakfield-trust.org.uk\" <mt.school@gmail.com>\n",
		"display name shows a trust address; outside sender", 0.9, 0.9, "high"},
	{"correspondent's address as the display name", inbound, "From: \"billing@edusupplies.co.uk\" <billing@invoices.example>\n",
		"display name shows a correspondent's address", 0.7, 0.7, "medium"},
	{"own address as the display name", inbound, "From: \"ann@firm.example\" <ann@firm.example>\n", "", 0, 0, ""},
	{"supplier accounts", inbound, "From: Accounts <accounts@supplier.example>\n", "", 0, 0, ""},
	{"principal engineer at a company", inbound, "From: \"Ann Lee, Principal Engineer\" <ann@firm.example>\n", "", 0, 0, ""},
	{"correspondent lookalike", inbound, "From: <billing@edusuppl1es.co.uk>\n",
		"From domain looks like a correspondent's domain edusupplies.co.uk (confusable characters)", 0.75, 0.75, "medium"},
	{"correspondent's name under another ending alone", inbound, "From: <billing@edusupplies.com>\n", "", 0, 0, ""},
	{"correspondent's name under another ending, replies elsewhere", inbound, "From: <billing@edusupplies.com>\nReply-To: <edusupplies.billing@gmail.com>\n",
		"From domain looks like a correspondent's domain edusupplies.co.uk (same name under another ending); Reply-To is a free mail address unlike From", 0.75, 0.75, "medium"},
	{"correspondent itself", inbound, "From: <billing@edusupplies.co.uk>\n", "", 0, 0, ""},
	{"trust lookalike with words", inbound, "From: <news@oakfield-trust-schools.org.uk>\n", "the name with words added", 0.75, 0.75, "high"},
	{"trust lookalike Reply-To", inbound, "From: <a@firm.example>\nReply-To: <a@oakfield-trust.co.uk>\n",
		"Reply-To domain looks like the trust's domain oakfield-trust.org.uk (same name under another ending)", 0.9, 0.9, "high"},
	{"Reply-To to free mail", inbound, "From: Acme Ltd <sales@acme.example>\nReply-To: <acme.sales@gmail.com>\n",
		"Reply-To is a free mail address unlike From; outside sender", 0.3, 0.3, "low"},
	{"Reply-To of a mailing list", inbound, "From: <ann@firm.example>\nReply-To: <list@lists.example>\nList-Id: <list.lists.example>\n", "", 0, 0, ""},
	{"Reply-To same organisation", inbound, "From: <ann@firm.example>\nReply-To: <support@help.firm.example>\n", "", 0, 0, ""},
	{"From the trust's own domain inbound is DMARC's", inbound, "From: Margaret Thompson <m.thompson@oakfield-trust.org.uk>\n", "", 0, 0, ""},
	{"no directory, no outbound check", outbound("j.smith@"+trustDomain, ""), "From: <m.thompson@oakfield-trust.org.uk>\n", "", 0, 0, ""},
}

func run(t *testing.T, d *impersonation.Detector, cases []check) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs, err := d.Scan(context.Background(), parse(t, c.env, c.headers))
			if err != nil {
				t.Fatal(err)
			}
			if c.want == "" {
				if len(fs) != 0 {
					t.Fatalf("want no finding, got %+v", fs)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("want one finding with %q, got %+v", c.want, fs)
			}
			f := fs[0]
			if len(f.Tiers) == 0 {
				t.Fatalf("finding without tiers: %+v", f)
			}
			for _, tier := range f.Tiers {
				if !slices.Contains(config.ImpersonationTiers, tier) {
					t.Fatalf("tier %q is not in config.ImpersonationTiers %v", tier, config.ImpersonationTiers)
				}
			}
			if f.Category != scanner.Impersonation || f.Scanner != "impersonation" || !strings.Contains(f.Summary, c.want) ||
				f.Score < c.min-1e-9 || f.Score > c.max+1e-9 || f.Severity != c.severity {
				t.Fatalf("got %s %.2f %s %q, want %q scoring %.2f-%.2f severity %s", f.Category, f.Score, f.Severity, f.Summary,
					c.want, c.min, c.max, c.severity)
			}
		})
	}
}

func TestWithYAMLDirectory(t *testing.T) {
	run(t, newDetector(yamlDirectory(t)), directoryChecks)
}

func TestWithLDAPDirectory(t *testing.T) {
	run(t, newDetector(ldapDirectory(t)), directoryChecks)
}

func TestWithoutDirectory(t *testing.T) {
	run(t, newDetector(nil), plainChecks)
}

// TestPlainChecksWithDirectory: the role, lookalike and Reply-To checks give the same
// answers with a directory as without.
func TestPlainChecksWithDirectory(t *testing.T) {
	run(t, newDetector(yamlDirectory(t)), plainChecks[:len(plainChecks)-1])
}
