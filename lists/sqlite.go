package lists

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // pure Go: nothing to install
)

// SQLite is the embedded Store: one small database file (by default
// quarantine.dir/lists/lists.db), in WAL mode so that the CLI, the review
// page and the relay may use it at once. The schema is plain SQL that
// PostgreSQL also accepts, for the shared store of issue 15.
type SQLite struct {
	db  *sql.DB
	now func() time.Time
}

var _ Store = (*SQLite)(nil)

const schema = `
CREATE TABLE IF NOT EXISTS entries (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	kind TEXT NOT NULL,
	match TEXT NOT NULL,
	directions TEXT NOT NULL DEFAULT '',
	categories TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL,
	expires INTEGER NOT NULL DEFAULT 0,
	created INTEGER NOT NULL,
	created_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS version (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
INSERT OR IGNORE INTO version(id, n) VALUES (1, 0);
`

// OpenSQLite opens (creating when missing) the lists database at path.
func OpenSQLite(path string) (*SQLite, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lists open %s: %w", path, err)
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "synchronous(FULL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("lists open %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("lists open %s: schema: %w", path, err)
	}
	os.Chmod(path, 0o600) // addresses: readable by mailward only
	return &SQLite{db: db, now: time.Now}, nil
}

// Close implements Store.
func (s *SQLite) Close() error { return s.db.Close() }

func joinSet(xs []string) string { return strings.Join(xs, ",") }

func splitSet(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func fromMicros(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMicro(n).UTC()
}

func toMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

const columns = `id, kind, match, directions, categories, action, reason, expires, created, created_by`

func scanEntry(sc interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var dirs, cats string
	var exp, created int64
	err := sc.Scan(&e.ID, &e.Kind, &e.Match, &dirs, &cats, &e.Action, &e.Reason, &exp, &created, &e.CreatedBy)
	e.Directions, e.Categories = splitSet(dirs), splitSet(cats)
	e.Expires, e.Created = fromMicros(exp), fromMicros(created)
	return e, err
}

// List implements Store.
func (s *SQLite) List(ctx context.Context) ([]Entry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+columns+` FROM entries ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("lists list: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("lists list: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Add implements Store. The entry and the version bump are one
// transaction, fsynced (synchronous FULL) before Add returns.
func (s *SQLite) Add(ctx context.Context, e Entry) (Entry, error) {
	if err := Normalize(&e); err != nil {
		return Entry{}, err
	}
	if e.Created.IsZero() {
		e.Created = s.now().UTC()
	}
	e.Created = e.Created.Truncate(time.Microsecond)
	e.Expires = e.Expires.Truncate(time.Microsecond)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Entry{}, fmt.Errorf("lists add: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO entries(kind, match, directions, categories, action, reason, expires, created, created_by)
		VALUES (?,?,?,?,?,?,?,?,?)`, e.Kind, e.Match, joinSet(e.Directions), joinSet(e.Categories), e.Action, e.Reason,
		toMicros(e.Expires), toMicros(e.Created), e.CreatedBy)
	if err != nil {
		return Entry{}, fmt.Errorf("lists add: %w", err)
	}
	if e.ID, err = res.LastInsertId(); err != nil {
		return Entry{}, fmt.Errorf("lists add: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE version SET n = n + 1 WHERE id = 1`); err != nil {
		return Entry{}, fmt.Errorf("lists add: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Entry{}, fmt.Errorf("lists add: %w", err)
	}
	e.Created, e.Expires = e.Created.UTC(), e.Expires.UTC()
	if toMicros(e.Expires) == 0 {
		e.Expires = time.Time{}
	}
	return e, nil
}

// Remove implements Store.
func (s *SQLite) Remove(ctx context.Context, id int64) (Entry, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Entry{}, fmt.Errorf("lists remove %d: %w", id, err)
	}
	defer tx.Rollback()
	e, err := scanEntry(tx.QueryRowContext(ctx, `SELECT `+columns+` FROM entries WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, fmt.Errorf("lists remove %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("lists remove %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM entries WHERE id = ?`, id); err != nil {
		return Entry{}, fmt.Errorf("lists remove %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE version SET n = n + 1 WHERE id = 1`); err != nil {
		return Entry{}, fmt.Errorf("lists remove %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return Entry{}, fmt.Errorf("lists remove %d: %w", id, err)
	}
	return e, nil
}

// Version implements Store.
func (s *SQLite) Version(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT n FROM version WHERE id = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("lists version: %w", err)
	}
	return n, nil
}
