package tracker

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Memory is the in-process Tracker: the default without redis.url, for one
// gateway node. It has the same semantics as Redis, including expiry (by the
// times callers pass in, so tests need no sleeping), and never fails.
type Memory struct {
	mu      sync.Mutex
	loc     *time.Location
	counts  map[string]*cell
	zsets   map[string]*zset
	lists   map[string]*list
	seen    map[string]time.Time
	pending map[string]int64
	ops     int
	closed  bool
}

type cell struct {
	n   int64
	exp time.Time
}

type zset struct {
	m   map[string]int64
	exp time.Time
}

type list struct {
	items [][]byte
	exp   time.Time
}

var _ Tracker = (*Memory)(nil)

// NewMemory returns an empty in-process tracker; loc is the time zone of
// "today" (UTC when nil).
func NewMemory(loc *time.Location) *Memory {
	if loc == nil {
		loc = time.UTC
	}
	return &Memory{loc: loc, counts: map[string]*cell{}, zsets: map[string]*zset{},
		lists: map[string]*list{}, seen: map[string]time.Time{}, pending: map[string]int64{}}
}

// lock takes the mutex and, every so often, drops expired entries so that
// memory stays bounded like Redis with its TTLs.
func (m *Memory) lock(now time.Time) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	m.ops++
	if m.ops%1024 == 0 {
		m.sweep(now)
	}
	return nil
}

func (m *Memory) sweep(now time.Time) {
	for k, c := range m.counts {
		if !now.Before(c.exp) {
			delete(m.counts, k)
		}
	}
	for k, z := range m.zsets {
		if !now.Before(z.exp) {
			delete(m.zsets, k)
		}
	}
	for k, l := range m.lists {
		if !now.Before(l.exp) {
			delete(m.lists, k)
		}
	}
	for k, exp := range m.seen {
		if !now.Before(exp) {
			delete(m.seen, k)
		}
	}
}

// Len returns how many keys the tracker holds (for tests of expiry).
func (m *Memory) Len(now time.Time) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now)
	return len(m.counts) + len(m.zsets) + len(m.lists) + len(m.seen)
}

func (m *Memory) get(k string, now time.Time) int64 {
	c := m.counts[k]
	if c == nil || !now.Before(c.exp) {
		return 0
	}
	return c.n
}

func (m *Memory) add(k string, n int64, ttl time.Duration, now time.Time) int64 {
	c := m.counts[k]
	if c == nil || !now.Before(c.exp) {
		c = &cell{}
		m.counts[k] = c
	}
	c.n += n
	c.exp = now.Add(ttl)
	return c.n
}

// Take implements Tracker.
func (m *Memory) Take(ctx context.Context, subject string, limits []Limit, now time.Time) (*Over, error) {
	if err := m.lock(now); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	for _, l := range limits {
		start, el := bucket(now, l.Window)
		cur := m.get(rateKey(subject, l.Name, start), now)
		prev := m.get(rateKey(subject, l.Name, start-l.Window.Milliseconds()), now)
		est := estimate(cur, prev, l.Window, el)
		if est+int64(l.Cost) > int64(l.Max) {
			return &Over{Limit: l, Count: int(est)}, nil
		}
	}
	for _, l := range limits {
		start, _ := bucket(now, l.Window)
		m.add(rateKey(subject, l.Name, start), int64(l.Cost), 2*l.Window, now)
	}
	return nil, nil
}

func (m *Memory) counterKeys(counter, subject string, now time.Time) (string, string) {
	r := Redis{loc: m.loc}
	k := r.counterKeys(counter, subject, now)
	return k[0], k[1]
}

// Incr implements Tracker.
func (m *Memory) Incr(ctx context.Context, counter, subject string, now time.Time) (Counts, error) {
	if err := m.lock(now); err != nil {
		return Counts{}, err
	}
	defer m.mu.Unlock()
	d, mo := m.counterKeys(counter, subject, now)
	return Counts{Today: int(m.add(d, 1, dayTTL, now)), Month: int(m.add(mo, 1, monthTTL, now))}, nil
}

// Counts implements Tracker.
func (m *Memory) Counts(ctx context.Context, counter, subject string, now time.Time) (Counts, error) {
	if err := m.lock(now); err != nil {
		return Counts{}, err
	}
	defer m.mu.Unlock()
	d, mo := m.counterKeys(counter, subject, now)
	return Counts{Today: int(m.get(d, now)), Month: int(m.get(mo, now))}, nil
}

func (m *Memory) zset(k string, now time.Time) *zset {
	z := m.zsets[k]
	if z == nil || !now.Before(z.exp) {
		return nil
	}
	return z
}

// Spread implements Tracker.
func (m *Memory) Spread(ctx context.Context, fingerprint, sender string, window time.Duration, now time.Time) (int, error) {
	if err := m.lock(now); err != nil {
		return 0, err
	}
	defer m.mu.Unlock()
	since := now.Add(-window).UnixMilli()
	n, self := 0, false
	if z := m.zset(spreadKey(fingerprint), now); z != nil {
		for who, t := range z.m {
			if t >= since {
				n++
				self = self || who == subjectKey(sender)
			}
		}
	}
	if !self {
		n++
	}
	return n, nil
}

// AddSpread implements Tracker.
func (m *Memory) AddSpread(ctx context.Context, fingerprint, sender string, window time.Duration, now time.Time) (int, error) {
	if err := m.lock(now); err != nil {
		return 0, err
	}
	defer m.mu.Unlock()
	k := spreadKey(fingerprint)
	z := m.zset(k, now)
	if z == nil {
		z = &zset{m: map[string]int64{}}
		m.zsets[k] = z
	}
	since := now.Add(-window).UnixMilli()
	for who, t := range z.m {
		if t < since {
			delete(z.m, who)
		}
	}
	z.m[subjectKey(sender)] = now.UnixMilli()
	if len(z.m) > spreadMax {
		type e struct {
			who string
			t   int64
		}
		all := make([]e, 0, len(z.m))
		for who, t := range z.m {
			all = append(all, e{who, t})
		}
		sort.Slice(all, func(i, j int) bool { return all[i].t < all[j].t })
		for _, x := range all[:len(all)-spreadMax] {
			delete(z.m, x.who)
		}
	}
	z.exp = now.Add(window)
	return len(z.m), nil
}

// Once implements Tracker.
func (m *Memory) Once(ctx context.Context, key string, ttl time.Duration, now time.Time) (bool, error) {
	if err := m.lock(now); err != nil {
		return false, err
	}
	defer m.mu.Unlock()
	k := Prefix + "once:" + subjectKey(key)
	if exp, ok := m.seen[k]; ok && now.Before(exp) {
		return false, nil
	}
	m.seen[k] = now.Add(ttl)
	return true, nil
}

func (m *Memory) list(k string, now time.Time) *list {
	l := m.lists[k]
	if l == nil || !now.Before(l.exp) {
		return nil
	}
	return l
}

func (m *Memory) push(k string, item []byte, ttl time.Duration, now time.Time, max int) {
	l := m.list(k, now)
	if l == nil {
		l = &list{}
		m.lists[k] = l
	}
	l.items = append(l.items, append([]byte(nil), item...))
	if max > 0 && len(l.items) > max {
		l.items = l.items[len(l.items)-max:]
	}
	l.exp = now.Add(ttl)
}

// Remember implements Tracker.
func (m *Memory) Remember(ctx context.Context, name string, item []byte, ttl time.Duration, now time.Time) error {
	if err := m.lock(now); err != nil {
		return err
	}
	defer m.mu.Unlock()
	m.push(listKey(name), item, ttl, now, listMax)
	return nil
}

// Recall implements Tracker.
func (m *Memory) Recall(ctx context.Context, name string, now time.Time) ([][]byte, error) {
	if err := m.lock(now); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	l := m.list(listKey(name), now)
	if l == nil {
		return nil, nil
	}
	return append([][]byte(nil), l.items...), nil
}

// Enqueue implements Tracker.
func (m *Memory) Enqueue(ctx context.Context, queue, dedupe string, item []byte, due time.Time, ttl time.Duration, now time.Time) (bool, error) {
	if err := m.lock(now); err != nil {
		return false, err
	}
	defer m.mu.Unlock()
	q := subjectKey(queue)
	if dedupe != "" {
		k := digestSeen + q + ":" + subjectKey(dedupe)
		if exp, ok := m.seen[k]; ok && now.Before(exp) {
			return false, nil
		}
		m.seen[k] = now.Add(ttl)
	}
	m.push(digestQueue+q, item, ttl, now, 0)
	if _, ok := m.pending[q]; !ok {
		m.pending[q] = due.UnixMilli()
	}
	return true, nil
}

// Due implements Tracker.
func (m *Memory) Due(ctx context.Context, now time.Time) ([]string, error) {
	if err := m.lock(now); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	var qs []string
	for q, due := range m.pending {
		if due <= now.UnixMilli() {
			qs = append(qs, q)
		}
	}
	sort.Slice(qs, func(i, j int) bool { return m.pending[qs[i]] < m.pending[qs[j]] })
	return qs, nil
}

// Claim implements Tracker.
func (m *Memory) Claim(ctx context.Context, queue string, now time.Time) ([][]byte, error) {
	if err := m.lock(now); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	q := subjectKey(queue)
	if _, ok := m.pending[q]; !ok {
		return nil, nil
	}
	delete(m.pending, q)
	k := digestQueue + q
	l := m.list(k, now)
	delete(m.lists, k)
	if l == nil {
		return nil, nil
	}
	return l.items, nil
}

// Close implements Tracker.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}
