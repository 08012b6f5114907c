package milter

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	gomilter "github.com/d--j/go-milter"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/mailauth"
	"github.com/mailward/mailward/metrics"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/rules"
	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/smtp"
)

// progressEvery is how often the MTA hears that a long scan goes on, well
// inside Postfix's milter_content_timeout (300 s by default).
const progressEvery = 30 * time.Second

// panics counts transactions whose processing panicked (the tests fail
// when any did).
var panics atomic.Int64

// outcome is what became of one message, for its log line.
type outcome struct {
	env     scanner.Envelope
	verdict pipeline.Verdict
	action  rules.Action
	rule    string
	qid     string // mailward's quarantine ID, when stored
	reply   string // what the MTA was told: accept, discard, hold or the SMTP code
	refusal *gosmtp.SMTPError
	queueID string // the MTA's queue ID
}

// EndOfMessage scans the message, lets the rules decide and answers the
// MTA. The final answer comes within limits.reply_deadline.
func (ss *session) EndOfMessage(m gomilter.Modifier) (resp *gomilter.Response, err error) {
	t := ss.txn
	if t == nil {
		return reply("data", smtp.ReplyTemporary), nil
	}
	ss.txn = nil // the work below and the log after it own t now
	o := &outcome{queueID: m.Get(gomilter.MacroQueueId)}
	srv := ss.srv
	defer func() {
		if p := recover(); p != nil {
			panics.Add(1)
			srv.log.Error("panic in milter transaction", "queue_id", o.queueID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			resp = ss.afterPanic(t, o)
		}
		go func() {
			// Tracker and alerts after the answer, for every message
			// scanned, as the relay does.
			if o.verdict.Message != nil {
				t.gen.pipe.Record(context.Background(), o.verdict, o.qid, t.start)
			}
			ss.logLine(t, o)
			t.mem.Release()
			t.gen.pipe.Done()
		}()
	}()
	raw := smtp.NormalizeNewlines(t.raw.Bytes())
	o.env = ss.envelope(t)
	cfg := t.gen.cfg
	if smtp.CountReceived(raw) > cfg.Limits.MaxReceivedHeaders {
		o.action, o.rule = rules.Reject, "mail-loop"
		return o.refuse(smtp.ReplyLoop), nil
	}
	if t.start.IsZero() {
		t.start = srv.now()
	}
	ctx, cancel := context.WithTimeout(context.Background(), srv.start.Limits.ReplyDeadline.D())
	defer cancel()
	if err := t.gen.pipe.Admit(ctx, o.env, t.start); errors.Is(err, pipeline.ErrRateLimited) {
		o.action, o.rule = rules.Tempfail, "rate-limit"
		return o.refuse(smtp.ReplyRateLimited), nil
	}
	o.verdict = scanWithProgress(ctx, m, t.gen.pipe, raw, o.env)
	d := o.verdict.Decision
	o.action, o.rule = d.Action, d.Rule
	findings := o.verdict.Result.Findings
	switch o.action {
	case rules.Deliver, rules.Tag:
		if err := ss.addHeaders(m, t, o); err != nil {
			return o.failed(srv, "milter modify", err), nil
		}
		o.reply = "accept"
		return gomilter.RespAccept, nil
	case rules.Redirect:
		if err := ss.redirect(m, t, o, d.RedirectTo); err != nil {
			return o.failed(srv, "milter redirect", err), nil
		}
		o.reply = "accept"
		return gomilter.RespAccept, nil
	case rules.Quarantine:
		return ss.hold(ctx, m, t, o, raw, findings), nil
	}
	return o.refuse(smtp.DecisionReply(o.action, o.rule, findings)), nil
}

// scanWithProgress runs the pipeline, telling the MTA every progressEvery
// that the scan goes on so that it does not give up on mailward.
func scanWithProgress(ctx context.Context, m gomilter.Modifier, p *pipeline.Pipeline, raw []byte, env scanner.Envelope) pipeline.Verdict {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				m.Progress() // an old MTA without progress just waits
			}
		}
	}()
	v := p.Scan(ctx, raw, env)
	close(done)
	<-stopped // no progress packet may follow the answer
	return v
}

// refuse answers with one of the relay's refusals.
func (o *outcome) refuse(r *gosmtp.SMTPError) *gomilter.Response {
	o.reply, o.refusal = fmt.Sprint(r.Code), r
	return reply("data", r)
}

// failed is a 451 for a message mailward could not finish: the MTA's
// client retries, nothing is accepted and lost.
func (o *outcome) failed(srv *Server, what string, err error) *gomilter.Response {
	srv.log.Error(what, "queue_id", o.queueID, "err", err)
	metrics.Error("milter")
	return o.refuse(smtp.ReplyTemporary)
}

// addHeaders asks the MTA for the relay's changes: incoming X-Mailward-*
// fields renamed to X-Mailward-Untrusted-*, and Authentication-Results
// claiming mailward's authserv-id to X-Mailward-Untrusted-Authentication-
// Results (both re-added at the end of the header: a milter cannot rename
// in place); on inbound mail mailward's Authentication-Results; the
// verdict fields (none on outbound mail); a tag rule's subject prefix on
// inbound mail.
func (ss *session) addHeaders(m gomilter.Modifier, t *txn, o *outcome) error {
	// Delete from the last of each name down, so that no deletion moves the
	// index of a field still to be deleted.
	for _, fs := range [][]field{t.ours, t.forged} {
		for i := len(fs) - 1; i >= 0; i-- {
			if err := m.ChangeHeader(fs[i].index, fs[i].name, ""); err != nil {
				return fmt.Errorf("delete %s: %w", fs[i].name, err)
			}
		}
	}
	for _, f := range t.ours {
		if err := m.AddHeader(smtp.UntrustedName(f.name), f.value); err != nil {
			return fmt.Errorf("rename %s: %w", f.name, err)
		}
	}
	for _, f := range t.forged {
		if err := m.AddHeader(mailauth.UntrustedFieldName, f.value); err != nil {
			return fmt.Errorf("rename %s: %w", f.name, err)
		}
	}
	d := o.verdict.Decision
	var add []smtp.Header
	if ar := pipeline.AuthResults(o.verdict); ar != "" && t.dir == scanner.Inbound {
		add = append(add, smtp.Header{Name: mailauth.FieldName, Value: ar})
	}
	add = append(add, smtp.VerdictHeaders(t.dir, o.action, d, o.verdict.Result.Findings)...)
	// Below the MTA's own Received: field, which Postfix counts as the
	// first (it does not show it to milters), where the relay puts them
	// below its own.
	for i, h := range add {
		if err := m.InsertHeader(i+1, h.Name, " "+h.Value); err != nil {
			return fmt.Errorf("insert %s: %w", h.Name, err)
		}
	}
	if prefix := smtp.SubjectPrefix(t.dir, o.action, d); prefix != "" {
		if t.subjects == 0 {
			return m.AddHeader("Subject", " "+strings.TrimSpace(prefix))
		}
		rest := strings.TrimLeft(t.subject, " \t")
		lead := t.subject[:len(t.subject)-len(rest)]
		return m.ChangeHeader(1, "Subject", lead+prefix+rest)
	}
	return nil
}

// redirect replaces the recipients by the rule's review mailbox, with the
// relay's header changes.
func (ss *session) redirect(m gomilter.Modifier, t *txn, o *outcome, to string) error {
	if to == "" {
		return errors.New("redirect rule without a mailbox")
	}
	if err := m.AddRecipient(to, ""); err != nil {
		return fmt.Errorf("add %s: %w", to, err)
	}
	for _, r := range t.rcpts {
		if r == to {
			continue
		}
		if err := m.DeleteRecipient(r); err != nil {
			return fmt.Errorf("delete recipient: %w", err)
		}
	}
	return ss.addHeaders(m, t, o)
}

// hold quarantines the message. In store mode it is fsynced in mailward's
// quarantine before the MTA is told to discard it; a storage failure is a
// 451. In hold mode the MTA keeps it in its own hold queue.
func (ss *session) hold(ctx context.Context, m gomilter.Modifier, t *txn, o *outcome, raw []byte, findings []scanner.Finding) *gomilter.Response {
	srv := ss.srv
	if t.gen.cfg.Milter.Quarantine == config.MilterHold {
		reason := "mailward: " + strings.Join(pipeline.Categories(findings), ", ") + " (rule " + o.rule + ")"
		if err := m.Quarantine(reason); err != nil {
			return o.failed(srv, "milter hold", err)
		}
		o.reply = "hold"
		return gomilter.RespAccept
	}
	subject := ""
	if msg := o.verdict.Message; msg != nil {
		subject = msg.Subject
	}
	qid, err := srv.store.Put(ctx, raw, smtp.HoldRecord(o.env, t.start, findings, o.rule, subject))
	if err != nil {
		srv.log.Error("quarantine failed", "queue_id", o.queueID, "err", err)
		metrics.Error("quarantine")
		return o.refuse(smtp.ReplyTemporary)
	}
	o.qid = qid
	o.reply = "discard"
	return gomilter.RespDiscard
}

// afterPanic holds a message whose processing panicked as unscannable
// (a retry would panic again), or answers 451 when even that fails.
func (ss *session) afterPanic(t *txn, o *outcome) *gomilter.Response {
	if o.reply == "accept" || o.reply == "discard" || o.reply == "hold" {
		return gomilter.RespTempFail // the answer was not given: defer
	}
	o.action, o.rule = rules.Quarantine, "unscannable"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f := []scanner.Finding{scanner.UnscannableFinding("mailward", "internal error while processing this message")}
	qid, err := ss.srv.store.Put(ctx, smtp.NormalizeNewlines(t.raw.Bytes()), smtp.HoldRecord(o.env, t.start, f, o.rule, ""))
	if err != nil {
		return o.refuse(smtp.ReplyTemporary)
	}
	o.qid, o.reply = qid, "discard"
	return gomilter.RespDiscard
}

// envelope is the transaction as the scanners and rules see it.
func (ss *session) envelope(t *txn) scanner.Envelope {
	return scanner.Envelope{Client: ss.client, Trusted: t.trusted, Helo: ss.helo, TLS: t.tls,
		From: t.from, To: append([]string(nil), t.rcpts...), Direction: t.dir, AuthUser: t.authUser}
}

// logLine is the one summary line per message, as the relay's: envelope,
// verdict, time; nothing from the body, subject or file names.
func (ss *session) logLine(t *txn, o *outcome) {
	env := o.env
	cats := pipeline.Categories(o.verdict.Result.Findings)
	took := ss.srv.now().Sub(t.start)
	attrs := []any{"queue_id", o.queueID, "via", "milter", "client", env.Client, "direction", env.Direction,
		"from", env.From, "rcpts", len(env.To), "size", t.size, "action", o.action, "rule", o.rule,
		"categories", cats, "ms", took.Milliseconds(), "reply", o.reply}
	if o.qid != "" {
		attrs = append(attrs, "quarantine_id", o.qid)
	}
	if o.verdict.Decision.Monitor {
		attrs = append(attrs, "monitor_would_be", o.verdict.Decision.WouldBe)
	}
	ss.srv.log.Info("message", attrs...)
	metrics.Message(string(env.Direction), string(o.action), cats, took)
	metrics.Rule(o.rule)
	ss.srv.tracking.Add(ss.trackingRecord(t, o)) // never blocks (msglog.Writer)
	if o.reply == "accept" || o.reply == "discard" || o.reply == "hold" {
		smtp.CountReply("data", nil)
	}
}
