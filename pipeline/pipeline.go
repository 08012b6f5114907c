// Package pipeline is the one path every message takes, shared by `serve`
// and `scan`: parse once, run the scanners, let the rules decide.
package pipeline

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/lists"
	"github.com/mailward/mailward/rules"
	"github.com/mailward/mailward/scanner"
)

// Pipeline scans messages and decides what to do with them.
type Pipeline struct {
	Runner *scanner.Runner
	Rules  *rules.Engine
	close  []func() error
	// extract bounds content extraction (config extract:); zero is the default.
	extract scanner.ParseLimits
	// track is the rate tracker, directory and alerts (track.go).
	track *tracking
	// life closes a pipeline a reload replaced (lifetime.go).
	life lifetime
	// prev is the pipeline this one replaces, while New runs; tracker is
	// the tracker shared with it and its successors (lifetime.go).
	prev    *Pipeline
	tracker *sharedTracker
	// lists are the allow and block lists (lists.go); nil: none.
	lists *lists.Cache
}

// Verdict is the pipeline's whole answer for one message.
type Verdict struct {
	Message  *scanner.Message
	Result   scanner.Result
	Decision rules.Decision
	// Fingerprints are the body's chain-spread keys, computed once here and
	// counted by Record (nil without a tracker or for a short body).
	Fingerprints []string
}

// New assembles the scanners and rules a config asks for.
func New(cfg *config.Config) (*Pipeline, error) { return NewFrom(cfg, nil) }

// NewFrom is New for a reload that replaces prev (nil: none): when the
// tracker settings (redis, tracker) did not change, the new pipeline
// shares prev's tracker, so that in-process rate counts and holds survive
// the reload and a Redis client keeps its connections. Everything else
// (scanners, term lists, model, directory, rules) is built afresh.
func NewFrom(cfg *config.Config, prev *Pipeline) (*Pipeline, error) {
	p := &Pipeline{Rules: rules.New(cfg.Rules, cfg.Scan.OnError), prev: prev}
	if err := p.newTracking(cfg); err != nil {
		p.Close()
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	scanners, err := p.buildScanners(cfg)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	p.Runner = &scanner.Runner{Scanners: scanners, Budget: cfg.Scan.Budget.D()}
	p.lists = lists.OpenCache(cfg.Lists.Path, cfg.Lists.Refresh.D(), nil)
	p.close = append(p.close, p.lists.Close)
	p.prev = nil
	return p, nil
}

// Close releases scanner resources.
func (p *Pipeline) Close() error {
	var first error
	for _, c := range p.close {
		if err := c(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Scan parses raw once and runs every scanner and the rules on it. A message
// that cannot be parsed at all is an Unscannable finding, not an error.
func (p *Pipeline) Scan(ctx context.Context, raw []byte, env scanner.Envelope) Verdict {
	m, err := scanner.ParseWith(ctx, raw, env, p.extract)
	if err != nil {
		m = &scanner.Message{Envelope: env, Raw: raw}
		m.Limits = append(m.Limits, "message could not be parsed")
	}
	res := p.Runner.Run(ctx, m)
	var fps []string
	if p.track != nil && p.track.fingerprints != nil {
		fps = p.track.fingerprints(m)
	}
	res = p.spread(ctx, m, fps, res) // chain-mail spread across senders (read-only)
	return Verdict{Message: m, Result: res, Decision: p.decideLists(ctx, env, res), Fingerprints: fps}
}

// Categories returns the distinct categories of findings, sorted.
func Categories(fs []scanner.Finding) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range fs {
		if !seen[string(f.Category)] {
			seen[string(f.Category)] = true
			out = append(out, string(f.Category))
		}
	}
	sort.Strings(out)
	return out
}

// FindingsHeader is the X-Mailward-Findings value: the highest score per
// category, such as "pupil_data=0.97, offensive_language=0.80".
func FindingsHeader(fs []scanner.Finding) string {
	best := map[string]float64{}
	var order []string
	for _, f := range fs {
		c := string(f.Category)
		if _, ok := best[c]; !ok {
			order = append(order, c)
		}
		if f.Score > best[c] {
			best[c] = f.Score
		}
	}
	parts := make([]string, 0, len(order))
	for _, c := range order {
		parts = append(parts, fmt.Sprintf("%s=%.2f", c, best[c]))
	}
	return strings.Join(parts, ", ")
}
