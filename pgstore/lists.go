package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mailward/mailward/lists"
)

// Lists is the lists.Store of the shared store: one allow and block list
// for every gateway. The version row changes in the same transaction as
// every add and remove, so each gateway's lists.Cache sees a change made on
// another within its refresh interval.
type Lists struct{ db *DB }

var _ lists.Store = (*Lists)(nil)

// Lists returns the allow and block list view of db.
func (db *DB) Lists() *Lists { return &Lists{db: db} }

// Close implements lists.Store; the pool belongs to the DB.
func (l *Lists) Close() error { return nil }

const listColumns = `id, kind, match, directions, categories, action, reason, expires, created, created_by`

func scanListEntry(row pgx.Row) (lists.Entry, error) {
	var e lists.Entry
	var kind string
	var exp *time.Time
	err := row.Scan(&e.ID, &kind, &e.Match, &e.Directions, &e.Categories, &e.Action, &e.Reason, &exp, &e.Created, &e.CreatedBy)
	e.Kind = lists.Kind(kind)
	if exp != nil {
		e.Expires = exp.UTC()
	}
	e.Created = e.Created.UTC()
	if len(e.Directions) == 0 {
		e.Directions = nil
	}
	if len(e.Categories) == 0 {
		e.Categories = nil
	}
	return e, err
}

// List implements lists.Store.
func (l *Lists) List(ctx context.Context) ([]lists.Entry, error) {
	rows, err := l.db.pool.Query(ctx, `SELECT `+listColumns+` FROM list_entries ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("lists list: %w", err)
	}
	defer rows.Close()
	var out []lists.Entry
	for rows.Next() {
		e, err := scanListEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("lists list: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func orEmpty(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// Add implements lists.Store.
func (l *Lists) Add(ctx context.Context, e lists.Entry) (lists.Entry, error) {
	if err := lists.Normalize(&e); err != nil {
		return lists.Entry{}, err
	}
	if e.Created.IsZero() {
		e.Created = l.db.now().UTC()
	}
	e.Created = e.Created.UTC().Truncate(time.Microsecond)
	var exp *time.Time
	if !e.Expires.IsZero() {
		e.Expires = e.Expires.UTC().Truncate(time.Microsecond)
		exp = &e.Expires
	}
	err := pgx.BeginFunc(ctx, l.db.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO list_entries (kind, match, directions, categories, action, reason, expires, created, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, string(e.Kind), e.Match, orEmpty(e.Directions), orEmpty(e.Categories),
			e.Action, e.Reason, exp, e.Created, e.CreatedBy).Scan(&e.ID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE list_version SET n = n + 1 WHERE id = 1`)
		return err
	})
	if err != nil {
		return lists.Entry{}, fmt.Errorf("lists add: %w", err)
	}
	return e, nil
}

// Remove implements lists.Store.
func (l *Lists) Remove(ctx context.Context, id int64) (lists.Entry, error) {
	var e lists.Entry
	err := pgx.BeginFunc(ctx, l.db.pool, func(tx pgx.Tx) error {
		var err error
		e, err = scanListEntry(tx.QueryRow(ctx, `DELETE FROM list_entries WHERE id = $1 RETURNING `+listColumns, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return lists.ErrNotFound
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE list_version SET n = n + 1 WHERE id = 1`)
		return err
	})
	if err != nil {
		return lists.Entry{}, fmt.Errorf("lists remove %d: %w", id, err)
	}
	return e, nil
}

// Version implements lists.Store.
func (l *Lists) Version(ctx context.Context) (int64, error) {
	var n int64
	if err := l.db.pool.QueryRow(ctx, `SELECT n FROM list_version WHERE id = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("lists version: %w", err)
	}
	return n, nil
}
