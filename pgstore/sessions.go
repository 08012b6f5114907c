package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mailward/mailward/sessions"
)

// Sessions is the sessions.Store of the shared store: logins survive a
// restart and are valid on every gateway. Only the token's hash is kept.
type Sessions struct{ db *DB }

var _ sessions.Store = (*Sessions)(nil)

// Sessions returns the review session view of db.
func (db *DB) Sessions() *Sessions { return &Sessions{db: db} }

// Put implements sessions.Store.
func (s *Sessions) Put(ctx context.Context, token string, x sessions.Session) error {
	_, err := s.db.pool.Exec(ctx, `INSERT INTO review_sessions (token_hash, user_name, csrf, expires) VALUES ($1, $2, $3, $4)
		ON CONFLICT (token_hash) DO UPDATE SET user_name = excluded.user_name, csrf = excluded.csrf, expires = excluded.expires`,
		sessions.Hash(token), x.User, x.CSRF, x.Expires)
	if err != nil {
		return fmt.Errorf("session put: %w", err)
	}
	return nil
}

// Get implements sessions.Store.
func (s *Sessions) Get(ctx context.Context, token string) (sessions.Session, error) {
	var x sessions.Session
	err := s.db.pool.QueryRow(ctx, `SELECT user_name, csrf, expires FROM review_sessions WHERE token_hash = $1 AND expires > $2`,
		sessions.Hash(token), s.db.now()).Scan(&x.User, &x.CSRF, &x.Expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return x, sessions.ErrNone
	}
	if err != nil {
		return x, fmt.Errorf("session get: %w", err)
	}
	return x, nil
}

// Delete implements sessions.Store.
func (s *Sessions) Delete(ctx context.Context, token string) error {
	if _, err := s.db.pool.Exec(ctx, `DELETE FROM review_sessions WHERE token_hash = $1`, sessions.Hash(token)); err != nil {
		return fmt.Errorf("session delete: %w", err)
	}
	return nil
}

// Expire implements sessions.Store.
func (s *Sessions) Expire(ctx context.Context, now time.Time) error {
	if _, err := s.db.pool.Exec(ctx, `DELETE FROM review_sessions WHERE expires <= $1`, now); err != nil {
		return fmt.Errorf("session expire: %w", err)
	}
	return nil
}
