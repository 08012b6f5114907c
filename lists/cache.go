package lists

import (
	"cmp"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/mailward/mailward/scanner"
)

// DefaultTTL is how long Cache trusts its copy before asking the store's
// Version again: a change made elsewhere (the CLI, another gateway) takes
// effect within this long; one made through the same Cache at once.
const DefaultTTL = 2 * time.Second

// Cache reads a Store through a short cache: the relay asks it once per
// message, and it asks the store only for the version number, at most once
// per TTL, reading the entries again only when that changed. A store that
// cannot be read keeps the last good copy (logged); with none, the lists
// are empty, so that mail is scanned and decided by the rules as usual.
type Cache struct {
	ttl  time.Duration
	log  *slog.Logger
	path string // OpenCache: opened once the file exists

	mu      sync.Mutex
	store   Store
	ver     int64
	loaded  bool
	entries []Entry
	checked time.Time
}

// NewCache caches s.
func NewCache(s Store, ttl time.Duration, log *slog.Logger) *Cache {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if log == nil {
		log = slog.Default()
	}
	return &Cache{store: s, ttl: ttl, log: log}
}

// OpenCache caches the SQLite store at path without creating it: until the
// file exists (the first entry added by the review page or the CLI), the
// lists are empty. `scan` uses it so that scanning leaves no files behind.
func OpenCache(path string, ttl time.Duration, log *slog.Logger) *Cache {
	c := NewCache(nil, ttl, log)
	c.path = path
	return c
}

// Invalidate makes the next read ask the store (after a change made here).
func (c *Cache) Invalidate() {
	c.mu.Lock()
	c.checked = time.Time{}
	c.mu.Unlock()
}

// Close closes the store if the cache opened it.
func (c *Cache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.path != "" && c.store != nil {
		err := c.store.Close()
		c.store = nil
		return err
	}
	return nil
}

// Entries returns every entry (expired ones too), by id.
func (c *Cache) Entries(ctx context.Context) []Entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if !c.checked.IsZero() && now.Sub(c.checked) < c.ttl {
		return c.entries
	}
	c.checked = now
	if c.store == nil && c.path != "" {
		if _, err := os.Stat(c.path); errors.Is(err, fs.ErrNotExist) {
			return c.entries
		}
		s, err := OpenSQLite(c.path)
		if err != nil {
			c.log.Warn("allow and block lists unreadable: using the last copy", "path", c.path, "err", err)
			return c.entries
		}
		c.store = s
	}
	if c.store == nil {
		return c.entries
	}
	v, err := c.store.Version(ctx)
	if err != nil {
		c.log.Warn("allow and block lists unreadable: using the last copy", "err", err)
		return c.entries
	}
	if c.loaded && v == c.ver {
		return c.entries
	}
	es, err := c.store.List(ctx)
	if err != nil {
		c.log.Warn("allow and block lists unreadable: using the last copy", "err", err)
		return c.entries
	}
	c.entries, c.ver, c.loaded = es, v, true
	return c.entries
}

// Match returns the active entries that apply to mail of env at now, block
// entries first, then by how specific the match is (address, domain,
// network), then by id: the first that covers a finding decides.
func (c *Cache) Match(ctx context.Context, env scanner.Envelope, now time.Time) []Entry {
	return MatchAll(c.Entries(ctx), env, now)
}

// MatchAll is Match over a list of entries.
func MatchAll(entries []Entry, env scanner.Envelope, now time.Time) []Entry {
	var out []Entry
	s := newSender(env)
	for _, e := range entries {
		if e.matches(s, now) {
			out = append(out, e)
		}
	}
	rank := map[MatchKind]int{MatchAddress: 0, MatchDomain: 1, MatchNetwork: 2}
	kind := map[Kind]int{Block: 0, Allow: 1}
	slices.SortStableFunc(out, func(a, b Entry) int {
		return cmp.Or(cmp.Compare(kind[a.Kind], kind[b.Kind]), cmp.Compare(rank[a.What()], rank[b.What()]), cmp.Compare(a.ID, b.ID))
	})
	return out
}
