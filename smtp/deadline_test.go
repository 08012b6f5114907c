package smtp

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
)

// stalledHop is a next hop that answers the envelope and DATA with 354, and
// then never answers again: with read set it keeps reading (a hop wedged
// before its reply), without it stops reading (its receive window fills and
// mailward's writes block).
type stalledHop struct {
	addr string
}

func startStalledHop(t *testing.T, read bool) *stalledHop {
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
			t.Cleanup(func() { c.Close() })
			go func() {
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
						<-make(chan struct{}) // neither read nor answer; closed at cleanup
					default:
						c.Write([]byte("250 ok\r\n"))
					}
				}
			}()
		}
	}()
	return &stalledHop{addr: l.Addr().String()}
}

// TestReplyDeadlineStalledHop: a next hop that stalls mid-DATA, whether it
// keeps reading or not, does not hold the client past limits.reply_deadline:
// the client gets 451 within it and nothing is half-delivered.
func TestReplyDeadlineStalledHop(t *testing.T) {
	for _, tc := range []struct {
		name string
		read bool
		size int
	}{
		{"reads-never-answers", true, 10_000},
		{"stops-reading", false, 8 << 20}, // far more than the socket buffers hold
	} {
		t.Run(tc.name, func(t *testing.T) {
			hop := startStalledHop(t, tc.read)
			r := startRelayCfg(t, "", func(c *config.Config) {
				c.NextHop.Inbound = "smtp://" + hop.addr
				c.Limits.ReplyDeadline = config.Duration(time.Second)
				c.MaxMessageBytes = 16 << 20
				c.Extract.MaxTextBytes = 16 << 20 // read it all: the message is delivered, not held
			})
			// The hop is under test, not the scanners: 8 MB of text takes
			// them longer than this reply_deadline under -race.
			r.pipe.Runner.Scanners = nil
			cv := dial(t, r.addr, "127.0.0.2")
			cv.ehlo()
			cv.cmd("MAIL FROM:<a@elsewhere.example>", "250")
			cv.cmd("RCPT TO:<head@trust.example>", "250")
			cv.cmd("DATA", "354")
			body := "Subject: stall\r\n\r\n" + strings.Repeat(strings.Repeat("x", 76)+"\r\n", tc.size/78)
			cv.send(body + ".\r\n")
			dot := time.Now()
			got := cv.reply()
			took := time.Since(dot)
			if !strings.HasPrefix(got, "451 4.4.2") {
				t.Fatalf("got %q after %s", got, took)
			}
			// Without the bound the client waited 30 s and more; the
			// slack over 1 s is for a loaded 2-core machine under -race,
			// where reading 8 MB before the hop is tried takes a while.
			if took > 4*time.Second {
				t.Fatalf("answer %s after the dot, reply_deadline is 1s", took)
			}
			t.Logf("%s after the dot: %s", took.Round(time.Millisecond), got)
		})
	}
}
