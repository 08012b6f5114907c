package tracker_test

import (
	"context"
	"fmt"
	"time"

	"github.com/mailward/mailward/tracker"
)

// A sender may send three messages an hour; the fourth is refused and
// not counted. The caller passes the time, so nothing sleeps.
func ExampleMemory_Take() {
	ctx := context.Background()
	tr := tracker.NewMemory(nil)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	limits := []tracker.Limit{{Name: "messages", Max: 3, Window: time.Hour, Cost: 1}}
	for i := 0; i < 4; i++ {
		over, _ := tr.Take(ctx, "sender:j.smith@trust.example", limits, now.Add(time.Duration(i)*time.Minute))
		fmt.Println(i+1, over == nil)
	}
	// Two hours later the window has slid past them all.
	over, _ := tr.Take(ctx, "sender:j.smith@trust.example", limits, now.Add(2*time.Hour))
	fmt.Println("later", over == nil)
	// Output:
	// 1 true
	// 2 true
	// 3 true
	// 4 false
	// later true
}

// Three distinct senders of one body within the window.
func ExampleMemory_Spread() {
	ctx := context.Background()
	tr := tracker.NewMemory(nil)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, s := range []string{"a@trust.example", "b@trust.example"} {
		tr.AddSpread(ctx, "body-fp", s, 24*time.Hour, now)
	}
	n, _ := tr.Spread(ctx, "body-fp", "c@trust.example", 24*time.Hour, now)
	fmt.Println(n)
	// Output: 3
}
