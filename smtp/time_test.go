package smtp

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/smtptest"
	"github.com/mailward/mailward/scanner"
)

// TestDataIdleTimeout: a client that stalls mid-DATA is cut off after the
// idle deadline and nothing goes on.
func TestDataIdleTimeout(t *testing.T) {
	r := startRelay(t, "  data_idle_timeout: 300ms\n")
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	cv.cmd("MAIL FROM:<a@elsewhere.example>", "250")
	cv.cmd("RCPT TO:<head@trust.example>", "250")
	cv.cmd("DATA", "354")
	start := time.Now()
	cv.send("Subject: stall\r\n\r\nand then noth")
	got := cv.reply()
	if !strings.HasPrefix(got, "451 4.4.2") && !strings.HasPrefix(got, "421") {
		t.Fatalf("got %q", got)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("took %s", took)
	}
	if len(r.in.Messages()) != 0 {
		t.Fatal("half a message went on")
	}
}

// TestDataDeadlineExtendedWhileBytesArrive: a slow but steady upload is not
// cut off by the idle deadline.
func TestDataDeadlineExtendedWhileBytesArrive(t *testing.T) {
	r := startRelay(t, "  data_idle_timeout: 300ms\n")
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	cv.cmd("MAIL FROM:<a@elsewhere.example>", "250")
	cv.cmd("RCPT TO:<head@trust.example>", "250")
	cv.cmd("DATA", "354")
	cv.send("Subject: trickle\r\n\r\n")
	for i := 0; i < 8; i++ { // 8 x 100ms: well past one idle period in total
		cv.send("line\r\n")
		time.Sleep(100 * time.Millisecond)
	}
	cv.send(".\r\n")
	cv.expect("250")
}

// TestReplyDeadline: a next hop that sits on the end of data does not keep
// the client waiting past reply_deadline: it gets 451 and retries.
func TestReplyDeadline(t *testing.T) {
	r := startRelay(t, "  reply_deadline: 1s\n")
	r.in.Set(func(s *smtptest.Behaviour) { s.DataDelay = 3 * time.Second })
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	start := time.Now()
	got := cv.sendMessage("a@elsewhere.example", []string{"head@trust.example"}, "Subject: x\r\n\r\nhi\r\n")
	if !strings.HasPrefix(got, "451") {
		t.Fatalf("got %q", got)
	}
	if took := time.Since(start); took > 2500*time.Millisecond {
		t.Fatalf("answer took %s", took)
	}
}

// TestMaxSessions: next_hop.max_sessions caps downstream concurrency; a
// transaction that cannot get a session in time is deferred, not lost.
func TestMaxSessions(t *testing.T) {
	r := startRelayCfg(t, "", func(c *config.Config) {
		c.NextHop.MaxSessions = 1
		c.Limits.NextHopTimeout = config.Duration(500 * time.Millisecond)
	})
	// Trusted clients: untrusted ones would meet their own, smaller cap
	// first (TestTransactionCaps).
	a := dial(t, r.addr, "")
	a.ehlo()
	a.cmd("MAIL FROM:<a@trust.example>", "250")
	a.cmd("RCPT TO:<parent@home.example>", "250") // holds the only session
	b := dial(t, r.addr, "")
	b.ehlo()
	b.cmd("MAIL FROM:<b@trust.example>", "250")
	b.cmd("RCPT TO:<parent@home.example>", "451 4.4.1")
	a.cmd("DATA", "354")
	a.send("Subject: a\r\n\r\na\r\n.\r\n")
	a.expect("250")
	b.cmd("RCPT TO:<parent@home.example>", "250") // the session is free again
}

// slow ignores its context: a scanner stuck on one message.
type slow struct{ d time.Duration }

func (slow) Name() string { return "slow" }
func (s slow) Scan(context.Context, *scanner.Message) ([]scanner.Finding, error) {
	time.Sleep(s.d)
	return nil, nil
}

// TestScanBudgetOnIdleSystem: when the budget runs out and nothing else is
// being scanned, the message itself is the problem: held as unscannable
// rather than deferred for days.
func TestScanBudgetOnIdleSystem(t *testing.T) {
	r := startRelay(t, "scan:\n  budget: 200ms\n", slow{2 * time.Second})
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	start := time.Now()
	if got := cv.sendMessage("a@elsewhere.example", []string{"head@trust.example"}, "Subject: x\r\n\r\nhi\r\n"); !strings.HasPrefix(got, "250") {
		t.Fatal(got)
	}
	if time.Since(start) > 1500*time.Millisecond {
		t.Fatal("waited for the stuck scanner")
	}
	ids := heldIDs(t, r.qdir)
	if len(ids) != 1 || len(r.in.Messages()) != 0 {
		t.Fatalf("held %v delivered %d", ids, len(r.in.Messages()))
	}
	rec, _ := os.ReadFile(filepath.Join(r.qdir, "msg", ids[0]+".json"))
	if !strings.Contains(string(rec), "scan budget") {
		t.Fatalf("record: %s", rec)
	}
}

// TestScanBudgetUnderLoad: when many messages are being scanned at once a
// timeout may be the load's fault: 451, so the sender retries later.
func TestScanBudgetUnderLoad(t *testing.T) {
	r := startRelay(t, "scan:\n  budget: 300ms\n", slow{1500 * time.Millisecond})
	var wg sync.WaitGroup
	replies := make(chan string, 6)
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cv := dial(t, r.addr, "127.0.0.2")
			cv.ehlo()
			replies <- cv.sendMessage("a@elsewhere.example", []string{"head@trust.example"}, "Subject: x\r\n\r\nhi\r\n")
		}()
	}
	wg.Wait()
	close(replies)
	deferred := 0
	for got := range replies {
		if strings.HasPrefix(got, "451") {
			deferred++
		}
	}
	if deferred == 0 {
		t.Fatal("no message was deferred under load")
	}
}

// TestMaxConnections: connections beyond limits.max_connections get 421 at
// once, the trusted reserve (here 1 of 3: at most half is reserved) stays
// free for the trust's own server, and a slot frees when a client leaves.
func TestMaxConnections(t *testing.T) {
	r := startRelayCfg(t, "", func(c *config.Config) { c.Limits.MaxConnections = 3 })
	a := dial(t, r.addr, "127.0.0.2")
	dial(t, r.addr, "127.0.0.3")
	dialRaw(t, r.addr, "127.0.0.4").expect("421 4.7.0")
	dial(t, r.addr, "") // trusted: the reserved slot
	dialRaw(t, r.addr, "").expect("421 4.7.0")
	a.cmd("QUIT", "221")
	waitFor(t, "a free slot", func() bool {
		d := dialRaw(t, r.addr, "127.0.0.2")
		defer d.c.Close()
		return strings.HasPrefix(d.reply(), "220")
	})
}
