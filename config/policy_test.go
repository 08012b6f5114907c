package config

import (
	"strings"
	"testing"
)

// TestPolicyConfigErrors: check-config explains rule, tracker, directory and
// alert errors by key and line.
func TestPolicyConfigErrors(t *testing.T) {
	for _, c := range []struct {
		name, yaml string
		want       []string
	}{
		{"redirect needs a mailbox", `
rules:
  - name: r
    action: redirect
`, []string{"line 3: rules.0.redirect_to: action redirect needs a review mailbox"}},
		{"subject prefix only inbound tag", `
rules:
  - name: r
    direction: [outbound]
    category: [chain_mail]
    action: quarantine
    subject_prefix: "[x] "
`, []string{"line 7: rules.0.subject_prefix: only for action tag", "rules.0.subject_prefix: only on inbound mail"}},
		{"headers", `
rules:
  - name: r
    action: tag
    headers: {"X-Mailward-Action": deliver, "Bad Name": x}
`, []string{"rules.0.headers.X-Mailward-Action", "rules.0.headers.Bad Name"}},
		{"groups need a directory", `
rules:
  - name: r
    from_group: [pupil, external]
    action: quarantine
`, []string{"line 4: rules.0.from_group.0: group \"pupil\" comes from the directory"}},
		{"tiers", `
rules:
  - name: r
    tier: [threat, rude]
    min_severity: awful
    action: quarantine
`, []string{"line 4: rules.0.tier.1: unknown tier \"rude\"", "line 5: rules.0.min_severity: unknown tier \"awful\""}},
		{"notify targets", `
rules:
  - name: r
    action: quarantine
    notify: [boss]
`, []string{"line 5: rules.0.notify.0: want line_manager, it, dpo or an address"}},
		{"tracker", `
tracker:
  on_error: ignore
  timeout: 1m
  time_zone: Mars/Olympus
  overrides:
    - group: [office]
`, []string{"line 3: tracker.on_error", "line 4: tracker.timeout", "line 5: tracker.time_zone", "tracker.overrides.0.group: groups come from the directory", "tracker.overrides.0: sets no limit"}},
		{"alerts", `
alerts:
  from: "Mailward <x@y>"
  escalation:
    - violations_today: 3
      violations_month: 10
      notify: [line_manager]
  hold_notify:
    gossip: [it]
  webhook: {url: "ftp://x"}
`, []string{"line 3: alerts.from", "line 5: alerts.escalation.0: set exactly one", "alerts.hold_notify.gossip: unknown category", "alerts.webhook.url"}},
		{"directory file", `
directory:
  file: ../directory/testdata/bad.yaml
`, []string{"line 3: directory.file: directory ../directory/testdata/bad.yaml:", "listed twice"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nlacks %q", err, w)
				}
			}
		})
	}
}

func TestPolicyConfigValid(t *testing.T) {
	c, err := Parse([]byte(`
domains: [trust.example]
rules_monitor: true
directory:
  file: ../directory/testdata/people.csv
tracker:
  overrides:
    - sender: [newsletter@trust.example]
      messages_per_hour: 2000
    - group: [slt]
      recipients_per_hour: 5000
alerts:
  it: [it-support@trust.example]
  dpo: [dpo@trust.example]
  webhook: {url: "https://hooks.example/x"}
rules:
  - name: pupils-abuse
    from_group: [pupil]
    category: [offensive_language]
    action: redirect
    redirect_to: safeguarding@trust.example
    notify: [line_manager, dpo]
  - name: chain
    direction: [inbound]
    category: [chain_mail]
    action: tag
    subject_prefix: "[Chain letter] "
    headers: {X-School-Notice: chain-letter}
  - name: repeat
    direction: [outbound]
    violations_today: 3
    action: quarantine
`))
	if err != nil {
		t.Fatal(err)
	}
	if !c.RulesMonitor || c.Tracker.OnError != TrackerAllow || c.Tracker.Location().String() != "Europe/London" ||
		len(c.Alerts.Escalation) != 2 || c.Alerts.HoldNotify["malware"][0] != "it" || c.Alerts.DigestPeriod.D().Hours() != 1 {
		t.Fatalf("defaults: %+v %+v", c.Tracker, c.Alerts)
	}
}

func TestDirectoryLDAPConfig(t *testing.T) {
	_, err := Parse([]byte(`
directory:
  ldap:
    url: http://dc1
    bind_dn: cn=x
    filter: "(mail=%s)"
`))
	for _, w := range []string{"directory.ldap.url: want ldap://", "directory.ldap.base_dn: required", "directory.ldap.bind_password_file: required", "directory.ldap.filter"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v lacks %q", err, w)
		}
	}
	c, err := Parse([]byte(`
directory:
  ldap: {url: "ldap://dc1.trust.example", base_dn: "dc=trust,dc=example"}
rules:
  - {name: pupils, from_group: [pupil], action: quarantine}
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Directory.LDAP.Timeout.D().Seconds() != 3 || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "in clear") {
		t.Fatalf("%+v %v", c.Directory.LDAP, c.Warnings)
	}
}
