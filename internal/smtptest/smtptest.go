// Package smtptest runs a real go-smtp server as a next hop in tests: it
// records every message it accepted, byte for byte, and can be told to
// refuse, stall or drop, as real next hops do.
package smtptest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data []byte
	TLS  bool // it came over STARTTLS
}

// Behaviour is how the server misbehaves; the zero value accepts everything.
type Behaviour struct {
	// RcptErr refuses these recipients with the given reply.
	RcptErr map[string]*smtp.SMTPError
	// DataErr refuses every message after its data with this reply.
	DataErr *smtp.SMTPError
	// DropInData closes the connection halfway through DATA.
	DropInData bool
	// DataDelay waits before answering the end of data.
	DataDelay time.Duration
	// IdleDrop closes a session that stays quiet this long after a RCPT,
	// as a busy MTA does.
	IdleDrop time.Duration
}

// Server is a running test next hop.
type Server struct {
	// Addr is host:port to connect to.
	Addr string
	l    net.Listener
	srv  *smtp.Server

	mu       sync.Mutex
	b        Behaviour
	msgs     []Message
	sessions int
}

// Start runs a server on 127.0.0.1 until the test ends. mod, when not nil,
// changes the go-smtp server before it serves (TLS, extensions).
func Start(tb testing.TB, mod func(*smtp.Server)) *Server {
	tb.Helper()
	s := &Server{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.sessions++
		s.mu.Unlock()
		return &session{s: s, c: c}, nil
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
		tb.Fatal(err)
	}
	s.Addr, s.l, s.srv = l.Addr().String(), l, srv
	go srv.Serve(l)
	tb.Cleanup(s.Stop)
	return s
}

// Set changes the behaviour for sessions from now on.
func (s *Server) Set(fn func(b *Behaviour)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.b)
}

// Messages returns what was accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// To returns the accepted messages addressed to addr.
func (s *Server) To(addr string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		for _, r := range m.To {
			if r == addr {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// Sessions counts the sessions opened so far.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Stop closes the listener itself (go-smtp's Close misses a listener whose
// Serve goroutine has not started yet) and the server.
func (s *Server) Stop() {
	s.l.Close()
	s.srv.Close()
}

func (s *Server) behaviour() Behaviour {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b
}

type session struct {
	s    *Server
	c    *smtp.Conn
	from string
	to   []string
	idle *time.Timer
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	b := ss.s.behaviour()
	if err := b.RcptErr[to]; err != nil {
		return err
	}
	ss.to = append(ss.to, to)
	if b.IdleDrop > 0 {
		if ss.idle != nil {
			ss.idle.Stop()
		}
		conn := ss.c.Conn()
		ss.idle = time.AfterFunc(b.IdleDrop, func() { conn.Close() })
	}
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b := ss.s.behaviour()
	if b.DropInData {
		io.ReadFull(r, make([]byte, 10))
		ss.c.Conn().Close()
		return errors.New("dropped")
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if b.DataDelay > 0 {
		time.Sleep(b.DataDelay)
	}
	if b.DataErr != nil {
		return b.DataErr
	}
	_, tls := ss.c.TLSConnectionState()
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, Message{From: ss.from, To: append([]string(nil), ss.to...), Data: bytes.Clone(data), TLS: tls})
	ss.s.mu.Unlock()
	return nil
}
