package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailward/mailward/internal/corpora"
	"github.com/mailward/mailward/scanner"
)

// hamDir finds ../shared/corpora/ham beside the module root.
func hamDir(t *testing.T) string { return corpora.Dir(t, corpora.Ham...) }

// TestSpreadOnHam feeds 2,500 legitimate messages through the spread check
// as if they had arrived within one day, and counts how many the spread
// alone would call chain_mail: list traffic and replies must not add up.
func TestSpreadOnHam(t *testing.T) {
	ham := hamDir(t)
	p, _ := newPipeline(t, "")
	p.Runner.Scanners = nil // the spread check only
	files, err := os.ReadDir(ham)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	var n, hits, printed int
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(ham, f.Name()))
		if err != nil || f.IsDir() {
			continue
		}
		env := scanner.Envelope{Client: outside, From: "list@example.org", To: []string{"x@trust.example"}, Direction: scanner.Inbound}
		v := p.Scan(ctx, raw, env)
		if len(p.track.fingerprints(v.Message)) > 0 {
			printed++
		}
		for _, fd := range v.Result.Findings {
			if fd.Scanner == ScannerTracker {
				hits++
				t.Logf("%s: %s", f.Name(), fd.Summary)
			}
		}
		p.Record(ctx, v, "", now)
		n++
		now = now.Add(30 * time.Second) // 2,500 messages within a day
	}
	if n < 1000 || printed < n/2 {
		t.Fatalf("only %d ham messages read, %d fingerprinted", n, printed)
	}
	t.Logf("spread chain_mail on %d of %d ham messages (%.2f%%), %d fingerprinted", hits, n, 100*float64(hits)/float64(n), printed)
	if float64(hits) > 0.005*float64(n) {
		t.Fatalf("spread flagged %d of %d ham messages, over 0.5%%", hits, n)
	}
}
