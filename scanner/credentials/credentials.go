// Package credentials finds a user id and password shared in a message
// (issue 16), which the CLT acceptable use policy forbids (2.1 g: "Making
// your personal user id and password available for other people to use"):
// "my password is ...", "Username: jsmith / Password: ...", "pw: ...", a
// password-like string beside a user name, a login to SIMS, Arbor,
// Office 365 or the wifi.
//
// What is not a shared password: password-reset notices and "never share
// your password" advice (no value follows the word), policies ("passwords
// should contain at least 6 characters"), masks and placeholders
// ("********", "<your password>"), meeting passcodes in invitations, and
// configuration or code examples ($password, password_hash). A password
// for a document (the PDF, the zip) is reported only when the message
// also carries an encrypted attachment it would open.
//
// The secret itself never leaves the scanner: findings say "a password in
// body" or "a password in attachment 2", and nothing is logged.
package credentials

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

// Name is the scanner's name in findings.
const Name = "credentials"

// Tiers of credentials findings.
const (
	TierLogin    = "login"    // a password with a user name beside it
	TierPassword = "password" // a password alone
	TierDocument = "document" // the password of an encrypted attachment sent with it
)

// Detector is the shared-password scanner. It is safe for concurrent use.
type Detector struct {
	directions []scanner.Direction
	minScore   float64
	systems    []string
}

var _ scanner.Scanner = (*Detector)(nil)

// New builds the detector from its config section.
func New(c config.Credentials) *Detector {
	d := &Detector{minScore: c.MinScore, systems: slices.Clone(builtinSystems)}
	if d.minScore == 0 {
		d.minScore = 0.5
	}
	for _, dir := range c.Directions {
		d.directions = append(d.directions, scanner.Direction(dir))
	}
	if c.Directions == nil {
		d.directions = []scanner.Direction{scanner.Outbound, scanner.Internal}
	}
	for _, s := range c.Systems {
		d.systems = append(d.systems, strings.ToLower(strings.TrimSpace(s)))
	}
	return d
}

// Name implements scanner.Scanner.
func (d *Detector) Name() string { return Name }

// Scan implements scanner.Scanner.
func (d *Detector) Scan(ctx context.Context, m *scanner.Message) ([]scanner.Finding, error) {
	if !slices.Contains(d.directions, m.Envelope.Direction) {
		return nil, nil
	}
	encrypted := slices.ContainsFunc(m.Attachments, func(a *scanner.Attachment) bool { return a.Encrypted })
	type place struct {
		name   string
		hashes map[uint64]bool
		best   secret
		doc    bool
	}
	var places []*place
	byName := map[string]*place{}
	add := func(name string, s secret) {
		if s.doc && !encrypted {
			return // the password of a document not sent with it: no account
		}
		// Scores are sums of tenths: round away float error so that
		// 0.7+0.2 reaches a min_score of 0.9.
		s.score = min(0.99, math.Round(s.score*100)/100)
		if s.score < d.minScore {
			return
		}
		p := byName[name]
		if p == nil {
			p = &place{name: name, hashes: map[uint64]bool{}}
			byName[name] = p
			places = append(places, p)
		}
		p.hashes[s.hash] = true
		if s.score > p.best.score || s.score == p.best.score && s.pair {
			p.best = s
		}
		p.doc = p.doc || s.doc && !s.pair
	}
	for _, t := range m.Texts {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("credentials: %w", err)
		}
		name := "body"
		if t.Attachment != nil {
			name = strconv.Itoa(t.Attachment.Index)
		}
		for _, s := range find(t.Content, d.systems) {
			add(name, s)
		}
	}
	for _, tb := range m.Tables {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("credentials: %w", err)
		}
		name := "body"
		if tb.Attachment != nil {
			name = strconv.Itoa(tb.Attachment.Index)
		}
		for _, s := range findTable(tb.Rows) {
			add(name, s)
		}
	}
	if len(places) == 0 {
		return nil, nil
	}
	// One finding per place, best first, so that a rule reads the
	// strongest evidence and a reviewer sees every place.
	var out []scanner.Finding
	for _, p := range places {
		tier, sev := TierPassword, "medium"
		switch {
		case p.best.pair:
			tier, sev = TierLogin, "high"
		case p.doc:
			tier = TierDocument
		}
		out = append(out, scanner.Finding{Category: scanner.Credentials, Scanner: Name,
			Score: p.best.score, Summary: summarise(len(p.hashes), p.name, tier),
			Where: p.name, Tiers: []string{tier}, Severity: sev})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out, nil
}

// summarise names count and place, never the secret: "a password in
// body", "2 passwords with a user name in attachment 3".
func summarise(n int, place, tier string) string {
	what := "a password"
	if n > 1 {
		what = strconv.Itoa(n) + " passwords"
	}
	switch tier {
	case TierLogin:
		what += " with a user name"
	case TierDocument:
		what += " beside an encrypted attachment"
	}
	if place != "body" {
		place = "attachment " + place
	}
	return what + " in " + place
}
