package smtptest

import (
	"bufio"
	"net"
	"strings"
	"testing"
)

// StartStalled runs a next hop that answers the envelope and DATA with 354
// and then never answers again: with read set it keeps reading (a hop
// wedged before its reply), without it stops reading (its receive window
// fills and the sender's writes block). It returns the hop's address; the
// hop and its connections close when the test ends.
func StartStalled(t testing.TB, read bool) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go stall(c, read, done)
		}
	}()
	return l.Addr().String()
}

func stall(c net.Conn, read bool, done <-chan struct{}) {
	defer c.Close()
	go func() { <-done; c.Close() }()
	br := bufio.NewReader(c)
	c.Write([]byte("220 stall.test ESMTP\r\n"))
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case strings.HasPrefix(cmd, "EHLO"):
			c.Write([]byte("250-stall.test\r\n250 8BITMIME\r\n"))
		case cmd == "DATA":
			c.Write([]byte("354 go ahead\r\n"))
			if read {
				for {
					if _, err := br.ReadString('\n'); err != nil {
						return
					}
				}
			}
			<-done // neither read nor answer until the test ends
			return
		default:
			c.Write([]byte("250 ok\r\n"))
		}
	}
}
