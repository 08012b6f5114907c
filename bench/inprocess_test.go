package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/smtp"
)

// BenchmarkRelayInProcess runs the relay in this process (every detector
// on; clamd too when CLAMD=1 and it is installed) in front of Postfix's
// smtp-sink, with the load client of load_test.go: one op is one message.
// It is the harness for profiles and load-independent comparisons
// (allocations, instruction counts), not for rates: the client shares the
// process.
//
//	go test ./bench/ -run '^$' -bench RelayInProcess -benchmem -cpuprofile cpu.out
//	perf stat -e instructions go test ./bench/ -run '^$' -bench 'RelayInProcess/mix' -benchtime 400x
func BenchmarkRelayInProcess(b *testing.B) {
	needTool(b, "smtp-sink")
	sink := startSink(b)
	clam := ""
	if os.Getenv("CLAMD") == "1" {
		clam, _ = startClamd(b)
	}
	addr := startInProcess(b, sink, clam)
	var mix []wire
	b.Run("mix", func(b *testing.B) {
		if mix == nil {
			for _, m := range loadMix(b, envInt("MIX", 400)) {
				mix = append(mix, toWire(m.data))
			}
		}
		runLoad(b, addr, mix)
	})
	for _, size := range []int{5 << 10, 50 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("%dK", size>>10), func(b *testing.B) {
			runLoad(b, addr, []wire{toWire(sized(size))})
		})
	}
}

func runLoad(b *testing.B, addr string, msgs []wire) {
	var bytes int
	for _, m := range msgs {
		bytes += len(m)
	}
	b.SetBytes(int64(bytes / len(msgs)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	r := sendLoad(addr, msgs, b.N, envInt("SESSIONS", 20))
	// CPU time of the whole process (relay and client) per message:
	// unlike ns/op it hardly depends on what else the machine runs.
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-us/op")
	b.StopTimer()
	if r.failed > 0 {
		b.Fatalf("%d of %d failed, first: %s", r.failed, b.N, r.firstErr)
	}
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sized is a plain message of about n bytes of prose, as smtp-source sends.
func sized(n int) []byte {
	line := "The quick brown fox jumps over the lazy dog, and the school trip leaves at nine.\r\n"
	hdr := "From: head@trust.example\r\nTo: parent@home.example\r\nSubject: bench\r\n\r\n"
	return []byte(hdr + strings.Repeat(line, max(n-len(hdr), 0)/len(line)))
}

// startInProcess runs the relay in this process until tb ends.
func startInProcess(tb testing.TB, sink, clam string) string {
	tb.Helper()
	qdir := tb.TempDir()
	cfg, err := config.Parse([]byte(mailwardYAML("127.0.0.1:0", sink, qdir, clam)))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := pipeline.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	store, err := quarantine.OpenDir(qdir)
	if err != nil {
		tb.Fatal(err)
	}
	var w io.Writer = io.Discard
	if f := os.Getenv("BENCH_LOG"); f != "" { // the relay's log lines, to see what it decided
		lf, err := os.Create(f)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { lf.Close() })
		w = lf
	}
	log := slog.New(slog.NewTextHandler(w, nil))
	prev := slog.Default()
	slog.SetDefault(log) // the scanners' and alerts' own lines too
	tb.Cleanup(func() { slog.SetDefault(prev) })
	srv, err := smtp.New(cfg, smtp.Options{Pipeline: p, Store: store, Logger: log})
	if err != nil {
		tb.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go srv.Serve(l)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		p.Close()
	})
	return l.Addr().String()
}

// BenchmarkScanMix is the pipeline alone (parse, every detector but
// clamd, rules) over the realistic mix, one message per op, in one
// goroutine: no network, no scheduling, so that instruction counts
// compare runs on a loaded machine.
//
//	go test ./bench/ -run '^$' -bench ScanMix -benchmem
//	valgrind --tool=callgrind --callgrind-out-file=cg.out ./bench.test -test.run '^$' -test.bench ScanMix -test.benchtime 200x
func BenchmarkScanMix(b *testing.B) {
	mix := loadMix(b, envInt("MIX", 400))
	p := scanPipeline(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		scanOne(b, p, mix[i%len(mix)].data)
	}
}
