package attachment_test

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"context"
	"encoding/base64"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/corpora"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/scanner"
)

// mixedCorpus is the fixture corpus plus up to 500 messages of the shared
// ham corpus when present: what `mailward scan` sees on an ordinary day.
func mixedCorpus(tb testing.TB) [][]byte {
	var out [][]byte
	files, _ := filepath.Glob(filepath.Join("..", "extract", "testdata", "mail", "*.eml"))
	var ham []string
	if root := sharedCorpora(); root != "" {
		ham, _ = filepath.Glob(filepath.Join(root, "ham", "*", "*"))
	}
	sort.Strings(ham)
	if len(ham) > 500 {
		ham = ham[:500]
	}
	for _, f := range append(files, ham...) {
		if b, err := os.ReadFile(f); err == nil {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		tb.Fatal("no messages")
	}
	return out
}

// sharedCorpora is ../shared/corpora beside the module root, or "".
func sharedCorpora() string { return corpora.Root() }

func newPipeline(tb testing.TB) *pipeline.Pipeline {
	cfg, err := config.Parse([]byte("domains: [trust.example]\n"))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := pipeline.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchmarkScanMixed reports messages per second through the whole
// pipeline (parse once, every configured scanner, rules), without clamd.
func BenchmarkScanMixed(b *testing.B) {
	msgs := mixedCorpus(b)
	p := newPipeline(b)
	defer p.Close()
	env := scanner.Envelope{Direction: scanner.Inbound}
	var n int
	var size int64
	for _, m := range msgs {
		size += int64(len(m))
	}
	b.SetBytes(size)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		for _, m := range msgs {
			p.Scan(context.Background(), m, env)
			n++
		}
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "msgs/s")
}

var (
	bigOnce sync.Once
	bigMsg  []byte
)

// bigMessage is a 25 MB message of ordinary attachments: PDFs with text and
// image streams, a CSV class list, a zip of documents and photos.
func bigMessage() []byte {
	bigOnce.Do(func() {
		rng := rand.New(rand.NewSource(1))
		random := func(n int) []byte {
			b := make([]byte, n)
			rng.Read(b)
			return b
		}
		pdf := func(pages int, image []byte) []byte {
			var b bytes.Buffer
			b.WriteString("%PDF-1.7\n")
			for i := 0; i < pages; i++ {
				var c bytes.Buffer
				zw := zlib.NewWriter(&c)
				fmt.Fprintf(zw, "BT /F1 12 Tf 72 720 Td (Page %d of the governors' report on the budget and staffing) Tj ET", i)
				zw.Close()
				fmt.Fprintf(&b, "%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n", i+10, c.Len())
				b.Write(c.Bytes())
				b.WriteString("\nendstream\nendobj\n")
			}
			fmt.Fprintf(&b, "9 0 obj\n<< /Type /XObject /Subtype /Image /Filter /DCTDecode /Length %d >>\nstream\n", len(image))
			b.Write(image)
			b.WriteString("\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
			return b.Bytes()
		}
		var csv strings.Builder
		for i := 0; csv.Len() < 2<<20; i++ {
			fmt.Fprintf(&csv, "Pupil %d,Form %d,2015-0%d-1%d,Notes about attendance and reading age\r\n", i, i%30, i%9+1, i%9)
		}
		var z bytes.Buffer
		zw := zip.NewWriter(&z)
		for i := 0; i < 20; i++ {
			w, _ := zw.Create(fmt.Sprintf("docs/photo%d.jpg", i))
			w.Write(append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, random(200<<10)...))
			w, _ = zw.Create(fmt.Sprintf("docs/letter%d.txt", i))
			w.Write(bytes.Repeat([]byte("Dear parents, the trip is on Friday. "), 1000))
		}
		zw.Close()
		parts := []struct {
			name, ctype string
			data        []byte
		}{
			{"report1.pdf", "application/pdf", pdf(300, random(4<<20))},
			{"report2.pdf", "application/pdf", pdf(300, random(4<<20))},
			{"classes.csv", "text/csv", []byte(csv.String())},
			{"docs.zip", "application/zip", z.Bytes()},
			{"photo.jpg", "image/jpeg", append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, random(4<<20)...)},
		}
		var b bytes.Buffer
		b.WriteString("From: head@trust.example\r\nTo: governors@example.org\r\nSubject: Reports\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/mixed; boundary=big\r\n\r\n--big\r\nContent-Type: text/plain\r\n\r\nReports attached.\r\n")
		for _, p := range parts {
			fmt.Fprintf(&b, "--big\r\nContent-Type: %s\r\nContent-Disposition: attachment; filename=%q\r\nContent-Transfer-Encoding: base64\r\n\r\n", p.ctype, p.name)
			enc := base64.StdEncoding.EncodeToString(p.data)
			for len(enc) > 76 {
				b.WriteString(enc[:76] + "\r\n")
				enc = enc[76:]
			}
			b.WriteString(enc + "\r\n")
		}
		pad := 25<<20 - b.Len() - 200
		if pad > 0 {
			b.WriteString("--big\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"log.txt\"\r\n\r\n")
			line := "12:00:01 backup completed without errors on the office server\r\n"
			for i := 0; i+len(line) < pad; i += len(line) {
				b.WriteString(line)
			}
		}
		b.WriteString("\r\n--big--\r\n")
		bigMsg = b.Bytes()
	})
	return bigMsg
}

// peakHeap runs f and returns the most heap in use above the level before
// it, sampled every millisecond.
func peakHeap(f func()) int64 {
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}()
	f()
	close(stop)
	<-done
	return int64(peak) - int64(base.HeapInuse)
}

// TestPeakMemory25MB scans a 25 MB message through the pipeline and
// measures the heap: what the parsed message retains (live after a GC, the
// raw message included) and the peak heap in use while scanning, which also
// holds garbage the collector has not yet reclaimed (with GOGC=100 up to
// about twice the live heap). The target is under 4x the message size;
// retained memory must stay under 3x, and the sampled peak under 6x, so a
// regression fails while GC timing noise does not.
func TestPeakMemory25MB(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	raw := bigMessage()
	p := newPipeline(t)
	defer p.Close()
	var m *scanner.Message
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	parse := peakHeap(func() { m, _ = scanner.Parse(raw, scanner.Envelope{Direction: scanner.Outbound}) })
	runtime.GC()
	runtime.ReadMemStats(&after)
	kept := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	retained := float64(kept+int64(len(raw))) / float64(len(raw))
	t.Logf("parse only: %d items, peak heap above baseline %d MB; the parsed model keeps %d MB (%.1fx the message, counting it)",
		len(m.Attachments), parse>>20, kept>>20, retained)
	if retained > 3 {
		t.Errorf("parsed message retains %.1fx the message size", retained)
	}
	runtime.KeepAlive(m)
	m = nil
	var v pipeline.Verdict
	start := time.Now()
	whole := peakHeap(func() { v = p.Scan(context.Background(), raw, scanner.Envelope{Direction: scanner.Outbound}) })
	took := time.Since(start)
	ratio := float64(whole+int64(len(raw))) / float64(len(raw))
	t.Logf("whole pipeline: %d items, %d findings, limits %v, %s, peak heap above baseline %d MB (%.1fx the message, counting it)",
		len(v.Message.Attachments), len(v.Result.Findings), v.Message.Limits, took.Round(time.Millisecond), whole>>20, ratio)
	if len(v.Message.Limits) > 0 {
		t.Errorf("ordinary 25 MB message hit limits: %v", v.Message.Limits)
	}
	if ratio > 6 {
		t.Errorf("peak heap %.1fx the message size", ratio)
	}
}

func BenchmarkScan25MB(b *testing.B) {
	raw := bigMessage()
	p := newPipeline(b)
	defer p.Close()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		p.Scan(context.Background(), raw, scanner.Envelope{Direction: scanner.Outbound})
	}
}
