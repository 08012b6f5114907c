package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/mailward/mailward/scanner"
)

// ErrRateLimited is returned by Admit when a sender or client is over its
// rate limit; the SMTP session answers 451 4.7.1.
var ErrRateLimited = errors.New("rate limit exceeded")

// Admit is called once per transaction when the DATA has arrived and before
// scanning, with the envelope (all accepted recipients). It counts the
// message against the sender's and client's rates and returns ErrRateLimited
// when over a limit. Tracker trouble (Redis down) fails open: logged and
// counted, never an error here.
//
// The rate tracker (issue 7) implements this; until then nothing is limited.
func (p *Pipeline) Admit(ctx context.Context, env scanner.Envelope, now time.Time) error {
	return nil
}

// Record is called after the action was carried out (the client has its
// answer), so that violations can be counted and alerts sent.
func (p *Pipeline) Record(ctx context.Context, v Verdict, quarantineID string, now time.Time) {
}
