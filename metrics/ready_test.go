package metrics

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestReadyz: a required check that fails makes /readyz 503, one that is
// not required is reported degraded with 200; the body names no error
// detail; and however many requests arrive within readyTTL, each
// dependency is probed once.
func TestReadyz(t *testing.T) {
	var probes atomic.Int32
	var mu sync.Mutex
	var hopErr, redisErr error
	load := func(e *error) error { mu.Lock(); defer mu.Unlock(); return *e }
	set := func(e *error, v error) { mu.Lock(); defer mu.Unlock(); *e = v }
	SetChecks(func() []Check {
		return []Check{
			{Name: "next_hop_inbound", Required: true, Probe: func(context.Context) error { probes.Add(1); return load(&hopErr) }},
			{Name: "redis", Probe: func(context.Context) error { probes.Add(1); return load(&redisErr) }},
		}
	}, nil)
	t.Cleanup(func() { SetChecks(func() []Check { return nil }, nil) })
	SetReady(true)

	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, body := get(t, "/readyz"); code != 200 || !strings.Contains(body, "redis: ok") {
				t.Errorf("all up: %d %q", code, body)
			}
		}()
	}
	wg.Wait()
	if n := probes.Load(); n != 2 {
		t.Errorf("50 requests probed %d times, want 2 (one per dependency)", n)
	}

	expire := func() {
		cacheMu.Lock()
		cachedAt = time.Time{}
		cacheMu.Unlock()
	}
	set(&redisErr, errors.New("dial tcp 10.0.0.9:6379: connection refused"))
	expire()
	code, body := get(t, "/readyz")
	if code != 200 || !strings.Contains(body, "redis: down (degraded)") || strings.Contains(body, "10.0.0.9") {
		t.Errorf("redis down: %d %q", code, body)
	}
	set(&hopErr, errors.New("next hop greets with 421"))
	expire()
	if code, body := get(t, "/readyz"); code != 503 || !strings.Contains(body, "next_hop_inbound: down\n") {
		t.Errorf("next hop down: %d %q", code, body)
	}
	if _, body := get(t, "/metrics"); !strings.Contains(body, `mailward_dependency_up{dependency="next_hop_inbound"} 0`) {
		t.Error("dependency gauge not 0 for the failed next hop")
	}
}
