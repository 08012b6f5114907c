package bench

import (
	"bytes"
	"context"
	"fmt"
	"github.com/mailward/mailward/internal/postfixtest"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/scanner"
)

// The real parts a relay benchmark runs against, each started in the
// test's temp folder and stopped when it ends.

// needTool skips tb unless every tool is installed.
func needTool(tb testing.TB, tools ...string) {
	tb.Helper()
	for _, t := range tools {
		if _, err := exec.LookPath(t); err != nil {
			tb.Skipf("%s not installed (Debian package postfix): the relay benchmarks need it", t)
		}
	}
}

// waitListen waits until addr accepts connections.
func waitListen(tb testing.TB, addr string, within time.Duration) {
	tb.Helper()
	end := time.Now().Add(within)
	for time.Now().Before(end) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("nothing listens on %s after %s", addr, within)
}

func freePort(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startDaemon runs cmd until the test ends (SIGTERM, then SIGKILL).
func startDaemon(tb testing.TB, name string, cmd *exec.Cmd) {
	tb.Helper()
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", name, err)
	}
	tb.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
}

// startSink runs Postfix's smtp-sink (accepts and discards everything).
func startSink(tb testing.TB) string {
	tb.Helper()
	addr := freePort(tb)
	args := []string{addr, "256"}
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "nobody"}, args...)
	}
	startDaemon(tb, "smtp-sink", exec.Command("smtp-sink", args...))
	waitListen(tb, addr, 10*time.Second)
	return addr
}

// postfixRelay is a Postfix instance (postfixtest) relaying everything
// from loopback to one next hop.
type postfixRelay struct {
	addr  string
	queue string
}

// startPostfix configures and starts Postfix relaying to next. It skips
// where Postfix cannot run (it needs root).
func startPostfix(tb testing.TB, next string) *postfixRelay {
	tb.Helper()
	needTool(tb, "postfix", "postconf")
	pf := postfixtest.New(tb)
	p := &postfixRelay{addr: freePort(tb), queue: filepath.Join(pf.Dir, "queue")}
	host, port, _ := net.SplitHostPort(next)
	main := fmt.Sprintf(`myhostname = postfix.bench.example
mydomain = bench.example
mydestination =
local_transport = error:no local mail
mynetworks = 127.0.0.0/8
relayhost = [%s]:%s
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_dns_support_level = disabled
message_size_limit = 26214400
`, host, port)
	pf.Start(tb, main, p.addr+" inet n - n - - smtpd\n"+postfixtest.Services, p.addr)
	return p
}

// queued counts messages still in Postfix's queue (not yet delivered).
func (p *postfixRelay) queued() int {
	n := 0
	for _, d := range []string{"maildrop", "incoming", "active", "deferred", "hold"} {
		filepath.WalkDir(filepath.Join(p.queue, d), func(_ string, e os.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				n++
			}
			return nil
		})
	}
	return n
}

// drained waits until Postfix has delivered everything it accepted.
func (p *postfixRelay) drained(tb testing.TB, within time.Duration) {
	tb.Helper()
	end := time.Now().Add(within)
	for p.queued() > 0 {
		if time.Now().After(end) {
			tb.Fatalf("postfix still holds %d messages after %s", p.queued(), within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startClamd runs clamd with a one-signature database of its own (there is
// no network for freshclam) and returns its address and process, or ""
// when clamd is not installed.
// With a tiny database clamd still unpacks and reads every file; only the
// signature matching is cheaper than with the full one.
func startClamd(tb testing.TB) (string, *os.Process) {
	tb.Helper()
	bin, err := exec.LookPath("clamd")
	if err != nil {
		if _, err := os.Stat("/usr/sbin/clamd"); err != nil {
			return "", nil
		}
		bin = "/usr/sbin/clamd"
	}
	dir := tb.TempDir()
	os.Chmod(dir, 0o777)
	db := filepath.Join(dir, "db")
	os.Mkdir(db, 0o755)
	os.WriteFile(filepath.Join(db, "bench.ndb"), []byte("Mailward.Bench.Own:0:*:6d61696c776172642d62656e63682d7369676e6174757265\n"), 0o644)
	addr := freePort(tb)
	_, port, _ := net.SplitHostPort(addr)
	conf := filepath.Join(dir, "clamd.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("Foreground yes\nTCPSocket %s\nTCPAddr 127.0.0.1\nDatabaseDirectory %s\n"+
		"LogFile %s\nStreamMaxLength 64M\nMaxThreads 4\nBytecode no\nUser root\n", port, db, filepath.Join(dir, "clamd.log"))), 0o644)
	cmd := exec.Command(bin, "-c", conf)
	startDaemon(tb, "clamd", cmd)
	waitListen(tb, addr, 60*time.Second)
	return "tcp://" + addr, cmd.Process
}

// mailwardYAML is the relay's config for the benchmarks: every detector on
// (the defaults, plus clamd when clav is set), one sender's limits lifted.
func mailwardYAML(listen, next, qdir, clam string) string {
	return fmt.Sprintf(`domains: [trust.example]
trusted_networks: [127.0.0.1/32]
listen: %s
max_message_bytes: 26214400
next_hop:
  inbound: smtp://%s
  outbound: smtp://%s
quarantine:
  dir: %s
review:
  listen: 127.0.0.1:0
metrics:
  listen: 127.0.0.1:0
log:
  level: warn
clamav:
  address: %q
tracker:                        # one sender sends all the load: lift its limits
  sender_messages_per_hour: 100000000
  sender_recipients_per_hour: 100000000
`, listen, next, next, qdir, clam)
}

// scanPipeline is the default pipeline (every detector but clamd).
func scanPipeline(tb testing.TB) *pipeline.Pipeline {
	tb.Helper()
	cfg, err := config.Parse([]byte(mailwardYAML("127.0.0.1:0", "127.0.0.1:1", tb.TempDir(), "")))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := pipeline.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close() })
	return p
}

type scanned struct {
	action     string
	categories []string
	summary    string
}

func scanOne(tb testing.TB, p *pipeline.Pipeline, raw []byte) scanned {
	env := scanner.Envelope{From: "head@trust.example", To: []string{"parent@home.example"}, Trusted: true, Direction: scanner.Outbound}
	v := p.Scan(context.Background(), raw, env)
	var sums []string
	for _, f := range v.Result.Findings {
		sums = append(sums, string(f.Category)+": "+f.Summary)
	}
	return scanned{string(v.Decision.Action), pipeline.Categories(v.Result.Findings), strings.Join(sums, "; ")}
}

// peakRSS reads a process's peak resident memory (VmHWM) in MiB.
func peakRSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}

// cpuOf is the CPU time (user and system) a process has used so far.
func cpuOf(p *os.Process) time.Duration {
	if p == nil {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.Pid))
	if err != nil {
		return 0
	}
	// The fields after the command name (which may hold spaces).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times (100 on Linux).
const clockTicks = 100

// resetPeakRSS starts a new peak (Linux: clear_refs 5).
func resetPeakRSS(pid int) {
	os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}
