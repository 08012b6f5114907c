// Package impersonation finds mail passing as someone it is not, the
// disguise of invoice fraud and "head teacher" gift-card scams, and of the
// forged headers the acceptable-use policies forbid:
//
//   - inbound, an outside sender whose display name is a member of staff's
//     name from the directory, or a finance, leadership or IT title ("Head
//     Teacher" from a free mail address);
//   - inbound, a From or Reply-To domain that looks like one of the trust's
//     domains or of a configured correspondent's (confusable characters,
//     punycode, one or two letters changed, another ending, words added);
//   - inbound, a Reply-To that sends answers to another organisation;
//   - outbound and internal, a member of staff sending with a header From
//     that is neither their address nor a shared mailbox they belong to.
//
// SPF, DKIM and DMARC are another package's job (scanner/authcheck); this
// one reads only the message and the directory, and asks no DNS.
//
// Each finding's score is its confidence scaled by the harm of the
// impersonation, and Severity names that harm: high for leadership and
// finance and the trust's own domains, medium for IT and correspondents,
// low otherwise. Tiers name the checks that fired (display_name,
// lookalike_domain, address_in_name, reply_to, from_not_theirs). The
// default rules hold inbound display_name, lookalike_domain and
// address_in_name findings scoring 0.8 or more and tag the rest.
package impersonation

import (
	"context"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mailward/mailward/directory"
	"github.com/mailward/mailward/scanner"
)

// Name is the scanner's name in findings.
const Name = "impersonation"

// Options configure a Detector.
type Options struct {
	// Domains are the trust's domains ("*.trust.example" allowed).
	Domains []string
	// Correspondents are domains whose lookalikes are flagged too.
	Correspondents []string
	// RoleWords are extra finance or leadership titles.
	RoleWords []string
	// AllowSenders are outside addresses or domains whose display names are
	// not compared with staff names.
	AllowSenders []string
	// Outbound checks staff's header From against the directory.
	Outbound bool
	// Directory is the staff directory, nil when none is configured: the
	// display-name check then knows only role words, and the outbound
	// check does not run. Display names are compared with the people a
	// directory.Lister lists.
	Directory directory.Source
}

// Detector is the impersonation scanner. It is safe for concurrent use.
type Detector struct {
	o         Options
	trust     domainSet
	protected []protectedDomain
	allowed   domainSet
	allowAddr map[string]bool
	roles     roleWords
	now       func() time.Time

	mu         sync.Mutex
	staff      []staffName
	builtAt    time.Time
	rebuilding bool
}

var _ scanner.Scanner = (*Detector)(nil)

// staffRefresh is how long the prepared staff names are kept before the
// directory is listed again (the file reloads and LDAP caches on their own).
const staffRefresh = time.Minute

// New returns a detector.
func New(o Options) *Detector {
	d := &Detector{o: o, trust: newDomainSet(o.Domains), roles: newRoleWords(o.RoleWords),
		allowAddr: map[string]bool{}, now: time.Now}
	for _, x := range d.trust {
		if x != "localhost" {
			d.protected = append(d.protected, newProtected(x, true))
		}
	}
	for _, x := range newDomainSet(o.Correspondents) {
		d.protected = append(d.protected, newProtected(x, false))
	}
	for _, a := range o.AllowSenders {
		if strings.Contains(a, "@") {
			d.allowAddr[directory.Normalize(a)] = true
		} else {
			d.allowed = append(d.allowed, newDomainSet([]string{a})...)
		}
	}
	return d
}

// Name implements scanner.Scanner.
func (d *Detector) Name() string { return Name }

// Scan implements scanner.Scanner.
func (d *Detector) Scan(ctx context.Context, m *scanner.Message) ([]scanner.Finding, error) {
	if m.Header == nil {
		return nil, nil
	}
	switch m.Envelope.Direction {
	case scanner.Inbound:
		return d.inbound(m), nil
	case scanner.Outbound, scanner.Internal:
		if d.o.Outbound {
			return d.outbound(m), nil
		}
	}
	return nil, nil
}

// signal is one reason for suspicion, before findings are merged.
type signal struct {
	summary  string
	score    float64
	severity string
	// weak signs count only beside another sign or a Reply-To elsewhere.
	weak bool
	tier string
}

// The tiers of findings name the checks that fired, for rules' tier
// conditions (config.ImpersonationTiers lists them).
const (
	TierDisplayName   = "display_name"     // a staff name or title in the display name
	TierLookalike     = "lookalike_domain" // From or Reply-To domain imitates a protected one
	TierAddressInName = "address_in_name"  // the display name shows a protected address
	TierReplyTo       = "reply_to"         // replies go to another organisation
	TierFromNotTheirs = "from_not_theirs"  // outbound: a From the sender may not use
)

// inbound checks an outside sender: display name, lookalike domains and
// Reply-To, merged into one finding whose summary names every check that
// fired. A From in the trust's own domains is left to DMARC.
func (d *Detector) inbound(m *scanner.Message) []scanner.Finding {
	from := scanner.Addresses(m.Header, "From")
	if len(from) == 0 {
		return nil
	}
	f := from[0]
	fd := domainOf(f.Address)
	if fd == "" || d.trust.has(fd) {
		return nil
	}
	var sigs []signal
	if s, ok := d.displayName(f, fd); ok {
		sigs = append(sigs, s)
	}
	if s, ok := d.addressInName(f.Name, fd); ok {
		sigs = append(sigs, s)
	}
	if s, ok := d.lookalikeSignal("From", fd); ok {
		sigs = append(sigs, s)
	}
	reply, elsewhere := d.replyTo(m, fd)
	for _, r := range reply {
		if s, ok := d.lookalikeSignal("Reply-To", r); ok {
			sigs = append(sigs, s)
		}
	}
	if len(sigs) == 1 && sigs[0].weak && elsewhere == "" {
		return nil
	}
	if len(sigs) == 0 {
		if elsewhere == "" {
			return nil
		}
		return []scanner.Finding{{Category: scanner.Impersonation, Scanner: Name, Score: 0.3, Severity: "low",
			Where: "header", Summary: elsewhere + "; outside sender", Tiers: []string{TierReplyTo}}}
	}
	best := sigs[0]
	parts := []string{sigs[0].summary}
	for _, s := range sigs[1:] {
		parts = append(parts, s.summary)
		if s.score > best.score {
			best = s
		}
	}
	tiers := []string{best.tier}
	for _, s := range sigs {
		if !slices.Contains(tiers, s.tier) {
			tiers = append(tiers, s.tier)
		}
	}
	score := best.score
	// Two independent signs, or a sign and replies sent elsewhere, are the
	// fraud pattern itself.
	if len(sigs) > 1 {
		score += 0.05
	}
	if elsewhere != "" {
		parts = append(parts, elsewhere)
		tiers = append(tiers, TierReplyTo)
		score += 0.1
	}
	return []scanner.Finding{{Category: scanner.Impersonation, Scanner: Name, Score: min(score, 0.99),
		Severity: best.severity, Where: "header", Summary: strings.Join(parts, "; ") + "; outside sender", Tiers: tiers}}
}

// displayName compares the From display name with staff names and role
// words.
func (d *Detector) displayName(f *mail.Address, domain string) (signal, bool) {
	if f.Name == "" || d.allowAddr[f.Address] || d.allowed.has(domain) {
		return signal{}, false
	}
	toks := nameTokens(f.Name)
	role, rs, re, hasRole := d.roles.find(toks)
	nameToks := toks
	if hasRole {
		nameToks = append(append([]string(nil), toks[:rs]...), toks[re:]...)
	}
	free := isFreemail(domain)
	var best staffName
	kind := noMatch
	for _, n := range d.staffNames() {
		k := n.match(nameToks)
		if k > kind || (k == kind && k != noMatch && n.class > best.class) {
			best, kind = n, k
		}
	}
	if kind != noMatch {
		var score float64
		switch best.class {
		case classLeadership, classFinance:
			score = 0.9
		case classIT:
			score = 0.7
		default:
			score = 0.55
		}
		if kind == initialMatch {
			score -= 0.1
		}
		if free || hasRole {
			score += 0.05
		}
		what := "staff name"
		if best.title != "" {
			what = fmt.Sprintf("staff name of the %s", best.title)
		}
		if kind == initialMatch {
			what += " (initial)"
		}
		return signal{summary: "display name matches " + what, score: score, severity: best.class.severity(), tier: TierDisplayName}, true
	}
	if !hasRole || !free {
		// "Accounts <accounts@supplier.example>" is how suppliers write.
		return signal{}, false
	}
	score := 0.55
	if role.class >= classLeadership {
		score = 0.85
	}
	return signal{summary: fmt.Sprintf("display name matches staff role '%s' from a free mail address", role.text),
		score: score, severity: role.class.severity(), tier: TierDisplayName}, true
}

// nameAddress finds an address shown in a display name.
var nameAddress = regexp.MustCompile(`[\p{L}\p{N}._%+'-]+@([\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+)`)

// addressInName checks a display name that shows an address ("head@trust
// <fraud@gmail.com>"): mail clients that show only the name then show the
// trust's address, or a correspondent's.
func (d *Detector) addressInName(name, fromDomain string) (signal, bool) {
	for _, sm := range nameAddress.FindAllStringSubmatch(name, 4) {
		nd := asciiDomain(sm[1])
		if orgDomain(nd) == orgDomain(fromDomain) {
			continue
		}
		if d.trust.has(nd) {
			return signal{summary: "display name shows a trust address", score: 0.9, severity: "high", tier: TierAddressInName}, true
		}
		for _, p := range d.protected {
			if !p.trust && (nd == p.domain || strings.HasSuffix(nd, "."+p.domain)) {
				return signal{summary: "display name shows a correspondent's address", score: 0.7, severity: "medium", tier: TierAddressInName}, true
			}
		}
		if s, ok := d.lookalikeSignal("display name", nd); ok {
			s.tier = TierAddressInName
			return s, true
		}
	}
	return signal{}, false
}

// staffNames returns the directory's people prepared for matching,
// rebuilt at most once per staffRefresh. One caller rebuilds while the
// others use the previous list, so a slow LDAP server delays one message,
// not all of them.
func (d *Detector) staffNames() []staffName {
	ls, ok := d.o.Directory.(directory.Lister)
	if !ok || ls == nil {
		return nil
	}
	now := d.now()
	d.mu.Lock()
	if d.staff == nil {
		// The first list: every message waits for it.
		defer d.mu.Unlock()
		d.staff, d.builtAt = d.prepare(ls), now
		return d.staff
	}
	if d.rebuilding || now.Sub(d.builtAt) < staffRefresh {
		staff := d.staff
		d.mu.Unlock()
		return staff
	}
	d.rebuilding = true
	d.mu.Unlock()
	out := d.prepare(ls)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.staff, d.builtAt, d.rebuilding = out, now, false
	return out
}

// prepare lists the directory's staff for matching: not pupils, shared
// mailboxes or entries without a first and last name.
func (d *Detector) prepare(ls directory.Lister) []staffName {
	out := []staffName{}
	for _, p := range ls.People() {
		if p.Role == "pupil" || p.Role == "student" || !isPerson(p) {
			continue
		}
		if n, ok := newStaffName(p, d.roles); ok {
			out = append(out, n)
		}
	}
	return out
}

// lookalikeSignal checks one domain against the protected ones.
func (d *Detector) lookalikeSignal(field, domain string) (signal, bool) {
	if domain == "" || d.trust.has(domain) {
		return signal{}, false
	}
	for _, p := range d.protected {
		if domain == p.domain || strings.HasSuffix(domain, "."+p.domain) {
			return signal{}, false // a correspondent's own domain
		}
	}
	var best lookalike
	var bestP protectedDomain
	c := newCandidate(domain)
	for _, p := range d.protected {
		if l, ok := lookalikeOf(c, p); ok && l.score > best.score {
			best, bestP = l, p
		}
	}
	if best.score == 0 {
		return signal{}, false
	}
	sev := "medium"
	if bestP.trust {
		sev = "high"
	}
	return signal{summary: best.describe(field, bestP.trust), score: best.score, severity: sev, weak: best.weak, tier: TierLookalike}, true
}

// replyTo returns the Reply-To domains and, when answers go to another
// organisation than the From's, a phrase saying so. Mailing lists set
// Reply-To to the list, so list mail does not count.
func (d *Detector) replyTo(m *scanner.Message, fromDomain string) (domains []string, elsewhere string) {
	for _, a := range scanner.Addresses(m.Header, "Reply-To") {
		if rd := domainOf(a.Address); rd != "" {
			domains = append(domains, rd)
		}
	}
	if len(domains) == 0 || isList(m) {
		return domains, ""
	}
	for _, rd := range domains {
		if orgDomain(rd) == orgDomain(fromDomain) || d.trust.has(rd) {
			continue
		}
		if isFreemail(rd) && !isFreemail(fromDomain) {
			return domains, "Reply-To is a free mail address unlike From"
		}
		return domains, "Reply-To is another organisation's domain"
	}
	return domains, ""
}

// isList reports whether a message came through a mailing list or a bulk
// sender, which set Reply-To for their own reasons.
func isList(m *scanner.Message) bool {
	for _, k := range []string{"List-Id", "List-Post", "List-Unsubscribe", "Mailing-List", "X-Mailing-List"} {
		if m.Header.Get(k) != "" {
			return true
		}
	}
	p := strings.ToLower(m.Header.Get("Precedence"))
	return p == "list" || p == "bulk"
}
