// Package rules turns findings and the envelope into exactly one action and
// names the rule that chose it. Scanners only report; policy lives here.
package rules

import (
	"fmt"
	"slices"

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
}

// Engine evaluates an ordered rule list: first match wins.
type Engine struct {
	rules   []config.Rule
	onError Action
}

// New builds an engine from a validated config.
func New(rules []config.Rule, onError string) *Engine {
	return &Engine{rules: rules, onError: Action(onError)}
}

// Decide chooses the action for a message.
//
// A scanner backend failure (clamd down) applies the configured on_error
// action, default tempfail, unless a rule already holds or refuses the
// message: those keep it safe whatever the missing scanner would have said.
// A scan that ran out of time on a busy system is a temporary failure.
func (e *Engine) Decide(env scanner.Envelope, res scanner.Result) Decision {
	d := e.match(env, res.Findings)
	if d.Action == Quarantine || d.Action == Reject {
		return d
	}
	if len(res.Failures) > 0 {
		return Decision{Action: e.onError, Rule: RuleScannerError,
			Reason: fmt.Sprintf("scanner %s failed: on_error is %s", res.Failures[0].Scanner, e.onError)}
	}
	if res.Busy && len(res.TimedOut) > 0 {
		return Decision{Action: Tempfail, Rule: RuleScanBusy,
			Reason: fmt.Sprintf("scan budget ran out under load in %v", res.TimedOut)}
	}
	return d
}

func (e *Engine) match(env scanner.Envelope, findings []scanner.Finding) Decision {
	for _, r := range e.rules {
		if len(r.Direction) > 0 && !slices.Contains(r.Direction, string(env.Direction)) {
			continue
		}
		min := r.MinScore
		if min == 0 {
			min = 0.5
		}
		var hit *scanner.Finding
		if len(r.Category) > 0 {
			for i, f := range findings {
				if f.Score >= min && slices.Contains(r.Category, string(f.Category)) {
					hit = &findings[i]
					break
				}
			}
			if hit == nil {
				continue
			}
		}
		d := Decision{Action: Action(r.Action), Rule: r.Name}
		if hit != nil {
			d.Reason = fmt.Sprintf("rule %s: %s finding scored %.2f (at least %.2f) on %s mail", r.Name, hit.Category, hit.Score, min, env.Direction)
		} else {
			d.Reason = fmt.Sprintf("rule %s matches all %s mail", r.Name, env.Direction)
		}
		if r.Monitor {
			d.Monitor, d.WouldBe = true, d.Action
			d.Action = Deliver
			if len(findings) > 0 {
				d.Action = Tag
			}
			d.Reason += " (monitor mode: logged only)"
		}
		return d
	}
	return Decision{Action: Deliver, Rule: RuleDefault, Reason: "no rule matched"}
}
