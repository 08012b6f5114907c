package inflight

import (
	"sync"
	"testing"
)

func TestBudget(t *testing.T) {
	b := New(100 * Weight)
	first := b.Charge()
	if !first.Grow(150) {
		t.Fatal("a transaction alone in flight was refused: one message always fits")
	}
	second := b.Charge()
	if second.Grow(1) {
		t.Fatal("a second transaction was charged past the budget")
	}
	if b.Room(1) {
		t.Fatal("Room says a message fits in a spent budget")
	}
	if !first.Grow(10) {
		t.Fatal("the transaction holding everything charged was refused more")
	}
	var wg sync.WaitGroup
	for range 3 { // the answer's goroutine and the work after it may both release
		wg.Add(1)
		go func() { defer wg.Done(); first.Release() }()
	}
	wg.Wait()
	if b.Used() != 0 {
		t.Fatalf("%d still charged after release", b.Used())
	}
	if !second.Grow(100) || b.Used() != 100*Weight {
		t.Fatalf("after release: %d charged, want %d", b.Used(), 100*Weight)
	}
	second.Release()
	if !b.Room(100) || b.Used() != 0 {
		t.Fatalf("empty budget: used %d", b.Used())
	}
}
