package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRelayMix is the side-by-side relay benchmark of issue 13, all in one
// run so that the other load on a shared machine falls on every system
// alike: the limit (the client straight into Postfix's smtp-sink), mailward
// (the real binary, every detector on, clamd too when installed) relaying
// into the same smtp-sink, and Postfix itself (configured here in a temp
// folder) relaying into it. The systems alternate, ROUNDS times each.
//
// Loads: smtp-source's own 5 KB, 50 KB and 1 MB messages, and the
// realistic mix (mix_test.go) sent by the load client in load_test.go.
// Postfix's rate counts until its queue is empty: mailward answers 250 only
// once the next hop has the message, Postfix as soon as it is queued.
//
//	MAILWARD_BENCH=1 go test ./bench/ -run RelayMix -v -timeout 60m
//	MAILWARD_BENCH=1 ROUNDS=5 SESSIONS=20 MIX=600 go test ./bench/ -run RelayMix -v
func TestRelayMix(t *testing.T) {
	if os.Getenv("MAILWARD_BENCH") == "" {
		t.Skip("set MAILWARD_BENCH=1 to run the relay benchmark (minutes)")
	}
	needTool(t, "smtp-sink", "smtp-source")
	rounds := envInt("ROUNDS", 3)
	sessions := envInt("SESSIONS", 20)
	mixN := envInt("MIX", 400)
	mix := loadMix(t, mixN)
	var wires []wire
	var mixBytes int
	for _, m := range mix {
		wires = append(wires, toWire(m.data))
		mixBytes += len(m.data)
	}

	work := t.TempDir()
	bin := filepath.Join(work, "mailward")
	build := exec.Command("go", "build", "-o", bin, "./cmd/mailward")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}

	sink := startSink(t)
	clam, clamProc := "", (*os.Process)(nil)
	if os.Getenv("CLAMD") != "0" {
		clam, clamProc = startClamd(t)
	}
	var pf *postfixRelay
	if os.Getenv("POSTFIX") != "0" {
		pf = startPostfix(t, sink)
	}
	mwAddr := freePort(t)
	cfg := filepath.Join(work, "mailward.yaml")
	os.WriteFile(cfg, []byte(mailwardYAML(mwAddr, sink, filepath.Join(work, "quarantine"), clam)), 0o644)
	mw := exec.Command(bin, "serve", "-config", cfg)
	logf, _ := os.Create(filepath.Join(work, "mailward.log"))
	defer logf.Close()
	mw.Stderr = logf
	startDaemon(t, "mailward", mw)
	waitListen(t, mwAddr, 60*time.Second)

	type system struct {
		name string
		send func(size, count int) loadResult // size 0: the mix
	}
	via := func(addr string) func(int, int) loadResult {
		return func(size, count int) loadResult {
			if size == 0 {
				return sendLoad(addr, wires, count, sessions)
			}
			return smtpSource(t, addr, size, count, sessions)
		}
	}
	systems := []system{{"direct", via(sink)}, {"mailward", via(mwAddr)}}
	if pf != nil {
		pfSend := via(pf.addr)
		systems = append(systems, system{"postfix", func(size, count int) loadResult {
			start := time.Now()
			r := pfSend(size, count)
			pf.drained(t, 10*time.Minute)
			r.elapsed = time.Since(start)
			return r
		}})
	}
	loads := []struct {
		name        string
		size, count int
		postfix     bool
	}{
		{"5K", 5 << 10, envInt("N5K", 1000), false},
		{"50K", 50 << 10, envInt("N50K", 600), false},
		{"1M", 1 << 20, envInt("N1M", 60), true},
		{"mix", 0, len(wires), true},
	}
	t.Logf("mix: %d messages, %.1f MB, mean %.0f KB; clamd: %v; %d sessions, %d rounds",
		len(mix), float64(mixBytes)/1e6, float64(mixBytes)/float64(len(mix))/1024, clam != "", sessions, rounds)
	var report strings.Builder
	fmt.Fprintf(&report, "%-5s %9s %10s %7s %13s %10s %7s %9s %9s %9s\n", "load", "direct/s", "mailward/s", "ratio", "ratio range", "postfix/s", "ratio", "peak RSS", "mw cpu", "clamd cpu")
	for _, ld := range loads {
		// Warm up every system (and mailward's page cache of models).
		for _, s := range systems {
			if s.name == "postfix" && !ld.postfix {
				continue
			}
			s.send(ld.size, max(ld.count/10, 20))
		}
		resetPeakRSS(mw.Process.Pid)
		sum := map[string]float64{}
		lo, hi := 1e9, 0.0
		// CPU per message relayed, of mailward and of clamd: unlike the
		// rates it hardly depends on what else the machine runs.
		var mwCPU, clamCPU time.Duration
		var mwSent int64
		for r := 0; r < rounds; r++ {
			var d float64
			for _, s := range systems {
				if s.name == "postfix" && !ld.postfix {
					continue
				}
				mw0, cl0 := cpuOf(mw.Process), cpuOf(clamProc)
				res := s.send(ld.size, ld.count)
				if s.name == "mailward" {
					mwCPU += cpuOf(mw.Process) - mw0
					clamCPU += cpuOf(clamProc) - cl0
					mwSent += res.sent
				}
				if res.failed > 0 {
					t.Errorf("%s %s: %d of %d failed, first: %s", s.name, ld.name, res.failed, ld.count, res.firstErr)
				}
				sum[s.name] += res.rate()
				switch s.name {
				case "direct":
					d = res.rate()
				case "mailward":
					q := res.rate() / d
					lo, hi = min(lo, q), max(hi, q)
				}
			}
		}
		rss := peakRSS(mw.Process.Pid)
		d, m := sum["direct"]/float64(rounds), sum["mailward"]/float64(rounds)
		pfs, pfr := "-", "-"
		if p, ok := sum["postfix"]; ok {
			pfs = fmt.Sprintf("%.0f", p/float64(rounds))
			pfr = fmt.Sprintf("%.1f%%", 100*p/float64(rounds)/d)
		}
		perMsg := func(c time.Duration) string {
			return fmt.Sprintf("%.2f ms", float64(c.Microseconds())/1000/float64(max(mwSent, 1)))
		}
		fmt.Fprintf(&report, "%-5s %9.0f %10.0f %6.1f%% %5.1f-%5.1f%% %10s %7s %6.0f MB %9s %9s\n",
			ld.name, d, m, 100*m/d, 100*lo, 100*hi, pfs, pfr, rss, perMsg(mwCPU), perMsg(clamCPU))
		t.Logf("%s done", ld.name)
	}
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(&report, "load average at the end: %s", la)
	}
	fmt.Print(report.String())
	t.Log("\n" + report.String())
}

// smtpSource runs Postfix's smtp-source: count messages of size bytes over
// sessions connections, one message per connection.
func smtpSource(tb testing.TB, addr string, size, count, sessions int) loadResult {
	tb.Helper()
	start := time.Now()
	out, err := exec.Command("smtp-source", "-s", strconv.Itoa(sessions), "-m", strconv.Itoa(count), "-l", strconv.Itoa(size),
		"-f", "head@trust.example", "-t", "parent@home.example", addr).CombinedOutput()
	r := loadResult{sent: int64(count), elapsed: time.Since(start)}
	if err != nil || len(out) > 0 {
		// smtp-source prints only trouble.
		r.failed, r.firstErr = 1, fmt.Sprintf("%v: %s", err, out)
	}
	return r
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
