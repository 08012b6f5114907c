package msglog

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func rec(i int) Record {
	return Record{Time: t0.Add(time.Duration(i) * time.Millisecond), QueueID: fmt.Sprintf("w%05d", i), Direction: "inbound",
		From: "s@x.example", To: []string{"r@a.trust.example"}, Action: "deliver", Rule: "default"}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestWriterWritesEverything(t *testing.T) {
	s := openTest(t)
	w := NewWriter(s, WriterOptions{Batch: 7, Linger: time.Millisecond})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				if !w.Add(rec(g*1000 + i)) {
					t.Error("Add refused with a free queue")
				}
			}
		})
	}
	wg.Wait()
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	written, dropped, failed := w.Counts()
	if written != 200 || dropped != 0 || failed != 0 {
		t.Errorf("written %d dropped %d failed %d", written, dropped, failed)
	}
	p, _ := s.Search(context.Background(), Query{Limit: 1000})
	if len(p.Records) != 200 {
		t.Errorf("%d records stored", len(p.Records))
	}
	if w.Add(rec(9999)) {
		t.Error("Add after Close was accepted")
	}
}

// TestWriterFullQueue holds the database's write lock from another
// connection, as a stalled disk or a long purge would, so the writer
// blocks inside Append: Add must still return at once, drop what does not
// fit, count it, and write the rest once the lock is gone.
func TestWriterFullQueue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	s, err := OpenSQLite(path, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	blocker, err := OpenSQLite(path, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close()
	tx, err := blocker.db.Begin() // BEGIN IMMEDIATE: takes the write lock
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuf{}
	w := NewWriter(s, WriterOptions{Queue: 10, Batch: 1, Log: slog.New(slog.NewTextHandler(logs, nil))})
	w.Add(rec(0))
	// Wait until the writer took the first record and is stuck in Append
	// (a batch of one: it takes no more before writing).
	for deadline := time.Now().Add(10 * time.Second); len(w.ch) > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	accepted := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1; i <= 100; i++ {
			if w.Add(rec(i)) {
				accepted++
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second): // far beyond 100 channel sends
		t.Fatal("Add blocked behind a stalled store")
	}
	if accepted != 10 {
		t.Errorf("accepted %d into a queue of 10", accepted)
	}
	_, dropped, _ := w.Counts()
	if dropped != 90 {
		t.Errorf("dropped %d, want 90", dropped)
	}
	if !strings.Contains(logs.String(), "queue full") {
		t.Errorf("no warning logged: %q", logs.String())
	}
	tx.Rollback()
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	written, _, failed := w.Counts()
	if written+failed != 11 {
		t.Errorf("written %d failed %d, want 11 together", written, failed)
	}
}

// TestWriterFailingStore: a store that refuses (closed under the writer)
// loses the batch, counted and logged; Add never errors or blocks.
func TestWriterFailingStore(t *testing.T) {
	s, err := OpenSQLite(filepath.Join(t.TempDir(), "m.db"), SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	logs := &syncBuf{}
	w := NewWriter(s, WriterOptions{Linger: time.Millisecond, Log: slog.New(slog.NewTextHandler(logs, nil))})
	for i := range 20 {
		w.Add(rec(i))
	}
	w.Close(context.Background())
	written, dropped, failed := w.Counts()
	if written != 0 || dropped != 0 || failed != 20 {
		t.Errorf("written %d dropped %d failed %d", written, dropped, failed)
	}
	if !strings.Contains(logs.String(), "store failed") {
		t.Errorf("no warning logged: %q", logs.String())
	}
}
