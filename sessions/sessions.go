// Package sessions keeps review page logins. A session is a random cookie
// value naming a user, a CSRF token and an expiry.
//
// Store is the seam: Memory keeps sessions in the process (the embedded
// default: one gateway, a restart logs everyone out); the shared store
// (pgstore, store.url) keeps them in PostgreSQL so that they survive
// restarts and are valid on every gateway behind one review address.
package sessions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"time"
)

// Session is one login.
type Session struct {
	// User is the login name; the review page looks the user up in its
	// current config at each request, so a user removed from the config is
	// logged out everywhere.
	User string
	// CSRF is the session's anti-CSRF token.
	CSRF    string
	Expires time.Time
}

// ErrNone is returned by Get for a token that names no live session.
var ErrNone = errors.New("sessions: no such session")

// Store keeps sessions by cookie value. Implementations must be safe for
// concurrent use. A store that keeps sessions outside the process should
// keep only a hash of the token (Hash), so that reading the table never
// gives anyone a working cookie.
type Store interface {
	// Put saves s under token.
	Put(ctx context.Context, token string, s Session) error
	// Get returns the live session of token, or ErrNone (expired ones
	// included).
	Get(ctx context.Context, token string) (Session, error)
	// Delete removes token's session (logout, a new login); no error when
	// there is none.
	Delete(ctx context.Context, token string) error
	// Expire removes the sessions that expired before now.
	Expire(ctx context.Context, now time.Time) error
}

// Hash is the stored key of a token: hex SHA-256. Tokens are 256 random
// bits, so no salt or slow hash is needed.
func Hash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Memory is the in-process Store.
type Memory struct {
	Now func() time.Time

	mu sync.Mutex
	m  map[string]Session
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-process store.
func NewMemory() *Memory { return &Memory{Now: time.Now, m: map[string]Session{}} }

// Put implements Store.
func (m *Memory) Put(ctx context.Context, token string, s Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[token] = s
	return nil
}

// Get implements Store.
func (m *Memory) Get(ctx context.Context, token string) (Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.m[token]
	if !ok {
		return Session{}, ErrNone
	}
	if m.Now().After(s.Expires) {
		delete(m.m, token)
		return Session{}, ErrNone
	}
	return s, nil
}

// Delete implements Store.
func (m *Memory) Delete(ctx context.Context, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, token)
	return nil
}

// Expire implements Store.
func (m *Memory) Expire(ctx context.Context, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, s := range m.m {
		if now.After(s.Expires) {
			delete(m.m, k)
		}
	}
	return nil
}
