package scanner

import (
	"context"
	"errors"
	"fmt"
)

// Scanner is one detector. Scan reads the shared, parsed message and returns
// its findings.
//
// Errors have a meaning: a returned error says the scanner's backend failed
// in a way that may pass (clamd unreachable, a timeout), and the configured
// scan.on_error action applies, by default a temporary failure so the sender
// retries. A problem that would recur on every retry (an extraction limit, an
// undecodable structure) must instead be reported as an Unscannable finding.
// A panic is recovered by the Runner and also counts as Unscannable.
//
// Scan must honour ctx and must not modify the message.
type Scanner interface {
	// Name is short and stable: it appears in findings, logs and metrics.
	Name() string
	Scan(ctx context.Context, m *Message) ([]Finding, error)
}

// ErrUnavailable may be wrapped by scanners whose backend is unreachable.
var ErrUnavailable = errors.New("scanner backend unavailable")

// UnscannableFinding reports a deterministic failure to scan.
func UnscannableFinding(scanner, summary string) Finding {
	return Finding{Category: Unscannable, Scanner: scanner, Score: 1, Summary: summary}
}

// Failure is a scanner that could not finish for a reason that may pass.
type Failure struct {
	Scanner string
	Err     error
}

func (f Failure) Error() string { return fmt.Sprintf("scanner %s: %v", f.Scanner, f.Err) }
