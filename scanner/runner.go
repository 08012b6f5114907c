package scanner

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailward/mailward/metrics"
)

// Runner applies every scanner to a message concurrently under one deadline.
type Runner struct {
	Scanners []Scanner
	// Budget is the time all scanners together may take for one message.
	Budget time.Duration

	inflight atomic.Int64
}

// Result is what the scanners said about one message.
type Result struct {
	Findings []Finding
	// Failures are scanners whose backend failed in a way that may pass.
	Failures []Failure
	// TimedOut names scanners that had not finished when the budget ran out.
	TimedOut []string
	// Busy is set when the budget ran out while other messages were being
	// scanned too, so the timeout may be load rather than the message:
	// a retry later may succeed. On an idle system a timeout is the
	// message's own fault and is reported as an Unscannable finding instead.
	Busy bool
}

type outcome struct {
	name     string
	findings []Finding
	err      error
}

// Run scans m with every scanner. It returns when all scanners finished or
// the budget ran out, whichever comes first; it never panics.
func (r *Runner) Run(ctx context.Context, m *Message) Result {
	n := r.inflight.Add(1)
	defer r.inflight.Add(-1)
	var res Result
	for _, l := range m.Limits {
		f := UnscannableFinding("extract", l)
		f.Where = limitWhere(l)
		res.Findings = append(res.Findings, f)
	}
	if len(r.Scanners) == 0 {
		return res
	}
	budget := r.Budget
	if budget <= 0 {
		budget = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()

	out := make(chan outcome, len(r.Scanners))
	var wg sync.WaitGroup
	for _, s := range r.Scanners {
		wg.Add(1)
		go func(s Scanner) {
			defer wg.Done()
			out <- runOne(ctx, s, m)
		}(s)
	}
	done := map[string]bool{}
	for range r.Scanners {
		select {
		case o := <-out:
			done[o.name] = true
			res.Findings = append(res.Findings, o.findings...)
			if o.err != nil {
				res.Failures = append(res.Failures, Failure{Scanner: o.name, Err: o.err})
			}
			continue
		case <-ctx.Done():
		}
		break
	}
	if len(done) < len(r.Scanners) {
		for _, s := range r.Scanners {
			if !done[s.Name()] {
				res.TimedOut = append(res.TimedOut, s.Name())
			}
		}
		// Busy when more scans were running than there are cores to run them.
		res.Busy = n > int64(runtime.NumCPU()) || r.inflight.Load() > int64(runtime.NumCPU())
		if !res.Busy {
			res.Findings = append(res.Findings, UnscannableFinding("runner",
				fmt.Sprintf("scan budget of %s spent by %v", budget, res.TimedOut)))
		}
	}
	sort.SliceStable(res.Findings, func(i, j int) bool { return res.Findings[i].Score > res.Findings[j].Score })
	return res
}

// runOne runs one scanner, turning a panic into an Unscannable finding: a
// panic on this message would recur on every retry.
func runOne(ctx context.Context, s Scanner, m *Message) (o outcome) {
	o.name = s.Name()
	defer func() {
		if p := recover(); p != nil {
			recordPanic(s.Name(), p)
			o.findings = []Finding{UnscannableFinding(s.Name(), "scanner failed on this message")}
			o.err = nil
		}
	}()
	start := time.Now()
	f, err := s.Scan(ctx, m)
	metrics.ScannerLatency(o.name, time.Since(start))
	for i := range f {
		if f[i].Scanner == "" {
			f[i].Scanner = s.Name()
		}
	}
	o.findings, o.err = f, err
	if err != nil && ctx.Err() != nil {
		// The budget ran out: reported through TimedOut, not as a failure.
		o.err = nil
	}
	return o
}

// panics counts recovered panics, so tests and fuzzers can fail on any.
var panics atomic.Int64

// recoveredPanic holds the last panic value for diagnosis.
var recoveredPanic atomic.Value

func recordPanic(name string, p any) {
	panics.Add(1)
	recoveredPanic.Store(fmt.Sprintf("%s: %v", name, p))
}

// Panics returns how many scanner panics were recovered since start, and the
// last one; TestMain in packages that fuzz uses it to fail the run.
func Panics() (int64, string) {
	s, _ := recoveredPanic.Load().(string)
	return panics.Load(), s
}

// limitWhere is the attachment index an extraction limit names
// ("attachment 2 (zip): ...", "... in attachment 2"), "" for the message.
func limitWhere(l string) string {
	i := strings.Index(l, "attachment ")
	if i < 0 {
		return ""
	}
	d := l[i+len("attachment "):]
	n := 0
	for n < len(d) && d[n] >= '0' && d[n] <= '9' {
		n++
	}
	return d[:n]
}
