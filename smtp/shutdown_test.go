package smtp

import (
	"context"
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
