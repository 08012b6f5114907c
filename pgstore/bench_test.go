package pgstore

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mailward/mailward/quarantine"
)

// benchMsg is a 20 kB message, a typical held one with a small attachment.
var benchMsg = func() []byte {
	b := append([]byte{}, testMsg...)
	for len(b) < 20<<10 {
		b = append(b, "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n"...)
	}
	return b
}()

// benchPut measures holds per second through s with conc holds in flight
// at once (the relay holds from several sessions at a time).
func benchPut(b *testing.B, s quarantine.Store, conc int) {
	ctx := context.Background()
	b.SetBytes(int64(len(benchMsg)))
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if _, err := s.Put(ctx, benchMsg, newRec()); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "holds/s")
}

// BenchmarkHoldPostgres is the relay's cost of one committed hold in
// PostgreSQL (record and bytes in one transaction, synchronous commit).
func BenchmarkHoldPostgres(b *testing.B) {
	q := open(b, migrated(b)).Quarantine()
	b.Run("serial", func(b *testing.B) { benchPut(b, q, 1) })
	b.Run("conc16", func(b *testing.B) { benchPut(b, q, 16) })
}

// BenchmarkHoldLocal is the same through the local folder (two fsynced
// files and two directory syncs), for comparison.
func BenchmarkHoldLocal(b *testing.B) {
	d, err := quarantine.OpenDir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("serial", func(b *testing.B) { benchPut(b, d, 1) })
	b.Run("conc16", func(b *testing.B) { benchPut(b, d, 16) })
}

// BenchmarkMsgLogAppend is the message log's write rate in PostgreSQL, in
// the batches the writer uses (tracking.batch, 500).
func BenchmarkMsgLogAppend(b *testing.B) {
	ml := open(b, migrated(b)).MsgLog(nil)
	recs := genRecords(500)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if err := ml.Append(ctx, recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(recs))/b.Elapsed().Seconds(), "rows/s")
}
