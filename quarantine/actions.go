package quarantine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/mailward/mailward/metrics"
)

// Errors of the actions.
var (
	// ErrIllegal refuses any release or display of a message marked
	// suspected illegal.
	ErrIllegal = errors.New("quarantine: message is marked suspected illegal")
	// ErrLegalHold refuses deletion while a legal hold is in force.
	ErrLegalHold = errors.New("quarantine: message is under legal hold")
	// ErrFinal refuses an action on a message already deleted or expired.
	ErrFinal = errors.New("quarantine: message was deleted or has expired")
	// ErrNotRecipient is a release asked for an address that is not one of
	// the message's recipients.
	ErrNotRecipient = errors.New("quarantine: not a recipient of this message")
)

// SendFunc hands one complete message to a next hop; nexthop.Send has this
// shape. It returns nil only when the next hop accepted the message.
type SendFunc func(ctx context.Context, hop, from string, to []string, msg []byte) error

// Defaults of ReleaseOptions.
const (
	// DefaultClaimTimeout is how long a release's claim on a recipient
	// lasts without renewal. A live release renews its claims every third
	// of it, so the length only decides how soon the recipients of a
	// release that died come free again.
	DefaultClaimTimeout = 2 * time.Minute
	// DefaultSendTimeout bounds the hand-over of one copy to the next hop
	// (DESIGN.md: a reply within 300 s).
	DefaultSendTimeout = 5 * time.Minute
	// DefaultReleaseParallel copies are handed over at once.
	DefaultReleaseParallel = 4
)

// ReleaseOptions says who releases what, and how it travels.
type ReleaseOptions struct {
	// Who is recorded in the audit trail and in X-Mailward-Released-By.
	Who string
	// Recipients to release; empty means every recipient still held.
	Recipients []string
	// Hop is the next hop for the message's direction.
	Hop string
	// Send delivers; required.
	Send SendFunc
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// ClaimTimeout is how long a claim on a recipient lasts unless renewed;
	// default DefaultClaimTimeout. While a release sends, a heartbeat
	// renews its claims every ClaimTimeout/3, and each recorded copy renews
	// them too, so a live release keeps them however slow the next hop is.
	// If renewing fails until less than a sixth of the claim is left, the
	// release stops: copies in flight are abandoned and none is started, so
	// that a release whose claim lapsed never sends beside its successor.
	ClaimTimeout time.Duration
	// SendTimeout bounds one copy's hand-over; default DefaultSendTimeout.
	SendTimeout time.Duration
	// Parallel is how many copies are handed over at once; default
	// DefaultReleaseParallel.
	Parallel int
}

// RcptResult is the outcome of releasing to one recipient.
type RcptResult struct {
	Addr string `json:"addr"`
	// Outcome is "released", "already" (released or being released
	// by someone else: the idempotent no-op) or "failed".
	Outcome string `json:"outcome"`
	Error   string `json:"error,omitempty"`
}

// ReleasedByHeader returns the header prepended to a released message. who
// is reduced to printable ASCII without CR or LF so that no login name or
// SSO header value can inject a header.
func ReleasedByHeader(who string, at time.Time) []byte {
	clean := strings.Map(func(r rune) rune {
		if r < 0x20 || r >= 0x7f || r == ';' {
			return '_'
		}
		return r
	}, who)
	if len(clean) > 100 {
		clean = clean[:100]
	}
	return []byte("X-Mailward-Released-By: " + clean + "; " + at.UTC().Format(time.RFC1123Z) + "\r\n")
}

// claimLapsed reports whether x is another release's claim that may be
// taken over at t: its holder stopped renewing it (it died).
func claimLapsed(x *Rcpt, t time.Time, timeout time.Duration) bool {
	if x.Status != RcptReleasing {
		return false
	}
	if !x.Until.IsZero() {
		return t.After(x.Until)
	}
	return t.Sub(x.At) > timeout
}

// Release re-injects the held bytes to each chosen recipient through
// opts.Hop with the original envelope sender. The copy is the held message
// with every incoming X-Mailward-* header renamed X-Mailward-Untrusted-*
// (as the relay does, so that a forged verdict never passes as ours) and
// one X-Mailward-Released-By header prepended.
//
// Release is idempotent across reviewers and gateway instances: each
// recipient is first claimed by compare-and-set (held -> releasing, with a
// lease), sent to only while the claim is ours, and marked released (or
// back to held with the next hop's answer) as soon as its copy is handed
// over. While copies are being sent, a heartbeat renews the lease, so no
// other release takes a recipient over while this one is alive, however
// slow the next hop; if this release dies, the lease lapses after
// opts.ClaimTimeout and a later release sends what was not sent. Each
// recipient travels in its own transaction so that one refusal never
// blurs another's outcome. A crash between a next hop's acceptance and the
// record of it can still mean one more copy for that one recipient.
func Release(ctx context.Context, b Backend, id string, opts ReleaseOptions) ([]RcptResult, *Record, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	if opts.ClaimTimeout <= 0 {
		opts.ClaimTimeout = DefaultClaimTimeout
	}
	if opts.SendTimeout <= 0 {
		opts.SendTimeout = DefaultSendTimeout
	}
	if opts.Parallel <= 0 {
		opts.Parallel = DefaultReleaseParallel
	}
	if opts.Send == nil {
		return nil, nil, fmt.Errorf("quarantine release %s: no sender", id)
	}
	ttl := opts.ClaimTimeout
	token := claimToken()
	var claimed []string
	var results []RcptResult
	var claimedAt time.Time
	rec, err := b.Update(ctx, id, func(r *Record) error {
		claimed, results = nil, nil
		if r.SuspectedIllegal != nil {
			return ErrIllegal
		}
		if r.Status == Deleted || r.Status == Expired || r.RawRemoved {
			return ErrFinal
		}
		want := opts.Recipients
		if len(want) == 0 {
			want = nil
			for _, x := range r.Rcpts {
				want = append(want, x.Addr)
			}
		}
		t := now().UTC()
		claimedAt = t
		seen := map[string]bool{}
		for _, a := range want {
			if seen[a] {
				continue
			}
			seen[a] = true
			x := r.Rcpt(a)
			if x == nil {
				return fmt.Errorf("%w: %s", ErrNotRecipient, a)
			}
			if x.Status == RcptHeld || claimLapsed(x, t, ttl) {
				*x = Rcpt{Addr: x.Addr, Status: RcptReleasing, By: opts.Who, At: t, Claim: token, Until: t.Add(ttl)}
				claimed = append(claimed, a)
			} else {
				results = append(results, RcptResult{Addr: a, Outcome: "already"})
			}
		}
		if len(claimed) == 0 {
			return errNothingToDo
		}
		return nil
	})
	if errors.Is(err, errNothingToDo) {
		r, gerr := b.Get(ctx, id)
		return results, r, gerr
	}
	if err != nil {
		return nil, nil, fmt.Errorf("quarantine release %s: %w", id, err)
	}
	raw, err := b.Raw(ctx, id)
	if err != nil {
		// Give the claims back so a later try can release.
		b.Update(context.WithoutCancel(ctx), id, func(r *Record) error {
			for _, a := range claimed {
				if x := r.Rcpt(a); x != nil && x.Claim == token {
					*x = Rcpt{Addr: a, Status: RcptHeld, By: opts.Who, At: now().UTC(), Error: "message bytes unreadable"}
				}
			}
			return nil
		})
		return nil, nil, fmt.Errorf("quarantine release %s: %w", id, err)
	}
	msg := append(ReleasedByHeader(opts.Who, now()), RenameUntrusted(raw)...)

	rl := newReleaser(ctx, b, id, token, opts, now, claimed, claimedAt.Add(ttl))
	rl.sendAll(rec.From, msg)
	rl.stop()

	released := 0 // recipients whose copy went out, for the metric
	rec, err = b.Update(context.WithoutCancel(ctx), id, func(r *Record) error {
		t := now().UTC()
		var ok, failed []string
		for _, a := range claimed {
			o := rl.outcome(a)
			x := r.Rcpt(a)
			ours := x != nil && x.Claim == token && x.Status == RcptReleasing
			switch {
			case !o.sent && o.lost: // another release holds it: not ours to record
			case o.sent && o.err == nil:
				if ours {
					*x = Rcpt{Addr: a, Status: RcptReleased, By: opts.Who, At: t}
				}
				ok = append(ok, a)
			case o.sent:
				if ours {
					*x = Rcpt{Addr: a, Status: RcptHeld, By: opts.Who, At: t, Error: oneLine(o.err.Error())}
				}
				failed = append(failed, a)
			default: // never handed over: the release stopped
				if o.err == nil {
					o.err = errStopped
				}
				if ours {
					*x = Rcpt{Addr: a, Status: RcptHeld, By: opts.Who, At: t, Error: oneLine(o.err.Error())}
				}
				failed = append(failed, a)
			}
		}
		if len(ok) > 0 {
			r.Audit = append(r.Audit, AuditEntry{Time: t, Who: opts.Who, What: "released", Detail: strings.Join(ok, ", ")})
		}
		released = len(ok)
		if len(failed) > 0 {
			r.Audit = append(r.Audit, AuditEntry{Time: t, Who: opts.Who, What: "release-failed", Detail: strings.Join(failed, ", ")})
		}
		if r.Status == Held && allReleased(r) {
			r.Status = Released
		}
		return nil
	})
	metrics.QuarantineAction("release", released)
	for _, a := range claimed {
		o := rl.outcome(a)
		var rr RcptResult
		switch {
		case o.sent && o.err == nil:
			rr = RcptResult{Addr: a, Outcome: "released"}
		case !o.sent && o.lost:
			rr = RcptResult{Addr: a, Outcome: "already"}
		default:
			if o.err == nil {
				o.err = errStopped
			}
			rr = RcptResult{Addr: a, Outcome: "failed", Error: oneLine(o.err.Error())}
		}
		results = append(results, rr)
	}
	if err != nil {
		return results, nil, fmt.Errorf("quarantine release %s: after sending: %w", id, err)
	}
	return results, rec, nil
}

// errStopped is why a release stops when it cannot renew its claims.
var errStopped = errors.New("its claim could not be renewed")

// sendOutcome is what happened to one claimed recipient.
type sendOutcome struct {
	sent     bool  // handed to the next hop (err says how that went)
	err      error // the next hop's refusal, or errStopped
	lost     bool  // another release held the claim before we had sent
	recorded bool  // the outcome is in the record already
}

// releaser sends the copies of one release and keeps its claims alive.
type releaser struct {
	b     Backend
	id    string
	token string
	opts  ReleaseOptions
	ttl   time.Duration
	now   func() time.Time

	// lease is cancelled when the claims can no longer be trusted to be
	// ours: sends in flight are abandoned and none is started.
	lease  context.Context
	lose   context.CancelCauseFunc
	done   chan struct{}
	hbDone chan struct{}

	mu       sync.Mutex
	until    time.Time // our claims' lease, as last written
	watchdog *time.Timer
	out      map[string]*sendOutcome
	order    []string
}

func newReleaser(ctx context.Context, b Backend, id, token string, opts ReleaseOptions, now func() time.Time, claimed []string, until time.Time) *releaser {
	rl := &releaser{b: b, id: id, token: token, opts: opts, ttl: opts.ClaimTimeout, now: now,
		done: make(chan struct{}), hbDone: make(chan struct{}), out: map[string]*sendOutcome{}, order: claimed}
	rl.lease, rl.lose = context.WithCancelCause(ctx)
	for _, a := range claimed {
		rl.out[a] = &sendOutcome{}
	}
	rl.mu.Lock()
	rl.watchdog = time.AfterFunc(time.Hour, func() { rl.lose(errStopped) })
	rl.setUntilLocked(until)
	rl.mu.Unlock()
	go rl.heartbeat()
	return rl
}

// setUntilLocked records a renewed lease and re-arms the watchdog, which
// stops the release when a sixth of the lease is left unrenewed.
func (rl *releaser) setUntilLocked(u time.Time) {
	if u.Before(rl.until) {
		return
	}
	rl.until = u
	rl.watchdog.Reset(max(u.Sub(rl.now())-rl.ttl/6, 0))
}

// heartbeat renews the claims every third of their lease until stop.
func (rl *releaser) heartbeat() {
	defer close(rl.hbDone)
	tick := time.NewTicker(max(rl.ttl/3, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-rl.done:
			return
		case <-rl.lease.Done():
			return
		case <-tick.C:
			rl.update(func(r *Record, t time.Time) {})
		}
	}
}

// update applies fn to the record and, in the same write, renews every
// claim still ours and notes the recipients whose claim is no longer ours.
func (rl *releaser) update(fn func(r *Record, t time.Time)) error {
	var t time.Time
	_, err := rl.b.Update(context.WithoutCancel(rl.lease), rl.id, func(r *Record) error {
		t = rl.now().UTC()
		fn(r, t)
		rl.mu.Lock()
		defer rl.mu.Unlock()
		for a, o := range rl.out {
			x := r.Rcpt(a)
			if x != nil && x.Claim == rl.token && x.Status == RcptReleasing {
				x.Until = t.Add(rl.ttl)
			} else if !o.sent && !o.recorded {
				o.lost = true
			}
		}
		return nil
	})
	if err == nil {
		rl.mu.Lock()
		rl.setUntilLocked(t.Add(rl.ttl))
		rl.mu.Unlock()
	}
	return err
}

// sendAll hands the copies over, opts.Parallel at a time, recording each
// outcome as soon as it is known.
func (rl *releaser) sendAll(from string, msg []byte) {
	jobs := make(chan string)
	var wg sync.WaitGroup
	for range min(rl.opts.Parallel, len(rl.order)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range jobs {
				rl.sendOne(a, from, msg)
			}
		}()
	}
	for _, a := range rl.order {
		jobs <- a
	}
	close(jobs)
	wg.Wait()
}

func (rl *releaser) sendOne(a, from string, msg []byte) {
	rl.mu.Lock()
	o := rl.out[a]
	lost := o.lost
	rl.mu.Unlock()
	if lost {
		return
	}
	if rl.lease.Err() != nil {
		rl.mu.Lock()
		o.err = fmt.Errorf("release stopped before sending: %w", context.Cause(rl.lease))
		rl.mu.Unlock()
		return
	}
	sctx, cancel := context.WithTimeout(rl.lease, rl.opts.SendTimeout)
	err := rl.opts.Send(sctx, rl.opts.Hop, from, []string{a}, msg)
	cancel()
	rl.mu.Lock()
	o.sent, o.err = true, err
	rl.mu.Unlock()
	rl.update(func(r *Record, t time.Time) {
		x := r.Rcpt(a)
		if x == nil || x.Claim != rl.token || x.Status != RcptReleasing {
			return // taken over after our lease lapsed: leave it to its holder
		}
		if err != nil {
			*x = Rcpt{Addr: a, Status: RcptHeld, By: rl.opts.Who, At: t, Error: oneLine(err.Error())}
		} else {
			*x = Rcpt{Addr: a, Status: RcptReleased, By: rl.opts.Who, At: t}
		}
		rl.mu.Lock()
		o.recorded = true
		rl.mu.Unlock()
	})
}

// stop ends the heartbeat and the watchdog.
func (rl *releaser) stop() {
	close(rl.done)
	<-rl.hbDone
	rl.mu.Lock()
	rl.watchdog.Stop()
	rl.mu.Unlock()
	rl.lose(nil)
}

func (rl *releaser) outcome(a string) sendOutcome {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	return *rl.out[a]
}

var errNothingToDo = errors.New("nothing to do")

func allReleased(r *Record) bool {
	for _, x := range r.Rcpts {
		if x.Status != RcptReleased {
			return false
		}
	}
	return len(r.Rcpts) > 0
}

func claimToken() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Delete removes a held message's bytes for good and keeps its record as a
// tombstone (envelope, findings, audit; the subject is dropped). A message
// under legal hold cannot be deleted until the hold is lifted.
func Delete(ctx context.Context, b Backend, id, who, reason string, now time.Time) (*Record, error) {
	rec, err := b.Update(ctx, id, func(r *Record) error {
		if r.LegalHold != nil {
			return ErrLegalHold
		}
		if r.Status == Deleted || r.Status == Expired {
			return ErrFinal
		}
		if r.Status == Held {
			r.Status = Deleted
		}
		r.RawRemoved = true
		r.Subject = ""
		r.Audit = append(r.Audit, AuditEntry{Time: now.UTC(), Who: who, What: "deleted", Detail: oneLine(reason)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("quarantine delete %s: %w", id, err)
	}
	metrics.QuarantineAction("delete", 1)
	if err := b.RemoveRaw(ctx, id); err != nil {
		return rec, err
	}
	return rec, nil
}

// PurgeOptions are the retention periods.
type PurgeOptions struct {
	// Retention is how long message bytes are kept (quarantine.retention_days).
	Retention time.Duration
	// TombstoneRetention is how long a record without bytes is kept for the
	// audit trail (log.retention_days); zero keeps tombstones for good.
	TombstoneRetention time.Duration
}

// PurgeResult says what one purge did.
type PurgeResult struct {
	// Expired are records that were still held and have now expired: their
	// senders may be owed a notice.
	Expired []*Record
	// Purged counts messages whose bytes were removed (held or released).
	Purged int
	// Forgotten counts tombstones removed.
	Forgotten int
	// Kept counts messages past retention kept under legal hold or as
	// suspected-illegal evidence.
	Kept int
}

// Purge applies retention at time now: message bytes older than Retention
// are removed (held messages become Expired) unless a legal hold or a
// suspected-illegal mark keeps them, each with an audit entry; tombstones
// older than TombstoneRetention are forgotten. Data protection law requires
// that held mail is kept no longer than needed.
//
// On a backend shared by several gateways (one that implements Exclusive),
// Purge runs only where it takes the backend's lock: a gateway that finds
// another one purging returns an empty result at once.
func Purge(ctx context.Context, b Backend, now time.Time, opts PurgeOptions) (PurgeResult, error) {
	if x, ok := b.(Exclusive); ok {
		var res PurgeResult
		_, err := x.Exclusive(ctx, "quarantine-purge", func(ctx context.Context) error {
			var err error
			res, err = purge(ctx, b, now, opts)
			return err
		})
		return res, err
	}
	return purge(ctx, b, now, opts)
}

// Exclusive is implemented by a backend that several gateways share: it
// runs fn unless another gateway is running the job called name, and then
// reports false without running it. Jobs that must run once across
// gateways (retention) go through it.
type Exclusive interface {
	Exclusive(ctx context.Context, name string, fn func(context.Context) error) (bool, error)
}

func purge(ctx context.Context, b Backend, now time.Time, opts PurgeOptions) (PurgeResult, error) {
	var res PurgeResult
	if c, ok := b.(interface {
		Cleanup(time.Time, time.Duration) (int, error)
	}); ok {
		if _, err := c.Cleanup(now, time.Hour); err != nil {
			return res, err
		}
	}
	recs, err := b.List(ctx)
	if err != nil {
		return res, err
	}
	var errs []error
	for _, r := range recs {
		age := now.Sub(r.Received)
		kept := r.LegalHold != nil || r.SuspectedIllegal != nil
		switch {
		case !r.RawRemoved && age > opts.Retention && kept:
			res.Kept++
		case !r.RawRemoved && age > opts.Retention:
			wasHeld := false
			rec, err := b.Update(ctx, r.ID, func(x *Record) error {
				if x.LegalHold != nil || x.SuspectedIllegal != nil || x.RawRemoved {
					return errNothingToDo
				}
				what := "purged"
				if x.Status == Held {
					x.Status = Expired
					what = "expired"
					wasHeld = true
				}
				x.RawRemoved = true
				x.Subject = ""
				x.Audit = append(x.Audit, AuditEntry{Time: now.UTC(), Who: "mailward", What: what,
					Detail: fmt.Sprintf("retention %d days", int(opts.Retention/(24*time.Hour)))})
				return nil
			})
			if errors.Is(err, errNothingToDo) {
				continue
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if err := b.RemoveRaw(ctx, r.ID); err != nil {
				errs = append(errs, err)
			}
			what := "purged"
			if wasHeld {
				what = "expired"
				res.Expired = append(res.Expired, rec)
			}
			res.Purged++
			b.AppendAudit(ctx, AuditEvent{Time: now.UTC(), Who: "mailward", What: what, ID: r.ID, Detail: "retention"})
		case r.RawRemoved && !kept && opts.TombstoneRetention > 0 && age > opts.TombstoneRetention:
			if err := b.Forget(ctx, r.ID); err != nil {
				errs = append(errs, err)
				continue
			}
			res.Forgotten++
			b.AppendAudit(ctx, AuditEvent{Time: now.UTC(), Who: "mailward", What: "forgotten", ID: r.ID, Detail: "tombstone retention"})
		}
	}
	metrics.QuarantineAction("purge", res.Purged)
	return res, errors.Join(errs...)
}

// Purge applies retention to this folder with the config's periods in days
// (tombstoneDays 0 keeps tombstones). It is what `serve` runs on a ticker
// when the review page is not running its own loop.
func (d *Dir) Purge(ctx context.Context, now time.Time, retentionDays, tombstoneDays int) (PurgeResult, error) {
	return Purge(ctx, d, now, PurgeOptions{
		Retention:          time.Duration(retentionDays) * 24 * time.Hour,
		TombstoneRetention: time.Duration(tombstoneDays) * 24 * time.Hour,
	})
}
