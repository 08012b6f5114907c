package tracker

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultTimeout bounds each tracker operation against Redis. Rate limits
// fail open, so a slow Redis must cost a message little time.
const DefaultTimeout = 500 * time.Millisecond

// Redis is a Tracker in Redis, shared by every gateway instance that uses the
// same server, Sentinel group or Cluster.
type Redis struct {
	c       redis.UniversalClient
	timeout time.Duration
	loc     *time.Location
}

var _ Tracker = (*Redis)(nil)

// NewRedis wraps a client. timeout bounds each operation (DefaultTimeout when
// zero); loc is the time zone of "today" (UTC when nil).
func NewRedis(c redis.UniversalClient, timeout time.Duration, loc *time.Location) *Redis {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if loc == nil {
		loc = time.UTC
	}
	return &Redis{c: c, timeout: timeout, loc: loc}
}

// Dial connects to the Redis named by rawURL: redis://, rediss:// or
// unix:// for one server; with a master_name parameter, a Sentinel group
// (redis://sentinel:26379?master_name=mymaster&addr=other-sentinel:26379);
// with several addr parameters and no master_name, a Cluster. Dial and
// read/write timeouts default to short values so that a dead Redis costs
// milliseconds, not the message's whole reply deadline; the URL may set them.
// It does not contact Redis: a Redis that is down at start fails open like
// one that goes down later.
func Dial(rawURL string, timeout time.Duration, loc *time.Location) (*Redis, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("tracker: redis url: %w", err)
	}
	q := u.Query()
	var c redis.UniversalClient
	switch {
	case q.Has("master_name"):
		o, err := redis.ParseFailoverURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("tracker: redis sentinel url: %w", err)
		}
		shortTimeouts(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout, &o.MaxRetries, q, timeout)
		c = redis.NewFailoverClient(o)
	case len(q["addr"]) > 0:
		o, err := redis.ParseClusterURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("tracker: redis cluster url: %w", err)
		}
		shortTimeouts(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout, &o.MaxRetries, q, timeout)
		c = redis.NewClusterClient(o)
	default:
		o, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("tracker: redis url: %w", err)
		}
		shortTimeouts(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout, &o.MaxRetries, q, timeout)
		c = redis.NewClient(o)
	}
	return NewRedis(c, timeout, loc), nil
}

// shortTimeouts replaces go-redis's defaults (5 s dial, 3 s read, 3 retries)
// with ones that fit in the per-operation timeout, unless the URL set them.
func shortTimeouts(dial, read, write, pool *time.Duration, retries *int, q url.Values, op time.Duration) {
	set := func(p *time.Duration, key string, d time.Duration) {
		if !q.Has(key) {
			*p = d
		}
	}
	set(dial, "dial_timeout", op)
	set(read, "read_timeout", op)
	set(write, "write_timeout", op)
	set(pool, "pool_timeout", op)
	if !q.Has("max_retries") {
		*retries = -1 // no retries: the operation's own timeout is the budget
	}
}

// Client returns the underlying client (for health checks).
func (r *Redis) Client() redis.UniversalClient { return r.c }

// Close implements Tracker.
func (r *Redis) Close() error { return r.c.Close() }

func (r *Redis) op(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.timeout)
}

func (r *Redis) fail(op string, err error) error {
	return fmt.Errorf("tracker %s: %w", op, err)
}

// takeScript checks every limit, then takes them all or none.
// KEYS: per limit, current then previous bucket.
// ARGV: count, then per limit max, cost, window ms, elapsed ms.
var takeScript = redis.NewScript(`
local n = tonumber(ARGV[1])
for i = 1, n do
  local a = 1 + (i - 1) * 4
  local max, cost = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local win, el = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local cur = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local prev = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  local est = cur + math.ceil(prev * (win - el) / win)
  if est + cost > max then
    return {i, est}
  end
end
for i = 1, n do
  local a = 1 + (i - 1) * 4
  redis.call('INCRBY', KEYS[2 * i - 1], ARGV[a + 2])
  redis.call('PEXPIRE', KEYS[2 * i - 1], 2 * tonumber(ARGV[a + 3]))
end
return {0, 0}
`)

func rateKey(subject, name string, start int64) string {
	return fmt.Sprintf("%srate:{%s}:%s:%d", Prefix, subjectKey(subject), name, start)
}

// Take implements Tracker.
func (r *Redis) Take(ctx context.Context, subject string, limits []Limit, now time.Time) (*Over, error) {
	if len(limits) == 0 {
		return nil, nil
	}
	keys := make([]string, 0, 2*len(limits))
	args := []any{len(limits)}
	for _, l := range limits {
		start, el := bucket(now, l.Window)
		w := l.Window.Milliseconds()
		keys = append(keys, rateKey(subject, l.Name, start), rateKey(subject, l.Name, start-w))
		args = append(args, l.Max, l.Cost, w, el)
	}
	ctx, cancel := r.op(ctx)
	defer cancel()
	res, err := takeScript.Run(ctx, r.c, keys, args...).Int64Slice()
	if err != nil {
		return nil, r.fail("take", err)
	}
	if len(res) != 2 || res[0] < 0 || int(res[0]) > len(limits) {
		return nil, r.fail("take", fmt.Errorf("unexpected reply %v", res))
	}
	if res[0] == 0 {
		return nil, nil
	}
	return &Over{Limit: limits[res[0]-1], Count: int(res[1])}, nil
}

var incrScript = redis.NewScript(`
local d = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
local m = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return {d, m}
`)

func (r *Redis) counterKeys(counter, subject string, now time.Time) []string {
	s := subjectKey(subject)
	return []string{
		fmt.Sprintf("%scount:{%s}:%s:d:%s", Prefix, s, counter, day(now, r.loc)),
		fmt.Sprintf("%scount:{%s}:%s:m:%s", Prefix, s, counter, month(now, r.loc)),
	}
}

// Incr implements Tracker.
func (r *Redis) Incr(ctx context.Context, counter, subject string, now time.Time) (Counts, error) {
	ctx, cancel := r.op(ctx)
	defer cancel()
	res, err := incrScript.Run(ctx, r.c, r.counterKeys(counter, subject, now), dayTTL.Milliseconds(), monthTTL.Milliseconds()).Int64Slice()
	if err != nil || len(res) != 2 {
		return Counts{}, r.fail("incr", fmt.Errorf("%v %v", res, err))
	}
	return Counts{Today: int(res[0]), Month: int(res[1])}, nil
}

// Counts implements Tracker.
func (r *Redis) Counts(ctx context.Context, counter, subject string, now time.Time) (Counts, error) {
	ctx, cancel := r.op(ctx)
	defer cancel()
	vals, err := r.c.MGet(ctx, r.counterKeys(counter, subject, now)...).Result()
	if err != nil {
		return Counts{}, r.fail("counts", err)
	}
	n := func(v any) int {
		s, _ := v.(string)
		i, _ := strconv.Atoi(s)
		return i
	}
	return Counts{Today: n(vals[0]), Month: n(vals[1])}, nil
}

func spreadKey(fp string) string { return Prefix + "spread:" + subjectKey(fp) }

var spreadScript = redis.NewScript(`
local since = tonumber(ARGV[1])
local n = redis.call('ZCOUNT', KEYS[1], since, '+inf')
local s = redis.call('ZSCORE', KEYS[1], ARGV[2])
if not s or tonumber(s) < since then n = n + 1 end
return n
`)

var addSpreadScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
local n = redis.call('ZCARD', KEYS[1])
if n > tonumber(ARGV[5]) then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - tonumber(ARGV[5]) - 1)
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return redis.call('ZCOUNT', KEYS[1], ARGV[1], '+inf')
`)

// Spread implements Tracker.
func (r *Redis) Spread(ctx context.Context, fingerprint, sender string, window time.Duration, now time.Time) (int, error) {
	ctx, cancel := r.op(ctx)
	defer cancel()
	since := now.Add(-window).UnixMilli()
	n, err := spreadScript.Run(ctx, r.c, []string{spreadKey(fingerprint)}, since, subjectKey(sender)).Int()
	if err != nil {
		return 0, r.fail("spread", err)
	}
	return n, nil
}

// AddSpread implements Tracker.
func (r *Redis) AddSpread(ctx context.Context, fingerprint, sender string, window time.Duration, now time.Time) (int, error) {
	ctx, cancel := r.op(ctx)
	defer cancel()
	since := now.Add(-window).UnixMilli()
	n, err := addSpreadScript.Run(ctx, r.c, []string{spreadKey(fingerprint)},
		since, now.UnixMilli(), subjectKey(sender), window.Milliseconds(), spreadMax).Int()
	if err != nil {
		return 0, r.fail("addspread", err)
	}
	return n, nil
}

// Once implements Tracker.
func (r *Redis) Once(ctx context.Context, key string, ttl time.Duration, now time.Time) (bool, error) {
	ctx, cancel := r.op(ctx)
	defer cancel()
	ok, err := r.c.SetNX(ctx, Prefix+"once:"+subjectKey(key), "1", ttl).Result()
	if err != nil {
		return false, r.fail("once", err)
	}
	return ok, nil
}

func listKey(list string) string { return Prefix + "list:" + subjectKey(list) }

// Remember implements Tracker.
func (r *Redis) Remember(ctx context.Context, list string, item []byte, ttl time.Duration, now time.Time) error {
	ctx, cancel := r.op(ctx)
	defer cancel()
	k := listKey(list)
	_, err := r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.RPush(ctx, k, item)
		p.LTrim(ctx, k, -listMax, -1)
		p.PExpire(ctx, k, ttl)
		return nil
	})
	if err != nil {
		return r.fail("remember", err)
	}
	return nil
}

// Recall implements Tracker.
func (r *Redis) Recall(ctx context.Context, list string, now time.Time) ([][]byte, error) {
	ctx, cancel := r.op(ctx)
	defer cancel()
	vals, err := r.c.LRange(ctx, listKey(list), 0, -1).Result()
	if err != nil {
		return nil, r.fail("recall", err)
	}
	return bytesOf(vals), nil
}

// Digest keys share the {digest} hash tag: the scripts that move items from
// the pending index to a claimer touch several of them at once.
const (
	digestPending = Prefix + "{digest}:pending"
	digestQueue   = Prefix + "{digest}:q:"
	digestSeen    = Prefix + "{digest}:seen:"
)

var enqueueScript = redis.NewScript(`
if ARGV[1] == '1' then
  if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[4]) then return 0 end
end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('ZADD', KEYS[1], 'NX', ARGV[3], ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`)

// Enqueue implements Tracker.
func (r *Redis) Enqueue(ctx context.Context, queue, dedupe string, item []byte, due time.Time, ttl time.Duration, now time.Time) (bool, error) {
	ctx, cancel := r.op(ctx)
	defer cancel()
	q := subjectKey(queue)
	dd := "0"
	seen := digestSeen + q + ":"
	if dedupe != "" {
		dd, seen = "1", seen+subjectKey(dedupe)
	}
	n, err := enqueueScript.Run(ctx, r.c, []string{digestPending, digestQueue + q, seen},
		dd, item, due.UnixMilli(), ttl.Milliseconds(), q).Int()
	if err != nil {
		return false, r.fail("enqueue", err)
	}
	return n == 1, nil
}

// Due implements Tracker.
func (r *Redis) Due(ctx context.Context, now time.Time) ([]string, error) {
	ctx, cancel := r.op(ctx)
	defer cancel()
	qs, err := r.c.ZRangeByScore(ctx, digestPending, &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: 1000,
	}).Result()
	if err != nil {
		return nil, r.fail("due", err)
	}
	return qs, nil
}

var claimScript = redis.NewScript(`
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return {} end
local items = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[2])
return items
`)

// Claim implements Tracker.
func (r *Redis) Claim(ctx context.Context, queue string, now time.Time) ([][]byte, error) {
	ctx, cancel := r.op(ctx)
	defer cancel()
	q := subjectKey(queue)
	vals, err := claimScript.Run(ctx, r.c, []string{digestPending, digestQueue + q}, q).StringSlice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, r.fail("claim", err)
	}
	return bytesOf(vals), nil
}

func bytesOf(vals []string) [][]byte {
	out := make([][]byte, len(vals))
	for i, v := range vals {
		out[i] = []byte(v)
	}
	return out
}
