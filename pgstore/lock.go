package pgstore

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"
)

// Exclusive runs fn unless another gateway is running the job called name
// at this moment, in which case it returns false at once: that gateway is
// doing the work. The lock is a session-level pg_try_advisory_lock on a
// connection held for the run, so a gateway that dies mid-job frees it
// when its connection closes. The job's last run is recorded in jobs.
//
// quarantine.Purge and the message log's retention run through it, so
// that retention runs once across gateways, not once per host.
func (db *DB) Exclusive(ctx context.Context, name string, fn func(context.Context) error) (bool, error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return false, fmt.Errorf("store lock %s: %w", name, err)
	}
	defer conn.Release()
	key := lockKey(name)
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err != nil {
		return false, fmt.Errorf("store lock %s: %w", name, err)
	}
	if !got {
		return false, nil
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key); err != nil {
			// The lock dies with the session: close it rather than
			// return a connection that still holds it to the pool.
			conn.Conn().Close(context.Background())
		}
	}()
	err = fn(ctx)
	if _, jerr := conn.Exec(ctx, `INSERT INTO jobs (name, last_run) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET last_run = excluded.last_run`, name, db.now().UTC()); jerr != nil && err == nil {
		db.log.Warn("job run not recorded", "job", name, "err", jerr)
	}
	return true, err
}

// LastRun returns when the job called name last finished (zero if never).
func (db *DB) LastRun(ctx context.Context, name string) (time.Time, error) {
	var t time.Time
	err := db.pool.QueryRow(ctx, `SELECT coalesce(max(last_run), 'epoch') FROM jobs WHERE name = $1`, name).Scan(&t)
	if err != nil {
		return time.Time{}, fmt.Errorf("store job %s: %w", name, err)
	}
	if t.Unix() == 0 {
		return time.Time{}, nil
	}
	return t, nil
}

// lockKey maps a job name to an advisory lock key, in a range apart from
// migrateLock.
func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("mailward:" + name))
	return int64(h.Sum64() &^ (1 << 63))
}
