package smtp

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailward/mailward/config"
)

// discardHop is a next hop that reads every message and keeps nothing, so
// that the process's memory is mailward's.
func discardHop(tb testing.TB) string {
	tb.Helper()
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) { return discardSession{}, nil }))
	srv.Domain = "discard.test"
	srv.MaxMessageBytes = 64 << 20
	srv.MaxLineLength = 100000
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go srv.Serve(l)
	tb.Cleanup(func() { l.Close(); srv.Close() })
	return l.Addr().String()
}

type discardSession struct{}

func (discardSession) Reset()                                 {}
func (discardSession) Logout() error                          { return nil }
func (discardSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (discardSession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (discardSession) Data(r io.Reader) error                 { _, err := io.Copy(io.Discard, r); return err }

// procStatus reads a field of /proc/self/status in KiB (Linux only).
func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return -1
}

// largeMessage is a message of about size bytes: a short letter and a
// base64 attachment of random bytes, dot-stuffed and ended for the wire.
func largeMessage(size int) []byte {
	raw := make([]byte, size*3/4)
	rand.Read(raw)
	enc := base64.StdEncoding.EncodeToString(raw)
	var b bytes.Buffer
	b.WriteString("From: a@elsewhere.example\r\nTo: head@trust.example\r\nSubject: scans\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nThe scans you asked for.\r\n" +
		"--b1\r\nContent-Type: application/octet-stream; name=scans.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--b1--\r\n.\r\n")
	return b.Bytes()
}

// BenchmarkInflightRSS sends 24 messages of 23 MB at once through the relay
// into a next hop that discards them, and reports the process's peak
// resident memory (VmHWM, reset before each run) beside how many messages
// were accepted and how many deferred by limits.max_inflight_bytes.
//
//	go test ./smtp/ -run '^$' -bench InflightRSS -benchtime 1x
//	MAILWARD_INFLIGHT=2147483648 go test ./smtp/ -run '^$' -bench InflightRSS -benchtime 1x   # another budget
func BenchmarkInflightRSS(b *testing.B) {
	budget := int64(512 << 20) // the default
	if v := os.Getenv("MAILWARD_INFLIGHT"); v != "" {
		budget, _ = strconv.ParseInt(v, 10, 64)
	}
	const n, size = 24, 23 << 20
	hop := discardHop(b)
	r := startRelayCfg(b, "", func(c *config.Config) {
		c.NextHop.Inbound = "smtp://" + hop
		c.MaxMessageBytes = 25 << 20
		c.Limits.MaxInflightBytes = budget
		c.Limits.MaxConnectionsPerClient = n
		c.Limits.ReplyDeadline = config.Duration(10 * time.Minute)
		c.Limits.MaxTransactionsPerClient = n
	})
	msg := largeMessage(size)
	b.SetBytes(int64(n * len(msg)))
	var peak, base, accepted, deferred int64
	for i := 0; i < b.N; i++ {
		debug.FreeOSMemory()
		os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM
		base = procStatus("VmRSS")
		var mu sync.Mutex
		var wg sync.WaitGroup
		for j := 0; j < n; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := sendRaw(r.addr, fmt.Sprintf("127.0.0.%d", 2+j%4), msg)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					b.Error(err)
				case strings.HasPrefix(got, "250"):
					accepted++
				case strings.HasPrefix(got, "451 4.3.1"):
					deferred++
				default:
					b.Errorf("reply %q", got)
				}
			}()
		}
		wg.Wait()
		peak = max(peak, procStatus("VmHWM"))
	}
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
	b.ReportMetric(float64(base)/1024, "idle-RSS-MiB")
	b.ReportMetric(float64(accepted)/float64(b.N), "accepted/op")
	b.ReportMetric(float64(deferred)/float64(b.N), "deferred/op")
	b.Logf("budget %d MiB: peak RSS %d MiB (idle before: %d MiB), %d accepted, %d deferred (451 4.3.1) of %d", budget>>20, peak>>10, base>>10, accepted, deferred, n*b.N)
}

// sendRaw runs one transaction from the given local address with msg
// already dot-stuffed and ended, written from the shared slice.
func sendRaw(addr, from string, msg []byte) (string, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Minute))
	br := bufio.NewReader(c)
	read := func() (string, error) {
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return "", err
			}
			if len(line) < 4 || line[3] != '-' {
				return strings.TrimRight(line, "\r\n"), nil
			}
		}
	}
	for _, cmd := range []string{"", "EHLO client.test\r\n", "MAIL FROM:<a@elsewhere.example>\r\n", "RCPT TO:<head@trust.example>\r\n", "DATA\r\n"} {
		if cmd != "" {
			io.WriteString(c, cmd)
		}
		if got, err := read(); err != nil || got[0] == '4' || got[0] == '5' {
			return got, err
		}
	}
	if _, err := c.Write(msg); err != nil {
		return "", err
	}
	return read()
}
