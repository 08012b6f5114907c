package nexthop

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailward/mailward/internal/smtptest"
)

// TestWriteStuffed: the fast writer sends what net/textproto's dot writer
// (go-smtp's) sends, for every kind of line start and ending.
func TestWriteStuffed(t *testing.T) {
	msgs := []string{
		"Subject: a\r\n\r\nhello\r\n",
		".starts with a dot\r\n",
		"Subject: b\r\n\r\n.\r\n..\r\n.x\r\nend\r\n",
		"no final line ending",
		"ends on a dot line\r\n.",
		"",
		"bare\nLF and bare\rCR\r\n.dot after\n.dot after LF\r\n",
		"\r\n.\r\n.\r\n",
	}
	// And every short mix of dots, line-ending bytes and text.
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 20000; i++ {
		b := make([]byte, rng.Intn(10))
		for j := range b {
			b[j] = ".\r\na"[rng.Intn(4)]
		}
		msgs = append(msgs, string(b))
	}
	for _, msg := range msgs {
		var got, want bytes.Buffer
		w := bufio.NewWriter(&got)
		if err := writeStuffed(w, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		ref := bufio.NewWriter(&want)
		dw := textproto.NewWriter(ref).DotWriter()
		dw.Write([]byte(msg))
		dw.Close()
		ref.Flush()
		if got.String() != want.String() {
			t.Errorf("%q:\n got %q\nwant %q", msg, got.String(), want.String())
		}
	}
}

func send(t *testing.T, h Hop, to, body string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return SendVia(ctx, h, "a@trust.example", []string{to}, []byte(body))
}

// TestSessionReuse: consecutive transactions share one session, each
// message arrives whole and once, and a refused recipient does not spoil
// the session for the next message.
func TestSessionReuse(t *testing.T) {
	s := smtptest.Start(t, nil)
	s.Set(func(b *smtptest.Behaviour) {
		b.RcptErr = map[string]*smtp.SMTPError{"nobody@x.example": {Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}}
	})
	h, err := New("smtp://"+s.Addr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, to := range []string{"one@x.example", "nobody@x.example", "two@x.example", "three@x.example"} {
		err := send(t, h, to, "Subject: "+to+"\r\n\r\n.line\r\n")
		var se *smtp.SMTPError
		if to == "nobody@x.example" {
			if !errors.As(err, &se) || se.Code != 550 {
				t.Fatalf("message %d: want the hop's 550, got %v", i, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	msgs := s.Messages()
	if len(msgs) != 3 {
		t.Fatalf("hop has %d messages, want 3", len(msgs))
	}
	for _, m := range msgs {
		if len(m.To) != 1 || !strings.HasSuffix(string(m.Data), "\r\n.line\r\n") {
			t.Errorf("message to %v arrived as %q", m.To, m.Data)
		}
	}
	// The aborted transaction (RSET) returns its session in the
	// background: allow one more session than a strictly serial run.
	if n := s.Sessions(); n > 2 {
		t.Errorf("%d sessions for 4 transactions in a row: sessions are not reused", n)
	}
}

// TestPooledSessionDropped: a hop that closes a session while it waits in
// the pool (its idle timeout is shorter than ours) costs nothing: the next
// transaction opens a new session and the message arrives once.
func TestPooledSessionDropped(t *testing.T) {
	s := smtptest.Start(t, func(srv *smtp.Server) { srv.ReadTimeout = 100 * time.Millisecond })
	h, err := New("smtp://"+s.Addr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := send(t, h, "one@x.example", "Subject: 1\r\n\r\none\r\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond) // the hop gives up on the idle session
	if err := send(t, h, "two@x.example", "Subject: 2\r\n\r\ntwo\r\n"); err != nil {
		t.Fatalf("after the hop dropped the pooled session: %v", err)
	}
	if n := len(s.Messages()); n != 2 {
		t.Fatalf("hop has %d messages, want 2", n)
	}
	if n := s.Sessions(); n != 2 {
		t.Fatalf("%d sessions, want a new one after the drop", n)
	}
}

// TestPoolBounds: the pool never keeps more sessions than max_sessions
// allows beside the active ones, and quits what waited too long.
func TestPoolBounds(t *testing.T) {
	s := smtptest.Start(t, nil)
	h, err := New("smtp://"+s.Addr, Options{MaxSessions: 2})
	if err != nil {
		t.Fatal(err)
	}
	hop := h.(*SMTP)
	ctx := context.Background()
	var txns []Txn
	for i := 0; i < 2; i++ {
		tx, err := h.Begin(ctx, "a@trust.example", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Rcpt(ctx, "b@x.example", nil); err != nil {
			t.Fatal(err)
		}
		txns = append(txns, tx)
	}
	for _, tx := range txns {
		if err := tx.Data(ctx, []byte("Subject: x\r\n\r\nx\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	hop.idle.mu.Lock()
	n := len(hop.idle.idle)
	hop.idle.mu.Unlock()
	if n > 2 || n < 1 {
		t.Fatalf("%d idle sessions with max_sessions 2", n)
	}
	deadline := time.Now().Add(idleFor + 3*time.Second)
	for {
		hop.idle.mu.Lock()
		n = len(hop.idle.idle)
		hop.idle.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions still idle %s after the last use", n, idleFor+3*time.Second)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// BenchmarkWriteStuffed compares the DATA writer with go-smtp's (net/
// textproto's dot writer) on a 1 MB message.
func BenchmarkWriteStuffed(b *testing.B) {
	line := "The quick brown fox jumps over the lazy dog, and the school trip leaves at nine.\r\n"
	msg := []byte(strings.Repeat(line, (1<<20)/len(line)) + ".dot line\r\n")
	w := bufio.NewWriterSize(io.Discard, 64<<10)
	b.Run("mailward", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		for i := 0; i < b.N; i++ {
			writeStuffed(w, msg)
		}
	})
	b.Run("textproto", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		for i := 0; i < b.N; i++ {
			dw := textproto.NewWriter(w).DotWriter()
			dw.Write(msg)
			dw.Close()
		}
	})
}
