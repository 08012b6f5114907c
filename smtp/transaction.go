package smtp

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailward/mailward/mailauth"
	"github.com/mailward/mailward/metrics"
	"github.com/mailward/mailward/nexthop"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/rules"
	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/scanner/pupildata"
)

// transaction is one message after its DATA arrived: scan, decide, act.
type transaction struct {
	ss    *session
	id    string
	start time.Time
	dot   time.Time // when the end of data arrived: reply_deadline counts from here
	raw   []byte    // as received, newlines normalised; what is scanned and held

	// env is the envelope as it was at the end of data: the log line is
	// written after the reply, when the session may have moved on.
	env scanner.Envelope

	verdict  pipeline.Verdict
	action   rules.Action
	rule     string
	qid      string
	answered bool // the next hop or the quarantine has the message
	// hopErr is the next hop's refusal or failure, and hopReply its 250
	// to the data, for message tracking.
	hopErr, hopReply string
}

func (t *transaction) envelope() scanner.Envelope {
	ss := t.ss
	_, tls := ss.conn.TLSConnectionState()
	return scanner.Envelope{Client: ss.client, Trusted: ss.trusted, Helo: ss.conn.Hostname(), TLS: tls,
		From: ss.from, To: append([]string(nil), ss.rcpts...), Direction: ss.dir,
		NextHopTLS: ss.txn != nil && ss.txn.TLSVerified()}
}

func (t *transaction) run() error {
	srv, g := t.ss.srv, t.ss.g
	if rep := t.tenantCheck(); rep != nil { // trusted_clients (clienttrust.go)
		return rep
	}
	t.env = t.envelope()
	if n := countReceived(t.raw); n > srv.cfg.Limits.MaxReceivedHeaders {
		t.action, t.rule = rules.Reject, "mail-loop"
		t.logLine(nil)
		return errLoop
	}
	// The final answer is due within reply_deadline of the dot.
	ctx, cancel := context.WithDeadline(context.Background(), t.dot.Add(srv.cfg.Limits.ReplyDeadline.D()))
	defer cancel()
	env := t.env
	if err := g.pipe.Admit(ctx, env, t.start); errors.Is(err, pipeline.ErrRateLimited) {
		t.action, t.rule = rules.Tempfail, "rate-limit"
		t.logLine(nil)
		return errRateLimited
	}
	t.verdict = g.pipe.Scan(ctx, t.raw, env)
	d := t.verdict.Decision
	t.action, t.rule = d.Action, d.Rule
	rep := t.act(ctx)
	// The client hears its answer first: recording in the tracker (Redis,
	// up to two operation timeouts) and the log line come after the reply
	// is written, before the connection reads its next command.
	verdict, qid := t.verdict, t.qid
	t.ss.afterReply(func() {
		g.pipe.Record(context.WithoutCancel(ctx), verdict, qid, t.start)
		t.logLine(rep)
	})
	return rep
}

func (t *transaction) act(ctx context.Context) *gosmtp.SMTPError {
	switch t.action {
	case rules.Deliver, rules.Tag:
		return t.relay(ctx)
	case rules.Redirect:
		return t.redirect(ctx)
	case rules.Quarantine:
		return t.hold(ctx, t.verdict.Result.Findings)
	}
	return DecisionReply(t.action, t.rule, t.verdict.Result.Findings)
}

// relay sends the message on and answers with the next hop's answer.
func (t *transaction) relay(ctx context.Context) *gosmtp.SMTPError {
	out := t.relayedBytes()
	txn := t.ss.txn
	t.ss.txn = nil // Data ends the downstream transaction either way
	if err := txn.Data(ctx, out); err != nil {
		t.hopErr = err.Error()
		t.ss.srv.log.Warn("next hop data failed", "queue_id", t.id, "err", err)
		metrics.Error("next_hop")
		return hopReply(err, errHopFailed)
	}
	if r, ok := txn.(nexthop.Replier); ok {
		t.hopReply = r.LastReply()
	}
	t.answered = true
	return okQueued(t.id)
}

// relayedBytes is the client's message with mailward's fields prepended:
// Received always, Authentication-Results on inbound mail, the X-Mailward
// verdict and a tag rule's headers only on inbound and internal mail
// (outsiders learn nothing of the verdict), and incoming X-Mailward-*
// fields (and Authentication-Results claiming our authserv-id) renamed so
// they cannot pass for ours. A tag
// rule's subject prefix applies to inbound mail only: it breaks DKIM.
func (t *transaction) relayedBytes() []byte {
	ss := t.ss
	d := t.verdict.Decision
	var hdr strings.Builder
	hdr.WriteString(receivedHeader(ss.conn.Hostname(), ss.client.String(), ss.srv.cfg.Hostname, t.id, t.verdict.Message.Envelope.TLS, ss.rcpts, ss.srv.now()))
	if ar := pipeline.AuthResults(t.verdict); ar != "" && ss.dir == scanner.Inbound {
		hdr.WriteString(mailauth.FieldName + ": " + ar + "\r\n")
	}
	for _, h := range VerdictHeaders(ss.dir, t.action, d, t.verdict.Result.Findings) {
		hdr.WriteString(h.Name + ": " + h.Value + "\r\n")
	}
	// An incoming Authentication-Results claiming our authserv-id is a
	// forgery (RFC 8601 section 5): renamed, whatever the direction.
	body := mailauth.RenameForged(renameOurHeaders(t.raw), ss.g.cfg.Authentication.AuthservID)
	if prefix := SubjectPrefix(ss.dir, t.action, d); prefix != "" {
		body = prefixSubject(body, prefix)
	}
	out := make([]byte, 0, hdr.Len()+len(body))
	out = append(out, hdr.String()...)
	return append(out, body...)
}

// redirect sends the message to the rule's review mailbox instead of its
// recipients: the downstream transaction is aborted and a new one runs; the
// client hears that transaction's answer.
func (t *transaction) redirect(ctx context.Context) *gosmtp.SMTPError {
	ss := t.ss
	to := t.verdict.Decision.RedirectTo
	if ss.txn != nil {
		ss.txn.Abort()
		ss.txn = nil
	}
	hop := ss.g.outbound
	if IsOurDomain(ss.g.cfg.Domains, to) {
		hop = ss.g.inbound
	}
	if err := nexthop.SendVia(ctx, hop, ss.from, []string{to}, t.relayedBytes()); err != nil {
		t.hopErr = err.Error()
		ss.srv.log.Warn("redirect failed", "queue_id", t.id, "err", err)
		metrics.Error("next_hop")
		return hopReply(err, errHopFailed)
	}
	t.answered = true
	return okQueued(t.id)
}

// hold stores the message in the quarantine and answers 250 only once it
// is fsynced there; a storage failure is a 451 so the sender retries.
func (t *transaction) hold(ctx context.Context, findings []scanner.Finding) *gosmtp.SMTPError {
	env := t.envelope()
	subject := ""
	if m := t.verdict.Message; m != nil {
		subject = m.Subject
	}
	rec := HoldRecord(env, t.start, findings, t.rule, subject)
	qid, err := t.ss.srv.store.Put(ctx, t.raw, rec)
	if err != nil {
		t.ss.srv.log.Error("quarantine failed", "queue_id", t.id, "err", err)
		metrics.Error("quarantine")
		return errTemporary
	}
	t.qid = qid
	t.answered = true
	return okQueued(t.id)
}

// afterPanic answers for a transaction whose processing panicked. A panic
// would recur on every retry, so the message is held as unscannable rather
// than deferred for days; if even that fails, 451.
func (t *transaction) afterPanic() error {
	if t.answered {
		return okQueued(t.id)
	}
	if t.raw == nil {
		return errTemporary
	}
	t.action, t.rule = rules.Quarantine, "unscannable"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep := t.hold(ctx, []scanner.Finding{scanner.UnscannableFinding("mailward", "internal error while processing this message")})
	t.logLine(rep)
	return rep
}

// readFailed answers a DATA that did not arrive whole. Nothing goes on.
func (t *transaction) readFailed(err error) error {
	var rep *gosmtp.SMTPError
	var ne net.Error
	switch {
	case errors.Is(err, gosmtp.ErrDataTooLarge):
		rep = errTooLarge
	case errors.Is(err, gosmtp.ErrTooLongLine):
		rep = errLineTooLong
	case errors.Is(err, errOverBudget):
		rep = errBusy
	case errors.As(err, &ne) && ne.Timeout():
		rep = errDataTimeout
	default:
		rep = errTemporary // client vanished: nobody hears this
	}
	t.action, t.rule = rules.Tempfail, "data-incomplete"
	t.ss.srv.log.Info("message", "queue_id", t.id, "client", t.ss.client, "from", t.ss.from, "rcpts", len(t.ss.rcpts),
		"action", "none", "reply", rep.Code, "err", err)
	return rep
}

// logLine is the one summary line per message: envelope, verdict, time.
// Nothing from the body, subject or file names.
func (t *transaction) logLine(rep *gosmtp.SMTPError) {
	ss := t.ss
	if len(t.env.To) == 0 { // a panic before run took the snapshot
		t.env = t.envelope()
	}
	env := t.env
	attrs := []any{"queue_id", t.id, "client", env.Client, "direction", env.Direction, "from", env.From,
		"rcpts", len(env.To), "size", len(t.raw), "action", t.action, "rule", t.rule,
		"categories", pipeline.Categories(t.verdict.Result.Findings),
		"ms", ss.srv.now().Sub(t.start).Milliseconds()}
	if t.qid != "" {
		attrs = append(attrs, "quarantine_id", t.qid)
	}
	if m := t.verdict.Message; m != nil {
		// "Sent encrypted" (issue 4): how, and which items, never their names.
		if ok, how := pupildata.SentEncrypted(m); ok {
			attrs = append(attrs, "sent_encrypted", how)
		} else if items := pupildata.EncryptedItems(m); len(items) > 0 {
			attrs = append(attrs, "sent_encrypted", strings.Join(items, ", "))
		}
	}
	if t.verdict.Decision.Monitor {
		attrs = append(attrs, "monitor_would_be", t.verdict.Decision.WouldBe)
	}
	if rep != nil {
		attrs = append(attrs, "reply", rep.Code)
	}
	ss.srv.log.Info("message", attrs...)
	ss.srv.tracking.Add(t.trackingRecord(rep)) // never blocks (msglog.Writer)
	metrics.Rule(t.rule)
	metrics.Message(string(env.Direction), string(t.action), pipeline.Categories(t.verdict.Result.Findings), ss.srv.now().Sub(t.start))
}
