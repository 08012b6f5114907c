package quarantine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
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
	// ClaimTimeout is how old another release's claim must be before it is
	// taken over (that release crashed between claim and send); default 10m.
	ClaimTimeout time.Duration
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

// Release re-injects the held bytes, unchanged but for one prepended
// X-Mailward-Released-By header, to each chosen recipient through opts.Hop
// with the original envelope sender. It is idempotent across reviewers and
// gateway instances: each recipient is first claimed by compare-and-set
// (held -> releasing), sent to only if the claim is ours, then marked
// released (or back to held with the error). Each recipient travels in its
// own transaction so that one refusal never blurs another's outcome.
func Release(ctx context.Context, b Backend, id string, opts ReleaseOptions) ([]RcptResult, *Record, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	if opts.ClaimTimeout == 0 {
		opts.ClaimTimeout = 10 * time.Minute
	}
	if opts.Send == nil {
		return nil, nil, fmt.Errorf("quarantine release %s: no sender", id)
	}
	token := claimToken()
	var claimed []string
	var results []RcptResult
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
			for _, x := range r.Rcpts {
				want = append(want, x.Addr)
			}
		}
		t := now().UTC()
		for _, a := range want {
			x := r.Rcpt(a)
			if x == nil {
				return fmt.Errorf("%w: %s", ErrNotRecipient, a)
			}
			stale := x.Status == RcptReleasing && t.Sub(x.At) > opts.ClaimTimeout
			if x.Status == RcptHeld || stale {
				*x = Rcpt{Addr: x.Addr, Status: RcptReleasing, By: opts.Who, At: t, Claim: token}
				claimed = append(claimed, a)
			} else if !slices.ContainsFunc(results, func(rr RcptResult) bool { return rr.Addr == a }) {
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
	msg := append(ReleasedByHeader(opts.Who, now()), raw...)
	sent := map[string]error{}
	for _, a := range claimed {
		sent[a] = opts.Send(ctx, opts.Hop, rec.From, []string{a}, msg)
	}
	rec, err = b.Update(context.WithoutCancel(ctx), id, func(r *Record) error {
		t := now().UTC()
		var ok, failed []string
		for _, a := range claimed {
			x := r.Rcpt(a)
			if x == nil || x.Claim != token {
				continue // taken over meanwhile (our claim went stale)
			}
			if e := sent[a]; e != nil {
				*x = Rcpt{Addr: a, Status: RcptHeld, By: opts.Who, At: t, Error: oneLine(e.Error())}
				failed = append(failed, a)
			} else {
				*x = Rcpt{Addr: a, Status: RcptReleased, By: opts.Who, At: t}
				ok = append(ok, a)
			}
		}
		if len(ok) > 0 {
			r.Audit = append(r.Audit, AuditEntry{Time: t, Who: opts.Who, What: "released", Detail: strings.Join(ok, ", ")})
		}
		if len(failed) > 0 {
			r.Audit = append(r.Audit, AuditEntry{Time: t, Who: opts.Who, What: "release-failed", Detail: strings.Join(failed, ", ")})
		}
		if r.Status == Held && allReleased(r) {
			r.Status = Released
		}
		return nil
	})
	for _, a := range claimed {
		rr := RcptResult{Addr: a, Outcome: "released"}
		if e := sent[a]; e != nil {
			rr = RcptResult{Addr: a, Outcome: "failed", Error: oneLine(e.Error())}
		}
		results = append(results, rr)
	}
	if err != nil {
		return results, nil, fmt.Errorf("quarantine release %s: after sending: %w", id, err)
	}
	return results, rec, nil
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
func Purge(ctx context.Context, b Backend, now time.Time, opts PurgeOptions) (PurgeResult, error) {
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
