package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mailward/mailward/quarantine"
)

// Quarantine is the quarantine.Backend of the shared store. Several
// gateways use it at once: Put is one transaction, Update holds the
// record's row lock from read to write, so every state change (a release
// claim, its heartbeat, a stale-claim takeover, a delete, a legal hold) is a
// real compare-and-set across gateways.
type Quarantine struct {
	db *DB
	// PutTimeout bounds one Put, retries included; default 30 s (the relay
	// answers within the reply deadline whatever happens).
	PutTimeout time.Duration
}

var _ quarantine.Backend = (*Quarantine)(nil)

// Quarantine returns the quarantine view of db.
func (db *DB) Quarantine() *Quarantine { return &Quarantine{db: db, PutTimeout: 30 * time.Second} }

// putAttempts is how often Put tries its transaction before giving up.
const putAttempts = 4

// Put implements quarantine.Store. The id is made before the first
// attempt and is the idempotency key: the record and the bytes go in with
// INSERT ... ON CONFLICT (id) DO NOTHING, in one transaction. Put returns
// the id only after a COMMIT succeeded, so the caller's 250 follows a
// committed hold.
//
// When a COMMIT's outcome is unknown (the connection dropped while it was
// in flight), Put runs the same transaction again: if the first commit
// landed, the insert finds the row and does nothing; if it is still in
// flight on the server, the insert waits for it; if it was lost, the insert
// writes it. Either way one row. If no attempt succeeds, Put returns an
// error (the relay answers 451 and the sender retries) and remembers the id,
// in memory and, with Options.AbandonedFile, in a local journal fsynced
// before the 451: once the database answers again that row, if it exists,
// is removed, so that the sender's retry is the only copy, even when this
// gateway restarts in between.
func (q *Quarantine) Put(ctx context.Context, raw []byte, rec *quarantine.Record) (string, error) {
	id := quarantine.NewID()
	rec.ID = id
	if rec.Received.IsZero() {
		rec.Received = q.db.now().UTC()
	}
	if rec.Status == "" {
		rec.Status = quarantine.Held
	}
	rec.Size = int64(len(raw))
	rec.Version = 1
	rec.Normalize()
	rec.Audit = append(rec.Audit, quarantine.AuditEntry{Time: rec.Received, Who: "mailward", What: "held", Detail: rec.Rule})
	js, err := json.Marshal(rec)
	if err != nil {
		return "", fmt.Errorf("quarantine put %s: %w", id, err)
	}
	ctx, cancel := context.WithTimeout(ctx, q.PutTimeout)
	defer cancel()
	unknown := false
	for attempt := 0; ; attempt++ {
		err = q.putOnce(ctx, id, rec, js, raw)
		if err == nil {
			return id, nil
		}
		if !definite(err) {
			unknown = true
		}
		if attempt+1 >= putAttempts || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(100<<attempt) * time.Millisecond):
		}
	}
	if unknown {
		q.db.abandon(id)
	}
	return "", fmt.Errorf("quarantine put %s: %w", id, err)
}

// testHookBeforeCommit, when set by a test, runs inside a hold's
// transaction just before COMMIT.
var testHookBeforeCommit func(id string)

func (q *Quarantine) putOnce(ctx context.Context, id string, rec *quarantine.Record, js, raw []byte) error {
	return pgx.BeginFunc(ctx, q.db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO quarantine (id, received, status, version, raw_removed, record)
			VALUES ($1, $2, $3, 1, false, $4) ON CONFLICT (id) DO NOTHING`, id, rec.Received, string(rec.Status), js); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO quarantine_raw (id, raw) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, id, raw); err != nil {
			return err
		}
		if testHookBeforeCommit != nil {
			testHookBeforeCommit(id)
		}
		return nil
	})
}

// abandon remembers a hold whose commit outcome is unknown and whose
// sender was told to retry, and starts removing such holds in the
// background until the database answers.
func (db *DB) abandon(id string) {
	db.abandonMu.Lock()
	defer db.abandonMu.Unlock()
	db.abandoned[id] = true
	if err := db.appendJournal(id); err != nil {
		db.log.Error("hold of unknown outcome not journalled: if this gateway stops before the database answers, its sender's retry may be held twice", "id", id, "err", err)
	}
	if db.abandonGo {
		return
	}
	db.abandonGo = true
	go db.removeAbandoned()
}

// removeAbandoned deletes every abandoned hold: in one transaction, an
// insert of the id (which waits for a commit of that id still in flight on
// the server, and makes a placeholder when there was none) and the delete
// of whatever row has it. It retries each second until all are gone.
func (db *DB) removeAbandoned() {
	for {
		db.abandonMu.Lock()
		var ids []string
		for id := range db.abandoned {
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			db.abandonGo = false
			db.abandonMu.Unlock()
			return
		}
		db.abandonMu.Unlock()
		for _, id := range ids {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			var existed bool
			err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
				tag, err := tx.Exec(ctx, `INSERT INTO quarantine (id, received, status, version, record)
					VALUES ($1, now(), 'abandoned', 0, '{}') ON CONFLICT (id) DO NOTHING`, id)
				if err != nil {
					return err
				}
				existed = tag.RowsAffected() == 0
				_, err = tx.Exec(ctx, `DELETE FROM quarantine WHERE id = $1`, id)
				return err
			})
			cancel()
			if err != nil {
				continue
			}
			if existed {
				db.log.Warn("hold removed: its commit landed after the sender was told to retry", "id", id)
			}
			db.abandonMu.Lock()
			delete(db.abandoned, id)
			if err := db.rewriteJournal(); err != nil {
				db.log.Warn("abandoned-hold journal not rewritten (removed holds are removed again at the next start: harmless)", "err", err)
			}
			db.abandonMu.Unlock()
		}
		select {
		case <-db.closed:
			db.abandonMu.Lock()
			db.abandonGo = false
			db.abandonMu.Unlock()
			return
		case <-time.After(time.Second):
		}
	}
}

// Pending returns how many holds of unknown outcome still wait to be
// removed (for tests and readiness).
func (db *DB) Pending() int {
	db.abandonMu.Lock()
	defer db.abandonMu.Unlock()
	return len(db.abandoned)
}

func decodeRecord(id string, js []byte) (*quarantine.Record, error) {
	var r quarantine.Record
	if err := json.Unmarshal(js, &r); err != nil {
		return nil, fmt.Errorf("quarantine get %s: bad record: %w", id, err)
	}
	if r.ID != id {
		return nil, fmt.Errorf("quarantine get %s: record names id %q", id, r.ID)
	}
	r.Normalize()
	return &r, nil
}

// Get implements quarantine.Backend.
func (q *Quarantine) Get(ctx context.Context, id string) (*quarantine.Record, error) {
	if !quarantine.ValidID(id) {
		return nil, quarantine.ErrNotFound
	}
	var js []byte
	err := q.db.pool.QueryRow(ctx, `SELECT record FROM quarantine WHERE id = $1 AND version > 0`, id).Scan(&js)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, quarantine.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("quarantine get %s: %w", id, err)
	}
	return decodeRecord(id, js)
}

// Raw implements quarantine.Backend.
func (q *Quarantine) Raw(ctx context.Context, id string) ([]byte, error) {
	if !quarantine.ValidID(id) {
		return nil, quarantine.ErrNotFound
	}
	var removed bool
	var raw []byte
	err := q.db.pool.QueryRow(ctx, `SELECT q.raw_removed, r.raw FROM quarantine q LEFT JOIN quarantine_raw r ON r.id = q.id
		WHERE q.id = $1 AND q.version > 0`, id).Scan(&removed, &raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, quarantine.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("quarantine raw %s: %w", id, err)
	}
	if removed || raw == nil {
		return nil, quarantine.ErrGone
	}
	return raw, nil
}

// List implements quarantine.Backend.
func (q *Quarantine) List(ctx context.Context) ([]*quarantine.Record, error) {
	rows, err := q.db.pool.Query(ctx, `SELECT id, record FROM quarantine WHERE version > 0 ORDER BY received DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("quarantine list: %w", err)
	}
	defer rows.Close()
	var out []*quarantine.Record
	for rows.Next() {
		var id string
		var js []byte
		if err := rows.Scan(&id, &js); err != nil {
			return nil, fmt.Errorf("quarantine list: %w", err)
		}
		r, err := decodeRecord(id, js)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("quarantine list: %w", err)
	}
	return out, nil
}

// Update implements quarantine.Backend: the row is locked (SELECT ... FOR
// UPDATE) from the read to the commit, so an Update on another gateway
// waits and then sees this one's result.
func (q *Quarantine) Update(ctx context.Context, id string, fn func(*quarantine.Record) error) (*quarantine.Record, error) {
	if !quarantine.ValidID(id) {
		return nil, quarantine.ErrNotFound
	}
	var next *quarantine.Record
	var fnErr error
	err := pgx.BeginFunc(ctx, q.db.pool, func(tx pgx.Tx) error {
		var js []byte
		err := tx.QueryRow(ctx, `SELECT record FROM quarantine WHERE id = $1 AND version > 0 FOR UPDATE`, id).Scan(&js)
		if errors.Is(err, pgx.ErrNoRows) {
			return quarantine.ErrNotFound
		}
		if err != nil {
			return err
		}
		cur, err := decodeRecord(id, js)
		if err != nil {
			return err
		}
		next = cur.Clone()
		if fnErr = fn(next); fnErr != nil {
			return fnErr
		}
		next.ID = id
		next.Version = cur.Version + 1
		out, err := json.Marshal(next)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE quarantine SET record = $2, version = $3, status = $4, raw_removed = $5 WHERE id = $1`,
			id, out, next.Version, string(next.Status), next.RawRemoved)
		return err
	})
	switch {
	case err == nil:
		return next.Clone(), nil
	case fnErr != nil && errors.Is(err, fnErr), errors.Is(err, quarantine.ErrNotFound):
		// fn's own verdict (ErrIllegal, ErrLegalHold, ...), unwrapped as
		// the local store returns it.
		return nil, err
	default:
		return nil, fmt.Errorf("quarantine update %s: %w", id, err)
	}
}

// RemoveRaw implements quarantine.Backend.
func (q *Quarantine) RemoveRaw(ctx context.Context, id string) error {
	if !quarantine.ValidID(id) {
		return quarantine.ErrNotFound
	}
	if _, err := q.db.pool.Exec(ctx, `DELETE FROM quarantine_raw WHERE id = $1`, id); err != nil {
		return fmt.Errorf("quarantine remove %s: %w", id, err)
	}
	return nil
}

// Forget implements quarantine.Backend.
func (q *Quarantine) Forget(ctx context.Context, id string) error {
	if !quarantine.ValidID(id) {
		return quarantine.ErrNotFound
	}
	if _, err := q.db.pool.Exec(ctx, `DELETE FROM quarantine WHERE id = $1`, id); err != nil {
		return fmt.Errorf("quarantine forget %s: %w", id, err)
	}
	return nil
}

// Exclusive implements quarantine's once-across-gateways hook (see
// DB.Exclusive): quarantine.Purge runs through it.
func (q *Quarantine) Exclusive(ctx context.Context, name string, fn func(context.Context) error) (bool, error) {
	return q.db.Exclusive(ctx, name, fn)
}
