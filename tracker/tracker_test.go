package tracker_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mailward/mailward/tracker"
	"github.com/mailward/mailward/tracker/redistest"
)

// token makes names unique per test, so tests can share one Redis
// ($REDIS_URL) with each other and with other packages' tests.
func token(t *testing.T) string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

var london, _ = time.LoadLocation("Europe/London")

// impls runs a test against both trackers, and the Redis one against one
// server, a Sentinel group and a Cluster: the contract is one. (The
// cluster proves the hash tags: a Lua script whose keys fall in different
// slots fails there with CROSSSLOT.)
func impls(t *testing.T, f func(t *testing.T, tr tracker.Tracker)) {
	t.Run("memory", func(t *testing.T) { f(t, tracker.NewMemory(london)) })
	for _, kind := range []string{"redis", "sentinel", "cluster"} {
		t.Run(kind, func(t *testing.T) {
			var u string
			switch kind {
			case "redis":
				u = redisURL(t)
			case "sentinel":
				u = topology(t, kind, redistest.StartSentinel)
			case "cluster":
				u = topology(t, kind, redistest.StartCluster)
			}
			tr, err := tracker.Dial(u, 0, london)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { tr.Close() })
			f(t, tr)
		})
	}
}

// topologies holds the Sentinel and Cluster set up once for the package;
// their processes are stopped by topoStop in TestMain.
var (
	topologies = map[string]string{}
	topoStop   []func()
)

func topology(t *testing.T, kind string, start func(testing.TB) string) string {
	if u, ok := topologies[kind]; ok {
		return u
	}
	k := &keeper{TB: t}
	u := start(k)
	topoStop = append(topoStop, k.cleanups...)
	topologies[kind] = u
	return u
}

// keeper defers a helper's cleanups to the end of the package's tests, so
// one Sentinel and one Cluster serve every test.
type keeper struct {
	testing.TB
	cleanups []func()
}

func (k *keeper) Cleanup(f func()) { k.cleanups = append(k.cleanups, f) }
func (k *keeper) TempDir() string {
	d, err := os.MkdirTemp("", "redistest")
	if err != nil {
		k.TB.Fatal(err)
	}
	k.cleanups = append(k.cleanups, func() { os.RemoveAll(d) })
	return d
}

// sharedURL is $REDIS_URL or one private server for the whole package run.
var sharedURL string

func redisURL(t *testing.T) string {
	t.Helper()
	if sharedURL == "" {
		t.Skip(redistest.ErrNoServer.Error())
	}
	return sharedURL
}

func TestMain(m *testing.M) {
	sharedURL = redistest.Shared(10)
	var srv *redistest.Server
	if sharedURL == "" {
		dir, _ := os.MkdirTemp("", "redis")
		var err error
		srv, err = redistest.StartServer(dir)
		if err == nil {
			sharedURL = srv.URL
		} else if !errors.Is(err, redistest.ErrNoServer) {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer os.RemoveAll(dir)
	}
	code := m.Run()
	if srv != nil {
		srv.Stop()
	}
	for i := len(topoStop) - 1; i >= 0; i-- {
		topoStop[i]()
	}
	os.Exit(code)
}

// t0 is half way through an hour bucket, in British Summer Time.
var t0 = time.Date(2026, 6, 10, 9, 30, 0, 0, time.UTC)

func TestTakeSlidingWindow(t *testing.T) {
	impls(t, func(t *testing.T, tr tracker.Tracker) {
		ctx := context.Background()
		s := "alice-" + token(t) + "@trust.example"
		msgs := func(cost int) []tracker.Limit {
			return []tracker.Limit{{Name: "messages", Max: 4, Window: time.Hour, Cost: 1},
				{Name: "recipients", Max: 10, Window: time.Hour, Cost: cost}}
		}
		check := func(at time.Time, cost int, wantOver string) {
			t.Helper()
			over, err := tr.Take(ctx, s, msgs(cost), at)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if over != nil {
				got = over.Limit.Name
			}
			if got != wantOver {
				t.Fatalf("at %s cost %d: over %q (%v), want %q", at.Format("15:04"), cost, got, over, wantOver)
			}
		}
		check(t0, 4, "")
		check(t0.Add(time.Minute), 4, "")
		check(t0.Add(2*time.Minute), 4, "recipients") // 8+4 > 10: refused, nothing counted
		check(t0.Add(3*time.Minute), 2, "")           // 10 recipients, 3 messages
		check(t0.Add(4*time.Minute), 0, "")           // 4 messages
		check(t0.Add(5*time.Minute), 0, "messages")
		// 29 minutes later the bucket ends; a full hour after t0 half of the
		// previous bucket still counts: 4 messages * 30/60 = 2.
		check(t0.Add(time.Hour), 0, "")
		check(t0.Add(time.Hour+time.Second), 0, "")
		check(t0.Add(time.Hour+2*time.Second), 0, "messages")
		// Two hours on, everything from t0 has slid out of the window.
		for i := 0; i < 4; i++ {
			check(t0.Add(2*time.Hour+40*time.Minute+time.Duration(i)*time.Second), 1, "")
		}
		// Another subject is counted apart.
		over, err := tr.Take(ctx, "bob-"+token(t)+"@trust.example", msgs(10), t0)
		if err != nil || over != nil {
			t.Fatalf("other subject: %v %v", over, err)
		}
	})
}

func TestCountersDayAndMonth(t *testing.T) {
	impls(t, func(t *testing.T, tr tracker.Tracker) {
		ctx := context.Background()
		s := "carol-" + token(t) + "@trust.example"
		// 23:30 UTC on 30 June is already 1 July in London (BST).
		late := time.Date(2026, 6, 30, 22, 30, 0, 0, time.UTC)
		for i := 1; i <= 3; i++ {
			c, err := tr.Incr(ctx, tracker.Confirmed, s, late)
			if err != nil || c.Today != i || c.Month != i {
				t.Fatalf("incr %d: %+v %v", i, c, err)
			}
		}
		next := late.Add(time.Hour) // 00:30 BST on 1 July
		c, err := tr.Counts(ctx, tracker.Confirmed, s, next)
		if err != nil || c != (tracker.Counts{}) {
			t.Fatalf("new day and month in London: %+v %v", c, err)
		}
		c, _ = tr.Counts(ctx, tracker.Confirmed, s, late.Add(-20*time.Hour))
		if c != (tracker.Counts{Today: 3, Month: 3}) {
			t.Fatalf("same day: %+v", c)
		}
		c, _ = tr.Counts(ctx, tracker.Confirmed, s, late.Add(-5*24*time.Hour))
		if c != (tracker.Counts{Today: 0, Month: 3}) {
			t.Fatalf("earlier in June: %+v", c)
		}
		c, _ = tr.Counts(ctx, tracker.Held, s, late)
		if c != (tracker.Counts{}) {
			t.Fatalf("other counter: %+v", c)
		}
	})
}

func TestSpread(t *testing.T) {
	impls(t, func(t *testing.T, tr tracker.Tracker) {
		ctx := context.Background()
		fp := "fp-" + token(t)
		w := 24 * time.Hour
		for i, s := range []string{"a@x.example", "B@x.example", "b@x.example", "c@y.example"} {
			n, err := tr.AddSpread(ctx, fp, s, w, t0.Add(time.Duration(i)*time.Hour))
			want := []int{1, 2, 2, 3}[i]
			if err != nil || n != want {
				t.Fatalf("add %s: %d %v, want %d", s, n, err, want)
			}
		}
		at := t0.Add(4 * time.Hour)
		for s, want := range map[string]int{"a@x.example": 3, "d@z.example": 4} {
			if n, err := tr.Spread(ctx, fp, s, w, at); err != nil || n != want {
				t.Fatalf("spread for %s: %d %v, want %d", s, n, err, want)
			}
		}
		// Read-only: d was not recorded.
		if n, _ := tr.Spread(ctx, fp, "e@z.example", w, at); n != 4 {
			t.Fatalf("Spread wrote: %d", n)
		}
		// a's send slides out of the window first.
		if n, _ := tr.Spread(ctx, fp, "c@y.example", w, t0.Add(24*time.Hour+30*time.Minute)); n != 2 {
			t.Fatalf("after a left the window: %d, want 2", n)
		}
		if n, _ := tr.Spread(ctx, fp, "z@z.example", w, t0.Add(60*time.Hour)); n != 1 {
			t.Fatalf("after the window: %d, want 1", n)
		}
	})
}

func TestOnce(t *testing.T) {
	impls(t, func(t *testing.T, tr tracker.Tracker) {
		ctx := context.Background()
		k := "confirm:" + token(t)
		for i, want := range []bool{true, false, false} {
			if ok, err := tr.Once(ctx, k, time.Hour, t0.Add(time.Duration(i)*time.Minute)); err != nil || ok != want {
				t.Fatalf("once %d: %v %v", i, ok, err)
			}
		}
	})
}

// TestMemoryForgets: the in-process tracker drops expired keys, as Redis
// does with its TTLs, so a long-running node does not grow.
func TestMemoryForgets(t *testing.T) {
	ctx := context.Background()
	m := tracker.NewMemory(nil)
	for i := 0; i < 100; i++ {
		s := fmt.Sprintf("s%d@x.example", i)
		m.Take(ctx, s, []tracker.Limit{{Name: "messages", Max: 5, Window: time.Hour, Cost: 1}}, t0)
		m.Incr(ctx, tracker.Held, s, t0)
		m.AddSpread(ctx, "fp", s, time.Hour, t0)
		m.Once(ctx, s, time.Hour, t0)
	}
	if n := m.Len(t0); n < 300 {
		t.Fatalf("only %d keys", n)
	}
	if n := m.Len(t0.Add(70 * 24 * time.Hour)); n != 0 {
		t.Fatalf("%d keys left after every TTL", n)
	}
}

func TestRememberRecall(t *testing.T) {
	impls(t, func(t *testing.T, tr tracker.Tracker) {
		ctx := context.Background()
		l := "confirmed:" + token(t)
		for i := 0; i < 120; i++ {
			if err := tr.Remember(ctx, l, []byte(fmt.Sprint(i)), time.Hour, t0); err != nil {
				t.Fatal(err)
			}
		}
		got, err := tr.Recall(ctx, l, t0)
		if err != nil || len(got) != 100 || string(got[0]) != "20" || string(got[99]) != "119" {
			t.Fatalf("recall: %d items %v", len(got), err)
		}
	})
}

func TestDigestQueue(t *testing.T) {
	impls(t, func(t *testing.T, tr tracker.Tracker) {
		ctx := context.Background()
		q := "manager-" + token(t) + "@trust.example"
		due := t0.Add(15 * time.Minute)
		added := 0
		for i := 0; i < 50; i++ {
			// A spree: 50 holds, each enqueued twice (two instances, or a retry).
			for range 2 {
				ok, err := tr.Enqueue(ctx, q, fmt.Sprintf("hold-%d", i), []byte(fmt.Sprint(i)), due.Add(time.Duration(i)*time.Second), 24*time.Hour, t0.Add(time.Duration(i)*time.Second))
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					added++
				}
			}
		}
		if added != 50 {
			t.Fatalf("dedupe: %d added, want 50", added)
		}
		if qs, _ := tr.Due(ctx, due.Add(-time.Second)); contains(qs, q) {
			t.Fatalf("due early")
		}
		qs, err := tr.Due(ctx, due)
		if err != nil || !contains(qs, q) {
			t.Fatalf("due: %v %v", qs, err)
		}
		items, err := tr.Claim(ctx, q, due)
		if err != nil || len(items) != 50 || string(items[0]) != "0" || string(items[49]) != "49" {
			t.Fatalf("claim: %d %v", len(items), err)
		}
		if again, _ := tr.Claim(ctx, q, due); len(again) != 0 {
			t.Fatalf("claimed twice: %d", len(again))
		}
		if qs, _ := tr.Due(ctx, due.Add(time.Hour)); contains(qs, q) {
			t.Fatalf("still due after claim")
		}
		// A later item starts a new batch; an item without a dedupe key is never deduplicated.
		for range 2 {
			if ok, _ := tr.Enqueue(ctx, q, "", []byte("x"), due.Add(time.Hour), 2*time.Hour, due); !ok {
				t.Fatal("no-dedupe item dropped")
			}
		}
		if items, _ := tr.Claim(ctx, q, due.Add(time.Hour)); len(items) != 2 {
			t.Fatalf("second batch: %d", len(items))
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestRedisKeysHaveTTL exercises every operation and then checks that every
// key it left carries the mailward: prefix and an expiry.
func TestRedisKeysHaveTTL(t *testing.T) {
	ctx := context.Background()
	tr, err := tracker.Dial(redisURL(t), 0, london)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	tok := token(t)
	s := "ttl-" + tok + "@trust.example"
	if _, err := tr.Take(ctx, s, []tracker.Limit{{Name: "messages", Max: 5, Window: time.Hour, Cost: 1}}, t0); err != nil {
		t.Fatal(err)
	}
	tr.Incr(ctx, tracker.Held, s, t0)
	tr.AddSpread(ctx, "fp-"+tok, s, time.Hour, t0)
	tr.Remember(ctx, "list-"+tok, []byte("x"), time.Hour, t0)
	tr.Once(ctx, "once-"+tok, time.Hour, t0)
	tr.Enqueue(ctx, "q-"+tok, "d-"+tok, []byte("x"), t0, time.Hour, t0)
	tr.Enqueue(ctx, "q2-"+tok, "d-"+tok, []byte("x"), t0, time.Hour, t0)

	c := tr.Client()
	var keys []string
	iter := c.Scan(ctx, 0, "*"+tok+"*", 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	keys = append(keys, tracker.Prefix+"{digest}:pending")
	// rate, 2 counters, spread, list, 2 queues, 1 seen (same dedupe key per queue: 2), pending
	if len(keys) < 9 {
		t.Fatalf("expected every kind of key, found %v", keys)
	}
	for _, k := range keys {
		if len(k) < len(tracker.Prefix) || k[:len(tracker.Prefix)] != tracker.Prefix {
			t.Errorf("key %q lacks the prefix", k)
		}
		ttl, err := c.PTTL(ctx, k).Result()
		if err != nil || ttl <= 0 {
			t.Errorf("key %q has no TTL (%v, %v)", k, ttl, err)
		}
	}
}

// TestRedisTwoInstances: two gateways with their own clients see the same
// counts, and only one of them sends a due digest.
func TestRedisTwoInstances(t *testing.T) {
	ctx := context.Background()
	a, err := tracker.Dial(redisURL(t), 0, london)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, _ := tracker.Dial(redisURL(t), 0, london)
	defer b.Close()
	s := "shared-" + token(t) + "@trust.example"
	lim := []tracker.Limit{{Name: "messages", Max: 10, Window: time.Hour, Cost: 1}}
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	for i := 0; i < 30; i++ {
		tr := a
		if i%2 == 1 {
			tr = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			over, err := tr.Take(ctx, s, lim, t0)
			if err != nil {
				t.Error(err)
			}
			if over == nil {
				mu.Lock()
				taken++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if taken != 10 {
		t.Fatalf("two instances took %d, want exactly 10", taken)
	}
	a.Incr(ctx, tracker.Confirmed, s, t0)
	if c, _ := b.Counts(ctx, tracker.Confirmed, s, t0); c.Today != 1 {
		t.Fatalf("b does not see a's count: %+v", c)
	}
	q := "q-" + token(t)
	a.Enqueue(ctx, q, "", []byte("x"), t0, time.Hour, t0)
	b.Enqueue(ctx, q, "", []byte("y"), t0, time.Hour, t0)
	var got [2]int
	wg.Add(2)
	for i, tr := range []*tracker.Redis{a, b} {
		go func() {
			defer wg.Done()
			items, _ := tr.Claim(ctx, q, t0)
			got[i] = len(items)
		}()
	}
	wg.Wait()
	if got[0]+got[1] != 2 || (got[0] != 0 && got[1] != 0) {
		t.Fatalf("claims %v: want one instance to get both items", got)
	}
}

// TestRedisDownOrSlow: with Redis stopped or paused, every operation returns
// an error within the operation timeout instead of hanging.
func TestRedisDownOrSlow(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	const timeout = 300 * time.Millisecond
	tr, err := tracker.Dial(srv.URL, timeout, london)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	s := "down@trust.example"
	lim := []tracker.Limit{{Name: "messages", Max: 10, Window: time.Hour, Cost: 1}}
	if _, err := tr.Take(ctx, s, lim, t0); err != nil {
		t.Fatalf("before: %v", err)
	}
	ops := map[string]func() error{
		"take":   func() error { _, err := tr.Take(ctx, s, lim, t0); return err },
		"incr":   func() error { _, err := tr.Incr(ctx, tracker.Held, s, t0); return err },
		"counts": func() error { _, err := tr.Counts(ctx, tracker.Held, s, t0); return err },
		"spread": func() error { _, err := tr.Spread(ctx, "fp", s, time.Hour, t0); return err },
		"enqueue": func() error {
			_, err := tr.Enqueue(ctx, "q", "", nil, t0, time.Hour, t0)
			return err
		},
		"due": func() error { _, err := tr.Due(ctx, t0); return err },
	}
	expectFast := func(phase string) {
		t.Helper()
		for name, op := range ops {
			start := time.Now()
			err := op()
			took := time.Since(start)
			if err == nil {
				t.Errorf("%s: %s succeeded", phase, name)
			}
			if took > 3*timeout {
				t.Errorf("%s: %s took %v, want under %v", phase, name, took, 3*timeout)
			}
		}
	}

	// Slow: the server stops answering for 2 s.
	admin := redis.NewClient(&redis.Options{Addr: srv.Addr})
	if err := admin.Do(ctx, "CLIENT", "PAUSE", "2000", "ALL").Err(); err != nil {
		t.Fatal(err)
	}
	admin.Close()
	expectFast("paused")
	time.Sleep(2 * time.Second) // the real server's pause, not the tracker's clock

	// Down: the process is gone.
	srv.Stop()
	expectFast("stopped")
}

// TestDialForms: one server, Sentinel and Cluster URLs all make a client,
// and with nothing listening every form fails fast instead of hanging.
func TestDialForms(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	for _, u := range []string{
		"redis://" + dead + "/0",
		"redis://" + dead + "?master_name=mymaster&addr=" + dead,
		"redis://" + dead + "?addr=" + dead,
	} {
		tr, err := tracker.Dial(u, 200*time.Millisecond, nil)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		start := time.Now()
		_, err = tr.Take(context.Background(), "s", []tracker.Limit{{Name: "m", Max: 1, Window: time.Hour, Cost: 1}}, t0)
		if err == nil {
			t.Errorf("%s: no error with nothing listening", u)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("%s: took %v", u, took)
		}
		tr.Close()
	}
	if _, err := tracker.Dial("redis://x?bogus=1", 0, nil); err == nil {
		t.Error("unknown URL parameter accepted")
	}
}
