package nexthop

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// TestSendDeadlineStalledHop: a hop that answers 354 and then neither reads
// nor answers cannot hold Send (the relay, a quarantine release, an alert)
// past its context's deadline, though go-smtp clears its own deadlines
// around the body.
func TestSendDeadlineStalledHop(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	stall := make(chan struct{})
	defer close(stall)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		c.Write([]byte("220 stall.test\r\n"))
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
			case strings.HasPrefix(cmd, "EHLO"):
				c.Write([]byte("250 stall.test\r\n"))
			case cmd == "DATA":
				c.Write([]byte("354 go on\r\n"))
				<-stall // read nothing more, answer nothing
				return
			default:
				c.Write([]byte("250 ok\r\n"))
			}
		}
	}()
	msg := append([]byte("Subject: big\r\n\r\n"), bytes.Repeat([]byte(strings.Repeat("z", 78)+"\r\n"), 100_000)...) // 8 MB
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = Send(ctx, "smtp://"+l.Addr().String(), "a@x.example", []string{"b@y.example"}, msg)
	if err == nil {
		t.Fatal("sent to a stalled hop")
	}
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Fatalf("Send returned after %s, the deadline was 500ms (%v)", took, err)
	}
}
