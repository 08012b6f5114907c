package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mailward/mailward/lists"
	"github.com/mailward/mailward/rules"
	"github.com/mailward/mailward/scanner"
)

// Rule names of decisions the allow and block lists made.
const (
	RuleBlockList = "block-list"
	RuleAllowList = "allow-list"
)

// SetLists replaces the allow and block lists the pipeline reads (tests,
// and a caller that shares one cache); nil turns them off.
func (p *Pipeline) SetLists(c *lists.Cache) { p.lists = c }

// decideLists lets the rules decide, with the allow and block lists
// applied on top:
//
//   - A block entry that matches the sender (or client network) and
//     direction, and whose categories are empty or cover a finding scoring
//     at least 0.5, rejects the message (or holds it: the entry's action),
//     whatever the rules say. Blocks are looked at before allows.
//   - An allow entry takes the findings of its categories out of what the
//     rules see, so that they decide as if those were not there: mail that
//     was held only for them is delivered. Malware and unscannable findings
//     are never taken out, and a scanner failure still follows on_error.
//
// The decision's Reason names the entry, for `scan -explain` and the log.
func (p *Pipeline) decideLists(ctx context.Context, env scanner.Envelope, res scanner.Result) rules.Decision {
	if p.lists == nil {
		return p.decide(ctx, env, res)
	}
	return applyLists(p.lists.Match(ctx, env, time.Now()), res, func(r scanner.Result) rules.Decision {
		return p.decide(ctx, env, r)
	})
}

// applyLists is decideLists over the entries that match the envelope
// (lists.MatchAll's order) and a decide function.
func applyLists(matched []lists.Entry, res scanner.Result, decide func(scanner.Result) rules.Decision) rules.Decision {
	for _, e := range matched {
		if e.Kind != lists.Block {
			continue
		}
		why := "all mail"
		if len(e.Categories) > 0 {
			i := slices.IndexFunc(res.Findings, func(f scanner.Finding) bool {
				return f.Score >= 0.5 && e.AppliesTo(string(f.Category))
			})
			if i < 0 {
				continue
			}
			why = fmt.Sprintf("a %s finding scored %.2f", res.Findings[i].Category, res.Findings[i].Score)
		}
		act := rules.Reject
		if e.Action == lists.ActionQuarantine {
			act = rules.Quarantine
		}
		return rules.Decision{Action: act, Rule: RuleBlockList,
			Reason: fmt.Sprintf("%s (reason: %s) matches %s", e.Describe(), e.Reason, why)}
	}
	var allows []lists.Entry
	for _, e := range matched {
		if e.Kind == lists.Allow {
			allows = append(allows, e)
		}
	}
	if len(allows) == 0 {
		return decide(res)
	}
	// Which entry lets each finding through: the first that covers it.
	var kept []scanner.Finding
	used := map[int64]lists.Entry{}
	var passed []string
	for _, f := range res.Findings {
		i := slices.IndexFunc(allows, func(e lists.Entry) bool { return e.AppliesTo(string(f.Category)) })
		if i < 0 {
			kept = append(kept, f)
			continue
		}
		used[allows[i].ID] = allows[i]
		if !slices.Contains(passed, string(f.Category)) {
			passed = append(passed, string(f.Category))
		}
	}
	if len(passed) == 0 {
		d := decide(res)
		d.Trace = append(d.Trace, fmt.Sprintf("%s covers no finding of this message", allows[0].Describe()))
		return d
	}
	before := decide(res)
	filtered := res
	filtered.Findings = kept
	d := decide(filtered)
	var names []string
	for _, e := range allows {
		if _, ok := used[e.ID]; ok {
			names = append(names, fmt.Sprintf("%s (reason: %s)", e.Describe(), e.Reason))
		}
	}
	slices.Sort(passed)
	note := fmt.Sprintf("%s lets %s findings through", strings.Join(names, "; "), strings.Join(passed, ", "))
	if d.Action == before.Action && d.Rule == before.Rule {
		d.Trace = append(d.Trace, note+": the decision is the same without them")
		return d
	}
	if d.Rule == rules.RuleDefault {
		d.Rule = RuleAllowList
	}
	d.Trace = append(d.Trace, fmt.Sprintf("without the list: %s by rule %s", before.Action, before.Rule))
	d.Reason = note + "; then " + d.Reason
	return d
}
