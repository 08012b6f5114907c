package milter

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/dnstest"
	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/quarantine"
)

// testRules: an inbound dangerous attachment is refused, pupil data and
// offensive language leaving are held, other inbound mail from outside is
// tagged; everything else is delivered (the engine's default).
const testRules = `rules:
  - {name: attachment-inbound, direction: [inbound], category: [suspicious_attachment], action: reject}
  - {name: pupil-data-outbound, direction: [outbound], category: [pupil_data], action: quarantine}
  - {name: offensive-outbound, direction: [outbound, internal], category: [offensive_language], action: quarantine}
  - name: external-inbound
    direction: [inbound]
    action: tag
    subject_prefix: "[External] "
    headers: {X-School-Notice: external}
`

// mailward is a milter server on loopback with its own quarantine.
type mailward struct {
	addr  string
	srv   *Server
	store *quarantine.Dir
	qdir  string
	track *msglog.SQLite // message tracking, as serve keeps it
	logs  *lockedBuffer
	done  chan error
}

// startMailward serves the milter on addr ("127.0.0.1:0" for any port)
// with testRules and extra YAML, until the test ends.
func startMailward(t testing.TB, addr, extraYAML string) *mailward {
	t.Helper()
	return startMailwardMode(t, addr, config.MilterStore, extraYAML)
}

// startMailwardMode is startMailward with a milter.quarantine mode.
func startMailwardMode(t testing.TB, addr, mode, extraYAML string) *mailward {
	t.Helper()
	m := &mailward{qdir: t.TempDir(), logs: &lockedBuffer{}, done: make(chan error, 1)}
	// The authentication check asks a DNS server of the test's own, never
	// the machine's resolver: home.example allows the untrusted client.
	dns := dnstest.Start(t)
	dns.TXT("home.example", "v=spf1 ip4:127.0.0.2 ip4:192.0.2.1 -all")
	cfg, err := config.Parse([]byte(fmt.Sprintf(`domains: [trust.example]
trusted_networks: [127.0.0.1/32]
hostname: mailward.test
max_message_bytes: 300000
quarantine: {dir: %q}
milter: {listen: %q, quarantine: %s}
dns: {resolver: %q}
%s%s`, m.qdir, addr, mode, dns.Addr, testRules, extraYAML)))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	p, err := pipeline.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if m.store, err = quarantine.OpenDir(m.qdir); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(m.logs, nil))
	if m.track, err = msglog.OpenSQLite(filepath.Join(m.qdir, "msglog.db"), msglog.SQLiteOptions{}); err != nil {
		t.Fatal(err)
	}
	tw := msglog.NewWriter(m.track, msglog.WriterOptions{Linger: 10 * time.Millisecond, Log: log})
	t.Cleanup(func() { tw.Close(context.Background()); m.track.Close() })
	if m.srv, err = New(cfg, Options{Pipeline: p, Store: m.store, Logger: log, Tracking: tw}); err != nil {
		t.Fatal(err)
	}
	var l net.Listener
	for i := 0; ; i++ { // a port just given up may still be held for a moment
		if l, err = net.Listen("tcp", addr); err == nil || i == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	m.addr = l.Addr().String()
	go func() { m.done <- m.srv.Serve(l) }()
	t.Cleanup(m.stop)
	return m
}

// stop shuts the milter down; later calls do nothing.
func (m *mailward) stop() {
	if m.srv.draining.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m.srv.Shutdown(ctx)
	<-m.done
}

// held returns the quarantine's records.
func (m *mailward) held(t *testing.T) []*quarantine.Record {
	t.Helper()
	recs, err := m.store.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// result is how an SMTP client's transaction ended: the command that got a
// refusal (or "end of data" for the final answer) and the reply.
type result struct {
	stage string
	code  int
	msg   string
}

func (r result) String() string { return fmt.Sprintf("%s: %d %s", r.stage, r.code, r.msg) }

// submit sends one message with Go's net/smtp from the local address
// localIP (127.0.0.1 is trusted, 127.0.0.2 is not) and returns how it ended.
func submit(t *testing.T, addr, localIP, from string, to []string, msg string) result {
	t.Helper()
	return submitTLS(t, addr, localIP, false, from, to, msg)
}

// submitTLS is submit, over STARTTLS when starttls is set.
func submitTLS(t *testing.T, addr, localIP string, starttls bool, from string, to []string, msg string) result {
	t.Helper()
	d := net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(localIP)}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(2 * time.Minute))
	c, err := smtp.NewClient(conn, "postfix.test")
	if err != nil {
		return asResult(t, "greeting", err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return asResult(t, "ehlo", err)
	}
	if starttls {
		if err := c.StartTLS(&tls.Config{InsecureSkipVerify: true}); err != nil {
			return asResult(t, "starttls", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return asResult(t, "mail", err)
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return asResult(t, "rcpt", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return asResult(t, "data", err)
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		return asResult(t, "data", err)
	}
	if err := w.Close(); err != nil {
		return asResult(t, "end of data", err)
	}
	c.Quit()
	return result{stage: "end of data", code: 250}
}

func asResult(t *testing.T, stage string, err error) result {
	t.Helper()
	var te *textproto.Error
	if !errors.As(err, &te) {
		t.Fatalf("%s: %v", stage, err)
	}
	return result{stage: stage, code: te.Code, msg: te.Msg}
}

func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n", "\r\n")
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
