package pgstore

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// The abandoned-hold journal: a hold whose commit outcome is unknown and
// whose sender was told to retry must be removed once the database
// answers, or the retry makes a second copy. Kept only in memory, a gateway
// that dies before the database comes back would forget it; written to a
// local file (fsynced before the 451), the next start of the gateway
// removes it.

// loadJournal reads the ids a previous run left in path.
func loadJournal(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: abandoned-hold journal: %w", err)
	}
	var ids []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if id := string(bytes.TrimSpace(sc.Bytes())); id != "" {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// appendJournal adds id to the journal durably. Called with abandonMu held.
func (db *DB) appendJournal(id string) error {
	if db.journal == "" {
		return nil
	}
	f, err := os.OpenFile(db.journal, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: abandoned-hold journal: %w", err)
	}
	if _, err := f.WriteString(id + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("store: abandoned-hold journal: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("store: abandoned-hold journal: %w", err)
	}
	return f.Close()
}

// rewriteJournal replaces the journal with the ids still abandoned, by
// rename, so a crash leaves the old or the new list. Called with
// abandonMu held.
func (db *DB) rewriteJournal() error {
	if db.journal == "" {
		return nil
	}
	var ids []string
	for id := range db.abandoned {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b bytes.Buffer
	for _, id := range ids {
		b.WriteString(id + "\n")
	}
	tmp := db.journal + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b.Bytes()); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, db.journal); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(db.journal)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
