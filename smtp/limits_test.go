package smtp

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
)

// TestPerClientConnections: with the default limits, one address holding
// idle connections gets 421 beyond limits.max_connections_per_client (20)
// and locks nobody else out: another outsider and the trust's own server
// still get in and send.
func TestPerClientConnections(t *testing.T) {
	r := startRelay(t, "")
	if got := r.cfg.Limits.MaxConnectionsPerClient; got != 20 {
		t.Fatalf("default max_connections_per_client %d", got)
	}
	var idle []*conv
	for i := 0; i < 20; i++ {
		idle = append(idle, dial(t, r.addr, "127.0.0.2"))
	}
	for i := 0; i < 5; i++ {
		dialRaw(t, r.addr, "127.0.0.2").expect("421 4.7.0")
	}
	dial(t, r.addr, "127.0.0.3").cmd("QUIT", "221")
	trust := dial(t, r.addr, "")
	trust.ehlo()
	if got := trust.sendMessage("head@trust.example", []string{"parent@home.example"}, "Subject: hi\r\n\r\nhello\r\n"); !strings.HasPrefix(got, "250") {
		t.Fatalf("trusted server: %q", got)
	}
	// A slot of the address frees when one of its connections ends.
	idle[0].cmd("QUIT", "221")
	waitFor(t, "a free slot for 127.0.0.2", func() bool {
		d := dialRaw(t, r.addr, "127.0.0.2")
		defer d.c.Close()
		return strings.HasPrefix(d.reply(), "220")
	})
}

// TestTrustedReservedConnections: outsiders together never take the slots
// limits.trusted_reserved_connections keeps for trusted clients.
func TestTrustedReservedConnections(t *testing.T) {
	r := startRelayCfg(t, "", func(c *config.Config) {
		c.Limits.MaxConnections = 8
		c.Limits.MaxConnectionsPerClient = 2
		c.Limits.TrustedReservedConnections = 3
	})
	for i := 0; i < 5; i++ { // 5 = 8 - 3 outsiders, from three addresses
		dial(t, r.addr, fmt.Sprintf("127.0.0.%d", 2+i/2))
	}
	dialRaw(t, r.addr, "127.0.0.9").expect("421 4.7.0") // a fresh address: the outsiders' share is full
	for i := 0; i < 3; i++ {
		dial(t, r.addr, "").cmd("NOOP", "250")
	}
	dialRaw(t, r.addr, "").expect("421 4.7.0") // max_connections itself
}

// TestTransactionCaps: idle transactions of one outsider, and of all
// outsiders together, cannot fill the next-hop pool: the trust's own server
// keeps limits.trusted_reserved_sessions of next_hop.max_sessions.
func TestTransactionCaps(t *testing.T) {
	r := startRelayCfg(t, "", func(c *config.Config) {
		c.NextHop.MaxSessions = 6
		c.Limits.TrustedReservedSessions = 2 // outsiders share 4
		c.Limits.MaxTransactionsPerClient = 2
		c.Limits.NextHopTimeout = config.Duration(500 * time.Millisecond)
	})
	open := func(from string) *conv {
		cv := dial(t, r.addr, from)
		cv.ehlo()
		cv.cmd("MAIL FROM:<x@elsewhere.example>", "250")
		return cv
	}
	a1, a2, a3 := open("127.0.0.2"), open("127.0.0.2"), open("127.0.0.2")
	a1.cmd("RCPT TO:<head@trust.example>", "250")
	a2.cmd("RCPT TO:<head@trust.example>", "250")
	a3.cmd("RCPT TO:<head@trust.example>", "451 4.7.0") // per client
	b1, b2, c1 := open("127.0.0.3"), open("127.0.0.3"), open("127.0.0.4")
	b1.cmd("RCPT TO:<head@trust.example>", "250")
	b2.cmd("RCPT TO:<head@trust.example>", "250")
	c1.cmd("RCPT TO:<head@trust.example>", "451 4.7.0") // outsiders' share
	// The trust's own server gets both reserved sessions of the inbound
	// pool at once (internal mail), while the outsiders hold theirs.
	var trusted []*conv
	for i := 0; i < 2; i++ {
		tr := dial(t, r.addr, "")
		tr.ehlo()
		tr.cmd("MAIL FROM:<head@trust.example>", "250")
		tr.cmd("RCPT TO:<staff@trust.example>", "250")
		trusted = append(trusted, tr)
	}
	for _, tr := range trusted {
		tr.cmd("DATA", "354")
		tr.send("Subject: hi\r\n\r\nhello\r\n.\r\n")
		tr.expect("250")
	}
	// RSET ends a transaction and frees its slot.
	b1.cmd("RSET", "250")
	c1.cmd("RCPT TO:<head@trust.example>", "250")
}

// TestInflightBudget: while one large message is being received, another
// that would pass limits.max_inflight_bytes gets 451 4.3.1 (read to its end
// first, so the session goes on), and goes through once the first is done.
func TestInflightBudget(t *testing.T) {
	r := startRelayCfg(t, "", func(c *config.Config) {
		c.MaxMessageBytes = 1 << 20
		c.Limits.MaxInflightBytes = 1 << 20 // 256 KiB of message at inflight.Weight 4
	})
	line := strings.Repeat("y", 78) + "\r\n"
	a := dial(t, r.addr, "127.0.0.2")
	a.ehlo()
	a.cmd("MAIL FROM:<a@elsewhere.example>", "250")
	a.cmd("RCPT TO:<head@trust.example>", "250")
	a.cmd("DATA", "354")
	a.send("Subject: big\r\n\r\n" + strings.Repeat(line, 250<<10/len(line))) // 250 KiB, no dot yet
	// Charged as read, in 64 KiB chunks: at least 192 KiB times 4.
	waitFor(t, "the first message to be charged", func() bool { return r.srv.inflight.Used() >= 4*192<<10 })

	b := dial(t, r.addr, "127.0.0.3")
	b.ehlo()
	body := "Subject: second\r\n\r\n" + strings.Repeat(line, 100<<10/len(line))
	if got := b.sendMessage("b@elsewhere.example", []string{"head@trust.example"}, body); !strings.HasPrefix(got, "451 4.3.1") {
		t.Fatalf("over budget: %q", got)
	}
	// A declared SIZE that cannot fit is refused at MAIL, before the upload.
	b.cmd("MAIL FROM:<b@elsewhere.example> SIZE=200000", "452 4.3.1")
	a.send(".\r\n")
	a.expect("250")
	waitFor(t, "the budget to be given back", func() bool { return r.srv.inflight.Used() == 0 })
	if got := b.sendMessage("b@elsewhere.example", []string{"head@trust.example"}, body); !strings.HasPrefix(got, "250") {
		t.Fatalf("retry: %q", got)
	}
	// Alone in flight, a message larger than the whole budget still passes.
	waitFor(t, "the budget to be given back", func() bool { return r.srv.inflight.Used() == 0 })
	if got := b.sendMessage("b@elsewhere.example", []string{"head@trust.example"}, "Subject: alone\r\n\r\n"+strings.Repeat(line, 400<<10/len(line))); !strings.HasPrefix(got, "250") {
		t.Fatalf("alone: %q", got)
	}
	if n := len(r.in.Messages()); n != 3 {
		t.Fatalf("%d messages delivered, want 3", n)
	}
}

// TestSpoofedSenderOverSockets: an outsider sending as head@trust.example
// reaches its own sender limit (451 4.7.1); the trust's server sending as
// head is not affected.
func TestSpoofedSenderOverSockets(t *testing.T) {
	r := startRelay(t, "tracker:\n  sender_messages_per_hour: 3\n")
	out := dial(t, r.addr, "127.0.0.2")
	out.ehlo()
	for i := 0; i < 3; i++ {
		if got := out.sendMessage("head@trust.example", []string{"staff@trust.example"}, "Subject: spoof\r\n\r\nhi\r\n"); !strings.HasPrefix(got, "250") {
			t.Fatalf("spoofed message %d: %q", i+1, got)
		}
	}
	if got := out.sendMessage("head@trust.example", []string{"staff@trust.example"}, "Subject: spoof\r\n\r\nhi\r\n"); !strings.HasPrefix(got, "451 4.7.1") {
		t.Fatalf("4th spoofed message: %q", got)
	}
	trust := dial(t, r.addr, "")
	trust.ehlo()
	if got := trust.sendMessage("head@trust.example", []string{"parent@home.example"}, "Subject: real\r\n\r\nhi\r\n"); !strings.HasPrefix(got, "250") {
		t.Fatalf("the real head: %q", got)
	}
}
