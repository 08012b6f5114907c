package quarantine

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// ErrNotFound is returned for an id that is not in the store.
var ErrNotFound = errors.New("quarantine: no such message")

// Dir is a Store in a local folder:
//
//	DIR/tmp/        files being written
//	DIR/msg/ID.eml  raw message, unchanged
//	DIR/msg/ID.json record; its presence is what makes a message exist
type Dir struct {
	root string
	now  func() time.Time
}

var _ Store = (*Dir)(nil)

// OpenDir opens (creating) a quarantine folder.
func OpenDir(root string) (*Dir, error) {
	for _, sub := range []string{"tmp", "msg"} {
		if err := os.MkdirAll(filepath.Join(root, sub), 0o700); err != nil {
			return nil, fmt.Errorf("quarantine open %s: %w", root, err)
		}
	}
	return &Dir{root: root, now: time.Now}, nil
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
