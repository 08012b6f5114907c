package rules

import (
	"errors"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

func f(cat scanner.Category, score float64) scanner.Finding {
	return scanner.Finding{Category: cat, Scanner: "test", Score: score, Summary: "test"}
}

func env(dir scanner.Direction) scanner.Envelope {
	return scanner.Envelope{Direction: dir, From: "j.smith@trust.example", To: []string{"x@example.com"}}
}

func TestMatchConditions(t *testing.T) {
	rs := []config.Rule{
		{Name: "pupil-to-outside", Direction: []string{"outbound"}, FromGroup: []string{"pupil"},
			Category: []string{"offensive_language"}, Action: "redirect", RedirectTo: "safeguarding@trust.example"},
		{Name: "to-governors", ToGroup: []string{"governor"}, Category: []string{"pupil_data"}, MinScore: 0.9, Action: "reject"},
		{Name: "repeat", Direction: []string{"outbound"}, HoldsToday: 3, Action: "quarantine", Notify: []string{"it"}},
		{Name: "confirmed-month", ViolationsMonth: 5, Action: "tempfail"},
		{Name: "tag-chain", Direction: []string{"inbound"}, Category: []string{"chain_mail"}, Action: "tag",
			SubjectPrefix: "[Chain] ", Headers: map[string]string{"X-School": "chain"}},
		{Name: "trial", Category: []string{"suspicious_attachment"}, Action: "quarantine", Monitor: true, Notify: []string{"it"}},
	}
	e := New(rs, "tempfail")
	type tc struct {
		name     string
		dir      scanner.Direction
		findings []scanner.Finding
		facts    Facts
		action   Action
		rule     string
		reason   []string
	}
	for _, c := range []tc{
		{"pupil swears outbound", scanner.Outbound, []scanner.Finding{f("offensive_language", 0.8)},
			Facts{SenderGroups: []string{"Pupil", "internal"}}, Redirect, "pupil-to-outside",
			[]string{"outbound mail", "sender in group pupil", "offensive_language finding scored 0.80"}},
		{"staff swears outbound", scanner.Outbound, []scanner.Finding{f("offensive_language", 0.8)},
			Facts{SenderGroups: []string{"staff"}}, Deliver, RuleDefault, nil},
		{"pupil swears internally", scanner.Internal, []scanner.Finding{f("offensive_language", 0.8)},
			Facts{SenderGroups: []string{"pupil"}}, Deliver, RuleDefault, nil},
		{"pupil data to a governor, high score", scanner.Internal, []scanner.Finding{f("pupil_data", 0.95)},
			Facts{RecipientGroups: []string{"staff", "governor"}}, Reject, "to-governors", []string{"a recipient in group governor", "0.95 (at least 0.90)"}},
		{"pupil data to a governor, low score", scanner.Internal, []scanner.Finding{f("pupil_data", 0.85)},
			Facts{RecipientGroups: []string{"governor"}}, Deliver, RuleDefault, nil},
		{"third hold today", scanner.Outbound, nil,
			Facts{CountsKnown: true, Holds: Counts{Today: 3, Month: 3}}, Quarantine, "repeat", []string{"sender has 3 holds today (at least 3)"}},
		{"second hold today", scanner.Outbound, nil,
			Facts{CountsKnown: true, Holds: Counts{Today: 2, Month: 9}}, Deliver, RuleDefault, nil},
		{"tracker down: count rules do not match", scanner.Outbound, nil,
			Facts{CountsKnown: false, Holds: Counts{Today: 9}}, Deliver, RuleDefault, nil},
		{"confirmed this month", scanner.Inbound, nil,
			Facts{CountsKnown: true, Violations: Counts{Today: 1, Month: 5}}, Tempfail, "confirmed-month", []string{"5 confirmed violations this month"}},
		{"inbound chain mail is tagged", scanner.Inbound, []scanner.Finding{f("chain_mail", 0.7)},
			Facts{}, Tag, "tag-chain", nil},
		{"monitor mode delivers", scanner.Inbound, []scanner.Finding{f("suspicious_attachment", 1)},
			Facts{}, Tag, "trial", []string{"monitor mode: would quarantine"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := e.DecideFacts(env(c.dir), scanner.Result{Findings: c.findings}, c.facts)
			if d.Action != c.action || d.Rule != c.rule {
				t.Fatalf("got %s by %s (%s), want %s by %s\ntrace: %v", d.Action, d.Rule, d.Reason, c.action, c.rule, d.Trace)
			}
			for _, r := range c.reason {
				if !strings.Contains(d.Reason, r) {
					t.Errorf("reason %q lacks %q", d.Reason, r)
				}
			}
		})
	}

	t.Run("decision carries the rule's effects", func(t *testing.T) {
		d := e.DecideFacts(env(scanner.Inbound), scanner.Result{Findings: []scanner.Finding{f("chain_mail", 0.7)}}, Facts{})
		if d.SubjectPrefix != "[Chain] " || d.Headers["X-School"] != "chain" || d.Category != scanner.ChainMail {
			t.Fatalf("%+v", d)
		}
		d = e.DecideFacts(env(scanner.Outbound), scanner.Result{Findings: []scanner.Finding{f("offensive_language", 0.8)}}, Facts{SenderGroups: []string{"pupil"}})
		if d.RedirectTo != "safeguarding@trust.example" {
			t.Fatalf("redirect: %+v", d)
		}
		d = e.DecideFacts(env(scanner.Outbound), scanner.Result{}, Facts{CountsKnown: true, Holds: Counts{Today: 4}})
		if len(d.Notify) != 1 || d.Notify[0] != "it" {
			t.Fatalf("notify: %+v", d)
		}
		d = e.DecideFacts(env(scanner.Inbound), scanner.Result{Findings: []scanner.Finding{f("suspicious_attachment", 1)}}, Facts{})
		if !d.Monitor || d.WouldBe != Quarantine || d.Notify != nil {
			t.Fatalf("monitor must not notify: %+v", d)
		}
	})

	t.Run("explain trace names each skipped rule", func(t *testing.T) {
		d := e.DecideFacts(env(scanner.Inbound), scanner.Result{Findings: []scanner.Finding{f("chain_mail", 0.7)}}, Facts{})
		want := []string{
			"rule pupil-to-outside skipped: direction inbound not in [outbound]",
			"rule to-governors skipped: no recipient in [governor]",
			"rule repeat skipped: direction inbound not in [outbound]",
			"rule confirmed-month skipped: confirmed violations this month unknown (tracker unavailable)",
		}
		if strings.Join(d.Trace, "\n") != strings.Join(want, "\n") {
			t.Fatalf("trace:\n%s\nwant:\n%s", strings.Join(d.Trace, "\n"), strings.Join(want, "\n"))
		}
	})
}

func TestWholePolicyMonitor(t *testing.T) {
	e := New(config.DefaultRules(), "tempfail")
	e.SetMonitor(true)
	d := e.Decide(env(scanner.Outbound), scanner.Result{Findings: []scanner.Finding{f("pupil_data", 0.97)}})
	if d.Action != Tag || !d.Monitor || d.WouldBe != Quarantine || d.Rule != "pupil-data-outbound" {
		t.Fatalf("%+v", d)
	}
	d = e.Decide(env(scanner.Outbound), scanner.Result{})
	if d.Action != Deliver || d.Monitor {
		t.Fatalf("clean mail: %+v", d)
	}
}

func TestScannerFailure(t *testing.T) {
	e := New(config.DefaultRules(), "tempfail")
	fail := []scanner.Failure{{Scanner: "clamav", Err: errors.New("down")}}
	// A hold stands whatever the missing scanner would have said.
	d := e.Decide(env(scanner.Outbound), scanner.Result{Findings: []scanner.Finding{f("pupil_data", 0.97)}, Failures: fail})
	if d.Action != Quarantine {
		t.Fatalf("%+v", d)
	}
	d = e.Decide(env(scanner.Inbound), scanner.Result{Failures: fail})
	if d.Action != Tempfail || d.Rule != RuleScannerError {
		t.Fatalf("%+v", d)
	}
}

// TestDefaultPolicy runs the day-one policy over the messages a school sees,
// each described by its envelope and what the scanners found.
// sev is an offensive_language finding with tiers, most severe first.
func sev(score float64, tiers ...string) scanner.Finding {
	return scanner.Finding{Category: scanner.OffensiveLanguage, Scanner: "offensive", Score: score, Tiers: tiers, Severity: tiers[0]}
}

// TestTierConditions: tier matches any of a finding's tiers, min_severity
// its most severe one; findings without tiers match neither.
func TestTierConditions(t *testing.T) {
	e := New([]config.Rule{
		{Name: "threats", Tier: []string{"threat"}, Action: "reject"},
		{Name: "severe", Category: []string{"offensive_language"}, MinSeverity: "slur", Action: "quarantine"},
		{Name: "rest", Category: config.Categories, Action: "tag"},
	}, "tempfail")
	for _, c := range []struct {
		name string
		f    scanner.Finding
		rule string
	}{
		{"threat", sev(0.9, "threat", "profanity"), "threats"},
		{"slur", sev(0.9, "slur"), "severe"},
		{"abuse is below slur", sev(0.9, "abuse", "profanity"), "rest"},
		{"profanity", sev(0.9, "profanity"), "rest"},
		{"no tiers", f("offensive_language", 0.9), "rest"},
		{"tier but low score", sev(0.3, "threat"), RuleDefault},
	} {
		d := e.Decide(env(scanner.Internal), scanner.Result{Findings: []scanner.Finding{c.f}})
		if d.Rule != c.rule {
			t.Errorf("%s: rule %s (%s), want %s", c.name, d.Rule, d.Reason, c.rule)
		}
	}
}

func TestDefaultPolicy(t *testing.T) {
	e := New(config.DefaultRules(), "tempfail")
	in, out, internal := scanner.Inbound, scanner.Outbound, scanner.Internal
	for _, c := range []struct {
		name     string
		dir      scanner.Direction
		findings []scanner.Finding
		facts    Facts
		action   Action
		rule     string
	}{
		{"parent's letter, nothing found", in, nil, Facts{}, Deliver, RuleDefault},
		{"staff reply to a parent, nothing found", out, nil, Facts{CountsKnown: true}, Deliver, RuleDefault},
		{"class list with UPNs to a supplier", out, []scanner.Finding{f("pupil_data", 0.97)}, Facts{}, Quarantine, "pupil-data-outbound"},
		{"class list between colleagues", internal, []scanner.Finding{f("pupil_data", 0.97)}, Facts{}, Tag, "any-finding"},
		{"class list arriving from the local authority", in, []scanner.Finding{f("pupil_data", 0.9)}, Facts{}, Tag, "any-finding"},
		{"virus from outside", in, []scanner.Finding{f("malware", 1)}, Facts{}, Quarantine, "malware"},
		{"virus sent by staff", out, []scanner.Finding{f("malware", 1)}, Facts{}, Quarantine, "malware"},
		{"invoice.exe inbound", in, []scanner.Finding{f("suspicious_attachment", 1)}, Facts{}, Quarantine, "suspicious-attachment"},
		{"zip bomb", in, []scanner.Finding{f("unscannable", 1)}, Facts{}, Quarantine, "unscannable"},
		{"abuse from outside", in, []scanner.Finding{sev(0.8, "slur", "abuse")}, Facts{}, Tag, "offensive-inbound"},
		{"threat from outside", in, []scanner.Finding{sev(0.9, "threat")}, Facts{}, Tag, "offensive-inbound"},
		{"abuse sent by staff outside", out, []scanner.Finding{sev(0.8, "abuse", "profanity")}, Facts{}, Quarantine, "offensive-staff"},
		{"abuse between colleagues", internal, []scanner.Finding{sev(0.8, "abuse")}, Facts{}, Quarantine, "offensive-staff"},
		{"slur between colleagues", internal, []scanner.Finding{sev(0.9, "slur")}, Facts{}, Quarantine, "offensive-staff"},
		{"threat sent by staff", out, []scanner.Finding{sev(0.9, "threat")}, Facts{}, Quarantine, "offensive-staff"},
		{"one obscenity in a staff reply", out, []scanner.Finding{sev(0.7, "profanity")}, Facts{}, Tag, "offensive-staff-profanity"},
		{"sexual term between colleagues", internal, []scanner.Finding{sev(0.7, "sexual")}, Facts{}, Tag, "offensive-staff-profanity"},
		{"mild language, low score", internal, []scanner.Finding{sev(0.3, "profanity")}, Facts{}, Tag, "any-finding"},
		{"chain letter arriving", in, []scanner.Finding{f("chain_mail", 0.9)}, Facts{}, Tag, "chain-mail-inbound"},
		{"chain letter forwarded to colleagues", internal, []scanner.Finding{f("chain_mail", 0.9)}, Facts{}, Quarantine, "chain-mail-staff"},
		{"chain letter forwarded outside", out, []scanner.Finding{f("chain_mail", 0.9)}, Facts{}, Quarantine, "chain-mail-staff"},
		{"malware and pupil data: malware rule first", out, []scanner.Finding{f("pupil_data", 0.97), f("malware", 1)}, Facts{}, Quarantine, "malware"},
		{"tenth hold today: all outbound held", out, nil, Facts{CountsKnown: true, Holds: Counts{Today: 10}}, Quarantine, "repeat-holds-outbound"},
		{"tenth hold today, internal mail still flows", internal, nil, Facts{CountsKnown: true, Holds: Counts{Today: 10}}, Deliver, RuleDefault},
		{"ninth hold today", out, nil, Facts{CountsKnown: true, Holds: Counts{Today: 9}}, Deliver, RuleDefault},
	} {
		d := e.DecideFacts(env(c.dir), scanner.Result{Findings: c.findings}, c.facts)
		if d.Action != c.action || d.Rule != c.rule {
			t.Errorf("%s: got %s by %s (%s), want %s by %s", c.name, d.Action, d.Rule, d.Reason, c.action, c.rule)
		}
	}
}

func TestNeeds(t *testing.T) {
	if New(config.DefaultRules(), "tempfail").NeedsGroups() {
		t.Error("default rules need no groups")
	}
	if !New(config.DefaultRules(), "tempfail").NeedsCounts() {
		t.Error("default rules use holds_today")
	}
	if e := New(config.DefaultRules(), "tempfail"); e.NeedsCountsFor(scanner.Inbound) || !e.NeedsCountsFor(scanner.Outbound) {
		t.Error("the default count rule is for outbound mail only")
	}
	if New([]config.Rule{{Name: "a", Action: "deliver"}}, "tempfail").NeedsCounts() {
		t.Error("no counts")
	}
}
