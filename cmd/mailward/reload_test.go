package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailward/mailward/internal/smtptest"
)

// lockedBuffer collects a process's stderr while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveProc runs the built binary's serve with cfg in dir and returns the
// process (to signal) and its log; it waits until the relay listens.
func serveProc(t *testing.T, dir, cfg, listen string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(binary, "serve", "-config", cfg)
	cmd.Dir = dir
	logBuf := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = io.Discard, logBuf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("mailward log:\n%s", logBuf.String())
		}
	})
	waitListening(t, listen)
	return cmd, logBuf
}

// scrape returns the value of one series from /metrics, or -1 when absent.
func scrape(t *testing.T, metricsAddr, series string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, series+" ") {
			v, err := strconv.ParseFloat(strings.TrimPrefix(line, series+" "), 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return v
		}
	}
	return -1
}

// waitFor polls cond until it holds or 60 s pass (a loaded 2-core machine
// builds a pipeline, model included, in a few seconds).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func reloadConfig(listen, hop, work, review, metricsAddr, generation string) string {
	return fmt.Sprintf(`domains: [trust.example]
trusted_networks: [127.0.0.1/32]
listen: %s
hostname: mailward.test
next_hop:
  inbound: smtp://%s
  outbound: smtp://%s
quarantine:
  dir: %s/quarantine
review:
  listen: %s
metrics:
  listen: %s
log:
  format: json
tracker:
  sender_messages_per_hour: 1000000
  sender_recipients_per_hour: 1000000
rules:
  - name: generation-%s
    direction: [internal]
    action: tag
    headers: {X-Test-Generation: %s}
`, listen, hop, hop, work, review, metricsAddr, generation, generation)
}

// send delivers one message over c (an open session) and reports whether
// mailward answered 250.
func send(c *gosmtp.Client, id string) error {
	if err := c.Mail("head@trust.example", nil); err != nil {
		return err
	}
	if err := c.Rcpt("office@trust.example", nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "From: head@trust.example\r\nTo: office@trust.example\r\nSubject: Timetable\r\nMessage-ID: <%s@test>\r\n\r\nThe timetable for next week is attached to the staff notice board.\r\n", id)
	return w.Close()
}

// TestReloadUnderLoad sends messages without pause through the real binary
// to a real go-smtp next hop, on long-lived sessions and on a new session
// per message, while the test sends SIGHUP several times with a changed
// rule, once with a listener change and once with a broken config. Every
// message mailward accepted must reach the next hop exactly once, no
// session may be dropped or deferred, the changed rule must take effect
// after each reload and the broken config must leave the last good rule in
// force. The log is JSON throughout (log.format: json).
func TestReloadUnderLoad(t *testing.T) {
	hop := smtptest.Start(t, nil)
	listen, review, metricsAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	work := t.TempDir()
	cfgPath := filepath.Join(t.TempDir(), "mailward.yaml")
	write := func(s string) {
		t.Helper()
		// Written whole and renamed: a reload never reads half a file.
		tmp := cfgPath + ".tmp"
		if err := os.WriteFile(tmp, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, cfgPath); err != nil {
			t.Fatal(err)
		}
	}
	write(reloadConfig(listen, hop.Addr, work, review, metricsAddr, "one"))
	proc, logBuf := serveProc(t, work, cfgPath, listen)
	waitListening(t, metricsAddr)

	var (
		accepted sync.Map // message id -> true
		nAcc     atomic.Int64
		failures atomic.Int64
		firstErr atomic.Value
		stop     = make(chan struct{})
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		failures.Add(1)
		firstErr.CompareAndSwap(nil, err.Error())
	}
	worker := func(w int, persistent bool) {
		defer wg.Done()
		var c *gosmtp.Client
		for n := 0; ; n++ {
			select {
			case <-stop:
				if c != nil {
					c.Quit()
				}
				return
			default:
			}
			if c == nil {
				var err error
				if c, err = gosmtp.Dial(listen); err != nil {
					fail(fmt.Errorf("dial: %w", err))
					return
				}
			}
			id := fmt.Sprintf("w%d-%d", w, n)
			if err := send(c, id); err != nil {
				fail(fmt.Errorf("%s: %w", id, err))
				c.Close()
				return
			}
			accepted.Store(id, true)
			nAcc.Add(1)
			if !persistent {
				c.Quit()
				c = nil
			}
		}
	}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go worker(w, w%2 == 0)
	}

	reloads := func() float64 {
		return scrape(t, metricsAddr, `mailward_config_reloads_total{result="ok"}`)
	}
	hup := func(wantOK float64) {
		t.Helper()
		before := nAcc.Load()
		if err := proc.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		waitFor(t, fmt.Sprintf("reload %v", wantOK), func() bool { return reloads() >= wantOK })
		// Messages keep flowing across the reload.
		waitFor(t, "messages after reload", func() bool { return nAcc.Load() > before+4 || failures.Load() > 0 })
	}
	waitFor(t, "first messages", func() bool { return nAcc.Load() >= 10 || failures.Load() > 0 })
	generations := []string{"two", "three", "four", "five"}
	for i, g := range generations {
		cfg := reloadConfig(listen, hop.Addr, work, review, metricsAddr, g)
		if g == "four" { // a listener change: logged as needing a restart
			cfg = reloadConfig(listen, hop.Addr, work, freeAddr(t), metricsAddr, g)
		}
		write(cfg)
		hup(float64(i + 1))
	}
	// A broken config: refused, the last good one stays.
	write(reloadConfig(listen, hop.Addr, work, review, metricsAddr, "six") + "unknown_key: 1\n")
	proc.Process.Signal(syscall.SIGHUP)
	waitFor(t, "refused reload", func() bool {
		return scrape(t, metricsAddr, `mailward_config_reloads_total{result="error"}`) >= 1
	})
	if v := scrape(t, metricsAddr, "mailward_config_last_reload_successful"); v != 0 {
		t.Errorf("mailward_config_last_reload_successful after a refused reload = %v, want 0", v)
	}
	time.Sleep(300 * time.Millisecond) // more traffic on the kept config
	close(stop)
	wg.Wait()

	if f := failures.Load(); f > 0 {
		t.Fatalf("%d sends failed across reloads; first: %v", f, firstErr.Load())
	}
	// After the refused reload a new message still gets generation five.
	c, err := gosmtp.Dial(listen)
	if err != nil {
		t.Fatal(err)
	}
	if err := send(c, "last"); err != nil {
		t.Fatalf("after the refused reload: %v", err)
	}
	c.Quit()
	accepted.Store("last", true)
	nAcc.Add(1)

	// Every accepted message reached the next hop exactly once.
	idRe := regexp.MustCompile(`Message-ID: <([^@]+)@test>`)
	var got map[string]string
	waitFor(t, "next hop to have every accepted message", func() bool {
		got = map[string]string{}
		for _, m := range hop.Messages() {
			if id := idRe.FindSubmatch(m.Data); id != nil {
				if _, dup := got[string(id[1])]; dup {
					t.Fatalf("message %s delivered twice", id[1])
				}
				gen := regexp.MustCompile(`X-Test-Generation: (\w+)`).FindSubmatch(m.Data)
				if gen == nil {
					t.Fatalf("message %s lacks the rule's header", id[1])
				}
				got[string(id[1])] = string(gen[1])
			}
		}
		return int64(len(got)) >= nAcc.Load()
	})
	if int64(len(got)) != nAcc.Load() {
		t.Errorf("accepted %d, next hop has %d", nAcc.Load(), len(got))
	}
	accepted.Range(func(k, _ any) bool {
		if _, ok := got[k.(string)]; !ok {
			t.Errorf("accepted %s never reached the next hop", k)
		}
		return true
	})
	if got["last"] != "five" {
		t.Errorf("after the refused reload the rule is %q, want five (the last good config)", got["last"])
	}
	seen := map[string]int{}
	for _, g := range got {
		seen[g]++
	}
	for _, g := range append([]string{"one"}, generations...) {
		if seen[g] == 0 {
			t.Errorf("no message tagged by generation %s: %v", g, seen)
		}
	}
	t.Logf("%d messages accepted and delivered across %d reloads; by generation: %v", len(got), len(generations), seen)

	// The log: JSON lines; the listener change and the refusal are named.
	var restart, refused, reloaded int
	var reloadMs []any
	for _, line := range strings.Split(strings.TrimSpace(logBuf.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON (log.format: json): %q", line)
			continue
		}
		msg, _ := rec["msg"].(string)
		switch {
		case strings.Contains(msg, "change only on restart"):
			restart++
			if !strings.Contains(fmt.Sprint(rec["keys"]), "review") {
				t.Errorf("restart warning does not name review: %v", rec)
			}
		case strings.HasPrefix(msg, "reload refused"):
			refused++
			if !strings.Contains(fmt.Sprint(rec["err"]), "unknown_key") {
				t.Errorf("refusal does not name the bad key: %v", rec)
			}
		case msg == "config reloaded":
			reloaded++
			reloadMs = append(reloadMs, rec["ms"])
		}
	}
	t.Logf("reloads took (ms): %v", reloadMs)
	if restart == 0 || refused != 1 || reloaded != len(generations) {
		t.Errorf("log: %d restart warnings (want >= 1), %d refusals (want 1), %d reloads (want %d)", restart, refused, reloaded, len(generations))
	}
	if v := scrape(t, metricsAddr, `mailward_rule_matches_total{rule="generation-five"}`); v < 1 {
		t.Errorf("mailward_rule_matches_total for the reloaded rule = %v", v)
	}
}
