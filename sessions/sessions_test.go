package sessions

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestMemory: a session is found by its token until it expires, then
// never again; Delete and Expire remove sessions; Hash is stable and not
// the token.
func TestMemory(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	m := NewMemory()
	m.Now = func() time.Time { return now }
	m.Put(ctx, "a", Session{User: "it", CSRF: "x", Expires: now.Add(time.Hour)})
	m.Put(ctx, "b", Session{User: "dpo", Expires: now.Add(2 * time.Hour)})
	for _, tc := range []struct {
		tok, user string
		at        time.Duration
	}{{"a", "it", 0}, {"b", "dpo", 0}, {"c", "", 0}, {"a", "", 90 * time.Minute}, {"a", "", 0}, {"b", "dpo", 90 * time.Minute}} {
		now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).Add(tc.at)
		s, err := m.Get(ctx, tc.tok)
		if tc.user == "" && !errors.Is(err, ErrNone) || tc.user != "" && (err != nil || s.User != tc.user) {
			t.Errorf("Get(%q) at +%v = %+v, %v; want user %q", tc.tok, tc.at, s, err, tc.user)
		}
	}
	m.Delete(ctx, "b")
	if _, err := m.Get(ctx, "b"); !errors.Is(err, ErrNone) {
		t.Errorf("after Delete: %v", err)
	}
	m.Put(ctx, "c", Session{Expires: now.Add(-time.Second)})
	m.Expire(ctx, now)
	if len(m.m) != 0 {
		t.Errorf("%d sessions left after Expire", len(m.m))
	}
	if Hash("a") != Hash("a") || Hash("a") == "a" || len(Hash("a")) != 64 {
		t.Errorf("Hash(a) = %q", Hash("a"))
	}
}
