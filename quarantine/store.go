package quarantine

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Store keeps held messages. The local directory is the default; a shared
// backend (object storage plus a Redis index) can implement the same
// interface to serve several gateway instances.
type Store interface {
	// Put stores raw and rec durably and returns the new id. It returns
	// only after both are fsynced: the caller may then answer 250.
	Put(ctx context.Context, raw []byte, rec *Record) (string, error)
}

// Backend is everything the review page, the CLI and retention need from a
// store, beyond Put. Every method takes ids only from NewID: an id that is
// not ValidID is ErrNotFound before any path or key is built from it.
//
// A backend shared by several gateway instances must make Update a real
// compare-and-set: fn sees the latest record and its result is written only
// if nobody wrote in between (Dir: a per-record lock file; Redis: WATCH or
// a Lua script on the record's version).
type Backend interface {
	Store
	// Get returns the record for id.
	Get(ctx context.Context, id string) (*Record, error)
	// Raw returns the message bytes exactly as they were held; ErrGone
	// once they have been removed.
	Raw(ctx context.Context, id string) ([]byte, error)
	// List returns every record, newest first.
	List(ctx context.Context) ([]*Record, error)
	// Update applies fn to the latest record and stores the result with
	// Version+1. If fn returns an error nothing is written and Update
	// returns that error.
	Update(ctx context.Context, id string, fn func(*Record) error) (*Record, error)
	// RemoveRaw deletes the message bytes, durably. Callers first mark the
	// record RawRemoved with Update, so a crash in between leaves bytes
	// that Cleanup removes, never a record that points at nothing.
	RemoveRaw(ctx context.Context, id string) error
	// Forget removes a tombstone record entirely.
	Forget(ctx context.Context, id string) error
	// AppendAudit writes one event to the append-only audit log.
	AppendAudit(ctx context.Context, e AuditEvent) error
}

// Errors.
var (
	// ErrNotFound is returned for an id that is not in the store.
	ErrNotFound = errors.New("quarantine: no such message")
	// ErrGone is returned for a message whose bytes were deleted or expired.
	ErrGone = errors.New("quarantine: message content no longer kept")
)

// Dir is a Store in a local folder:
//
//	DIR/tmp/        files being written
//	DIR/msg/ID.eml  raw message, unchanged
//	DIR/msg/ID.json record; its presence is what makes a message exist
//	DIR/lock/ID     per-record lock (flock) for compare-and-set updates
//	DIR/audit.log   append-only audit log, one JSON object per line
//
// Several processes on one host (or sharing the folder over a filesystem
// with working flock) may use the same Dir at once.
type Dir struct {
	root string
	now  func() time.Time

	mu    sync.Mutex
	cache map[string]cached // id -> last parsed record, by file mtime and size

	auditMu sync.Mutex
}

type cached struct {
	mod  time.Time
	size int64
	rec  *Record
}

var _ Backend = (*Dir)(nil)

// OpenDir opens (creating) a quarantine folder.
func OpenDir(root string) (*Dir, error) {
	for _, sub := range []string{"tmp", "msg", "lock"} {
		if err := os.MkdirAll(filepath.Join(root, sub), 0o700); err != nil {
			return nil, fmt.Errorf("quarantine open %s: %w", root, err)
		}
	}
	return &Dir{root: root, now: time.Now, cache: map[string]cached{}}, nil
}

// Root returns the folder.
func (d *Dir) Root() string { return d.root }

// NewID returns a fresh random id: 20 base32 characters (100 bits), never
// derived from message content or user input.
func NewID() string {
	var b [13]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])[:20])
}

// ValidID reports whether id has the form NewID makes, so that no id from a
// URL or command line can name a path outside the store.
func ValidID(id string) bool {
	if len(id) != 20 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// Put implements Store: the message file, then the record, each written to a
// temporary file, fsynced, renamed into place, and the folder fsynced.
func (d *Dir) Put(ctx context.Context, raw []byte, rec *Record) (string, error) {
	id := NewID()
	rec.ID = id
	if rec.Received.IsZero() {
		rec.Received = d.now().UTC()
	}
	if rec.Status == "" {
		rec.Status = Held
	}
	rec.Size = int64(len(raw))
	rec.Version = 1
	rec.Normalize()
	rec.Audit = append(rec.Audit, AuditEntry{Time: rec.Received, Who: "mailward", What: "held", Detail: rec.Rule})
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("quarantine put %s: %w", id, err)
	}
	if err := d.writeFile(id+".eml", raw); err != nil {
		return "", fmt.Errorf("quarantine put %s: %w", id, err)
	}
	js, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return "", fmt.Errorf("quarantine put %s: %w", id, err)
	}
	if err := d.writeFile(id+".json", js); err != nil {
		os.Remove(filepath.Join(d.root, "msg", id+".eml"))
		return "", fmt.Errorf("quarantine put %s: %w", id, err)
	}
	return id, nil
}

// testHookBeforeRename, when set by a test, runs after a file is written
// and fsynced but before it is renamed into place: the crash-safety test
// kills the process there.
var testHookBeforeRename func(name string)

// writeFile writes name under msg/ atomically and durably.
func (d *Dir) writeFile(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Join(d.root, "tmp"), name+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if testHookBeforeRename != nil {
		testHookBeforeRename(name)
	}
	dst := filepath.Join(d.root, "msg", name)
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	return syncDir(filepath.Join(d.root, "msg"))
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func (d *Dir) path(id, ext string) string { return filepath.Join(d.root, "msg", id+ext) }

// Get implements Backend.
func (d *Dir) Get(ctx context.Context, id string) (*Record, error) {
	if !ValidID(id) {
		return nil, ErrNotFound
	}
	r, err := d.read(id)
	if err != nil {
		return nil, err
	}
	return r.Clone(), nil
}

// read returns the (cached, shared) record: callers clone before changing it.
func (d *Dir) read(id string) (*Record, error) { return d.readRecord(id, true) }

// readRecord reads a record, from the cache when useCache and the file's
// modification time and size are unchanged. Update reads with useCache
// false: file times come from the kernel's coarse clock (a few
// milliseconds), so two quick writes of the same size by another process
// can look unchanged, and compare-and-set must see the latest record.
func (d *Dir) readRecord(id string, useCache bool) (*Record, error) {
	p := d.path(id, ".json")
	st, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("quarantine get %s: %w", id, err)
	}
	d.mu.Lock()
	c, ok := d.cache[id]
	d.mu.Unlock()
	if useCache && ok && c.mod.Equal(st.ModTime()) && c.size == st.Size() {
		return c.rec, nil
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("quarantine get %s: %w", id, err)
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("quarantine get %s: bad record: %w", id, err)
	}
	if r.ID != id {
		return nil, fmt.Errorf("quarantine get %s: record names id %q", id, r.ID)
	}
	r.Normalize()
	d.mu.Lock()
	d.cache[id] = cached{mod: st.ModTime(), size: st.Size(), rec: &r}
	d.mu.Unlock()
	return &r, nil
}

// Raw implements Backend.
func (d *Dir) Raw(ctx context.Context, id string) ([]byte, error) {
	if !ValidID(id) {
		return nil, ErrNotFound
	}
	r, err := d.read(id)
	if err != nil {
		return nil, err
	}
	if r.RawRemoved {
		return nil, ErrGone
	}
	b, err := os.ReadFile(d.path(id, ".eml"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrGone
	}
	if err != nil {
		return nil, fmt.Errorf("quarantine raw %s: %w", id, err)
	}
	return b, nil
}

// List implements Backend. Only ids with a complete record are listed: a
// message whose record never reached its final name does not exist.
func (d *Dir) List(ctx context.Context) ([]*Record, error) {
	ents, err := os.ReadDir(filepath.Join(d.root, "msg"))
	if err != nil {
		return nil, fmt.Errorf("quarantine list: %w", err)
	}
	var out []*Record
	seen := map[string]bool{}
	for _, e := range ents {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !ValidID(id) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("quarantine list: %w", err)
		}
		r, err := d.read(id)
		if errors.Is(err, ErrNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		seen[id] = true
		out = append(out, r.Clone())
	}
	d.mu.Lock()
	for id := range d.cache {
		if !seen[id] {
			delete(d.cache, id)
		}
	}
	d.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Received.Equal(out[j].Received) {
			return out[i].Received.After(out[j].Received)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// lock takes the per-record lock. flock is released by the kernel if the
// process dies, so a crash never leaves a record locked.
func (d *Dir) lock(id string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(d.root, "lock", id), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// Update implements Backend: under the record's lock, read, apply fn,
// write durably with Version+1.
func (d *Dir) Update(ctx context.Context, id string, fn func(*Record) error) (*Record, error) {
	if !ValidID(id) {
		return nil, ErrNotFound
	}
	if _, err := os.Stat(d.path(id, ".json")); err != nil {
		return nil, ErrNotFound
	}
	unlock, err := d.lock(id)
	if err != nil {
		return nil, fmt.Errorf("quarantine update %s: %w", id, err)
	}
	defer unlock()
	cur, err := d.readRecord(id, false)
	if err != nil {
		return nil, err
	}
	next := cur.Clone()
	if err := fn(next); err != nil {
		return nil, err
	}
	next.ID = id
	next.Version = cur.Version + 1
	js, err := json.MarshalIndent(next, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("quarantine update %s: %w", id, err)
	}
	if err := d.writeFile(id+".json", js); err != nil {
		return nil, fmt.Errorf("quarantine update %s: %w", id, err)
	}
	return next.Clone(), nil
}

// RemoveRaw implements Backend.
func (d *Dir) RemoveRaw(ctx context.Context, id string) error {
	if !ValidID(id) {
		return ErrNotFound
	}
	if err := os.Remove(d.path(id, ".eml")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("quarantine remove %s: %w", id, err)
	}
	return syncDir(filepath.Join(d.root, "msg"))
}

// Forget implements Backend.
func (d *Dir) Forget(ctx context.Context, id string) error {
	if !ValidID(id) {
		return ErrNotFound
	}
	unlock, err := d.lock(id)
	if err != nil {
		return fmt.Errorf("quarantine forget %s: %w", id, err)
	}
	for _, ext := range []string{".eml", ".json"} {
		if err := os.Remove(d.path(id, ext)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			unlock()
			return fmt.Errorf("quarantine forget %s: %w", id, err)
		}
	}
	os.Remove(filepath.Join(d.root, "lock", id))
	unlock()
	d.mu.Lock()
	delete(d.cache, id)
	d.mu.Unlock()
	return syncDir(filepath.Join(d.root, "msg"))
}

// Cleanup removes what a crash can leave behind, once it is older than
// age (so that a write in progress in another process is never touched):
// temporary files, message bytes whose record never landed, and bytes of
// records already marked RawRemoved.
func (d *Dir) Cleanup(now time.Time, age time.Duration) (removed int, err error) {
	old := func(e fs.DirEntry) bool {
		info, err := e.Info()
		return err == nil && now.Sub(info.ModTime()) > age
	}
	tmps, err := os.ReadDir(filepath.Join(d.root, "tmp"))
	if err != nil {
		return 0, fmt.Errorf("quarantine cleanup: %w", err)
	}
	for _, e := range tmps {
		if old(e) && os.Remove(filepath.Join(d.root, "tmp", e.Name())) == nil {
			removed++
		}
	}
	msgs, err := os.ReadDir(filepath.Join(d.root, "msg"))
	if err != nil {
		return removed, fmt.Errorf("quarantine cleanup: %w", err)
	}
	for _, e := range msgs {
		id, ok := strings.CutSuffix(e.Name(), ".eml")
		if !ok || !ValidID(id) {
			continue
		}
		r, err := d.read(id)
		orphan := errors.Is(err, ErrNotFound) && old(e)
		if orphan || err == nil && r.RawRemoved {
			if os.Remove(d.path(id, ".eml")) == nil {
				removed++
			}
		}
	}
	return removed, syncDir(filepath.Join(d.root, "msg"))
}
