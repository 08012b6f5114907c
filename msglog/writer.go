package msglog

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailward/mailward/metrics"
)

// Writer puts records into a Store off the SMTP reply path: Add only
// offers the record to a bounded queue and returns at once; one goroutine
// takes records from the queue and appends them in batches, one transaction
// per batch. A full queue drops the record, a failing store loses the
// batch: both are counted (mailward_tracking_records_total) and logged
// (at most once per logEvery), and neither ever delays or refuses mail.
type Writer struct {
	store Store
	o     WriterOptions
	ch    chan Record
	quit  chan struct{}
	done  chan struct{}
	once  sync.Once

	closed                   atomic.Bool
	written, dropped, failed atomic.Int64

	lastLog atomic.Int64
}

// WriterOptions tune a Writer; zero values take the defaults.
type WriterOptions struct {
	// Queue is how many records may wait. Default 10000: at a peak of
	// 100 messages a second, 100 s of a stalled store.
	Queue int
	// Batch is the most records per transaction. Default 500.
	Batch int
	// Linger is how long the writer waits to fill a batch once it has a
	// record. Default 200ms: records are searchable within a second.
	Linger time.Duration
	// Timeout bounds one Append. Default 30s.
	Timeout time.Duration
	Log     *slog.Logger
}

// logEvery spaces out the writer's warnings: a store down must not write
// a log line per message.
const logEvery = 10 * time.Second

// NewWriter starts a writer into st. Close it to flush.
func NewWriter(st Store, o WriterOptions) *Writer {
	if o.Queue <= 0 {
		o.Queue = 10000
	}
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Linger <= 0 {
		o.Linger = 200 * time.Millisecond
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	w := &Writer{store: st, o: o, ch: make(chan Record, o.Queue), quit: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

// Add offers r to the queue and never blocks. It reports whether r was
// queued; a record refused (queue full, writer closed) is counted and
// logged as dropped.
func (w *Writer) Add(r Record) bool {
	if w == nil {
		return false
	}
	if !w.closed.Load() {
		select {
		case w.ch <- r:
			metrics.SetTrackingQueue(len(w.ch))
			return true
		default:
		}
	}
	w.dropped.Add(1)
	metrics.TrackingRecords("dropped", 1)
	w.warn("message tracking queue full (or writer closed): record dropped; mail is not affected", "queue", cap(w.ch))
	return false
}

// Counts returns how many records were written, dropped (queue full or
// closed) and failed (the store refused their batch).
func (w *Writer) Counts() (written, dropped, failed int64) {
	return w.written.Load(), w.dropped.Load(), w.failed.Load()
}

// Close stops taking records, writes what is queued (bounded by ctx) and
// stops the writer goroutine. It does not close the Store.
func (w *Writer) Close(ctx context.Context) error {
	w.once.Do(func() {
		w.closed.Store(true)
		close(w.quit)
	})
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *Writer) run() {
	defer close(w.done)
	batch := make([]Record, 0, w.o.Batch)
	for {
		select {
		case r := <-w.ch:
			batch = append(batch[:0], r)
			batch = w.fill(batch)
			w.flush(batch)
		case <-w.quit:
			for {
				batch = batch[:0]
			drain:
				for len(batch) < w.o.Batch {
					select {
					case r := <-w.ch:
						batch = append(batch, r)
					default:
						break drain
					}
				}
				if len(batch) == 0 {
					return
				}
				w.flush(batch)
			}
		}
	}
}

// fill adds queued records to batch until it is full or Linger passed.
func (w *Writer) fill(batch []Record) []Record {
	t := time.NewTimer(w.o.Linger)
	defer t.Stop()
	for len(batch) < w.o.Batch {
		select {
		case r := <-w.ch:
			batch = append(batch, r)
		case <-t.C:
			return batch
		case <-w.quit:
			return batch
		}
	}
	return batch
}

func (w *Writer) flush(batch []Record) {
	ctx, cancel := context.WithTimeout(context.Background(), w.o.Timeout)
	defer cancel()
	err := w.store.Append(ctx, batch)
	metrics.SetTrackingQueue(len(w.ch))
	if err != nil {
		w.failed.Add(int64(len(batch)))
		metrics.TrackingRecords("failed", len(batch))
		metrics.Error("tracking")
		w.warn("message tracking store failed: records lost (mail is not affected)", "records", len(batch), "err", err)
		return
	}
	w.written.Add(int64(len(batch)))
	metrics.TrackingRecords("written", len(batch))
}

// warn logs at most once per logEvery, with the running totals.
func (w *Writer) warn(msg string, args ...any) {
	now := time.Now().UnixNano()
	last := w.lastLog.Load()
	if now-last < int64(logEvery) || !w.lastLog.CompareAndSwap(last, now) {
		return
	}
	args = append(args, "dropped_total", w.dropped.Load(), "failed_total", w.failed.Load())
	w.o.Log.Warn(msg, args...)
}
