package smtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"
)

// TestShutdownDrains: Shutdown stops accepting, lets the transaction in
// flight finish (250, delivered), answers 421 to the next command on every
// connection, idle ones at once, and returns once all are closed.
func TestShutdownDrains(t *testing.T) {
	r := startRelay(t, "")
	idle := dial(t, r.addr, "127.0.0.2")
	idle.ehlo()
	busy := dial(t, r.addr, "127.0.0.3")
	busy.ehlo()
	busy.cmd("MAIL FROM:<a@elsewhere.example>", "250")
	busy.cmd("RCPT TO:<head@trust.example>", "250")
	busy.cmd("DATA", "354")
	busy.send("Subject: in flight\r\n\r\nhalf")
	pipelined := dial(t, r.addr, "127.0.0.4")
	pipelined.ehlo()
	pipelined.cmd("MAIL FROM:<b@elsewhere.example>", "250")

	done := make(chan error, 1)
	start := time.Now()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- r.srv.Shutdown(ctx)
	}()
	// The idle session hears 421 at once, unasked, and is closed.
	idle.expect("421 4.3.2")
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("idle session closed after %s", took)
	}
	// No new connections.
	waitFor(t, "the listener to close", func() bool {
		c, err := net.DialTimeout("tcp", r.addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	// The transaction in flight finishes and is delivered; the next
	// command gets 421.
	busy.send(" of it\r\n.\r\n")
	busy.expect("250")
	busy.cmd("MAIL FROM:<a@elsewhere.example>", "421 4.3.2")
	// A transaction begun before the shutdown also finishes, with the
	// rest of its commands pipelined behind the end of data.
	pipelined.send("RCPT TO:<head@trust.example>\r\nDATA\r\n")
	pipelined.expect("250")
	pipelined.expect("354")
	pipelined.send("Subject: second\r\n\r\nhi\r\n.\r\nMAIL FROM:<b@elsewhere.example>\r\n")
	pipelined.expect("250")
	pipelined.expect("421 4.3.2")
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown did not return after the last session ended")
	}
	if n := len(r.in.Messages()); n != 2 {
		t.Fatalf("%d messages delivered, want 2", n)
	}
}

// TestShutdownDrainsTLS: a session over STARTTLS hears its 421 through TLS,
// and its transaction in flight finishes first.
func TestShutdownDrainsTLS(t *testing.T) {
	cert, key := writeCert(t)
	r := startRelay(t, "tls:\n  cert: "+cert+"\n  key: "+key+"\n")
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	cv.cmd("STARTTLS", "220")
	tc := tls.Client(cv.c, testTLSConfig())
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	cv.c, cv.r = tc, bufio.NewReader(tc)
	cv.ehlo()
	cv.cmd("MAIL FROM:<a@elsewhere.example>", "250")
	cv.cmd("RCPT TO:<head@trust.example>", "250")
	idle := dial(t, r.addr, "127.0.0.3")
	idle.ehlo()
	idle.cmd("STARTTLS", "220")
	itc := tls.Client(idle.c, testTLSConfig())
	if err := itc.Handshake(); err != nil {
		t.Fatal(err)
	}
	idle.c, idle.r = itc, bufio.NewReader(itc)
	idle.ehlo()

	done := make(chan error, 1)
	go func() { done <- r.srv.Shutdown(context.Background()) }()
	idle.expect("421 4.3.2")
	cv.cmd("DATA", "354")
	cv.send("Subject: over tls\r\n\r\nhi\r\n.\r\n")
	cv.expect("250")
	cv.cmd("NOOP", "421 4.3.2")
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown did not return")
	}
	if n := len(r.in.Messages()); n != 1 {
		t.Fatalf("%d delivered", n)
	}
}
