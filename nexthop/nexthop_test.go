package nexthop

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
	"github.com/mailward/mailward/internal/smtptest"
)

// server is a real go-smtp server that records what it accepted.
type server struct {
	addr string
	mu   sync.Mutex
	got  []string
}

type session struct {
	s  *server
	to []string
}

func (s *session) Reset()                               {}
func (s *session) Logout() error                        { return nil }
func (s *session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasPrefix(to, "nobody@") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.to = append(s.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, _ := io.ReadAll(r)
	s.s.mu.Lock()
	s.s.got = append(s.s.got, strings.Join(s.to, ",")+"|"+string(b))
	s.s.mu.Unlock()
	return nil
}

func startServer(t *testing.T, cfg *tls.Config) *server {
	t.Helper()
	s := &server{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "hop.test"
	srv.TLSConfig = cfg
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { l.Close(); srv.Close() })
	return s
}

func TestSendSMTP(t *testing.T) {
	s := startServer(t, nil)
	err := Send(context.Background(), "smtp://"+s.addr, "a@x.example", []string{"b@y.example", "c@y.example"}, []byte("Subject: hi\r\n\r\n.dot\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.got) != 1 || s.got[0] != "b@y.example,c@y.example|Subject: hi\r\n\r\n.dot\r\n" {
		t.Fatalf("got %q", s.got)
	}
	err = Send(context.Background(), "smtp://"+s.addr, "a@x.example", []string{"nobody@y.example"}, []byte("x\r\n"))
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 550 {
		t.Fatalf("refusal not passed back: %v", err)
	}
}

func TestTLSVerified(t *testing.T) {
	cert, pool := smtptest.SelfSigned(t)
	s := startServer(t, &tls.Config{Certificates: []tls.Certificate{cert}})
	for _, tc := range []struct {
		name  string
		roots *x509.CertPool
		want  bool
	}{{"trusted root", pool, true}, {"unknown root", x509.NewCertPool(), false}} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := New("smtp://"+s.addr, Options{RootCAs: tc.roots})
			if err != nil {
				t.Fatal(err)
			}
			txn, err := h.Begin(context.Background(), "a@x.example", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer txn.Abort()
			if got := txn.TLSVerified(); got != tc.want {
				t.Fatalf("TLSVerified %v, want %v", got, tc.want)
			}
		})
	}
	plain := startServer(t, nil)
	h, _ := New("smtp://"+plain.addr, Options{})
	txn, err := h.Begin(context.Background(), "a@x.example", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer txn.Abort()
	if txn.TLSVerified() {
		t.Fatal("plain session reported as verified TLS")
	}
}

func TestMaildir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "md")
	if err := Send(context.Background(), "maildir:"+dir, "a@x.example", []string{"b@localhost"}, []byte("Subject: hi\r\n\r\nbody\r\n")); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "new", "*"))
	tmp, _ := filepath.Glob(filepath.Join(dir, "tmp", "*"))
	if len(files) != 1 || len(tmp) != 0 {
		t.Fatalf("new %v tmp %v", files, tmp)
	}
	b, _ := os.ReadFile(files[0])
	if string(b) != "Return-Path: <a@x.example>\r\nX-Original-To: b@localhost\r\nSubject: hi\r\n\r\nbody\r\n" {
		t.Fatalf("%q", b)
	}
}

func TestBadHop(t *testing.T) {
	for _, u := range []string{"http://x:25", "smtp://", "maildir:", "smtp://host", "smtp://u:p@host:25"} {
		if _, err := New(u, Options{}); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
}
