package alert

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/mailward/mailward/metrics"
	"github.com/mailward/mailward/tracker"
)

// Run flushes due digests every interval until ctx ends. `mailward serve`
// runs it; `mailward scan` never does (it must not send mail).
func (n *Notifier) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = 15 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := n.Flush(ctx, n.Now()); err != nil {
				n.Log.Warn("alert flush", "err", err)
			}
		}
	}
}

// Flush sends every digest that is due at now and returns how many went
// out. Each due queue is claimed atomically, so of several instances only
// one sends it. A digest that cannot be sent is queued again, up to
// maxAttempts, then dropped with an error in the log. Alerts queued in this
// instance while the tracker was down go out too.
func (n *Notifier) Flush(ctx context.Context, now time.Time) (int, error) {
	sent, err := n.flush(ctx, n.tr, now)
	if n.fallback != nil {
		s2, err2 := n.flush(ctx, n.fallback, now)
		sent, err = sent+s2, errors.Join(err, err2)
	}
	return sent, err
}

func (n *Notifier) flush(ctx context.Context, tr tracker.Tracker, now time.Time) (int, error) {
	queues, err := tr.Due(ctx, now)
	if err != nil {
		metrics.Error("tracker")
		return 0, fmt.Errorf("alert flush: %w", err)
	}
	sent := 0
	var errs []error
	for _, q := range queues {
		raw, err := tr.Claim(ctx, q, now)
		if err != nil {
			metrics.Error("tracker")
			errs = append(errs, err)
			continue
		}
		items := make([]Item, 0, len(raw))
		for _, r := range raw {
			var it Item
			if err := json.Unmarshal(r, &it); err == nil {
				items = append(items, it)
			}
		}
		if len(items) == 0 {
			continue
		}
		sort.SliceStable(items, func(i, j int) bool { return items[i].Time.Before(items[j].Time) })
		if err := n.send(ctx, q, items, now); err != nil {
			metrics.Error("alert")
			n.Log.Error("alert digest not sent", "queue", q, "items", len(items), "err", err)
			errs = append(errs, err)
			n.retry(ctx, tr, q, items, now)
			continue
		}
		sent++
	}
	return sent, errors.Join(errs...)
}

func (n *Notifier) retry(ctx context.Context, tr tracker.Tracker, q string, items []Item, now time.Time) {
	for _, it := range items {
		it.Attempts++
		if it.Attempts >= maxAttempts {
			n.Log.Error("alert dropped after repeated failures", "queue", q, "kind", it.Kind, "from", it.Sender, "id", it.QuarantineID)
			continue
		}
		data, _ := json.Marshal(it)
		backoff := n.cfg.UrgentPeriod.D() * time.Duration(1<<it.Attempts)
		if _, err := tr.Enqueue(ctx, q, "", data, now.Add(backoff), queueTTL, now); err != nil {
			if n.fallback == nil {
				n.Log.Error("alert lost: tracker unavailable", "queue", q, "kind", it.Kind, "from", it.Sender, "id", it.QuarantineID, "err", err)
				continue
			}
			n.fallback.Enqueue(ctx, q, "", data, now.Add(backoff), queueTTL, now)
		}
	}
}

func (n *Notifier) send(ctx context.Context, q string, items []Item, now time.Time) error {
	if q == webhookQueue {
		return n.post(ctx, items)
	}
	to, ok := strings.CutPrefix(q, "mail:")
	if !ok {
		return fmt.Errorf("unknown alert queue %q", q)
	}
	msg := n.Compose(to, items, now)
	hop := n.hop(to)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := n.Send(ctx, hop, n.from, []string{to}, msg); err != nil {
		return fmt.Errorf("alert to %s via %s: %w", to, hop, err)
	}
	n.Log.Info("alert digest sent", "to", to, "items", len(items), "hop", hop)
	return nil
}

// kindTitle is how each kind reads in a digest.
var kindTitle = map[string]string{
	KindHold:      "Message held",
	KindRule:      "Policy rule matched",
	KindRateLimit: "Sending rate exceeded",
	KindConfirmed: "Confirmed policy violation",
	// Deliberately plain: the subject line must not alarm or describe.
	KindSuspectedIllegal: "Message marked for urgent attention",
}

// kindCount names each kind in the subject, singular and plural.
var kindCount = map[string][2]string{
	KindSuspectedIllegal: {"message for urgent attention", "messages for urgent attention"},
	KindConfirmed:        {"confirmed policy violation", "confirmed policy violations"},
	KindHold:             {"held message", "held messages"},
	KindRule:             {"policy rule alert", "policy rule alerts"},
	KindRateLimit:        {"sending rate alert", "sending rate alerts"},
}

// Summary is the one-line account of a batch, used as the subject and the
// webhook's text: counts by kind, and the sender when there is one.
func Summary(items []Item) string {
	counts := map[string]int{}
	senders := map[string]bool{}
	for _, it := range items {
		counts[it.Kind]++
		senders[it.Sender] = true
	}
	var parts []string
	for _, k := range []string{KindSuspectedIllegal, KindConfirmed, KindHold, KindRule, KindRateLimit} {
		if c := counts[k]; c > 0 {
			w := kindCount[k]
			if c > 1 {
				w[0] = w[1]
			}
			parts = append(parts, fmt.Sprintf("%d %s", c, w[0]))
		}
	}
	s := "mailward: " + strings.Join(parts, ", ")
	if len(senders) == 1 && items[0].Sender != "" {
		s += " (" + items[0].Sender + ")"
	}
	return s
}

// Compose writes the digest mail for one recipient. It is plain text built
// only from Item fields, none of which hold content.
func (n *Notifier) Compose(to string, items []Item, now time.Time) []byte {
	var body strings.Builder
	fmt.Fprintf(&body, "mailward, the trust's email gateway, reports %d event(s).\n\n", len(items))
	for i, it := range items {
		title := kindTitle[it.Kind]
		if title == "" {
			title = it.Kind
		}
		fmt.Fprintf(&body, "%d. %s\n", i+1, title)
		line := func(k, v string) {
			if v != "" {
				fmt.Fprintf(&body, "   %-13s %s\n", k+":", v)
			}
		}
		line("Sender", it.Sender)
		if !it.Time.IsZero() {
			line("When", it.Time.In(n.loc).Format("Mon 2 Jan 2006 15:04 MST"))
		}
		if it.Recipients > 0 {
			r := fmt.Sprintf("%d", it.Recipients)
			if it.Direction != "" {
				r += " (" + it.Direction + ")"
			}
			line("Recipients", r)
		}
		line("Category", strings.Join(it.Categories, ", "))
		line("Rule", it.Rule)
		line("Action", it.Action)
		line("Confirmed by", it.Reviewer)
		if it.ViolationsToday > 0 || it.ViolationsMonth > 0 {
			line("Confirmed", fmt.Sprintf("%d today, %d this month", it.ViolationsToday, it.ViolationsMonth))
		}
		line("Note", it.Note)
		line("Review", it.Link)
		body.WriteString("\n")
	}
	body.WriteString("This alert names no message content. Staff trained in data protection\n" +
		"review held messages on the review page; please do not ask for copies by email.\n")

	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", mime.QEncoding.Encode("utf-8", "mailward")+" <"+n.from+">")
	h("To", "<"+to+">")
	h("Subject", mime.QEncoding.Encode("utf-8", Summary(items)))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", "<"+randomID()+"@"+n.from[strings.LastIndexByte(n.from, '@')+1:]+">")
	h("Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies to it
	h("X-Auto-Response-Suppress", "All")
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(body.String(), "\n", "\r\n")))
	qp.Close()
	return b.Bytes()
}

func randomID() string {
	var r [12]byte
	rand.Read(r[:])
	return hex.EncodeToString(r[:])
}

// WebhookPayload is the JSON POSTed to alerts.webhook.url: "text" is what
// Teams and Slack incoming webhooks display; "items" is for other consumers.
type WebhookPayload struct {
	Source string `json:"source"`
	Text   string `json:"text"`
	Items  []Item `json:"items"`
}

func (n *Notifier) post(ctx context.Context, items []Item) error {
	p := WebhookPayload{Source: "mailward", Text: Summary(items), Items: items}
	var lines []string
	for _, it := range items {
		l := fmt.Sprintf("%s: %s", kindTitle[it.Kind], it.Sender)
		if len(it.Categories) > 0 {
			l += " [" + strings.Join(it.Categories, ", ") + "]"
		}
		if it.Link != "" {
			l += " " + it.Link
		}
		lines = append(lines, l)
	}
	if len(lines) > 0 {
		p.Text += "\n" + strings.Join(lines, "\n")
	}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.cfg.Webhook.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("alert webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.HTTP.Do(req)
	if err != nil {
		// The URL is a secret (it carries the channel's token): keep it out
		// of errors and logs.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("alert webhook: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("alert webhook: %s", resp.Status)
	}
	n.Log.Info("alert webhook sent", "items", len(items))
	return nil
}
