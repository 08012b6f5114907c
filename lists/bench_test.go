package lists

import (
	"fmt"
	"testing"
	"time"

	"github.com/mailward/mailward/scanner"
)

// BenchmarkMatchAll is the per-message cost of the lists on the relay's
// path: 1,000 entries of every kind against one envelope.
func BenchmarkMatchAll(b *testing.B) {
	var es []Entry
	for i := range 1000 {
		e := Entry{ID: int64(i + 1), Kind: Allow, Reason: "bench", Directions: []string{"inbound"}}
		switch i % 3 {
		case 0:
			e.Match = fmt.Sprintf("user%d@partner%d.example", i, i)
		case 1:
			e.Match = fmt.Sprintf("partner%d.example", i)
		default:
			e.Kind, e.Match = Block, fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)
		}
		if err := Normalize(&e); err != nil {
			b.Fatal(err)
		}
		es = append(es, e)
	}
	env := scanner.Envelope{From: "someone@partner500.example", Direction: scanner.Inbound}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		MatchAll(es, env, now)
	}
}
