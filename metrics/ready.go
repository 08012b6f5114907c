package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Check is one dependency that readiness looks at.
type Check struct {
	// Name is the dependency label: next_hop_inbound, next_hop_outbound,
	// redis, clamd.
	Name string
	// Required makes /readyz answer 503 while the check fails. A check
	// that is not required is reported as degraded: Redis down means rate
	// limits fail open while mail still flows (DESIGN.md), so a load
	// balancer must not take every instance out for it.
	Required bool
	// Probe returns nil when the dependency answers. It must honour ctx.
	Probe func(ctx context.Context) error
}

// CheckResult is the outcome of one Check.
type CheckResult struct {
	Name     string
	Required bool
	Err      error
}

const (
	// probeTimeout bounds each probe, so /readyz answers within it.
	probeTimeout = 2 * time.Second
	// readyTTL is how long results are reused: however often /readyz is
	// asked, each dependency is probed at most once per readyTTL.
	readyTTL = 5 * time.Second
)

var (
	checkSource atomic.Pointer[func() []Check]
	readyLog    atomic.Pointer[slog.Logger]

	probeMu  sync.Mutex             // one probe round at a time; others wait for it
	lastUp   = map[string]float64{} // under probeMu: log only changes
	cacheMu  sync.Mutex
	cachedAt time.Time
	cached   []CheckResult
)

// SetChecks installs the function that lists the checks (read at each
// probe round: a reload may change the next hops, Redis or clamd), and
// the logger that hears of each dependency going down or coming back.
func SetChecks(f func() []Check, log *slog.Logger) {
	checkSource.Store(&f)
	if log != nil {
		readyLog.Store(log)
	}
	cacheMu.Lock()
	cachedAt = time.Time{}
	cacheMu.Unlock()
}

// Results returns the checks' results, probing only when the cached ones
// are older than readyTTL.
func Results(ctx context.Context) []CheckResult {
	cacheMu.Lock()
	if time.Since(cachedAt) < readyTTL {
		r := cached
		cacheMu.Unlock()
		return r
	}
	cacheMu.Unlock()
	probeMu.Lock()
	defer probeMu.Unlock()
	cacheMu.Lock()
	if time.Since(cachedAt) < readyTTL { // another request just probed
		r := cached
		cacheMu.Unlock()
		return r
	}
	cacheMu.Unlock()
	r := probe(ctx)
	cacheMu.Lock()
	cached, cachedAt = r, time.Now()
	cacheMu.Unlock()
	return r
}

// probe runs every check at once, each within probeTimeout, and sets the
// mailward_dependency_up gauges.
func probe(ctx context.Context) []CheckResult {
	f := checkSource.Load()
	if f == nil {
		return nil
	}
	checks := (*f)()
	out := make([]CheckResult, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), probeTimeout)
			defer cancel()
			err := c.Probe(pctx)
			out[i] = CheckResult{Name: c.Name, Required: c.Required, Err: err}
		}()
	}
	wg.Wait()
	for _, r := range out {
		v := 1.0
		if r.Err != nil {
			v = 0
		}
		if was, seen := lastUp[r.Name]; !seen || was != v {
			if l := readyLog.Load(); l != nil {
				if r.Err != nil {
					l.Warn("dependency down", "dependency", r.Name, "err", r.Err)
				} else if seen {
					l.Info("dependency up again", "dependency", r.Name)
				}
			}
		}
		lastUp[r.Name] = v
		up.WithLabelValues(r.Name).Set(v)
	}
	return out
}

// RunChecks probes every interval until ctx ends, so that the
// mailward_dependency_up gauges stay current when nobody asks /readyz.
func RunChecks(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		Results(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// serveReady answers 200 when the process serves and every required
// dependency answers, 503 otherwise; the body names each check's state
// (no addresses or error details: the endpoint has no login; the log has
// them).
func serveReady(w http.ResponseWriter, r *http.Request) {
	if !ready.Load() {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	var b strings.Builder
	code := http.StatusOK
	for _, res := range Results(r.Context()) {
		switch {
		case res.Err == nil:
			fmt.Fprintf(&b, "%s: ok\n", res.Name)
		case res.Required:
			code = http.StatusServiceUnavailable
			fmt.Fprintf(&b, "%s: down\n", res.Name)
		default:
			fmt.Fprintf(&b, "%s: down (degraded)\n", res.Name)
		}
	}
	if code == http.StatusOK {
		b.WriteString("ready\n")
	} else {
		b.WriteString("not ready\n")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write([]byte(b.String()))
}
