package pgstore

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/mailward/mailward/lists"
	"github.com/mailward/mailward/sessions"
)

// TestListsMatchSQLite: the same adds and removes on the embedded SQLite
// lists and on PostgreSQL leave the same entries; the version moves with
// every change; invalid entries are refused alike.
func TestListsMatchSQLite(t *testing.T) {
	ctx := context.Background()
	lite, err := lists.OpenSQLite(filepath.Join(t.TempDir(), "lists.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg := open(t, migrated(t)).Lists()
	created := time.Date(2026, 3, 1, 8, 0, 0, 123456000, time.UTC)
	entries := []lists.Entry{
		{Kind: lists.Allow, Match: "Partner.Example", Categories: []string{"chain_mail"}, Reason: "newsletter", Created: created, CreatedBy: "it"},
		{Kind: lists.Block, Match: "spam@bad.example", Directions: []string{"inbound"}, Reason: "abuse", Expires: created.Add(30 * 24 * time.Hour), Created: created, CreatedBy: "it"},
		{Kind: lists.Block, Match: "192.0.2.7/24", Action: lists.ActionQuarantine, Reason: "compromised", Created: created, CreatedBy: "dpo"},
	}
	for _, s := range []lists.Store{lite, pg} {
		v0, _ := s.Version(ctx)
		for _, e := range entries {
			if _, err := s.Add(ctx, e); err != nil {
				t.Fatalf("%T add: %v", s, err)
			}
		}
		if _, err := s.Add(ctx, lists.Entry{Kind: lists.Allow, Match: "x.example", Categories: []string{"malware"}, Reason: "no"}); !errors.Is(err, lists.ErrInvalid) {
			t.Errorf("%T: allow for malware: %v", s, err)
		}
		if _, err := s.Remove(ctx, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Remove(ctx, 2); !errors.Is(err, lists.ErrNotFound) {
			t.Errorf("%T second remove: %v", s, err)
		}
		if v, _ := s.Version(ctx); v != v0+4 {
			t.Errorf("%T version %d after 4 changes from %d", s, v, v0)
		}
	}
	want, _ := lite.List(ctx)
	got, err := pg.List(ctx)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("entries differ:\n got %+v\nwant %+v", got, want)
	}
}

// TestSessionsShared: a session put through one gateway's store is found
// through another's, by token only (the table keeps a hash); it expires
// and is deleted everywhere.
func TestSessionsShared(t *testing.T) {
	ctx := context.Background()
	u := migrated(t)
	a, b := open(t, u), open(t, u)
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	if err := a.Sessions().Put(ctx, "tok-1", sessions.Session{User: "it", CSRF: "c1", Expires: exp}); err != nil {
		t.Fatal(err)
	}
	s, err := b.Sessions().Get(ctx, "tok-1")
	if err != nil || s.User != "it" || s.CSRF != "c1" || !s.Expires.Equal(exp) {
		t.Fatalf("get on b: %+v, %v", s, err)
	}
	var n int
	b.pool.QueryRow(ctx, `SELECT count(*) FROM review_sessions WHERE token_hash = 'tok-1' OR user_name = 'tok-1'`).Scan(&n)
	if n != 0 {
		t.Error("the token is stored in clear")
	}
	if _, err := b.Sessions().Get(ctx, "tok-2"); !errors.Is(err, sessions.ErrNone) {
		t.Errorf("unknown token: %v", err)
	}
	a.Sessions().Put(ctx, "old", sessions.Session{User: "it", Expires: time.Now().Add(-time.Minute)})
	if _, err := b.Sessions().Get(ctx, "old"); !errors.Is(err, sessions.ErrNone) {
		t.Errorf("expired session: %v", err)
	}
	b.Sessions().Expire(ctx, time.Now())
	b.pool.QueryRow(ctx, `SELECT count(*) FROM review_sessions`).Scan(&n)
	if n != 1 {
		t.Errorf("%d sessions after expiry, want 1", n)
	}
	b.Sessions().Delete(ctx, "tok-1")
	if _, err := a.Sessions().Get(ctx, "tok-1"); !errors.Is(err, sessions.ErrNone) {
		t.Errorf("after delete on b, a finds: %v", err)
	}
}
