package quarantine

import (
	"context"
	"testing"
)

// BenchmarkList measures listing a folder of 2,000 held messages (the
// review page lists on every view): the records are cached by mtime, so a
// warm list costs a stat per message.
func BenchmarkList(b *testing.B) {
	ctx := context.Background()
	d, _ := OpenDir(b.TempDir())
	for range 2000 {
		if _, err := d.Put(ctx, testMsg, newRec()); err != nil {
			b.Fatal(err)
		}
	}
	d.List(ctx)
	b.ResetTimer()
	for b.Loop() {
		if l, err := d.List(ctx); err != nil || len(l) != 2000 {
			b.Fatal(err)
		}
	}
}

// BenchmarkPut is the relay's cost of holding one message durably (two
// fsynced files and two directory syncs).
func BenchmarkPut(b *testing.B) {
	ctx := context.Background()
	d, _ := OpenDir(b.TempDir())
	for b.Loop() {
		if _, err := d.Put(ctx, testMsg, newRec()); err != nil {
			b.Fatal(err)
		}
	}
}
