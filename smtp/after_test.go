package smtp

import (
	"context"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mailward/mailward/tracker"
	"github.com/mailward/mailward/tracker/redistest"
)

// slowProxy forwards TCP to addr and holds every chunk the client sends for
// delay: a Redis that answers, slowly.
func slowProxy(t *testing.T, addr string, delay time.Duration) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", addr)
			if err != nil {
				c.Close()
				continue
			}
			t.Cleanup(func() { c.Close(); s.Close() })
			go io.Copy(c, s)
			go func() {
				buf := make([]byte, 64<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						time.Sleep(delay)
						if _, err := s.Write(buf[:n]); err != nil {
							return
						}
					}
					if err != nil {
						s.Close()
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// TestReplyBeforeRecord: with a slow Redis (every request held 250 ms), the
// client's 250 follows the next hop's acceptance at once; recording the
// message in the tracker (chain-mail spread, several Redis writes) and the
// log line come after the reply.
func TestReplyBeforeRecord(t *testing.T) {
	rs := redistest.Start(t)
	const delay = 250 * time.Millisecond
	proxy := slowProxy(t, rs.Addr, delay)
	r := startRelay(t, "redis:\n  url: redis://"+proxy+"/0\ntracker:\n  timeout: 3s\n")
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()

	var accepted atomic.Int64 // when the next hop had the message
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			if len(r.in.Messages()) > 0 {
				accepted.Store(time.Now().UnixNano())
				return
			}
		}
	}()
	words := strings.Fields("please read this letter about the school trip to the museum next week and send the form back to the office by friday with the payment for the coach and lunch")
	var body strings.Builder
	body.WriteString("From: a@elsewhere.example\r\nSubject: trip\r\n\r\n")
	for i := 0; i < 12; i++ {
		body.WriteString(strings.Join(words, " ") + "\r\n")
	}
	got := cv.sendMessage("a@elsewhere.example", []string{"head@trust.example"}, body.String())
	replied := time.Now()
	if !strings.HasPrefix(got, "250") {
		t.Fatalf("got %q", got)
	}
	waitFor(t, "the next hop's acceptance to be seen", func() bool { return accepted.Load() != 0 })
	gap := replied.Sub(time.Unix(0, accepted.Load()))
	t.Logf("next hop accepted -> client 250: %s", gap.Round(time.Millisecond))
	if gap > delay {
		t.Fatalf("the client's 250 came %s after the next hop's: the tracker sat in between", gap)
	}
	// The tracker still gets the message (its body's spread keys), after
	// the reply.
	rc := redis.NewClient(&redis.Options{Addr: rs.Addr})
	defer rc.Close()
	waitFor(t, "the spread keys in Redis", func() bool {
		keys, _ := rc.Keys(context.Background(), tracker.Prefix+"spread:*").Result()
		return len(keys) > 0
	})
	if !testing.Verbose() { // -v logs to stderr
		id := strings.TrimPrefix(got, "250 2.0.0 Ok: queued as ")
		waitFor(t, "the log line", func() bool { return strings.Contains(r.logs.String(), "queue_id="+id) })
	}
}
