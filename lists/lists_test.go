package lists

import (
	"errors"
	"net/netip"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mailward/mailward/scanner"
)

var now = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func env(from, client string, dir scanner.Direction) scanner.Envelope {
	e := scanner.Envelope{From: from, Direction: dir}
	if client != "" {
		e.Client = netip.MustParseAddr(client)
	}
	return e
}

// TestMatches: an entry matches by exact address, exact domain (or *.
// subdomains, never a suffix), or client network; only in its directions;
// never once expired.
func TestMatches(t *testing.T) {
	in, out := scanner.Inbound, scanner.Outbound
	cases := []struct {
		name  string
		match string
		dirs  []string
		exp   time.Time
		env   scanner.Envelope
		want  bool
	}{
		{"address exact", "Bad@Evil.Example", nil, time.Time{}, env("bad@evil.example", "", in), true},
		{"address case and brackets", "bad@evil.example", nil, time.Time{}, env("<BAD@EVIL.EXAMPLE>", "", in), true},
		{"address other user", "bad@evil.example", nil, time.Time{}, env("good@evil.example", "", in), false},
		{"domain exact", "evil.example", nil, time.Time{}, env("x@evil.example", "", in), true},
		{"domain is no suffix match", "evil.example", nil, time.Time{}, env("x@notevil.example", "", in), false},
		{"domain not subdomain", "evil.example", nil, time.Time{}, env("x@mail.evil.example", "", in), false},
		{"wildcard subdomain", "*.evil.example", nil, time.Time{}, env("x@mail.evil.example", "", in), true},
		{"wildcard itself", "*.evil.example", nil, time.Time{}, env("x@evil.example", "", in), true},
		{"wildcard no suffix", "*.evil.example", nil, time.Time{}, env("x@devil.example", "", in), false},
		{"idn domain", "bücher.example", nil, time.Time{}, env("x@xn--bcher-kva.example", "", in), true},
		{"network v4", "192.0.2.0/24", nil, time.Time{}, env("x@a.example", "192.0.2.77", in), true},
		{"network v4 outside", "192.0.2.0/24", nil, time.Time{}, env("x@a.example", "198.51.100.1", in), false},
		{"network mapped v6", "192.0.2.0/24", nil, time.Time{}, env("x@a.example", "::ffff:192.0.2.8", in), true},
		{"single address", "203.0.113.5", nil, time.Time{}, env("", "203.0.113.5", in), true},
		{"network v6", "2001:db8::/32", nil, time.Time{}, env("", "2001:db8:1::1", in), true},
		{"network without client", "192.0.2.0/24", nil, time.Time{}, env("x@a.example", "", in), false},
		{"bounce sender", "evil.example", nil, time.Time{}, env("", "", in), false},
		{"direction listed", "evil.example", []string{"inbound"}, time.Time{}, env("x@evil.example", "", in), true},
		{"direction not listed", "evil.example", []string{"inbound"}, time.Time{}, env("x@evil.example", "", out), false},
		{"not yet expired", "evil.example", nil, now.Add(time.Minute), env("x@evil.example", "", in), true},
		{"expired", "evil.example", nil, now.Add(-time.Minute), env("x@evil.example", "", in), false},
		{"expires exactly now", "evil.example", nil, now, env("x@evil.example", "", in), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := Entry{Kind: Block, Match: c.match, Directions: c.dirs, Expires: c.exp, Reason: "test"}
			if err := Normalize(&e); err != nil {
				t.Fatal(err)
			}
			if got := e.Matches(c.env, now); got != c.want {
				t.Errorf("%s matches %+v: %v, want %v", e.Match, c.env, got, c.want)
			}
		})
	}
}

// TestNormalize: bad entries are refused with ErrInvalid; an allow entry
// may never name malware or unscannable.
func TestNormalize(t *testing.T) {
	cases := []struct {
		e     Entry
		ok    bool
		match string
	}{
		{Entry{Kind: Allow, Match: "Partner.Example.", Reason: "supplier"}, true, "partner.example"},
		{Entry{Kind: Allow, Match: "10.1.2.3/8", Reason: "lan"}, true, "10.0.0.0/8"},
		{Entry{Kind: Allow, Match: "partner.example", Categories: []string{"malware"}, Reason: "x"}, false, ""},
		{Entry{Kind: Allow, Match: "partner.example", Categories: []string{"unscannable"}, Reason: "x"}, false, ""},
		{Entry{Kind: Block, Match: "partner.example", Categories: []string{"malware"}, Reason: "x"}, true, "partner.example"},
		{Entry{Kind: Allow, Match: "partner.example"}, false, ""},
		{Entry{Kind: "maybe", Match: "partner.example", Reason: "x"}, false, ""},
		{Entry{Kind: Block, Match: "not a thing", Reason: "x"}, false, ""},
		{Entry{Kind: Block, Match: "nodot", Reason: "x"}, false, ""},
		{Entry{Kind: Block, Match: "@partner.example", Reason: "x"}, false, ""},
		{Entry{Kind: Block, Match: "a@b.example", Directions: []string{"sideways"}, Reason: "x"}, false, ""},
		{Entry{Kind: Block, Match: "a@b.example", Action: "explode", Reason: "x"}, false, ""},
		{Entry{Kind: Allow, Match: "a@b.example", Action: "reject", Reason: "x"}, false, ""},
		{Entry{Kind: Block, Match: "a@b.example", Categories: []string{"Pupil Data"}, Reason: "x"}, false, ""},
	}
	for _, c := range cases {
		e := c.e
		err := Normalize(&e)
		if c.ok != (err == nil) || err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: err %v, want ok=%v", c.e, err, c.ok)
			continue
		}
		if c.ok && e.Match != c.match {
			t.Errorf("%+v: match %q, want %q", c.e, e.Match, c.match)
		}
		if c.ok && e.Kind == Block && e.Action != ActionReject {
			t.Errorf("block entry's default action %q", e.Action)
		}
	}
}

// TestAppliesTo: an allow entry never covers malware or unscannable, even
// with no category condition; a block entry covers what it names.
func TestAppliesTo(t *testing.T) {
	all := Entry{Kind: Allow}
	for _, c := range []string{"malware", "unscannable"} {
		if all.AppliesTo(c) {
			t.Errorf("an allow-everything entry covers %s", c)
		}
	}
	if !all.AppliesTo("chain_mail") || !(Entry{Kind: Block}).AppliesTo("malware") {
		t.Error("an entry without categories should cover the rest")
	}
	some := Entry{Kind: Allow, Categories: []string{"chain_mail"}}
	if some.AppliesTo("offensive_language") || !some.AppliesTo("chain_mail") {
		t.Error("category condition not applied")
	}
}

// TestMatchOrder: blocks come before allows, addresses before domains
// before networks.
func TestMatchOrder(t *testing.T) {
	es := []Entry{
		{ID: 1, Kind: Allow, Match: "192.0.2.0/24", Reason: "x"},
		{ID: 2, Kind: Allow, Match: "evil.example", Reason: "x"},
		{ID: 3, Kind: Allow, Match: "bad@evil.example", Reason: "x"},
		{ID: 4, Kind: Block, Match: "evil.example", Reason: "x"},
		{ID: 5, Kind: Allow, Match: "other.example", Reason: "x"},
	}
	got := MatchAll(es, env("bad@evil.example", "192.0.2.1", scanner.Inbound), now)
	var ids []int64
	for _, e := range got {
		ids = append(ids, e.ID)
	}
	want := []int64{4, 3, 2, 1}
	if len(ids) != len(want) {
		t.Fatalf("ids %v, want %v", ids, want)
	}
	for i := range want {
		if ids[i] != want[i] {
			t.Fatalf("ids %v, want %v", ids, want)
		}
	}
}

// TestSQLite: entries survive a reopen; every change moves the version; a
// cache sees a change made through another handle once its TTL passed.
func TestSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lists", "lists.db")
	ctx := t.Context()
	c := OpenCache(path, 50*time.Millisecond, nil)
	defer c.Close()
	if n := len(c.Entries(ctx)); n != 0 {
		t.Fatalf("%d entries before the file exists", n)
	}
	s, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	v0, _ := s.Version(ctx)
	exp := now.Add(24 * time.Hour)
	a, err := s.Add(ctx, Entry{Kind: Block, Match: "Evil.Example", Directions: []string{"inbound"}, Categories: []string{"chain_mail", "chain_mail"},
		Reason: "chain letters", Expires: exp, CreatedBy: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(ctx, Entry{Kind: Allow, Match: "x", Reason: "bad"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid add: %v", err)
	}
	b, err := s.Add(ctx, Entry{Kind: Allow, Match: "partner.example", Reason: "supplier", CreatedBy: "cli:root"})
	if err != nil {
		t.Fatal(err)
	}
	v1, _ := s.Version(ctx)
	if v1 != v0+2 || a.ID == 0 || b.ID <= a.ID {
		t.Errorf("versions %d -> %d, ids %d %d", v0, v1, a.ID, b.ID)
	}
	s.Close()
	s, err = OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.List(ctx)
	if err != nil || len(got) != 2 {
		t.Fatalf("after reopen: %d entries, %v", len(got), err)
	}
	g := got[0]
	if g.Match != "evil.example" || len(g.Categories) != 1 || g.Action != ActionReject || !g.Expires.Equal(exp) ||
		g.CreatedBy != "admin" || g.Created.IsZero() || g.Directions[0] != "inbound" {
		t.Errorf("stored entry %+v", g)
	}
	if !got[1].Expires.IsZero() {
		t.Errorf("no expiry read back as %v", got[1].Expires)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(c.Entries(ctx)) != 2 {
		if time.Now().After(deadline) {
			t.Fatal("the cache never saw the new file")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := s.Remove(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Remove(ctx, a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second remove: %v", err)
	}
	for len(c.Entries(ctx)) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the cache never saw the removal")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestConcurrentAdds: two writers (as the CLI and the review page) never
// lose an entry.
func TestConcurrentAdds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lists.db")
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := OpenSQLite(path)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			for i := range 20 {
				if _, err := s.Add(t.Context(), Entry{Kind: Block, Match: "evil.example", Reason: "w" + string(rune('0'+w)) + string(rune('a'+i))}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	s, _ := OpenSQLite(path)
	defer s.Close()
	es, _ := s.List(t.Context())
	if v, _ := s.Version(t.Context()); len(es) != 40 || v != 40 {
		t.Errorf("%d entries, version %d; want 40", len(es), v)
	}
}
