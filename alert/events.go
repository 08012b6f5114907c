package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/tracker"
)

// Held tells the targets of alerts.hold_notify (by default IT and the DPO
// for malware and pupil_data) that a message was quarantined. It is told
// at once (urgent period); a spree is one digest.
func (n *Notifier) Held(ctx context.Context, it Item, now time.Time) error {
	var targets []string
	for _, c := range it.Categories {
		for _, t := range n.cfg.HoldNotify[c] {
			if !slices.Contains(targets, t) {
				targets = append(targets, t)
			}
		}
	}
	if len(targets) == 0 {
		return nil
	}
	it.Kind = KindHold
	return n.Notify(ctx, targets, it, "hold:"+it.QuarantineID, now)
}

// RuleMatched tells a rule's notify targets at once, for rules that opt
// into immediate alerts.
func (n *Notifier) RuleMatched(ctx context.Context, targets []string, it Item, dedupe string, now time.Time) error {
	if len(targets) == 0 {
		return nil
	}
	it.Kind = KindRule
	return n.Notify(ctx, targets, it, "rule:"+dedupe, now)
}

// RateLimited tells alerts.rate_limit_notify (IT) that a sender or client
// went over its rate: once per subject and hour, however often it retries.
func (n *Notifier) RateLimited(ctx context.Context, it Item, subject string, now time.Time) error {
	it.Kind = KindRateLimit
	hour := now.UTC().Format("2006010215")
	return n.Notify(ctx, n.cfg.RateLimitNotify, it, "rate:"+subject+":"+hour, now)
}

// ConfirmedViolation is the review page's OnConfirm hook (review.Hooks): a
// reviewer confirmed that a held message broke the policy. It counts the
// violation for the sender (once per message, however often it is
// confirmed), and every escalation step whose threshold is now reached
// (alerts.escalation; by default three in a day: the line manager) tells
// its targets of the sender's confirmed violations today: one digest, with
// links to the review page and never the content.
func (n *Notifier) ConfirmedViolation(ctx context.Context, rec *quarantine.Record, reviewer string) {
	if err := n.confirmed(ctx, rec, reviewer, n.Now()); err != nil {
		n.Log.Error("confirmed violation not fully recorded", "id", rec.ID, "from", rec.From, "err", err)
	}
}

func (n *Notifier) confirmed(ctx context.Context, rec *quarantine.Record, reviewer string, now time.Time) error {
	if rec == nil || rec.From == "" {
		return nil // a bounce has no sender to hold to account
	}
	first, err := n.tr.Once(ctx, "confirmed:"+rec.ID, 400*24*time.Hour, now)
	if err != nil {
		return fmt.Errorf("alert confirm: %w", err)
	}
	if !first {
		return nil
	}
	counts, err := n.tr.Incr(ctx, tracker.Confirmed, rec.From, now)
	if err != nil {
		return fmt.Errorf("alert confirm: %w", err)
	}
	it := Item{Kind: KindConfirmed, Time: rec.Received, Sender: rec.From, Recipients: len(rec.To),
		Direction: rec.Direction, Categories: rec.Categories, Rule: rec.Rule, Action: rec.Action,
		QuarantineID: rec.ID, Link: n.Link(rec.ID), Reviewer: reviewer}
	if it.Time.IsZero() {
		it.Time = now
	}
	data, err := json.Marshal(it)
	if err != nil {
		return fmt.Errorf("alert confirm: %w", err)
	}
	today := "confirmed:" + rec.From + ":" + now.In(n.loc).Format("20060102")
	if err := n.tr.Remember(ctx, today, data, 49*time.Hour, now); err != nil {
		return fmt.Errorf("alert confirm: %w", err)
	}
	n.Log.Info("violation confirmed", "id", rec.ID, "from", rec.From, "reviewer", reviewer,
		"today", counts.Today, "month", counts.Month)

	var targets []string
	var step string
	for _, e := range n.cfg.Escalation {
		hit := (e.ViolationsToday > 0 && counts.Today >= e.ViolationsToday) ||
			(e.ViolationsMonth > 0 && counts.Month >= e.ViolationsMonth)
		if !hit {
			continue
		}
		for _, t := range e.Notify {
			if !slices.Contains(targets, t) {
				targets = append(targets, t)
			}
		}
		if e.ViolationsToday > 0 {
			step = fmt.Sprintf("at least %d confirmed violations in a day", e.ViolationsToday)
		} else {
			step = fmt.Sprintf("at least %d confirmed violations in a month", e.ViolationsMonth)
		}
	}
	if len(targets) == 0 {
		return nil
	}
	// Tell of every violation confirmed today, so the digest shows the
	// pattern; those already told are dropped by their dedupe key.
	raw, err := n.tr.Recall(ctx, today, now)
	if err != nil {
		return fmt.Errorf("alert confirm: %w", err)
	}
	var first2 error
	for _, r := range raw {
		var x Item
		if json.Unmarshal(r, &x) != nil {
			continue
		}
		x.ViolationsToday, x.ViolationsMonth = counts.Today, counts.Month
		x.Note = "escalation: " + step
		if err := n.Notify(ctx, targets, x, "confirmed:"+x.QuarantineID, now); err != nil && first2 == nil {
			first2 = err
		}
	}
	return first2
}

// SuspectedIllegal is the review page's OnSuspectedIllegal hook: a reviewer
// marked a held message suspected illegal. alerts.suspected_illegal_notify
// (IT, the network manager, and the DPO by default) are told at once. The
// alert says only that, who sent it and where the record is: the content is
// hidden from everyone and must not be viewed again.
func (n *Notifier) SuspectedIllegal(ctx context.Context, rec *quarantine.Record, reviewer string) {
	now := n.Now()
	it := Item{Kind: KindSuspectedIllegal, Time: rec.Received, Sender: rec.From, Recipients: len(rec.To),
		Direction: rec.Direction, Rule: rec.Rule, QuarantineID: rec.ID, Reviewer: reviewer,
		Note: "content hidden from everyone; do not view it again, decide how to proceed (police, LADO)"}
	if it.Time.IsZero() {
		it.Time = now
	}
	if err := n.Notify(ctx, n.cfg.SuspectedIllegalNotify, it, "illegal:"+rec.ID, now); err != nil {
		n.Log.Error("suspected-illegal alert not queued", "id", rec.ID, "err", err)
	}
	n.Log.Warn("message marked suspected illegal", "id", rec.ID, "reviewer", reviewer)
}

// Targets named in config, re-exported for callers that build their own.
const (
	LineManager = config.TargetLineManager
	IT          = config.TargetIT
	DPO         = config.TargetDPO
)
