// Package pgstore is the store that several gateways share (store.url):
// held messages and their records, the audit log, review sessions, the
// message log and the allow and block lists, in PostgreSQL through pgx.
//
// It implements the same interfaces as the embedded defaults
// (quarantine.Backend, msglog.Store, lists.Store, sessions.Store), so the
// relay, the review page and the CLI do not know which one they use. What
// the local folder does with flock and fsync, this package does with
// transactions and row locks: a hold is one transaction (record and bytes
// together, committed before the caller may answer 250), every state change
// is SELECT ... FOR UPDATE then UPDATE in one transaction (two gateways
// releasing the same recipient at once: one claims it, the other sees it
// claimed), and jobs that must run once across gateways (retention) run
// under a PostgreSQL advisory lock.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is one pool of connections to the shared store. Every store of this
// package (Quarantine, MsgLog, Lists, Sessions) is a view of one DB.
type DB struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	now  func() time.Time

	// abandoned are holds whose commit outcome stayed unknown and whose
	// sender was told to retry (451): they are removed once the database
	// answers again, so that the retry is the only copy.
	abandonMu sync.Mutex
	abandoned map[string]bool
	abandonGo bool
	// journal is the file that keeps abandoned across restarts ("" none).
	journal   string
	closed    chan struct{}
	closeOnce sync.Once
}

// Options tune Open.
type Options struct {
	// Log receives store warnings; slog.Default when nil.
	Log *slog.Logger
	// MaxConns bounds the pool; default 10.
	MaxConns int32
	// AbandonedFile, when set, is a local file that keeps the ids of holds
	// whose commit outcome stayed unknown (their senders were told to
	// retry) until they are removed, so that a gateway that dies before
	// the database answers again still removes them at its next start.
	AbandonedFile string
}

// Open connects to url (postgres://...) and checks that the schema is
// migrated to the version this binary knows: serve refuses to start on an
// older schema rather than fail at the first hold (run `mailward store
// migrate`). The connection is tried once; a database that is down makes
// Open fail.
func Open(ctx context.Context, url string, o Options) (*DB, error) {
	db, err := connect(ctx, url, o)
	if err != nil {
		return nil, err
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if want := latestVersion(); v < want {
		db.Close()
		return nil, fmt.Errorf("store: schema version %d, this mailward needs %d: run `mailward store migrate`", v, want)
	}
	return db, nil
}

// connect makes the pool without checking the schema (migrate uses it).
func connect(ctx context.Context, url string, o Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: bad url: %w", redact(err))
	}
	cfg.MaxConns = 10
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	// A connection whose server went away is found at the next use; keep
	// idle ones short so that a restarted server is reached quickly.
	cfg.MaxConnIdleTime = time.Minute
	cfg.HealthCheckPeriod = 10 * time.Second
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > 5*time.Second {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "mailward"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: %w", redact(err))
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect: %w", redact(err))
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	db := &DB{pool: pool, log: log.With("component", "store"), now: time.Now, abandoned: map[string]bool{}, closed: make(chan struct{}),
		journal: o.AbandonedFile}
	if db.journal != "" {
		ids, err := loadJournal(db.journal)
		if err != nil {
			pool.Close()
			return nil, err
		}
		if len(ids) > 0 {
			db.log.Warn("removing holds a previous run left of unknown outcome", "count", len(ids))
			db.abandonMu.Lock()
			for _, id := range ids {
				db.abandoned[id] = true
			}
			db.abandonGo = true
			db.abandonMu.Unlock()
			go db.removeAbandoned()
		}
	}
	return db, nil
}

// Close closes the pool. Holds still waiting to be removed (Pending) are
// logged: their senders retried, so each may be held twice.
func (db *DB) Close() {
	db.closeOnce.Do(func() {
		close(db.closed)
		if n := db.Pending(); n > 0 {
			db.log.Warn("holds of unknown outcome not removed before close: their senders' retries may be held twice", "count", n)
		}
		db.pool.Close()
	})
}

// Ping checks that the database answers (readiness).
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// redact keeps a password in a connection string out of an error message.
func redact(err error) error {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return errors.New(ce.Error())
	}
	return err
}

// definite reports whether err is the server's own refusal (an SQLSTATE):
// the transaction was then rolled back and nothing was written. Any other
// error (connection lost, timeout) leaves the outcome of a COMMIT unknown.
func definite(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe)
}
