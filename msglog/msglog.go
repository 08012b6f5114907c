// Package msglog is message tracking: one metadata record per message the
// gateway handled (time, queue id, client, direction, envelope addresses,
// size, action, rule, categories and scores, the reply, the quarantine id)
// and the release events of held mail. It never holds content: no subject,
// no body, no file names, no finding summaries.
//
// Store is the seam: the embedded default is SQLite (OpenSQLite, pure Go,
// nothing to install); a store shared by several gateways (PostgreSQL,
// store.url) implements the same interface. Writer puts records into a
// Store off the SMTP reply path: a full queue or a failing store is logged
// and counted, never a delayed or refused message.
//
// A new Store (the shared PostgreSQL one) must pass msglogtest.Run. What
// the SQLite store does that another should match: addresses compared
// lowercased, exactly or by "@domain" (never a suffix of a domain); one
// index serving both (SQLite: the reversed address; PostgreSQL can index
// reverse(lower(addr)) with text_pattern_ops); recipients in their own
// table keyed by (address, time); per-day counts updated in the same
// transaction as the rows (INSERT ... ON CONFLICT DO UPDATE); Purge in
// short transactions. The monthly report's once-only mark (report.Marker:
// Meta and SetMeta, a compare-and-set) belongs in the same database.
package msglog

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Record is one message as the gateway handled it. Addresses are kept as
// given in the envelope; stores compare them case-insensitively.
type Record struct {
	// Time is when the message's DATA began (the transaction's start).
	Time time.Time `json:"time"`
	// QueueID is mailward's id for the transaction: the one in its 250
	// reply ("Ok: queued as ID"), which the sending MTA logs.
	QueueID   string   `json:"queue_id"`
	Client    string   `json:"client,omitempty"`
	Direction string   `json:"direction"`
	From      string   `json:"from"`
	To        []string `json:"to"`
	Size      int64    `json:"size"`
	// Action is deliver, tag, quarantine, reject, tempfail or redirect.
	Action string `json:"action"`
	Rule   string `json:"rule,omitempty"`
	// Categories are the findings' categories, sorted; Scores holds the
	// highest score per category.
	Categories []string           `json:"categories"`
	Scores     map[string]float64 `json:"scores,omitempty"`
	// Reply is the answer the client got (for 250: after the next hop or
	// the quarantine had the message), such as "250 2.0.0".
	Reply string `json:"reply,omitempty"`
	// QuarantineID names the held copy when the action was quarantine.
	QuarantineID string `json:"quarantine_id,omitempty"`
	// Gateway names the instance that handled the message (its hostname),
	// for a store shared by several gateways.
	Gateway string `json:"gateway,omitempty"`
	// Events are the held copy's release events (filled by Search).
	Events []Event `json:"events,omitempty"`
}

// Event is something that happened to a held message after the gateway
// answered: a release to some recipients, a failed release, a deletion.
type Event struct {
	Time         time.Time `json:"time"`
	QuarantineID string    `json:"quarantine_id"`
	// What is released, release-failed or deleted.
	What string `json:"what"`
	// Who is the reviewer's login (or cli:USER); shown to review page users
	// who may see the message, never put in a report by default.
	Who string `json:"who,omitempty"`
	// Recipients is how many recipients the event concerned.
	Recipients int `json:"recipients,omitempty"`
}

// Query selects records. Every field is optional; the result is newest
// first and at most Limit long (DefaultLimit when 0, MaxLimit at most).
type Query struct {
	// From and To match an envelope address exactly (case-insensitive),
	// or, starting with "@", every address of that domain.
	From, To string
	// Since is inclusive, Until exclusive.
	Since, Until time.Time
	Action       string
	Category     string
	Direction    string
	// QueueID matches mailward's queue id or the quarantine id.
	QueueID string
	Limit   int
	// Before continues a listing: only records older than this cursor
	// (the Cursor of the last record of the previous page).
	Before Cursor
}

// Cursor is a position in time order (Time, then an id the store assigns).
type Cursor struct {
	Time time.Time
	Seq  int64
}

// Page is one answer to a Query.
type Page struct {
	Records []Record
	// Next continues the listing; zero when there is nothing more.
	Next Cursor
}

// Limits of one Search.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// Store keeps message records. Implementations must be safe for concurrent
// use by several goroutines (and, for a shared store, several gateways).
type Store interface {
	// Append writes records in one transaction: all or none.
	Append(ctx context.Context, recs []Record) error
	// Search returns the records matching q, newest first, with the
	// events of the held ones.
	Search(ctx context.Context, q Query) (Page, error)
	// AddEvent records an event of a held message.
	AddEvent(ctx context.Context, e Event) error
	// Purge removes records and events older than before (retention:
	// log.retention_days) and returns how many records went. The daily
	// counts behind Stats hold no addresses and are kept.
	Purge(ctx context.Context, before time.Time) (int64, error)
	// Counts returns per-day counts for the days that [since, until)
	// touches, for the trend report. Days are calendar days in the store's
	// time zone (tracker.time_zone).
	Counts(ctx context.Context, since, until time.Time) ([]DayCount, error)
	// Close releases the store.
	Close() error
}

// DayCount is how many messages of one kind there were on one day: one row
// per (day, direction, action, rule, category); Category "" counts every
// message once, a named category counts the messages with a finding in it.
type DayCount struct {
	Day       string `json:"day"` // YYYY-MM-DD
	Direction string `json:"direction"`
	Action    string `json:"action"`
	Rule      string `json:"rule"`
	Category  string `json:"category"`
	N         int64  `json:"n"`
}

// ErrClosed is returned by a Writer or Store used after Close.
var ErrClosed = errors.New("msglog: closed")

// normalize lowercases an address for comparison; "<>" (bounces) becomes "".
func normalize(a string) string {
	a = strings.TrimSpace(strings.Trim(strings.TrimSpace(a), "<>"))
	return strings.ToLower(a)
}

// domainOf returns the lowercased domain of an address, "" without one.
func domainOf(a string) string {
	at := strings.LastIndexByte(a, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(a[at+1:])
}
