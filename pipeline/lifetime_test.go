package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
)

// TestReloadSharesTracker: a reload with the same tracker settings keeps
// the in-process counts (a reload must not reset rate limits); changed
// settings start a new tracker; a retired pipeline refuses new users and
// closes only after its last one, and the shared tracker only after the
// last pipeline holding it.
func TestReloadSharesTracker(t *testing.T) {
	ctx, now := context.Background(), time.Now()
	cfg := config.Default()
	old, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Tracker().Incr(ctx, "held", "head@trust.example", now); err != nil {
		t.Fatal(err)
	}
	same, err := NewFrom(config.Default(), old)
	if err != nil {
		t.Fatal(err)
	}
	c, err := same.Tracker().Counts(ctx, "held", "head@trust.example", now)
	if err != nil || c.Today != 1 {
		t.Fatalf("after a reload with the same settings: %+v, %v; want today 1", c, err)
	}

	changed := config.Default()
	changed.Tracker.SenderMessagesPerHour++
	other, err := NewFrom(changed, same)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := other.Tracker().Counts(ctx, "held", "head@trust.example", now); c.Today != 0 {
		t.Fatalf("changed tracker settings share the old tracker: %+v", c)
	}
	other.Close()

	if !old.Use() {
		t.Fatal("Use refused before Retire")
	}
	old.Retire()
	if old.Use() {
		t.Fatal("Use accepted after Retire")
	}
	if old.life.closed {
		t.Fatal("closed while a user remains")
	}
	old.Done()
	if !old.life.closed {
		t.Fatal("not closed after the last user")
	}
	// The shared tracker outlives the retired pipeline.
	if c, err := same.Tracker().Counts(ctx, "held", "head@trust.example", now); err != nil || c.Today != 1 {
		t.Fatalf("shared tracker after the old pipeline closed: %+v, %v", c, err)
	}
	if n := same.tracker.refs.Load(); n != 1 {
		t.Fatalf("shared tracker refs = %d, want 1", n)
	}
	same.Retire()
	if n := same.tracker.refs.Load(); n != 0 {
		t.Fatalf("shared tracker refs after the last close = %d, want 0", n)
	}
}
