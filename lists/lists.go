// Package lists is the trust's allow and block lists: entries per sender
// address, sender domain or client network, limited to some directions and
// categories, each with a reason, an author and an optional expiry.
//
// The lists only say which entries match a message; the pipeline decides
// what they do (pipeline/lists.go): a block entry refuses or holds the
// message, an allow entry lets the findings of its categories through. An
// allow entry never lets malware or unscannable mail through: those
// categories are not allowable at all (Allowable).
//
// Store is the seam: the embedded default is SQLite (OpenSQLite); a store
// shared by several gateways (PostgreSQL, store.url) implements the same
// small interface. Cache reads a Store through a short cache so that a
// change made by the review page or the CLI takes effect within seconds,
// without a restart.
package lists

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

// Kind is allow or block.
type Kind string

// Kinds of entry.
const (
	Allow Kind = "allow"
	Block Kind = "block"
)

// Actions a block entry may take. Reject is the default: the sender's
// server is told (550 5.7.1) and keeps the message, so nothing is lost and
// nothing piles up in the quarantine; Quarantine holds the message for
// review instead (for an internal account under suspicion, say).
const (
	ActionReject     = "reject"
	ActionQuarantine = "quarantine"
)

// Never are the categories no allow entry lets through.
var Never = []string{"malware", "unscannable"}

// Allowable reports whether an allow entry may let findings of category c
// through.
func Allowable(c string) bool { return !slices.Contains(Never, c) }

// Entry is one line of a list.
type Entry struct {
	ID   int64 `json:"id"`
	Kind Kind  `json:"kind"`
	// Match is what the entry matches: a sender address (user@domain), a
	// sender domain (domain, or *.domain for its subdomains too), or a
	// client network (192.0.2.0/24, 2001:db8::/32 or a single address).
	Match string `json:"match"`
	// Directions limits the entry to inbound, outbound or internal mail;
	// empty is every direction.
	Directions []string `json:"directions,omitempty"`
	// Categories limits the entry: an allow entry lets only findings of
	// these categories through, a block entry acts only on messages with
	// a finding in one of them. Empty is every category (for an allow
	// entry, every category but malware and unscannable).
	Categories []string `json:"categories,omitempty"`
	// Action is what a block entry does: reject (default) or quarantine.
	Action string `json:"action,omitempty"`
	Reason string `json:"reason"`
	// Expires ends the entry; zero never.
	Expires   time.Time `json:"expires,omitzero"`
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by"`
}

// MatchKind says what an entry's Match is.
type MatchKind string

// What an entry can match.
const (
	MatchAddress MatchKind = "address"
	MatchDomain  MatchKind = "domain"
	MatchNetwork MatchKind = "network"
)

// Errors.
var (
	ErrNotFound = errors.New("lists: no such entry")
	ErrInvalid  = errors.New("lists: invalid entry")
)

// Normalize checks e and puts its fields in canonical form: the match
// lowercased (a domain in ASCII, a network masked), directions and
// categories sorted without duplicates, the action defaulted.
func Normalize(e *Entry) error {
	bad := func(f string, a ...any) error { return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(f, a...)) }
	if e.Kind != Allow && e.Kind != Block {
		return bad("kind must be allow or block, got %q", e.Kind)
	}
	m, err := normalizeMatch(e.Match)
	if err != nil {
		return bad("%v", err)
	}
	e.Match = m
	for _, d := range e.Directions {
		if d != "inbound" && d != "outbound" && d != "internal" {
			return bad("direction must be inbound, outbound or internal, got %q", d)
		}
	}
	e.Directions = sortedSet(e.Directions)
	for i, c := range e.Categories {
		c = strings.ToLower(strings.TrimSpace(c))
		if c == "" || strings.ContainsFunc(c, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r == '_' || r >= '0' && r <= '9') }) {
			return bad("category %q: want a category name such as pupil_data", c)
		}
		if e.Kind == Allow && !Allowable(c) {
			return bad("an allow entry never lets %s through", c)
		}
		e.Categories[i] = c
	}
	e.Categories = sortedSet(e.Categories)
	if e.Kind == Block {
		if e.Action == "" {
			e.Action = ActionReject
		}
		if e.Action != ActionReject && e.Action != ActionQuarantine {
			return bad("a block entry's action is reject or quarantine, got %q", e.Action)
		}
	} else if e.Action != "" {
		return bad("an allow entry has no action")
	}
	e.Reason = strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, e.Reason))
	if e.Reason == "" {
		return bad("a reason is required")
	}
	if len(e.Reason) > 500 {
		return bad("reason longer than 500 bytes")
	}
	return nil
}

func sortedSet(xs []string) []string {
	if len(xs) == 0 {
		return nil
	}
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

// normalizeMatch returns the canonical form of an address, domain or
// network.
func normalizeMatch(m string) (string, error) {
	m = strings.TrimSpace(m)
	if m == "" {
		return "", errors.New("match is empty: give an address, a domain or a network")
	}
	if p, err := netip.ParsePrefix(m); err == nil {
		return p.Masked().String(), nil
	}
	if a, err := netip.ParseAddr(m); err == nil {
		return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()).String(), nil
	}
	if at := strings.LastIndexByte(m, '@'); at >= 0 {
		local, dom := m[:at], m[at+1:]
		if local == "" || strings.ContainsAny(local, " <>\"") {
			return "", fmt.Errorf("address %q: want user@domain", m)
		}
		d, err := config.NormalizeDomain(dom)
		if err != nil {
			return "", fmt.Errorf("address %q: %v", m, err)
		}
		return strings.ToLower(local) + "@" + d, nil
	}
	wild := strings.HasPrefix(m, "*.")
	d, err := config.NormalizeDomain(strings.TrimPrefix(m, "*."))
	if err != nil || !strings.Contains(d, ".") && d != "localhost" {
		return "", fmt.Errorf("%q is not an address, a domain or a network", m)
	}
	if wild {
		return "*." + d, nil
	}
	return d, nil
}

// What says whether e matches an address, a domain or a network.
func (e Entry) What() MatchKind {
	switch {
	case strings.Contains(e.Match, "/"):
		return MatchNetwork
	case strings.Contains(e.Match, "@"):
		return MatchAddress
	}
	return MatchDomain
}

// Active reports whether e has not expired at now.
func (e Entry) Active(now time.Time) bool { return e.Expires.IsZero() || now.Before(e.Expires) }

// Matches reports whether e applies to mail of env (sender, client,
// direction) at now; its categories are checked by the caller.
func (e Entry) Matches(env scanner.Envelope, now time.Time) bool {
	return e.matches(newSender(env), now)
}

// sender is an envelope in the form entries compare with, computed once
// per message (IDNA conversion is the costly part).
type sender struct {
	addr, domain string
	client       netip.Addr
	direction    string
}

func newSender(env scanner.Envelope) sender {
	s := sender{direction: string(env.Direction)}
	if env.Client.IsValid() {
		s.client = env.Client.Unmap()
	}
	if env.From != "" {
		s.addr, s.domain = normalizeAddr(env.From), senderDomain(env.From)
	}
	return s
}

func (e Entry) matches(s sender, now time.Time) bool {
	if !e.Active(now) {
		return false
	}
	if len(e.Directions) > 0 && !slices.Contains(e.Directions, s.direction) {
		return false
	}
	switch e.What() {
	case MatchNetwork:
		if !s.client.IsValid() {
			return false
		}
		p, err := netip.ParsePrefix(e.Match)
		return err == nil && p.Contains(s.client)
	case MatchAddress:
		return s.addr != "" && s.addr == e.Match
	}
	if s.domain == "" {
		return false
	}
	if w, ok := strings.CutPrefix(e.Match, "*."); ok {
		return s.domain == w || strings.HasSuffix(s.domain, "."+w)
	}
	return s.domain == e.Match
}

// AppliesTo reports whether e's categories cover category c.
func (e Entry) AppliesTo(c string) bool {
	if e.Kind == Allow && !Allowable(c) {
		return false
	}
	return len(e.Categories) == 0 || slices.Contains(e.Categories, c)
}

// Describe names the entry for `scan -explain`, logs and the audit log
// ("block entry 7: domain evil.example, inbound, expires 2027-01-01").
func (e Entry) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s entry %d: %s %s", e.Kind, e.ID, e.What(), e.Match)
	if len(e.Directions) > 0 {
		fmt.Fprintf(&b, ", %s", strings.Join(e.Directions, "/"))
	}
	if len(e.Categories) > 0 {
		fmt.Fprintf(&b, ", categories %s", strings.Join(e.Categories, "/"))
	}
	if e.Kind == Block {
		fmt.Fprintf(&b, ", %s", e.Action)
	}
	if !e.Expires.IsZero() {
		fmt.Fprintf(&b, ", expires %s", e.Expires.UTC().Format(time.RFC3339))
	}
	return b.String()
}

func normalizeAddr(a string) string {
	a = strings.TrimSpace(strings.Trim(strings.TrimSpace(a), "<>"))
	at := strings.LastIndexByte(a, '@')
	if at < 0 {
		return strings.ToLower(a)
	}
	d, err := config.NormalizeDomain(a[at+1:])
	if err != nil {
		return strings.ToLower(a)
	}
	return strings.ToLower(a[:at]) + "@" + d
}

func senderDomain(a string) string {
	a = strings.Trim(strings.TrimSpace(a), "<>")
	at := strings.LastIndexByte(a, '@')
	if at < 0 {
		return ""
	}
	d, err := config.NormalizeDomain(a[at+1:])
	if err != nil {
		return ""
	}
	return d
}

// Store keeps the entries. Implementations must be safe for concurrent use
// by several goroutines and several processes (the CLI and serve).
type Store interface {
	// List returns every entry, expired ones included, by id.
	List(ctx context.Context) ([]Entry, error)
	// Add normalizes and stores e with a new ID and returns it.
	Add(ctx context.Context, e Entry) (Entry, error)
	// Remove deletes the entry and returns what it was; ErrNotFound when
	// there is none.
	Remove(ctx context.Context, id int64) (Entry, error)
	// Version changes whenever an entry is added or removed, so that a
	// cache can ask cheaply whether to read the list again.
	Version(ctx context.Context) (int64, error)
	// Close releases the store.
	Close() error
}

// ParseExpiry reads an expiry as the review page and the CLI take it: ""
// (never), a duration from now ("90d", "12h"), a day (YYYY-MM-DD: the end
// of that day in loc) or an RFC 3339 time. A time not after now is refused.
func ParseExpiry(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "never" {
		return time.Time{}, nil
	}
	var t time.Time
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err != nil || days < 1 || fmt.Sprint(days) != n {
			return t, fmt.Errorf("expiry %q: want a number of days such as 30d", s)
		}
		t = now.Add(time.Duration(days) * 24 * time.Hour)
	} else if d, err := time.ParseDuration(s); err == nil {
		t = now.Add(d)
	} else if d, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		t = d.AddDate(0, 0, 1)
	} else if d, err := time.Parse(time.RFC3339, s); err == nil {
		t = d
	} else {
		return t, fmt.Errorf("expiry %q: want 30d, 12h, YYYY-MM-DD or an RFC 3339 time", s)
	}
	if !t.After(now) {
		return time.Time{}, fmt.Errorf("expiry %q is not in the future", s)
	}
	return t.UTC(), nil
}
