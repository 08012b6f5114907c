package review

import (
	"context"
	"fmt"
	"strings"

	"github.com/mailward/mailward/quarantine"
)

// actionInput is what a person sends with an action.
type actionInput struct {
	Reason     string   `json:"reason"`
	Recipients []string `json:"recipients"`
	// Release, with false-positive, releases the message right after
	// marking it (to Recipients, or every held recipient).
	Release bool `json:"release"`
}

// actionResult is the outcome of an action.
type actionResult struct {
	Action  string                  `json:"action"`
	Results []quarantine.RcptResult `json:"results,omitempty"`
	Record  *quarantine.Record      `json:"-"`
}

// hopFor is the next hop for a message's direction, as in DESIGN.md.
func (s *Server) hopFor(rec *quarantine.Record) string {
	if rec.Direction == "outbound" {
		return s.cfg.NextHop.Outbound
	}
	return s.cfg.NextHop.Inbound
}

// do performs one action for the web page and the API alike: the
// permission check, the store update (compare-and-set), the audit entries,
// notices and hooks.
func (s *Server) do(ctx context.Context, c *reqCtx, id, action string, in actionInput) (*actionResult, error) {
	rec, p, err := s.load(ctx, c, id)
	if err != nil {
		return nil, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	allowed := map[string]bool{
		"release": p.Release, "delete": p.Delete, "false-positive": p.FalsePositive,
		"request-release": p.RequestRelease, "confirm": p.Confirm, "illegal": p.Illegal,
		"legal-hold": p.LegalHold, "lift-legal-hold": p.LegalHold, "approve-release": p.Approve,
	}
	ok, known := allowed[action]
	if !known {
		return nil, fmt.Errorf("%w: unknown action %q", errBadRequest, action)
	}
	if !ok {
		s.audit(ctx, c, "denied", id, action)
		return nil, fmt.Errorf("%w: %s", errForbidden, action)
	}
	who := c.user.Name
	now := s.now().UTC()
	note := &quarantine.Note{Who: who, At: now, Reason: in.Reason}
	res := &actionResult{Action: action}
	mark := func(what string, fn func(*quarantine.Record) error) error {
		r, err := s.store.Update(ctx, id, func(r *quarantine.Record) error {
			if err := fn(r); err != nil {
				return err
			}
			r.Audit = append(r.Audit, quarantine.AuditEntry{Time: now, Who: who, What: what, Detail: in.Reason})
			return nil
		})
		if err != nil {
			return err
		}
		res.Record = r
		s.audit(ctx, c, what, id, in.Reason)
		return nil
	}
	switch action {
	case "release":
		results, r, err := quarantine.Release(ctx, s.store, id, quarantine.ReleaseOptions{
			Who: who, Recipients: in.Recipients, Hop: s.hopFor(rec), Send: s.send, Now: s.now,
		})
		if err != nil {
			s.audit(ctx, c, "release-failed", id, err.Error())
			return nil, err
		}
		res.Results, res.Record = results, r
		var done, failed []string
		for _, x := range results {
			switch x.Outcome {
			case "released":
				done = append(done, x.Addr)
			case "failed":
				failed = append(failed, x.Addr+": "+x.Error)
			}
		}
		if len(done) > 0 {
			s.audit(ctx, c, "release", id, strings.Join(done, ", "))
		}
		if len(failed) > 0 {
			s.audit(ctx, c, "release-failed", id, strings.Join(failed, "; "))
		}
		s.log.Info("quarantine release", "id", id, "by", who, "released", len(done), "failed", len(failed))
		s.trackEvent(ctx, id, "released", who, len(done))
		s.trackEvent(ctx, id, "release-failed", who, len(failed))
	case "delete":
		r, err := quarantine.Delete(ctx, s.store, id, who, in.Reason, now)
		if err != nil {
			return nil, err
		}
		res.Record = r
		s.audit(ctx, c, "delete", id, in.Reason)
		s.trackEvent(ctx, id, "deleted", who, 0)
		s.senderNotice(ctx, r, "deleted", in.Reason)
	case "false-positive":
		if in.Reason == "" {
			return nil, fmt.Errorf("%w: a false positive needs a reason", errBadRequest)
		}
		err = mark("false-positive", func(r *quarantine.Record) error {
			if r.Confirmed != nil {
				return fmt.Errorf("%w: a violation was confirmed by %s", quarantine.ErrFinal, r.Confirmed.Who)
			}
			r.FalsePositive = note
			return nil
		})
		if err == nil && in.Release {
			return s.do(ctx, c, id, "release", actionInput{Reason: in.Reason, Recipients: in.Recipients})
		}
	case "approve-release":
		err = mark("release-approved", func(r *quarantine.Record) error { return nil })
	case "request-release":
		err = mark("request-release", func(r *quarantine.Record) error {
			r.ReleaseRequests = append(r.ReleaseRequests, *note)
			return nil
		})
	case "confirm":
		err = mark("confirm", func(r *quarantine.Record) error {
			if r.Confirmed != nil {
				return fmt.Errorf("%w: already confirmed by %s", quarantine.ErrFinal, r.Confirmed.Who)
			}
			if r.FalsePositive != nil {
				return fmt.Errorf("%w: marked a false positive by %s", quarantine.ErrFinal, r.FalsePositive.Who)
			}
			r.Confirmed = note
			return nil
		})
		if err == nil && s.hooks.OnConfirm != nil {
			s.hooks.OnConfirm(ctx, res.Record.Clone(), who)
		}
	case "illegal":
		err = mark("suspected-illegal", func(r *quarantine.Record) error {
			r.SuspectedIllegal = note
			if r.LegalHold == nil {
				// Evidence: not purged until the network manager decides.
				r.LegalHold = &quarantine.Note{Who: who, At: now, Reason: "suspected illegal"}
			}
			return nil
		})
		if err == nil {
			s.log.Warn("message marked suspected illegal", "id", id, "by", who)
			if s.hooks.OnSuspectedIllegal != nil {
				s.hooks.OnSuspectedIllegal(ctx, res.Record.Clone(), who)
			}
		}
	case "legal-hold":
		err = mark("legal-hold", func(r *quarantine.Record) error { r.LegalHold = note; return nil })
	case "lift-legal-hold":
		err = mark("legal-hold-lifted", func(r *quarantine.Record) error {
			if r.SuspectedIllegal != nil && c.user.Role != "admin" {
				return fmt.Errorf("%w: only an admin may lift the hold on suspected illegal material", errForbidden)
			}
			r.LegalHold = nil
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}
