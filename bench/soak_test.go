// Package bench holds mailward's load and soak harnesses. They run only
// when asked (they build the binary and take a minute or more).
package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// TestSoak runs `mailward serve` (the real binary) in front of a recording
// next hop and a real Redis while clients send mail the way MTAs do (retry
// on 4xx or a dropped connection, give up on 5xx), and in turn kills the
// next hop, Redis, the disk (the quarantine's temp folder turns into a
// file) and mailward itself (SIGKILL, then a restart). At the end every
// message a client got 250 for must be at the next hop or in the
// quarantine: lost must be 0. Duplicates are counted with what was being
// killed when their first attempt failed. Bounded: it stops by itself.
//
//	MAILWARD_SOAK=60s go test ./bench/ -run Soak -v
func TestSoak(t *testing.T) {
	spec := os.Getenv("MAILWARD_SOAK")
	if spec == "" {
		t.Skip("set MAILWARD_SOAK=60s to run the soak harness")
	}
	dur, err := time.ParseDuration(spec)
	if err != nil {
		t.Fatalf("MAILWARD_SOAK: %v", err)
	}
	redisBin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed")
	}
	work := t.TempDir()
	bin := filepath.Join(work, "mailward")
	build := exec.Command("go", "build", "-o", bin, "./cmd/mailward")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	exe, err := os.ReadFile("../smtp/testdata/exe-attachment.eml")
	if err != nil {
		t.Fatal(err)
	}

	hop := &recHop{addr: freeAddr(t), ids: map[string]int{}}
	hop.start(t)
	defer hop.stop()
	rds := &proc{name: "redis", cmd: func() *exec.Cmd {
		_, port, _ := net.SplitHostPort(redisAddr)
		return exec.Command(redisBin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", work)
	}}
	redisAddr = freeAddr(t)
	rds.start(t, redisAddr)
	defer rds.kill()

	listen := freeAddr(t)
	qdir := filepath.Join(work, "quarantine")
	cfg := filepath.Join(work, "mailward.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`domains: [trust.example]
trusted_networks: [127.0.0.1/32]
listen: %s
next_hop:
  inbound: smtp://%s
  outbound: smtp://%s
quarantine:
  dir: %s
review:
  listen: %s
metrics:
  listen: %s
redis:
  url: redis://%s/0
tracker:
  sender_messages_per_hour: 100000000
  sender_recipients_per_hour: 100000000
  client_messages_per_hour: 100000000
  client_recipients_per_hour: 100000000
limits:
  next_hop_timeout: 3s
  reply_deadline: 30s
log:
  level: warn
`, listen, hop.addr, hop.addr, qdir, freeAddr(t), freeAddr(t), redisAddr)), 0o600)
	logf, _ := os.Create(filepath.Join(work, "mailward.log"))
	defer logf.Close()
	mw := &proc{name: "mailward", cmd: func() *exec.Cmd {
		c := exec.Command(bin, "serve", "-config", cfg)
		c.Dir, c.Stdout, c.Stderr = work, io.Discard, logf
		return c
	}}
	mw.start(t, listen)
	defer mw.kill()

	// The chaos: one victim after another, down for a while, then back.
	var down atomic.Value // what is down now ("" when nothing)
	down.Store("")
	tmpDir := filepath.Join(qdir, "tmp")
	victims := []struct {
		name       string
		kill, back func()
	}{
		{"next hop", hop.stop, func() { hop.start(t) }},
		{"redis", rds.kill, func() { rds.start(t, redisAddr) }},
		{"disk", func() {
			os.RemoveAll(tmpDir)
			os.WriteFile(tmpDir, nil, 0o600) // quarantine writes fail: not a folder
		}, func() {
			os.Remove(tmpDir)
			os.Mkdir(tmpDir, 0o700)
		}},
		{"mailward", mw.kill, func() { mw.start(t, listen) }},
	}
	stopChaos := make(chan struct{})
	chaosDone := make(chan struct{})
	kills := map[string]int{}
	go func() {
		defer close(chaosDone)
		for i := 0; ; i++ {
			select {
			case <-stopChaos:
				return
			case <-time.After(3 * time.Second):
			}
			v := victims[i%len(victims)]
			kills[v.name]++
			down.Store(v.name)
			v.kill()
			time.Sleep(1500 * time.Millisecond)
			v.back()
			down.Store("")
		}
	}()

	// The senders: each message until 250 or 5xx, as an MTA would.
	var (
		mu      sync.Mutex
		results = map[string]*result{}
		seq     atomic.Int64
		wg      sync.WaitGroup
	)
	end := time.Now().Add(dur)
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				n := seq.Add(1)
				id := fmt.Sprintf("soak-%d@soak.test", n)
				m := message(n, id, exe)
				res := &result{kind: m.kind}
				mu.Lock()
				results[id] = res
				mu.Unlock()
				for deadline := time.Now().Add(90 * time.Second); ; {
					reply, err := sendOnce(listen, m)
					att := attempt{down: down.Load().(string)}
					switch {
					case err != nil:
						att.outcome = "connection: " + err.Error()
					default:
						att.outcome = reply
					}
					mu.Lock()
					res.attempts = append(res.attempts, att)
					mu.Unlock()
					if err == nil && reply[0] == '2' {
						res.accepted = true
						break
					}
					if err == nil && reply[0] == '5' {
						res.rejected = true
						break
					}
					if time.Now().After(deadline) {
						break
					}
					time.Sleep(300 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	close(stopChaos)
	<-chaosDone
	time.Sleep(2 * time.Second) // background QUITs, nothing more is sent

	held := heldIDs(t, filepath.Join(qdir, "msg"))
	delivered := hop.snapshot()
	var sent, accepted, rejected, gaveUp, lost, dups, quarantined int
	dupCause := map[string]int{}
	var lostIDs []string
	for id, r := range results {
		sent++
		n := delivered[id] + held[id]
		switch {
		case r.accepted:
			accepted++
			if n == 0 {
				lost++
				lostIDs = append(lostIDs, id)
			}
		case r.rejected:
			rejected++
		default:
			gaveUp++
		}
		if held[id] > 0 {
			quarantined++
		}
		if n > 1 {
			dups++
			dupCause[r.firstFailure()]++
		}
	}
	failed := map[string]int{} // failed attempts by what was down and the reply
	for _, r := range results {
		for _, a := range r.attempts {
			if a.outcome[0] != '2' {
				failed[fmt.Sprintf("%s down: %s", orNone(a.down), short(a.outcome))]++
			}
		}
	}
	sort.Strings(lostIDs)
	t.Logf("soak %s: kills %v", dur, kills)
	t.Logf("failed attempts (retried): %v", failed)
	t.Logf("sent %d: accepted %d (held %d), rejected %d, gave up %d; lost %d, duplicates %d %v",
		sent, accepted, quarantined, rejected, gaveUp, lost, dups, dupCause)
	if lost > 0 {
		for _, id := range lostIDs[:min(10, len(lostIDs))] {
			t.Logf("lost %s: %+v", id, results[id].attempts)
		}
		t.Errorf("%d messages lost (250 given, neither delivered nor held); log in %s", lost, logf.Name())
	}
	if accepted == 0 {
		t.Error("nothing was accepted")
	}
}

var redisAddr string

type result struct {
	kind               string
	accepted, rejected bool
	attempts           []attempt
}

type attempt struct {
	down    string // what the chaos had down when the attempt ended
	outcome string
}

// firstFailure names what was down when the message's first failed
// attempt ended, and how it failed.
func (r *result) firstFailure() string {
	for _, a := range r.attempts {
		if a.outcome[0] != '2' {
			return fmt.Sprintf("%s down: %s", orNone(a.down), short(a.outcome))
		}
	}
	return "no failed attempt"
}

// short is a reply's codes, or "connection lost".
func short(outcome string) string {
	if strings.HasPrefix(outcome, "connection") {
		return "connection lost"
	}
	return outcome[:min(9, len(outcome))]
}

func orNone(s string) string {
	if s == "" {
		return "nothing"
	}
	return s
}

type msg struct {
	kind, from, rcpt, client string
	data                     []byte
}

// message makes the n-th message: mostly clean outbound and inbound mail,
// and every fifth an inbound .exe attachment that the policy holds.
func message(n int64, id string, exe []byte) msg {
	switch n % 5 {
	case 0:
		body := bytes.Replace(exe, []byte("<inv-4471@supplier.example>"), []byte("<"+id+">"), 1)
		return msg{"held", "accounts@supplier.example", "office@trust.example", "127.0.0.2", crlf(body)}
	case 1, 3:
		return msg{"inbound", "news@elsewhere.example", "staff@trust.example", "127.0.0.2",
			crlf([]byte(fmt.Sprintf("From: news@elsewhere.example\nTo: staff@trust.example\nSubject: n %d\nMessage-ID: <%s>\n\nHello number %d.\n", n, id, n)))}
	}
	return msg{"outbound", "head@trust.example", "parent@home.example", "127.0.0.1",
		crlf([]byte(fmt.Sprintf("From: head@trust.example\nTo: parent@home.example\nSubject: n %d\nMessage-ID: <%s>\n\nDear parent, number %d.\n", n, id, n)))}
}

func crlf(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}

// sendOnce is one attempt: the final reply, or the connection's error.
func sendOnce(addr string, m msg) (string, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(m.client)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	br := bufio.NewReader(c)
	read := func() (string, error) {
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return "", err
			}
			if len(line) < 4 || line[3] != '-' {
				return strings.TrimRight(line, "\r\n"), nil
			}
		}
	}
	body := bytes.ReplaceAll(m.data, []byte("\r\n."), []byte("\r\n.."))
	for _, cmd := range []string{"", "EHLO client.test", "MAIL FROM:<" + m.from + ">", "RCPT TO:<" + m.rcpt + ">", "DATA"} {
		if cmd != "" {
			if _, err := io.WriteString(c, cmd+"\r\n"); err != nil {
				return "", err
			}
		}
		got, err := read()
		if err != nil {
			return "", err
		}
		if got[0] == '4' || got[0] == '5' {
			return got, nil
		}
	}
	if _, err := c.Write(append(body, ".\r\n"...)); err != nil {
		return "", err
	}
	got, err := read()
	if err == nil {
		io.WriteString(c, "QUIT\r\n")
	}
	return got, err
}

var msgID = regexp.MustCompile(`(?mi)^Message-ID: <([^>]+)>`)

// heldIDs counts the quarantined messages by Message-ID.
func heldIDs(t *testing.T, dir string) map[string]int {
	out := map[string]int{}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := msgID.FindSubmatch(b); m != nil {
			out[string(m[1])]++
		}
	}
	return out
}

// recHop is the next hop: it counts accepted messages by Message-ID, and
// can be killed (every connection dropped, the port closed) and restarted.
type recHop struct {
	addr string
	mu   sync.Mutex
	ids  map[string]int
	srv  *gosmtp.Server
	l    net.Listener
}

func (h *recHop) start(t *testing.T) {
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) { return &hopSession{h: h}, nil }))
	srv.Domain = "hop.test"
	srv.MaxMessageBytes = 64 << 20
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	var l net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may linger a moment after a kill
		if l, err = net.Listen("tcp", h.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Errorf("next hop restart: %v", err)
		return
	}
	h.mu.Lock()
	h.srv, h.l = srv, l
	h.mu.Unlock()
	go srv.Serve(l)
}

func (h *recHop) stop() {
	h.mu.Lock()
	srv, l := h.srv, h.l
	h.mu.Unlock()
	if srv != nil {
		l.Close()
		srv.Close()
	}
}

func (h *recHop) snapshot() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for k, v := range h.ids {
		out[k] = v
	}
	return out
}

type hopSession struct{ h *recHop }

func (s *hopSession) Reset()                                 {}
func (s *hopSession) Logout() error                          { return nil }
func (s *hopSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (s *hopSession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (s *hopSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if m := msgID.FindSubmatch(b); m != nil {
		s.h.mu.Lock()
		s.h.ids[string(m[1])]++
		s.h.mu.Unlock()
	}
	return nil
}

// proc is a child process that can be SIGKILLed and restarted.
type proc struct {
	name string
	cmd  func() *exec.Cmd
	mu   sync.Mutex
	c    *exec.Cmd
	done chan struct{} // closed when c has exited
}

func (p *proc) start(t *testing.T, addr string) {
	c := p.cmd()
	if err := c.Start(); err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	done := make(chan struct{})
	go func() { c.Wait(); close(done) }()
	p.mu.Lock()
	p.c, p.done = c, done
	p.mu.Unlock()
	for i := 0; i < 200; i++ {
		if conn, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			conn.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("%s did not come up on %s", p.name, addr)
}

func (p *proc) kill() {
	p.mu.Lock()
	c, done := p.c, p.done
	p.c = nil
	p.mu.Unlock()
	if c != nil && c.Process != nil {
		c.Process.Signal(syscall.SIGKILL)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
