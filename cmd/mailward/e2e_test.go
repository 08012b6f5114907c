package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// These tests run the real binary against real peers: swaks as the client
// and Postfix's smtp-sink as the next hop. They skip when the tools are not
// installed (.ci/run installs them).

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mailward-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "mailward")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (Debian: swaks, postfix); .ci/run installs it", tool)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startSmtpSink runs Postfix's smtp-sink, dumping each message into dir.
func startSmtpSink(t *testing.T) (addr, dir string) {
	t.Helper()
	need(t, "smtp-sink")
	addr = freeAddr(t)
	// smtp-sink drops to nobody, who cannot enter t.TempDir()'s parent.
	dir, err := os.MkdirTemp("", "smtp-sink")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o777)
	args := []string{"-d", filepath.Join(dir, "%Y%m%d%H%M%S."), addr, "50"}
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "nobody"}, args...)
	}
	cmd := exec.Command("smtp-sink", args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitListening(t, addr)
	return addr, dir
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nothing listening on %s", addr)
}

// startServe runs `mailward serve` in dir with args and waits until it
// listens; it returns what serve printed on stdout until then.
func startServe(t *testing.T, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, binary, append([]string{"serve"}, args...)...)
	cmd.Dir = dir
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			t.Logf("mailward log:\n%s", stderr.String())
		}
	})
	sc := bufio.NewScanner(stdout)
	ready := make(chan string, 1)
	go func() {
		var printed strings.Builder
		for sc.Scan() {
			printed.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "listening on") {
				ready <- printed.String()
			}
		}
		close(ready)
	}()
	select {
	case printed, ok := <-ready:
		if !ok {
			t.Fatalf("mailward exited: %s", stderr.String())
		}
		return printed
	case <-time.After(20 * time.Second):
		t.Fatal("mailward did not start")
	}
	return ""
}

// serveToSink runs the real binary for trust.example, trusting 127.0.0.1,
// with smtp-sink as both next hops; it returns mailward's SMTP address,
// the sink's folder and the config file.
func serveToSink(t *testing.T) (listen, sinkDir, cfg string) {
	t.Helper()
	need(t, "swaks", "smtp-sink")
	sinkAddr, sinkDir := startSmtpSink(t)
	listen = freeAddr(t)
	work := t.TempDir()
	cfg = writeConfig(t, fmt.Sprintf(`domains: [trust.example]
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
`, listen, sinkAddr, sinkAddr, work, freeAddr(t), freeAddr(t)))
	startServe(t, work, "-config", cfg)
	return listen, sinkDir, cfg
}

func swaks(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command("swaks", append([]string{"--timeout", "20"}, args...)...).CombinedOutput()
	return string(out), err
}

// TestSwaksThroughMailwardToSmtpSink: a real client, the real binary and a
// real receiving server; and relay refusal for an untrusted client.
func TestSwaksThroughMailwardToSmtpSink(t *testing.T) {
	listen, sinkDir, _ := serveToSink(t)

	out, err := swaks(t, "--server", listen, "--from", "head@trust.example", "--to", "parent@home.example",
		"--header", "Subject: Sports day", "--body", "Sports day is on Friday.")
	if err != nil || !strings.Contains(out, "250 2.0.0 Ok: queued as") {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	var dumped string
	for i := 0; i < 100 && dumped == ""; i++ {
		files, _ := filepath.Glob(filepath.Join(sinkDir, "*"))
		if len(files) == 1 {
			b, _ := os.ReadFile(files[0])
			dumped = string(b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []string{"Sports day is on Friday.", "by mailward.test (mailward) with ESMTP", "parent@home.example"} {
		if !strings.Contains(dumped, want) {
			t.Errorf("smtp-sink dump lacks %q:\n%s", want, dumped)
		}
	}
	if strings.Contains(dumped, "X-Mailward-") {
		t.Errorf("outbound mail carries X-Mailward fields:\n%s", dumped)
	}

	// From 127.0.0.2 (untrusted) to a domain not ours: refused at RCPT.
	out, err = swaks(t, "--server", listen, "--local-interface", "127.0.0.2", "--from", "x@elsewhere.example", "--to", "y@other.example")
	if err == nil || !strings.Contains(out, "554 5.7.1") {
		t.Fatalf("open relay? %v\n%s", err, out)
	}
}

// TestLocalDefault is README's first command: `mailward serve` with no
// config delivers to ./var/delivered.
func TestLocalDefault(t *testing.T) {
	need(t, "swaks")
	if c, err := net.DialTimeout("tcp", "127.0.0.1:2525", 200*time.Millisecond); err == nil {
		c.Close()
		t.Skip("127.0.0.1:2525 is in use")
	}
	work := t.TempDir()
	printed := startServe(t, work)
	out, err := swaks(t, "--server", "127.0.0.1:2525", "--from", "a@localhost", "--to", "b@localhost", "--body", "local default works")
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(work, "var/delivered/new/*"))
	if len(files) != 1 {
		t.Fatalf("delivered: %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), "local default works") || !strings.Contains(string(b), "X-Mailward-Action: deliver") {
		t.Fatalf("delivered message:\n%s", b)
	}

	// The review page works out of the box with the one-run admin login, and
	// never without a login.
	m := regexp.MustCompile(`log in as admin / (\S+)`).FindStringSubmatch(printed)
	if m == nil {
		t.Fatalf("no admin login printed:\n%s", printed)
	}
	get := func(user, pw string) int {
		req, _ := http.NewRequest("GET", "http://127.0.0.1:8025/api/messages", nil)
		if user != "" {
			req.SetBasicAuth(user, pw)
		}
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("admin", m[1]); code != 200 {
		t.Errorf("admin login: %d", code)
	}
	if code := get("", ""); code == 200 {
		t.Errorf("review API served without a login")
	}
	if code := get("admin", "wrong"); code == 200 {
		t.Errorf("review API served with a wrong password")
	}
}
