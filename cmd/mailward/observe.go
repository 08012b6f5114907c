package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/metrics"
	"github.com/mailward/mailward/nexthop"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/rules"
	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/scanner/clamav"
	"github.com/mailward/mailward/smtp"
	"github.com/mailward/mailward/tracker"
)

// checkInterval is how often serve probes the dependencies when nobody
// asks /readyz, so that mailward_dependency_up stays current.
const checkInterval = 15 * time.Second

// observe connects the metrics to the running relay until ctx ends: every
// known series at zero, the next-hop slot gauges, the quarantine gauges and
// the readiness checks behind /readyz and mailward_dependency_up.
func observe(ctx context.Context, lv *live, store quarantine.Backend, log *slog.Logger) {
	knownLabels(lv.srv.Config(), lv.srv.Pipeline())
	lv.onReload = append(lv.onReload, func(c *config.Config, p *pipeline.Pipeline) error {
		knownLabels(c, p)
		return nil
	})
	metrics.SetSlotSource(func() []metrics.Slots {
		in, out := lv.srv.Hops()
		var s []metrics.Slots
		for _, h := range []struct {
			dir string
			hop nexthop.Hop
		}{{"inbound", in}, {"outbound", out}} {
			n, max, _ := nexthop.SlotsOf(h.hop)
			s = append(s, metrics.Slots{Direction: h.dir, InUse: n, Max: max})
		}
		return s
	})
	metrics.SetChecks(func() []metrics.Check { return checks(lv) }, log)
	go metrics.RunChecks(ctx, checkInterval)
	metrics.SetQuarantineSource(quarantineStats(store))
}

// knownLabels creates the series for the config's rules and the
// pipeline's scanners, and for every direction, action, category, reply
// and dependency, at zero.
func knownLabels(c *config.Config, p *pipeline.Pipeline) {
	l := metrics.Labels{
		Directions: []string{string(scanner.Inbound), string(scanner.Outbound), string(scanner.Internal)},
		Actions: []string{string(rules.Deliver), string(rules.Tag), string(rules.Quarantine), string(rules.Reject),
			string(rules.Tempfail), string(rules.Redirect)},
		Categories: []string{string(scanner.ChainMail), string(scanner.OffensiveLanguage), string(scanner.PupilData),
			string(scanner.SuspiciousAttachment), string(scanner.Malware), string(scanner.Unscannable)},
		// The engine's own rules and the relay's (transaction.go).
		Rules:   []string{rules.RuleDefault, rules.RuleScannerError, rules.RuleScanBusy, "rate-limit", "mail-loop", "unscannable"},
		Replies: smtp.ReplyLabels(),
	}
	for _, r := range c.Rules {
		l.Rules = append(l.Rules, r.Name)
	}
	if p != nil && p.Runner != nil {
		for _, s := range p.Runner.Scanners {
			l.Scanners = append(l.Scanners, s.Name())
		}
	}
	for _, ch := range checkList(c) {
		l.Dependencies = append(l.Dependencies, ch)
	}
	metrics.Init(l)
}

// checkList names the dependencies c has.
func checkList(c *config.Config) []string {
	l := []string{"next_hop_inbound", "next_hop_outbound"}
	if c.Redis.URL != "" {
		l = append(l, "redis")
	}
	if c.ClamAV.Address != "" {
		l = append(l, "clamd")
	}
	return l
}

// checks are the readiness probes for the current generation: both next
// hops are required, and clamd while scan.on_error is tempfail (without
// them mail is deferred); Redis is not (rate limits fail open without it,
// DESIGN.md).
func checks(lv *live) []metrics.Check {
	in, out := lv.srv.Hops()
	cs := []metrics.Check{
		{Name: "next_hop_inbound", Required: true, Probe: func(ctx context.Context) error { return nexthop.Probe(ctx, in) }},
		{Name: "next_hop_outbound", Required: true, Probe: func(ctx context.Context) error { return nexthop.Probe(ctx, out) }},
	}
	withPipeline := func(f func(context.Context, *pipeline.Pipeline) error) func(context.Context) error {
		return func(ctx context.Context) error {
			p := lv.pipeline() // held, so a reload cannot close it under the probe
			defer p.Done()
			return f(ctx, p)
		}
	}
	c := lv.srv.Config()
	if c.Redis.URL != "" {
		cs = append(cs, metrics.Check{Name: "redis", Probe: withPipeline(func(ctx context.Context, p *pipeline.Pipeline) error {
			if r, ok := p.Tracker().(*tracker.Redis); ok {
				return r.Client().Ping(ctx).Err()
			}
			return nil
		})})
	}
	if c.ClamAV.Address != "" {
		// Required while a clamd failure defers mail (scan.on_error tempfail).
		cs = append(cs, metrics.Check{Name: "clamd", Required: c.Scan.OnError == "tempfail", Probe: withPipeline(func(ctx context.Context, p *pipeline.Pipeline) error {
			for _, s := range p.Runner.Scanners {
				if av, ok := s.(*clamav.Scanner); ok {
					return av.Client().Ping(ctx)
				}
			}
			return nil
		})})
	}
	return cs
}

// quarantineStats reads the held count and the oldest held message's age
// (at scrape time, cached by metrics).
func quarantineStats(store quarantine.Backend) func(context.Context) (metrics.QuarantineStats, error) {
	return func(ctx context.Context) (metrics.QuarantineStats, error) {
		recs, err := store.List(ctx)
		if err != nil {
			return metrics.QuarantineStats{}, err
		}
		var st metrics.QuarantineStats
		now := time.Now()
		for _, r := range recs {
			if r.Status != quarantine.Held {
				continue
			}
			st.Held++
			if age := now.Sub(r.Received); age > st.Oldest {
				st.Oldest = age
			}
		}
		return st, nil
	}
}
