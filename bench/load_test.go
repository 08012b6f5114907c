package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A lean SMTP load client for the mix (smtp-source only sends messages it
// makes up itself). Like smtp-source without -d, every message has its own
// connection; messages are dot-stuffed once, before the clock starts, so
// the client spends as little CPU as it can on the shared cores.

// wire is a message ready to send: dot-stuffed, ending in CRLF.CRLF.
type wire []byte

func toWire(msg []byte) wire {
	var b bytes.Buffer
	b.Grow(len(msg) + 64)
	for len(msg) > 0 {
		if msg[0] == '.' {
			b.WriteByte('.')
		}
		i := bytes.Index(msg, []byte("\r\n"))
		if i < 0 {
			b.Write(msg)
			b.WriteString("\r\n")
			break
		}
		b.Write(msg[:i+2])
		msg = msg[i+2:]
	}
	b.WriteString(".\r\n")
	return b.Bytes()
}

// loadResult is one load run.
type loadResult struct {
	sent, failed int64
	elapsed      time.Duration
	firstErr     string
}

func (r loadResult) rate() float64 { return float64(r.sent) / r.elapsed.Seconds() }

// sendLoad sends count messages, taken from msgs in turn, to addr over
// sessions concurrent connections.
func sendLoad(addr string, msgs []wire, count, sessions int) loadResult {
	var next, sent, failed atomic.Int64
	var errOnce sync.Once
	var firstErr string
	start := time.Now()
	var wg sync.WaitGroup
	for s := 0; s < sessions; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(count) {
					return
				}
				if err := sendOne(addr, fmt.Sprintf("staff%d@trust.example", i%senders), msgs[i%int64(len(msgs))]); err != nil {
					failed.Add(1)
					errOnce.Do(func() { firstErr = err.Error() })
					continue
				}
				sent.Add(1)
			}
		}()
	}
	wg.Wait()
	return loadResult{sent: sent.Load(), failed: failed.Load(), elapsed: time.Since(start), firstErr: firstErr}
}

// senders is how many staff the load comes from: a trust's mail has many
// senders, and a rule that holds a sender's mail after repeated holds
// would otherwise hold everything once one message was held.
const senders = 500

// sendOne sends one message on a connection of its own.
func sendOne(addr, from string, m wire) error {
	c, err := net.DialTimeout("tcp", addr, 30*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Minute))
	r := bufio.NewReader(c)
	w := bufio.NewWriterSize(c, 16<<10)
	step := func(cmd string, want int) error {
		if cmd != "" {
			w.WriteString(cmd + "\r\n")
			if err := w.Flush(); err != nil {
				return err
			}
		}
		return expect(r, want, cmd)
	}
	if err := step("", 220); err != nil {
		return err
	}
	for _, s := range []struct {
		cmd  string
		want int
	}{{"EHLO load.bench.example", 250}, {"MAIL FROM:<" + from + ">", 250}, {"RCPT TO:<parent@home.example>", 250}, {"DATA", 354}} {
		if err := step(s.cmd, s.want); err != nil {
			return err
		}
	}
	if _, err := w.Write(m); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := expect(r, 250, "end of data"); err != nil {
		return err
	}
	w.WriteString("QUIT\r\n")
	w.Flush()
	return nil
}

// expect reads one (possibly multi-line) reply and checks its code.
func expect(r *bufio.Reader, want int, after string) error {
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("after %s: %w", after, err)
		}
		if len(line) < 4 {
			return fmt.Errorf("after %s: short reply %q", after, line)
		}
		if line[3] == '-' {
			continue
		}
		var code int
		fmt.Sscanf(line[:3], "%d", &code)
		if code != want {
			return fmt.Errorf("after %s: %s", after, strings.TrimSpace(line))
		}
		return nil
	}
}
