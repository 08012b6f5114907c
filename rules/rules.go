// Package rules turns findings and the envelope into exactly one action and
// names the rule that chose it. Scanners only report; policy lives here.
package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

// Action is what happens to a message.
type Action string

// The actions of DESIGN.md.
const (
	Deliver    Action = "deliver"
	Tag        Action = "tag"
	Quarantine Action = "quarantine"
	Reject     Action = "reject"
	Tempfail   Action = "tempfail"
	// Redirect sends the message to a review mailbox (Decision.RedirectTo)
	// instead of its recipients: the session aborts the downstream
	// transaction and runs a new one to the mailbox.
	Redirect Action = "redirect"
)

// Rule names that the engine itself uses.
const (
	RuleDefault      = "default"
	RuleScannerError = "scanner-error"
	RuleScanBusy     = "scan-timeout-busy"
)

// Decision is the outcome for one message.
type Decision struct {
	Action Action
	// Rule is the name of the rule that chose Action.
	Rule string
	// Monitor is set when the matching rule runs in log-only mode: Action is
	// then deliver (or tag) and WouldBe holds what the rule would have done.
	Monitor bool
	WouldBe Action
	// Reason explains the choice for `scan -explain` and logs.
	Reason string
	// Trace says, for `scan -explain`, why each earlier rule did not match.
	Trace []string
	// Category is the category of the finding that made the rule match,
	// empty when the rule has no category condition.
	Category scanner.Category
	// SubjectPrefix and Headers are what a tag rule adds to inbound mail.
	SubjectPrefix string
	Headers       map[string]string
	// RedirectTo is the review mailbox for action redirect: the message goes
	// there instead of to its recipients.
	RedirectTo string
	// Notify are the targets to tell at once (line_manager, it, dpo or
	// addresses); empty in monitor mode.
	Notify []string
}

// Facts are what the rules may know beyond the message: the sender's and
// recipients' groups (directory roles and groups, plus "internal" or
// "external") and the sender's history from the tracker.
type Facts struct {
	SenderGroups    []string
	RecipientGroups []string
	// CountsKnown is false when the tracker was not asked or could not
	// answer; conditions on counts then do not match.
	CountsKnown bool
	Holds       Counts
	Violations  Counts
}

// Counts are a counter's values today and this month.
type Counts struct{ Today, Month int }

// Engine evaluates an ordered rule list: first match wins.
type Engine struct {
	rules   []config.Rule
	onError Action
	monitor bool
}

// New builds an engine from a validated config.
func New(rules []config.Rule, onError string) *Engine {
	return &Engine{rules: rules, onError: Action(onError)}
}

// SetMonitor runs the whole policy in log-only mode (rules_monitor): every
// matching rule is reported as WouldBe and the message delivered or tagged.
func (e *Engine) SetMonitor(on bool) { e.monitor = on }

// NeedsGroups reports whether any rule has a group condition, so that
// callers look groups up only when they matter.
func (e *Engine) NeedsGroups() bool {
	return slices.ContainsFunc(e.rules, func(r config.Rule) bool { return len(r.FromGroup)+len(r.ToGroup) > 0 })
}

// NeedsCounts reports whether any rule has a condition on tracker counts.
func (e *Engine) NeedsCounts() bool {
	return slices.ContainsFunc(e.rules, hasCounts)
}

// NeedsCountsFor is NeedsCounts for mail of one direction: the default
// policy's count rule is for outbound mail, so inbound mail costs no
// tracker read.
func (e *Engine) NeedsCountsFor(d scanner.Direction) bool {
	return slices.ContainsFunc(e.rules, func(r config.Rule) bool {
		return hasCounts(r) && (len(r.Direction) == 0 || slices.Contains(r.Direction, string(d)))
	})
}

func hasCounts(r config.Rule) bool {
	return r.HoldsToday+r.HoldsMonth+r.ViolationsToday+r.ViolationsMonth > 0
}

// Decide chooses the action for a message knowing nothing beyond it.
func (e *Engine) Decide(env scanner.Envelope, res scanner.Result) Decision {
	return e.DecideFacts(env, res, Facts{})
}

// DecideFacts chooses the action for a message.
//
// A scanner backend failure (clamd down) applies the configured on_error
// action, default tempfail, unless a rule already holds, refuses or
// redirects the message: those keep it safe whatever the missing scanner
// would have said. A scan that ran out of time on a busy system is a
// temporary failure.
func (e *Engine) DecideFacts(env scanner.Envelope, res scanner.Result, facts Facts) Decision {
	d := e.match(env, res.Findings, facts)
	if d.Action == Quarantine || d.Action == Reject || d.Action == Redirect {
		return d
	}
	if len(res.Failures) > 0 {
		return Decision{Action: e.onError, Rule: RuleScannerError, Trace: d.Trace,
			Reason: fmt.Sprintf("scanner %s failed: on_error is %s", res.Failures[0].Scanner, e.onError)}
	}
	if res.Busy && len(res.TimedOut) > 0 {
		return Decision{Action: Tempfail, Rule: RuleScanBusy, Trace: d.Trace,
			Reason: fmt.Sprintf("scan budget ran out under load in %v", res.TimedOut)}
	}
	return d
}

func (e *Engine) match(env scanner.Envelope, findings []scanner.Finding, facts Facts) Decision {
	var trace []string
	for _, r := range e.rules {
		why, miss, hit := check(r, env, findings, facts)
		if miss != "" {
			trace = append(trace, fmt.Sprintf("rule %s skipped: %s", r.Name, miss))
			continue
		}
		d := Decision{Action: Action(r.Action), Rule: r.Name, Trace: trace,
			SubjectPrefix: r.SubjectPrefix, Headers: r.Headers, RedirectTo: r.RedirectTo, Notify: r.Notify}
		if hit != nil {
			d.Category = hit.Category
		}
		if len(why) == 0 {
			d.Reason = fmt.Sprintf("rule %s matches all %s mail", r.Name, env.Direction)
		} else {
			d.Reason = fmt.Sprintf("rule %s: %s", r.Name, strings.Join(why, "; "))
		}
		if r.Monitor || e.monitor {
			d.Monitor, d.WouldBe = true, d.Action
			d.Action = Deliver
			if len(findings) > 0 {
				d.Action = Tag
			}
			// Log only: no subject prefix, headers, redirect or alerts.
			d.SubjectPrefix, d.Headers, d.RedirectTo, d.Notify = "", nil, "", nil
			d.Reason += fmt.Sprintf(" (monitor mode: would %s, logged only)", d.WouldBe)
		}
		return d
	}
	return Decision{Action: Deliver, Rule: RuleDefault, Reason: "no rule matched", Trace: trace}
}

// check tests one rule. It returns why the rule matched (one phrase per
// condition), or the first condition that failed, and the finding that
// satisfied the category condition.
func check(r config.Rule, env scanner.Envelope, findings []scanner.Finding, facts Facts) (why []string, miss string, hit *scanner.Finding) {
	if len(r.Direction) > 0 {
		if !slices.Contains(r.Direction, string(env.Direction)) {
			return nil, fmt.Sprintf("direction %s not in %v", env.Direction, r.Direction), nil
		}
		why = append(why, fmt.Sprintf("%s mail", env.Direction))
	}
	if len(r.FromGroup) > 0 {
		g := firstCommon(r.FromGroup, facts.SenderGroups)
		if g == "" {
			return nil, fmt.Sprintf("sender not in %v", r.FromGroup), nil
		}
		why = append(why, fmt.Sprintf("sender in group %s", g))
	}
	if len(r.ToGroup) > 0 {
		g := firstCommon(r.ToGroup, facts.RecipientGroups)
		if g == "" {
			return nil, fmt.Sprintf("no recipient in %v", r.ToGroup), nil
		}
		why = append(why, fmt.Sprintf("a recipient in group %s", g))
	}
	if len(r.Category) > 0 || len(r.Tier) > 0 || r.MinSeverity != "" {
		min := r.MinScore
		if min == 0 {
			min = 0.5
		}
		for i, f := range findings {
			if f.Score >= min && (len(r.Category) == 0 || slices.Contains(r.Category, string(f.Category))) && tierMatch(r, f) {
				hit = &findings[i]
				break
			}
		}
		if hit == nil {
			return nil, fmt.Sprintf("no %s finding scoring at least %.2f", describe(r), min), nil
		}
		w := fmt.Sprintf("%s finding scored %.2f (at least %.2f)", hit.Category, hit.Score, min)
		if len(r.Tier) > 0 || r.MinSeverity != "" {
			w += fmt.Sprintf(" with severity %s", hit.Severity)
		}
		why = append(why, w)
	}
	for _, c := range []struct {
		name      string
		want, got int
	}{
		{"holds today", r.HoldsToday, facts.Holds.Today},
		{"holds this month", r.HoldsMonth, facts.Holds.Month},
		{"confirmed violations today", r.ViolationsToday, facts.Violations.Today},
		{"confirmed violations this month", r.ViolationsMonth, facts.Violations.Month},
	} {
		if c.want <= 0 {
			continue
		}
		if !facts.CountsKnown {
			return nil, fmt.Sprintf("%s unknown (tracker unavailable)", c.name), nil
		}
		if c.got < c.want {
			return nil, fmt.Sprintf("sender has %d %s, fewer than %d", c.got, c.name, c.want), nil
		}
		why = append(why, fmt.Sprintf("sender has %d %s (at least %d)", c.got, c.name, c.want))
	}
	return why, "", hit
}

// tierMatch reports whether f satisfies r's tier and min_severity
// conditions (true when r has none).
func tierMatch(r config.Rule, f scanner.Finding) bool {
	if len(r.Tier) > 0 && !slices.ContainsFunc(f.Tiers, func(t string) bool { return slices.Contains(r.Tier, t) }) {
		return false
	}
	if r.MinSeverity != "" && config.SeverityRank(f.Severity) < config.SeverityRank(r.MinSeverity) {
		return false
	}
	return true
}

// describe names the findings a rule wants, for its trace.
func describe(r config.Rule) string {
	d := "matching"
	if len(r.Category) > 0 {
		d = strings.Join(r.Category, "/")
	}
	if len(r.Tier) > 0 {
		d += " tier " + strings.Join(r.Tier, "/")
	}
	if r.MinSeverity != "" {
		d += " severity " + r.MinSeverity + " or worse"
	}
	return d
}

// firstCommon returns the first of want that is in have, without case.
func firstCommon(want, have []string) string {
	for _, w := range want {
		for _, h := range have {
			if strings.EqualFold(w, h) {
				return w
			}
		}
	}
	return ""
}
