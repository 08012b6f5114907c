package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/mailward/mailward/quarantine"
)

// ImportResult says what Import did.
type ImportResult struct {
	// Imported records were new to the shared store.
	Imported int
	// Present records were there already (an earlier import): skipped.
	Present int
	// Audit events copied from the folder's audit log.
	Audit int
}

// Import copies a local quarantine folder into the shared store: each
// record with its bytes, under its own id, in one transaction per message,
// then the audit log. It never removes anything from the folder, so a
// failure half way loses nothing, and running it again copies only what is
// missing: a message already present is skipped, and the audit log is
// copied only into a store that has no event from this folder yet (marked
// by an "imported" event naming it).
func (db *DB) Import(ctx context.Context, dir *quarantine.Dir) (ImportResult, error) {
	var res ImportResult
	recs, err := dir.List(ctx)
	if err != nil {
		return res, fmt.Errorf("store import: %w", err)
	}
	for _, r := range recs {
		raw, err := dir.Raw(ctx, r.ID)
		if err != nil && !errors.Is(err, quarantine.ErrGone) {
			return res, fmt.Errorf("store import %s: %w", r.ID, err)
		}
		js, err := json.Marshal(r)
		if err != nil {
			return res, fmt.Errorf("store import %s: %w", r.ID, err)
		}
		var inserted bool
		err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `INSERT INTO quarantine (id, received, status, version, raw_removed, record)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
				r.ID, r.Received, string(r.Status), max(r.Version, 1), r.RawRemoved || raw == nil, js)
			if err != nil {
				return err
			}
			inserted = tag.RowsAffected() == 1
			if inserted && raw != nil && !r.RawRemoved {
				_, err = tx.Exec(ctx, `INSERT INTO quarantine_raw (id, raw) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, r.ID, raw)
			}
			return err
		})
		if err != nil {
			return res, fmt.Errorf("store import %s: %w", r.ID, err)
		}
		if inserted {
			res.Imported++
		} else {
			res.Present++
		}
	}
	events, err := dir.ReadAudit()
	if err != nil {
		return res, fmt.Errorf("store import: audit log: %w", err)
	}
	mark := "audit log of " + dir.Root()
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// One import of a folder's audit log at a time, and only once.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey("import:"+dir.Root())); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM audit WHERE what = 'imported' AND detail = $1`, mark).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		rows := make([][]any, 0, len(events))
		for _, e := range events {
			rows = append(rows, []any{e.Time, e.Who, e.Role, e.What, e.ID, oneLine(e.Detail), e.Remote})
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audit"}, []string{"time", "who", "role", "what", "msg_id", "detail", "remote"},
			pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		res.Audit = len(rows)
		_, err := tx.Exec(ctx, `INSERT INTO audit (time, who, what, detail) VALUES ($1, 'mailward', 'imported', $2)`, db.now().UTC(), mark)
		return err
	})
	if err != nil {
		return res, fmt.Errorf("store import: audit log: %w", err)
	}
	return res, nil
}
