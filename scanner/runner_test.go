package scanner

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"
)

// fake scanners that misbehave in the ways a real one can.
type fixed struct {
	name string
	f    []Finding
	err  error
}

func (s fixed) Name() string { return s.name }
func (s fixed) Scan(context.Context, *Message) ([]Finding, error) {
	return s.f, s.err
}

type panicker struct{}

func (panicker) Name() string                                      { return "panics" }
func (panicker) Scan(context.Context, *Message) ([]Finding, error) { panic("boom") }

type stuck struct{ d time.Duration }

func (stuck) Name() string { return "stuck" }
func (s stuck) Scan(context.Context, *Message) ([]Finding, error) {
	time.Sleep(s.d)
	return nil, nil
}

func TestRunner(t *testing.T) {
	hit := Finding{Category: Malware, Score: 0.9, Summary: "x"}
	cases := []struct {
		name        string
		scanners    []Scanner
		limits      []string
		wantCats    []Category
		wantFailure bool
		wantTimeout bool
	}{
		{"clean", []Scanner{fixed{name: "a"}}, nil, nil, false, false},
		{"finding gets its scanner's name", []Scanner{fixed{name: "a", f: []Finding{hit}}}, nil, []Category{Malware}, false, false},
		{"panic is unscannable", []Scanner{panicker{}, fixed{name: "a", f: []Finding{hit}}}, nil, []Category{Malware, Unscannable}, false, false},
		{"backend error is a failure", []Scanner{fixed{name: "av", err: ErrUnavailable}}, nil, nil, true, false},
		{"extraction limit is unscannable", nil, []string{"nesting deeper than 5 in attachment 3"}, []Category{Unscannable}, false, false},
		{"budget on idle system is unscannable", []Scanner{stuck{time.Second}}, nil, []Category{Unscannable}, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &Runner{Scanners: tc.scanners, Budget: 100 * time.Millisecond}
			res := r.Run(context.Background(), &Message{Limits: tc.limits})
			got := map[Category]bool{}
			for _, f := range res.Findings {
				got[f.Category] = true
				if f.Scanner == "" {
					t.Errorf("finding without a scanner name: %+v", f)
				}
			}
			if len(got) != len(tc.wantCats) {
				t.Errorf("categories %v, want %v", res.Findings, tc.wantCats)
			}
			for _, c := range tc.wantCats {
				if !got[c] {
					t.Errorf("no %s finding in %+v", c, res.Findings)
				}
			}
			if (len(res.Failures) > 0) != tc.wantFailure {
				t.Errorf("failures %v", res.Failures)
			}
			if (len(res.TimedOut) > 0) != tc.wantTimeout || res.Busy {
				t.Errorf("timed out %v busy %v", res.TimedOut, res.Busy)
			}
		})
	}
	if n, _ := Panics(); n == 0 {
		t.Error("the recovered panic was not counted")
	}
}

// TestRunnerBusy: when more messages are being scanned than there are cores,
// a spent budget may be the load's fault: Busy, and no Unscannable finding.
func TestRunnerBusy(t *testing.T) {
	r := &Runner{Scanners: []Scanner{stuck{500 * time.Millisecond}}, Budget: 100 * time.Millisecond}
	n := runtime.NumCPU() + 2
	results := make([]Result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = r.Run(context.Background(), &Message{})
		}()
	}
	wg.Wait()
	busy := 0
	for _, res := range results {
		if res.Busy {
			busy++
			for _, f := range res.Findings {
				if f.Category == Unscannable {
					t.Errorf("busy result with an unscannable finding")
				}
			}
		}
	}
	if busy == 0 {
		t.Fatal("no run saw the system busy")
	}
}

func TestRunnerHonoursErrUnavailable(t *testing.T) {
	r := &Runner{Scanners: []Scanner{fixed{name: "av", err: errors.Join(ErrUnavailable, errors.New("refused"))}}}
	res := r.Run(context.Background(), &Message{})
	if len(res.Failures) != 1 || !errors.Is(res.Failures[0].Err, ErrUnavailable) || res.Failures[0].Scanner != "av" {
		t.Fatalf("%+v", res.Failures)
	}
}
