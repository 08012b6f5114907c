// Package tracker keeps the little state mailward shares between messages and
// between gateway instances: sending rates, violation counters, the spread of
// one body across senders, and queued alert digests.
//
// Two implementations serve the same Tracker interface: Redis (go-redis
// UniversalClient: one server, Sentinel or Cluster), which several gateway
// instances share, and Memory, the in-process default for a single node
// without redis.url.
//
// Every method takes the time from its caller, so tests move a clock instead
// of sleeping (as mox's ratelimit does). Every Redis key starts with
// "mailward:" and carries a TTL, so Redis never grows without bound. Keys that
// one Lua script touches together share a {hash tag}, so the scripts also run
// on a Redis Cluster.
//
// A Tracker only reports errors; what to do about them (fail open for rate
// limits, keep scanning) is the caller's policy, see pipeline.Admit.
package tracker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // "violations today" is a day in the trust's own time zone, even on a bare container
)

// Prefix starts every key mailward writes to Redis.
const Prefix = "mailward:"

// Counter names for Incr and Counts.
const (
	// Held counts a sender's messages the gateway quarantined.
	Held = "held"
	// Confirmed counts violations a reviewer confirmed on the review page.
	Confirmed = "confirmed"
)

// Limit is one rate limit over a sliding window.
type Limit struct {
	// Name is short and stable ("messages", "recipients"): it is part of the
	// key and named in logs.
	Name string
	// Max is the most Cost that may be taken within Window.
	Max int
	// Window is the length of the sliding window, such as an hour.
	Window time.Duration
	// Cost is what this message takes (1 message, or its recipient count).
	Cost int
}

// Over reports the limit a Take would have exceeded.
type Over struct {
	Limit Limit
	// Count is the (estimated) amount already taken within the window.
	Count int
}

func (o *Over) String() string {
	return fmt.Sprintf("%s: %d+%d over %d per %s", o.Limit.Name, o.Count, o.Limit.Cost, o.Limit.Max, o.Limit.Window)
}

// Counts are a counter's values for the current day and month, in the
// tracker's time zone.
type Counts struct {
	Today int
	Month int
}

// Tracker is the shared state behind rate limits, escalation, chain-mail
// spread and alert digests. Implementations are safe for concurrent use; a
// Redis tracker is also consistent across gateway instances because every
// read-modify-write is one Lua script.
type Tracker interface {
	// Take adds each limit's Cost to subject's counters if every limit stays
	// within its Max, atomically, and returns nil. When any limit would be
	// exceeded it adds nothing and returns that limit: a refused message does
	// not count, so a sender that retries gets through once the window slides.
	//
	// The window is sliding, approximated from two fixed buckets (the previous
	// bucket weighted by how much of it still overlaps the window): exact
	// enough for policy, constant memory per subject.
	Take(ctx context.Context, subject string, limits []Limit, now time.Time) (*Over, error)

	// Incr adds one to subject's counter for the day and month of now and
	// returns the new values.
	Incr(ctx context.Context, counter, subject string, now time.Time) (Counts, error)
	// Counts reads subject's counter without changing it.
	Counts(ctx context.Context, counter, subject string, now time.Time) (Counts, error)

	// Spread returns how many distinct senders sent the body with this
	// fingerprint within window before now, counting sender as one of them
	// whether or not it was recorded. It writes nothing: `mailward scan` uses it.
	Spread(ctx context.Context, fingerprint, sender string, window time.Duration, now time.Time) (int, error)
	// AddSpread records sender as a sender of fingerprint at now and returns
	// the distinct senders within window.
	AddSpread(ctx context.Context, fingerprint, sender string, window time.Duration, now time.Time) (int, error)

	// Once reports whether key is new, marking it for ttl: the first caller
	// of all instances gets true (a reviewer's confirmation counted once
	// however often it is clicked).
	Once(ctx context.Context, key string, ttl time.Duration, now time.Time) (bool, error)

	// Remember appends item to a short list kept for ttl (the newest 100
	// items), such as the violations a sender had confirmed today.
	Remember(ctx context.Context, list string, item []byte, ttl time.Duration, now time.Time) error
	// Recall returns the list's items, oldest first.
	Recall(ctx context.Context, list string, now time.Time) ([][]byte, error)

	// Enqueue adds item to the digest queue named queue, unless an item with
	// the same non-empty dedupe key was enqueued within ttl. The first item
	// of a batch sets when the batch is due; later items join it. It reports
	// whether the item was added.
	Enqueue(ctx context.Context, queue, dedupe string, item []byte, due time.Time, ttl time.Duration, now time.Time) (bool, error)
	// Due lists queues whose batch is due at now.
	Due(ctx context.Context, now time.Time) ([]string, error)
	// Claim takes every item of a due queue's batch. Exactly one caller (of
	// all instances sharing the tracker) gets the items; the others get none.
	Claim(ctx context.Context, queue string, now time.Time) ([][]byte, error)

	// Close releases the connection.
	Close() error
}

// ErrClosed is returned by a tracker that was closed.
var ErrClosed = errors.New("tracker closed")

// subjectKey makes an address or IP safe to embed in a key: lowercased, with
// braces (hash tags) and white space replaced.
func subjectKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		switch {
		case r == '{' || r == '}' || r <= ' ' || r == 0x7f:
			return '_'
		}
		return r
	}, s)
}

// bucket returns the start of the fixed window bucket holding now (in Unix
// milliseconds) and how far into it now is.
func bucket(now time.Time, window time.Duration) (start int64, elapsed int64) {
	ms := now.UnixMilli()
	w := window.Milliseconds()
	if w <= 0 {
		w = 1
	}
	start = ms - ((ms%w)+w)%w
	return start, ms - start
}

// estimate is the sliding-window count from the current and previous bucket.
func estimate(cur, prev int64, window time.Duration, elapsed int64) int64 {
	w := window.Milliseconds()
	if w <= 0 {
		return cur
	}
	return cur + (prev*(w-elapsed)+w-1)/w // rounded up: the doubt goes against the sender
}

// day and month name the calendar periods of now in loc.
func day(now time.Time, loc *time.Location) string   { return now.In(loc).Format("20060102") }
func month(now time.Time, loc *time.Location) string { return now.In(loc).Format("200601") }

// Counter TTLs: long enough to read the whole period, short enough to forget.
const (
	dayTTL   = 49 * time.Hour
	monthTTL = 63 * 24 * time.Hour
	// listMax bounds a Remember list.
	listMax = 100
	// spreadMax bounds the senders kept per fingerprint.
	spreadMax = 1000
)
