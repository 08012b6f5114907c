package smtp

import (
	"bufio"
	"context"
	"fmt"
	"github.com/mailward/mailward/internal/dnstest"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/smtptest"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/scanner"
)

// relay is a running mailward in front of two sinks.
type relay struct {
	addr    string
	in, out *smtptest.Server
	qdir    string
	store   *quarantine.Dir
	pipe    *pipeline.Pipeline
	srv     *Server
	cfg     *config.Config
	logs    *lockedWriter
}

// startRelay runs mailward for trust.example with 127.0.0.1 trusted, the
// given extra YAML appended to the config, and real sinks as next hops.
func startRelay(t testing.TB, extraYAML string, scanners ...scanner.Scanner) *relay {
	t.Helper()
	return startRelayCfg(t, extraYAML, nil, scanners...)
}

// startRelayCfg is startRelay with a change to the parsed config.
func startRelayCfg(t testing.TB, extraYAML string, mod func(*config.Config), scanners ...scanner.Scanner) *relay {
	t.Helper()
	r := &relay{in: smtptest.Start(t, nil), out: smtptest.Start(t, nil), qdir: t.TempDir()}
	yaml := fmt.Sprintf(`domains: [trust.example, "*.schools.example"]
trusted_networks: [127.0.0.1/32]
listen: 127.0.0.1:0
hostname: mailward.test
max_message_bytes: 200000
next_hop:
  inbound: smtp://%s
  outbound: smtp://%s
quarantine:
  dir: %s
%slimits:
  max_recipients: 5
%s`, r.in.Addr, r.out.Addr, r.qdir, loopbackDNS(t, extraYAML), extraYAML)
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	if mod != nil {
		mod(cfg)
	}
	r.cfg = cfg
	r.pipe, err = pipeline.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.pipe.Runner.Scanners = append(r.pipe.Runner.Scanners, scanners...)
	r.store, err = quarantine.OpenDir(r.qdir)
	if err != nil {
		t.Fatal(err)
	}
	r.logs = &lockedWriter{}
	log := slog.New(slog.NewTextHandler(r.logs, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	r.srv, err = New(cfg, Options{Pipeline: r.pipe, Store: r.store, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = l.Addr().String()
	go r.srv.Serve(l)
	t.Cleanup(func() { r.srv.Close() })
	return r
}

// lockedWriter collects log output from concurrent sessions.
type lockedWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// conv is a raw SMTP conversation, to assert exact replies.
type conv struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

// dial connects from 127.0.0.1 (trusted) or, with from "127.0.0.2", from an
// untrusted address on the same machine.
func dial(t *testing.T, addr, from string) *conv {
	t.Helper()
	cv := dialRaw(t, addr, from)
	cv.expect("220")
	return cv
}

// dialRaw connects without reading the greeting.
func dialRaw(t *testing.T, addr, from string) *conv {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return &conv{t: t, c: c, r: bufio.NewReader(c)}
}

// reply reads one (possibly multi-line) reply and returns its last line.
func (cv *conv) reply() string {
	cv.t.Helper()
	var last string
	for {
		line, err := cv.r.ReadString('\n')
		if err != nil {
			cv.t.Fatalf("reading reply: %v (so far %q)", err, last)
		}
		last = strings.TrimRight(line, "\r\n")
		if len(last) < 4 || last[3] != '-' {
			return last
		}
	}
}

func (cv *conv) send(s string) {
	cv.t.Helper()
	if _, err := io.WriteString(cv.c, s); err != nil {
		cv.t.Fatal(err)
	}
}

// cmd sends one line and asserts the reply starts with want.
func (cv *conv) cmd(line, want string) string {
	cv.t.Helper()
	cv.send(line + "\r\n")
	return cv.expect(want)
}

func (cv *conv) expect(want string) string {
	cv.t.Helper()
	got := cv.reply()
	if !strings.HasPrefix(got, want) {
		cv.t.Fatalf("want reply %q, got %q", want, got)
	}
	return got
}

// ehlo greets and returns the advertised extensions.
func (cv *conv) ehlo() []string {
	cv.t.Helper()
	cv.send("EHLO client.test\r\n")
	var ext []string
	for {
		line, err := cv.r.ReadString('\n')
		if err != nil {
			cv.t.Fatal(err)
		}
		line = strings.TrimRight(line, "\r\n")
		if !strings.HasPrefix(line, "250") {
			cv.t.Fatalf("ehlo: %q", line)
		}
		ext = append(ext, line[4:])
		if line[3] == ' ' {
			return ext
		}
	}
}

// sendMessage runs a whole transaction and returns the final reply.
func (cv *conv) sendMessage(from string, to []string, body string) string {
	cv.t.Helper()
	cv.cmd("MAIL FROM:<"+from+">", "250")
	for _, r := range to {
		cv.cmd("RCPT TO:<"+r+">", "250")
	}
	cv.cmd("DATA", "354")
	cv.send(dotStuff(body))
	cv.send(".\r\n")
	return cv.reply()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// dotStuff escapes leading dots as a client must on the wire.
func dotStuff(body string) string {
	if strings.HasPrefix(body, ".") {
		body = "." + body
	}
	return strings.ReplaceAll(body, "\r\n.", "\r\n..")
}

// loopbackDNS points the relay's SPF, DKIM and DMARC lookups at an empty
// DNS server on loopback (every name: no such domain), unless the test sets
// dns itself: relay tests must not wait on, or leave the machine for, the
// system's resolver.
func loopbackDNS(t testing.TB, extraYAML string) string {
	if strings.Contains(extraYAML, "dns:") {
		return ""
	}
	return "dns: {resolver: " + dnstest.Start(t).Addr + "}\n"
}
