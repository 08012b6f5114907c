package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mailward/mailward/alert"
	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/directory"
	"github.com/mailward/mailward/metrics"
	"github.com/mailward/mailward/rules"
	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/scanner/chainmail"
	"github.com/mailward/mailward/tracker"
)

// ErrRateLimited is returned by Admit when a sender or client is over its
// rate limit; the SMTP session answers 451 4.7.1.
var ErrRateLimited = errors.New("rate limit exceeded")

// ScannerTracker names the tracker in findings it adds (chain-mail spread).
const ScannerTracker = "tracker"

// tracking is the pipeline's shared state: the rate tracker, the staff
// directory and the alert notifier (issue 7).
//
// Only Admit and Record write to the tracker, and only `mailward serve`
// calls them; Scan reads (spread, counts) and never writes, so `mailward
// scan` leaves no trace in a shared Redis.
type tracking struct {
	tr       tracker.Tracker
	dir      directory.Source
	notifier *alert.Notifier
	cfg      config.Tracker
	domains  []string
	// fingerprints name a message's body for the spread check (several
	// MinHash keys: the spread is the largest count over them); none skips
	// it. chainmail.Fingerprints: MinHash keys of the body's word shingles.
	fingerprints func(*scanner.Message) []string
	log          *slog.Logger
	now          func() time.Time
	// lastLog and suppressed throttle trackerError's log lines.
	lastLog    atomic.Int64
	suppressed atomic.Int64
}

// newTracking opens the tracker (Redis when redis.url is set, otherwise
// in-process), the directory, and the notifier. A Redis that is down at
// start is not an error: it fails open like one that goes down later.
func (p *Pipeline) newTracking(cfg *config.Config) error {
	loc := cfg.Tracker.Location()
	t := &tracking{cfg: cfg.Tracker, fingerprints: chainmail.Fingerprints, log: slog.Default(), now: time.Now}
	if sh := p.shareTracker(cfg); sh != nil {
		t.tr = sh // the pipeline a reload replaces had the same settings
	} else if cfg.Redis.URL != "" {
		r, err := tracker.Dial(cfg.Redis.URL, cfg.Tracker.Timeout.D(), loc)
		if err != nil {
			return err
		}
		t.tr = r
	} else {
		t.tr = tracker.NewMemory(loc)
	}
	p.close = append(p.close, p.ownTracker(cfg, t.tr))
	for _, d := range cfg.Domains {
		if n, err := config.NormalizeDomain(strings.TrimPrefix(d, "*.")); err == nil {
			if strings.HasPrefix(d, "*.") {
				n = "*." + n
			}
			t.domains = append(t.domains, n)
		}
	}
	dir, err := openDirectory(cfg.Directory, t.internal)
	if err != nil {
		return err
	}
	t.dir = dir
	t.notifier = alert.New(cfg, t.tr, t.dir)
	p.Rules.SetMonitor(cfg.RulesMonitor)
	p.track = t
	return nil
}

// openDirectory opens the configured sources: the file, then LDAP, which
// is asked only about the trust's own addresses (internal). It returns nil
// (not a typed nil) when there is none.
func openDirectory(c config.Directory, internal func(string) bool) (directory.Source, error) {
	var chain directory.Chain
	if c.File != "" {
		d, err := directory.Open(c.File, c.Reload.D())
		if err != nil {
			return nil, err
		}
		chain = append(chain, d)
	}
	if l := c.LDAP; l.URL != "" {
		o := directory.LDAPOptions{URL: l.URL, StartTLS: l.StartTLS, BindDN: l.BindDN, BaseDN: l.BaseDN,
			Filter: l.Filter, RoleAttribute: l.RoleAttribute, SendAsFilter: l.SendAsFilter, ListFilter: l.ListFilter,
			Timeout: l.Timeout.D(), CacheTTL: l.CacheTTL.D(), Only: internal}
		if l.BindPasswordFile != "" {
			pw, err := os.ReadFile(l.BindPasswordFile)
			if err != nil {
				return nil, fmt.Errorf("directory ldap: %w", err)
			}
			o.BindPassword = strings.TrimRight(string(pw), "\r\n")
		}
		chain = append(chain, directory.NewLDAP(o))
	}
	switch len(chain) {
	case 0:
		return nil, nil
	case 1:
		return chain[0], nil
	}
	return chain, nil
}

// Notifier returns the alert notifier. `serve` runs its Run loop (digests
// go out from there) and gives ConfirmedViolation to the review page as
// review.Hooks.OnConfirm. `scan` must do neither.
func (p *Pipeline) Notifier() *alert.Notifier {
	if p.track == nil {
		return nil
	}
	return p.track.notifier
}

// Tracker returns the rate tracker (for health checks and tests).
func (p *Pipeline) Tracker() tracker.Tracker {
	if p.track == nil {
		return nil
	}
	return p.track.tr
}

// trackerError counts a tracker failure and logs it, at most once per
// trackerLogEvery (a Redis outage must not flood the log with a line per
// message); the caller fails open.
func (t *tracking) trackerError(op string, err error) {
	metrics.Error("tracker")
	n := t.suppressed.Add(1)
	now := time.Now().UnixNano()
	last := t.lastLog.Load()
	if now-last < int64(trackerLogEvery) || !t.lastLog.CompareAndSwap(last, now) {
		return
	}
	t.suppressed.Store(0)
	t.log.Warn("tracker unavailable: failing open", "op", op, "err", err, "failures", n)
}

// trackerLogEvery spaces out tracker failure log lines.
const trackerLogEvery = 10 * time.Second

// Admit is called once per transaction when the DATA has arrived and before
// scanning, with the envelope (all accepted recipients). It counts the
// message against the sender's and client's rates and returns ErrRateLimited
// when over a limit. A sender is counted as named by whoever speaks (see
// senderSubject). Untrusted clients are limited per address as well;
// trusted clients (the trust's own server) are not, or the whole trust
// would be throttled as one sender. Tracker trouble (Redis down) fails open
// by default: logged and counted, never an error here; with
// tracker.on_error: tempfail it returns ErrRateLimited instead.
func (p *Pipeline) Admit(ctx context.Context, env scanner.Envelope, now time.Time) error {
	t := p.track
	if t == nil {
		return nil
	}
	hour := time.Hour
	var err error
	check := func(subject string, msgs, rcpts int) *tracker.Over {
		if err != nil {
			return nil
		}
		var over *tracker.Over
		over, err = t.tr.Take(ctx, subject, []tracker.Limit{
			{Name: "messages", Max: msgs, Window: hour, Cost: 1},
			{Name: "recipients", Max: rcpts, Window: hour, Cost: len(env.To)},
		}, now)
		return over
	}
	var over *tracker.Over
	var subject string
	if env.From != "" {
		msgs, rcpts := t.senderLimits(env.From)
		subject = "sender:" + senderSubject(env)
		over = check(subject, msgs, rcpts)
	}
	if over == nil && !env.Trusted && env.Client.IsValid() {
		subject = "client:" + clientKey(env.Client)
		over = check(subject, t.cfg.ClientMessagesPerHour, t.cfg.ClientRecipientsPerHour)
	}
	if err != nil {
		t.trackerError("admit", err)
		if t.cfg.OnError == config.TrackerTempfail {
			return fmt.Errorf("%w: tracker unavailable and tracker.on_error is tempfail", ErrRateLimited)
		}
		return nil
	}
	if over == nil {
		return nil
	}
	t.log.Warn("rate limit", "subject", subject, "from", env.From, "client", env.Client.String(),
		"limit", over.Limit.Name, "count", over.Count, "max", over.Limit.Max)
	it := alert.Item{Time: now, Sender: env.From, Recipients: len(env.To), Direction: string(env.Direction),
		Note: fmt.Sprintf("%s over %d %s per hour; client %s", strings.SplitN(subject, ":", 2)[0], over.Limit.Max, over.Limit.Name, env.Client)}
	if err := t.notifier.RateLimited(ctx, it, subject, now); err != nil {
		t.trackerError("alert", err)
	}
	return fmt.Errorf("%w: %s", ErrRateLimited, over)
}

// senderSubject is whose budget a message's sender spends: the sender
// alone when a trusted client (the trust's own server) speaks, since only
// it can send as the trust's staff; otherwise the sender as named by that
// client address (clientKey). Anyone can write MAIL FROM:<head@trust.example>:
// inbound mail must never use up the real head's budget or hold count.
func senderSubject(env scanner.Envelope) string {
	from := directory.Normalize(env.From)
	if env.Trusted || !env.Client.IsValid() {
		return from
	}
	return from + "|" + clientKey(env.Client)
}

// clientKey is the unit a client is limited by: its IPv4 address, or its
// IPv6 /64 (one host commonly holds a whole /64 and could rotate through it).
func clientKey(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// senderLimits applies the first tracker.overrides entry naming the sender
// or one of its groups.
func (t *tracking) senderLimits(from string) (msgs, rcpts int) {
	msgs, rcpts = t.cfg.SenderMessagesPerHour, t.cfg.SenderRecipientsPerHour
	from = directory.Normalize(from)
	var groups []string
	for _, o := range t.cfg.Overrides {
		hit := slices.ContainsFunc(o.Sender, func(s string) bool { return directory.Normalize(s) == from })
		if !hit && len(o.Group) > 0 {
			if groups == nil {
				groups = t.groups(from)
			}
			hit = slices.ContainsFunc(o.Group, func(g string) bool {
				return slices.ContainsFunc(groups, func(h string) bool { return strings.EqualFold(g, h) })
			})
		}
		if hit {
			if o.MessagesPerHour > 0 {
				msgs = o.MessagesPerHour
			}
			if o.RecipientsPerHour > 0 {
				rcpts = o.RecipientsPerHour
			}
			return msgs, rcpts
		}
	}
	return msgs, rcpts
}

// groups lists an address's directory role and groups plus "internal" or
// "external" (by the config's domains).
func (t *tracking) groups(addr string) []string {
	g := []string{config.GroupExternal}
	if t.internal(addr) {
		g[0] = config.GroupInternal
	}
	if t.dir != nil {
		if p, ok := t.dir.Lookup(addr); ok {
			if p.Role != "" {
				g = append(g, p.Role)
			}
			g = append(g, p.Groups...)
		}
	}
	return g
}

func (t *tracking) internal(addr string) bool {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return false
	}
	d, err := config.NormalizeDomain(strings.Trim(addr[at+1:], "<> "))
	if err != nil {
		return false
	}
	for _, x := range t.domains {
		if x == d {
			return true
		}
		if w, ok := strings.CutPrefix(x, "*."); ok && strings.HasSuffix(d, "."+w) {
			return true
		}
	}
	return false
}

// spreadSender is who counts as a distinct sender of a body: the author in
// the From: header, else the envelope sender, else (a bounce) the client.
// The header, because bulk mailers give every copy its own envelope sender
// (VERP): a newsletter is one sender however it is bounced.
func spreadSender(m *scanner.Message) string {
	if m.Header != nil {
		if a, err := mail.ParseAddress(m.Header.Get("From")); err == nil && a.Address != "" {
			return directory.Normalize(a.Address)
		}
	}
	if m.Envelope.From != "" {
		return directory.Normalize(m.Envelope.From)
	}
	return "client:" + m.Envelope.Client.String()
}

// spread is the chain-mail spread check, between the scanners and the
// rules: when tracker.chain_spread_senders distinct senders sent this body
// within tracker.chain_spread_window, the message is chain_mail whatever its
// wording. It only reads; Record counts the sender.
func (p *Pipeline) spread(ctx context.Context, m *scanner.Message, fps []string, res scanner.Result) scanner.Result {
	t := p.track
	if t == nil || len(fps) == 0 || m == nil {
		return res
	}
	window := t.cfg.ChainSpreadWindow.D()
	n := 0
	for _, fp := range fps {
		c, err := t.tr.Spread(ctx, fp, spreadSender(m), window, t.now())
		if err != nil {
			t.trackerError("spread", err)
			return res
		}
		n = max(n, c)
	}
	if n < t.cfg.ChainSpreadSenders {
		return res
	}
	f := scanner.Finding{Category: scanner.ChainMail, Scanner: ScannerTracker, Score: 0.9,
		Summary: fmt.Sprintf("same body sent by %d distinct senders within %s", n, window)}
	out := res
	out.Findings = append(slices.Clone(res.Findings), f)
	slices.SortStableFunc(out.Findings, func(a, b scanner.Finding) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	return out
}

// decide gathers the facts the rules ask for (groups, the sender's holds
// and confirmed violations) and lets the rules decide. Tracker trouble
// leaves the counts unknown: rules on counts then do not match.
func (p *Pipeline) decide(ctx context.Context, env scanner.Envelope, res scanner.Result) rules.Decision {
	t := p.track
	if t == nil {
		return p.Rules.Decide(env, res)
	}
	var facts rules.Facts
	if p.Rules.NeedsGroups() {
		facts.SenderGroups = t.groups(env.From)
		for _, r := range env.To {
			for _, g := range t.groups(r) {
				if !slices.Contains(facts.RecipientGroups, g) {
					facts.RecipientGroups = append(facts.RecipientGroups, g)
				}
			}
		}
	}
	if p.Rules.NeedsCountsFor(env.Direction) && env.From != "" {
		now := t.now()
		h, err1 := t.tr.Counts(ctx, tracker.Held, senderSubject(env), now)
		v, err2 := t.tr.Counts(ctx, tracker.Confirmed, directory.Normalize(env.From), now)
		if err := errors.Join(err1, err2); err != nil {
			t.trackerError("counts", err)
		} else {
			facts.CountsKnown = true
			facts.Holds = rules.Counts{Today: h.Today, Month: h.Month}
			facts.Violations = rules.Counts{Today: v.Today, Month: v.Month}
		}
	}
	return p.Rules.DecideFacts(env, res, facts)
}

// Record is called after the action was carried out, so that violations
// can be counted and alerts sent: it records
// the sender as a sender of this body (chain-mail spread), counts a hold
// against the sender, tells IT and the DPO of holds per alerts.hold_notify,
// and a rule's notify targets. Tracker trouble is logged, never returned.
func (p *Pipeline) Record(ctx context.Context, v Verdict, quarantineID string, now time.Time) {
	t := p.track
	if t == nil || v.Message == nil {
		return
	}
	env := v.Message.Envelope
	d := v.Decision
	if d.Action == rules.Tempfail {
		return // the sender retries; the retry is recorded
	}
	// The client may still be waiting for its answer: with Redis slow or
	// down, all of this together costs at most two operation timeouts.
	ctx, cancel := context.WithTimeout(ctx, 2*t.cfg.Timeout.D())
	defer cancel()
	for _, fp := range v.Fingerprints {
		if _, err := t.tr.AddSpread(ctx, fp, spreadSender(v.Message), t.cfg.ChainSpreadWindow.D(), now); err != nil {
			t.trackerError("addspread", err)
			break
		}
	}
	held := d.Action == rules.Quarantine && quarantineID != ""
	if held && env.From != "" {
		if _, err := t.tr.Incr(ctx, tracker.Held, senderSubject(env), now); err != nil {
			t.trackerError("incr", err)
		}
	}
	it := alert.Item{Time: now, Sender: env.From, Recipients: len(env.To), Direction: string(env.Direction),
		Categories: Categories(v.Result.Findings), Rule: d.Rule, Action: string(d.Action), QuarantineID: quarantineID}
	if held {
		if err := t.notifier.Held(ctx, it, now); err != nil {
			t.trackerError("alert", err)
		}
	}
	if len(d.Notify) > 0 {
		key := quarantineID
		if key == "" {
			key = fmt.Sprintf("%s:%s:%d", d.Rule, directory.Normalize(env.From), now.UnixNano())
		}
		if err := t.notifier.RuleMatched(ctx, d.Notify, it, key, now); err != nil {
			t.trackerError("alert", err)
		}
	}
	if d.Monitor {
		t.log.Info("monitor mode: rule would have acted", "rule", d.Rule, "would", string(d.WouldBe),
			"action", string(d.Action), "from", env.From, "direction", string(env.Direction))
	}
}
