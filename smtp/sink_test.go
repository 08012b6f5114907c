package smtp

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// sink is a real go-smtp server used as the next hop in tests. It records
// every message it accepted, byte for byte.
type sink struct {
	t    testing.TB
	addr string
	srv  *gosmtp.Server
	l    net.Listener

	mu       sync.Mutex
	msgs     []sunk
	sessions int
	// behaviour, set before use
	refuseRcpt  map[string]*gosmtp.SMTPError
	dataErr     *gosmtp.SMTPError
	dropInData  bool          // close the connection halfway through DATA
	dataDelay   time.Duration // sleep before answering the end of data
	dropIdleRCP time.Duration // close sessions idle this long after a RCPT
}

type sunk struct {
	tls  bool // the message came over STARTTLS
	from string
	to   []string
	data []byte
}

func newSink(t testing.TB) *sink {
	t.Helper()
	return newSinkWith(t, nil)
}

// newSinkWith lets a test change the server before it starts serving.
func newSinkWith(t testing.TB, mod func(*gosmtp.Server)) *sink {
	t.Helper()
	s := &sink{t: t, refuseRcpt: map[string]*gosmtp.SMTPError{}}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		s.mu.Lock()
		s.sessions++
		s.mu.Unlock()
		return &sinkSession{s: s, c: c}, nil
	}))
	srv.Domain = "sink.test"
	srv.MaxMessageBytes = 64 << 20
	srv.MaxLineLength = 100000
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.EnableSMTPUTF8 = true
	if mod != nil {
		mod(srv)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	s.srv = srv
	s.l = l
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *sink) messages() []sunk {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunk(nil), s.msgs...)
}

func (s *sink) set(fn func(s *sink)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s)
}

type sinkSession struct {
	s    *sink
	c    *gosmtp.Conn
	from string
	to   []string
	idle *time.Timer
}

func (ss *sinkSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *sinkSession) Logout() error { return nil }
func (ss *sinkSession) Mail(from string, _ *gosmtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	ss.s.mu.Lock()
	refuse, idle := ss.s.refuseRcpt[to], ss.s.dropIdleRCP
	ss.s.mu.Unlock()
	if refuse != nil {
		return refuse
	}
	ss.to = append(ss.to, to)
	if idle > 0 {
		// Drop the session if the client goes quiet: as a busy MTA does.
		if ss.idle != nil {
			ss.idle.Stop()
		}
		conn := ss.c.Conn()
		ss.idle = time.AfterFunc(idle, func() { conn.Close() })
	}
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	ss.s.mu.Lock()
	drop, derr, delay := ss.s.dropInData, ss.s.dataErr, ss.s.dataDelay
	ss.s.mu.Unlock()
	if drop {
		buf := make([]byte, 10)
		io.ReadFull(r, buf)
		ss.c.Conn().Close()
		return errors.New("dropped")
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if delay > 0 {
		time.Sleep(delay)
	}
	if derr != nil {
		return derr
	}
	ss.s.mu.Lock()
	_, tls := ss.c.TLSConnectionState()
	ss.s.msgs = append(ss.s.msgs, sunk{tls: tls, from: ss.from, to: append([]string(nil), ss.to...), data: bytes.Clone(b)})
	ss.s.mu.Unlock()
	return nil
}

// stop closes the listener itself: go-smtp's Close misses a listener whose
// Serve goroutine has not started yet.
func (s *sink) stop() {
	s.l.Close()
	s.srv.Close()
}
