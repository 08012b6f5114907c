// Package alert tells people about what mailward did: IT and the data
// protection officer at once of malware and pupil-data holds and of senders
// over their rate, line managers after a reviewer confirmed repeated
// violations, and a webhook (Teams, Slack) of all of it.
//
// An alert names who sent, when, to how many, the category and rule, and
// links to the message on the review page. It never carries the message's
// content, subject, file names or pupil data: the policies say only staff
// trained in data protection investigate, and they do so on the review page.
//
// Alerts are batched through the tracker: each is queued for its recipient
// and one digest per recipient goes out when the batch is due (alerts.
// urgent_period for IT and the DPO, alerts.digest_period for managers), so a
// spree of fifty holds is one mail, and two gateway instances sharing Redis
// send it once. Items carry a dedupe key, so the same event queued twice (a
// retry, a second instance) is told once. Mail goes through the next hop for
// the recipient's domain and is never scanned.
package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/directory"
	"github.com/mailward/mailward/nexthop"
	"github.com/mailward/mailward/tracker"
)

// Item kinds: the same words appear in the digest, the webhook JSON and logs.
const (
	KindHold      = "hold"       // the gateway quarantined a message
	KindRule      = "rule"       // a rule with notify matched
	KindRateLimit = "rate_limit" // a sender or client went over its rate
	KindConfirmed = "confirmed"  // a reviewer confirmed a violation
	// KindSuspectedIllegal: a reviewer marked a message suspected illegal.
	KindSuspectedIllegal = "suspected_illegal"
)

// Item is one event in a digest. It holds no content by construction: there
// is no field for a subject, a file name or a finding's evidence.
type Item struct {
	Kind string    `json:"kind"`
	Time time.Time `json:"time"`
	// Sender is the envelope sender (logs and alerts keep addresses).
	Sender     string   `json:"sender"`
	Recipients int      `json:"recipients"`
	Direction  string   `json:"direction,omitempty"`
	Categories []string `json:"categories,omitempty"`
	Rule       string   `json:"rule,omitempty"`
	Action     string   `json:"action,omitempty"`
	// QuarantineID and Link point at the message on the review page.
	QuarantineID string `json:"quarantine_id,omitempty"`
	Link         string `json:"link,omitempty"`
	// Reviewer confirmed the violation (KindConfirmed).
	Reviewer string `json:"reviewer,omitempty"`
	// ViolationsToday and ViolationsMonth are the sender's confirmed
	// violations when the item was queued (KindConfirmed).
	ViolationsToday int `json:"violations_today,omitempty"`
	ViolationsMonth int `json:"violations_month,omitempty"`
	// Note is one line of mailward's own words ("over 200 messages per hour",
	// "no line manager in the directory").
	Note string `json:"note,omitempty"`
	// Attempts counts failed sends of the digest holding the item.
	Attempts int `json:"attempts,omitempty"`
}

// SendFunc delivers a complete message through a next hop, as nexthop.Send.
type SendFunc func(ctx context.Context, hop string, from string, to []string, msg []byte) error

// Notifier queues alerts and sends digests.
type Notifier struct {
	tr tracker.Tracker
	// fallback queues alerts while tr (Redis) is down, so that IT still
	// hears of holds, batched by this instance alone.
	fallback *tracker.Memory
	dir      directory.Source
	cfg      config.Alerts
	loc      *time.Location

	from       string
	it, dpo    []string
	domains    []string
	inbound    string
	outbound   string
	reviewBase string

	// Send delivers digests; nexthop.Send by default. Tests may replace it.
	Send SendFunc
	// HTTP posts to the webhook.
	HTTP *http.Client
	// Log receives one line per digest and every failure.
	Log *slog.Logger
	// Now is the clock for ConfirmedViolation and Run.
	Now func() time.Time
}

// queueTTL is how long a queued item or a dedupe mark lives: longer than
// any digest period, short enough to forget.
const queueTTL = 7 * 24 * time.Hour

// maxAttempts is how often a digest is tried before its items are dropped
// (logged): a next hop that refuses for days must not fill Redis.
const maxAttempts = 5

// webhookQueue is the queue name of the webhook's batch.
const webhookQueue = "webhook"

// hopSender sends through a next hop as the relay does: our hostname in
// EHLO and the configured next-hop timeout.
func hopSender(cfg *config.Config) SendFunc {
	o := nexthop.Options{HeloName: cfg.Hostname, Timeout: cfg.Limits.NextHopTimeout.D()}
	return func(ctx context.Context, hop, from string, to []string, msg []byte) error {
		h, err := nexthop.New(hop, o)
		if err != nil {
			return err
		}
		return nexthop.SendVia(ctx, h, from, to, msg)
	}
}

// New makes a notifier from the config. dir may be nil (no directory: line
// manager alerts go to IT instead).
func New(cfg *config.Config, tr tracker.Tracker, dir directory.Source) *Notifier {
	n := &Notifier{tr: tr, fallback: tracker.NewMemory(cfg.Tracker.Location()), dir: dir, cfg: cfg.Alerts, loc: cfg.Tracker.Location(),
		from: cfg.Alerts.From, it: cfg.Alerts.IT, dpo: cfg.Alerts.DPO,
		inbound: cfg.NextHop.Inbound, outbound: cfg.NextHop.Outbound,
		Send: hopSender(cfg), HTTP: &http.Client{Timeout: cfg.Alerts.Webhook.Timeout.D()},
		Log: slog.Default(), Now: time.Now}
	for _, d := range cfg.Domains {
		if a, err := config.NormalizeDomain(strings.TrimPrefix(d, "*.")); err == nil {
			if strings.HasPrefix(d, "*.") {
				a = "*." + a
			}
			n.domains = append(n.domains, a)
		}
	}
	if n.from == "" {
		d := "localhost"
		if len(n.domains) > 0 {
			d = strings.TrimPrefix(n.domains[0], "*.")
		}
		n.from = "mailward@" + d
	}
	if len(n.it) == 0 {
		n.it = cfg.ReportAddresses
	}
	base := strings.TrimRight(cfg.Review.BaseURL, "/")
	if base == "" {
		base = "http://" + cfg.Review.Listen
	}
	n.reviewBase = base
	return n
}

// Link is the review page address of a held message.
func (n *Notifier) Link(quarantineID string) string {
	if quarantineID == "" {
		return ""
	}
	return n.reviewBase + "/messages/" + quarantineID
}

// internal reports whether addr's domain is one of the trust's domains.
func (n *Notifier) internal(addr string) bool {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return false
	}
	d, err := config.NormalizeDomain(addr[at+1:])
	if err != nil {
		return false
	}
	for _, x := range n.domains {
		if x == d {
			return true
		}
		if w, ok := strings.CutPrefix(x, "*."); ok && strings.HasSuffix(d, "."+w) {
			return true
		}
	}
	return false
}

// hop is the next hop for a recipient: internal mail goes to the trust's
// own server (next_hop.inbound), other mail out (next_hop.outbound).
func (n *Notifier) hop(addr string) string {
	if n.internal(addr) {
		return n.inbound
	}
	return n.outbound
}

// resolve turns targets into addresses for a sender: line_manager from the
// directory (IT instead, with a note, when there is none), it, dpo, or the
// address itself. urgent is set when IT or the DPO are among them.
func (n *Notifier) resolve(targets []string, sender string) (addrs []string, note string, urgent bool) {
	add := func(as ...string) {
		for _, a := range as {
			a = directory.Normalize(a)
			if a != "" && !slices.Contains(addrs, a) {
				addrs = append(addrs, a)
			}
		}
	}
	for _, t := range targets {
		switch t {
		case config.TargetLineManager:
			var mgr string
			if n.dir != nil {
				if p, ok := n.dir.Lookup(sender); ok {
					mgr = p.Manager
				}
			}
			if mgr == "" {
				note = "no line manager in the directory for the sender: told IT instead"
				add(n.it...)
				urgent = true
				continue
			}
			add(mgr)
		case config.TargetIT:
			add(n.it...)
			urgent = true
		case config.TargetDPO:
			add(n.dpo...)
			urgent = true
		default:
			add(t)
		}
	}
	return addrs, note, urgent
}

// Notify queues it for targets (line_manager, it, dpo or addresses) and the
// webhook. dedupe names the event: the same event queued again for the same
// recipient within a week is dropped. Errors are the tracker's; the caller
// logs them and carries on (an alert is never worth a lost message).
func (n *Notifier) Notify(ctx context.Context, targets []string, it Item, dedupe string, now time.Time) error {
	addrs, note, urgent := n.resolve(targets, it.Sender)
	if note != "" {
		if it.Note != "" {
			it.Note += "; "
		}
		it.Note += note
	}
	if it.Link == "" {
		it.Link = n.Link(it.QuarantineID)
	}
	data, err := json.Marshal(it)
	if err != nil {
		return fmt.Errorf("alert: %w", err)
	}
	period := n.cfg.DigestPeriod.D()
	if urgent {
		period = n.cfg.UrgentPeriod.D()
	}
	var first error
	queue := func(q string, p time.Duration) {
		_, err := n.tr.Enqueue(ctx, q, dedupe, data, now.Add(p), queueTTL, now)
		if err == nil {
			return
		}
		if first == nil {
			first = fmt.Errorf("alert queue (kept in this instance): %w", err)
		}
		n.fallback.Enqueue(ctx, q, dedupe, data, now.Add(p), queueTTL, now)
	}
	for _, a := range addrs {
		queue("mail:"+a, period)
	}
	if n.cfg.Webhook.URL != "" {
		queue(webhookQueue, n.cfg.UrgentPeriod.D())
	}
	if len(addrs) == 0 && n.cfg.Webhook.URL == "" && len(targets) > 0 {
		n.Log.Warn("alert has nobody to go to: set alerts.it, alerts.dpo or report_addresses", "kind", it.Kind, "targets", targets)
	}
	return first
}
