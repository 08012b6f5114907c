// Package quarantine keeps held messages durably: raw bytes unchanged plus a
// JSON record, written so that a crash at any moment leaves either the whole
// message or nothing, and the client hears 250 only after both are on disk.
package quarantine

import (
	"slices"
	"time"

	"github.com/mailward/mailward/scanner"
)

// Status of a held message.
type Status string

// Statuses. A record starts Held; Released, Deleted and Expired are final.
const (
	Held     Status = "held"
	Released Status = "released"
	Deleted  Status = "deleted"
	Expired  Status = "expired"
)

// RcptStatus is where one recipient's copy stands. Release works per
// recipient, so a message to five people can go to three of them.
type RcptStatus string

// Recipient statuses. Releasing is a claim taken (by compare-and-set) before
// the copy is handed to the next hop, so that two reviewers or two gateway
// instances releasing at once send it once.
const (
	RcptHeld      RcptStatus = "held"
	RcptReleasing RcptStatus = "releasing"
	RcptReleased  RcptStatus = "released"
)

// Rcpt is one envelope recipient and the state of its copy.
type Rcpt struct {
	Addr   string     `json:"addr"`
	Status RcptStatus `json:"status"`
	// By and At say who last changed the status, and when.
	By string    `json:"by,omitempty"`
	At time.Time `json:"at,omitempty"`
	// Error is the next hop's answer when a release failed.
	Error string `json:"error,omitempty"`
	// Claim identifies the release that set RcptReleasing, so that only it
	// completes the claim.
	Claim string `json:"claim,omitempty"`
	// Until is when the claim lapses unless renewed. A live release renews
	// it while it sends (a heartbeat), so that no other release takes the
	// recipient over; a release that died stops renewing and the recipient
	// comes free at Until. Claims written before Until existed lapse
	// ClaimTimeout after At.
	Until time.Time `json:"until,omitzero"`
}

// Note is a reviewer's mark with a reason (false positive, request for
// release, confirmed violation).
type Note struct {
	Who    string    `json:"who"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

// Record describes one held message. The raw message is stored beside it.
//
// Fields after Audit were added with the review page; records written
// before have them empty and Normalize fills what can be derived.
type Record struct {
	ID         string            `json:"id"`
	Received   time.Time         `json:"received"`
	Client     string            `json:"client"`
	Helo       string            `json:"helo,omitempty"`
	TLS        bool              `json:"tls,omitempty"`
	From       string            `json:"from"`
	To         []string          `json:"to"`
	Direction  string            `json:"direction"`
	Subject    string            `json:"subject,omitempty"`
	Size       int64             `json:"size"`
	Findings   []scanner.Finding `json:"findings"`
	Categories []string          `json:"categories"`
	Rule       string            `json:"rule"`
	Action     string            `json:"action"`
	Status     Status            `json:"status"`
	Audit      []AuditEntry      `json:"audit,omitempty"`

	// Version grows by one with every update: the compare-and-set counter.
	Version int64 `json:"version"`
	// Rcpts is the per-recipient release state, one per To address.
	Rcpts []Rcpt `json:"rcpts,omitempty"`
	// SuspectedIllegal hides the content from everyone, for good: the
	// policies say whoever sees illegal material must not view it again and
	// must stop others from viewing it. It also blocks release and purging
	// (the material is evidence) until an admin deletes it.
	SuspectedIllegal *Note `json:"suspected_illegal,omitempty"`
	// LegalHold suspends purging.
	LegalHold *Note `json:"legal_hold,omitempty"`
	// FalsePositive marks a detection a reviewer judged wrong.
	FalsePositive *Note `json:"false_positive,omitempty"`
	// Confirmed marks a reviewer's "confirm violation".
	Confirmed *Note `json:"confirmed,omitempty"`
	// ReleaseRequests are asks from roles that may not release.
	ReleaseRequests []Note `json:"release_requests,omitempty"`
	// Notices records which notices went out (hold, digest, expired,
	// deleted) so that no instance sends one twice.
	Notices map[string]time.Time `json:"notices,omitempty"`
	// RawRemoved is set once the message bytes are gone (deleted, expired,
	// or purged after release); the record stays as a tombstone.
	RawRemoved bool `json:"raw_removed,omitempty"`
}

// AuditEntry is one event in a held message's life.
type AuditEntry struct {
	Time   time.Time `json:"time"`
	Who    string    `json:"who"`
	What   string    `json:"what"`
	Detail string    `json:"detail,omitempty"`
}

// Normalize fills fields that older records lack: one Rcpt per To address.
func (r *Record) Normalize() {
	if len(r.Rcpts) == 0 && len(r.To) > 0 {
		st := RcptHeld
		if r.Status == Released {
			st = RcptReleased
		}
		for _, a := range r.To {
			r.Rcpts = append(r.Rcpts, Rcpt{Addr: a, Status: st})
		}
	}
	if r.Status == "" {
		r.Status = Held
	}
}

// HasCategory reports whether any finding is in category c.
func (r *Record) HasCategory(c string) bool {
	return slices.Contains(r.Categories, c)
}

// Rcpt returns the recipient state for addr (compared exactly), or nil.
func (r *Record) Rcpt(addr string) *Rcpt {
	for i := range r.Rcpts {
		if r.Rcpts[i].Addr == addr {
			return &r.Rcpts[i]
		}
	}
	return nil
}

// HeldRcpts returns the addresses still held.
func (r *Record) HeldRcpts() []string {
	var out []string
	for _, x := range r.Rcpts {
		if x.Status == RcptHeld {
			out = append(out, x.Addr)
		}
	}
	return out
}

// Clone returns a deep copy, so that a caller may change it freely.
func (r *Record) Clone() *Record {
	c := *r
	c.To = slices.Clone(r.To)
	c.Findings = slices.Clone(r.Findings)
	c.Categories = slices.Clone(r.Categories)
	c.Audit = slices.Clone(r.Audit)
	c.Rcpts = slices.Clone(r.Rcpts)
	c.ReleaseRequests = slices.Clone(r.ReleaseRequests)
	for _, p := range []**Note{&c.SuspectedIllegal, &c.LegalHold, &c.FalsePositive, &c.Confirmed} {
		if *p != nil {
			n := **p
			*p = &n
		}
	}
	if r.Notices != nil {
		c.Notices = make(map[string]time.Time, len(r.Notices))
		for k, v := range r.Notices {
			c.Notices[k] = v
		}
	}
	return &c
}
