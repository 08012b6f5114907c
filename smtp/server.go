// Package smtp is mailward's before-queue SMTP proxy: it accepts a
// transaction from a client, mirrors it to the next hop, and after DATA lets
// the scanners and rules decide before the client hears any answer. It keeps
// no queue: the sending MTA holds the message until mailward answers, and
// mailward answers 250 only when the next hop or the quarantine has it.
package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/mailward/mailward/internal/inflight"
	"log"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/pires/go-proxyproto"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/nexthop"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/quarantine"
)

// Server is the relay. Build it with New and run it with Serve.
type Server struct {
	// cfg is the config the server started with: the listener, go-smtp's
	// settings, limits and admission come from it and need a restart to
	// change. What a reload may change lives in gen (generation.go).
	cfg      *config.Config
	gen      atomic.Pointer[generation]
	reloadMu sync.Mutex
	store    quarantine.Store
	tracking *msglog.Writer
	log      *slog.Logger
	proxies  []netip.Prefix
	smtp     *gosmtp.Server
	admit    *admission
	inflight *inflight.Budget
	now      func() time.Time
	draining atomic.Bool // Shutdown began: finish open transactions, start none

	mu        sync.Mutex
	listeners []net.Listener
	live      map[*slotConn]struct{}
}

// Options are the parts of a Server that are not in the config.
type Options struct {
	Pipeline *pipeline.Pipeline
	Store    quarantine.Store
	Logger   *slog.Logger
	// Inbound and Outbound override the next hops from the config (tests).
	Inbound, Outbound nexthop.Hop
	// Tracking receives one metadata record per message (message
	// tracking), after the reply; nil keeps none.
	Tracking *msglog.Writer
}

// New builds a relay from a validated config.
func New(cfg *config.Config, o Options) (*Server, error) {
	s := &Server{cfg: cfg, store: o.Store, tracking: o.Tracking, log: o.Logger, now: time.Now,
		live:     map[*slotConn]struct{}{},
		admit:    newAdmission(cfg.Limits, cfg.NextHop.MaxSessions),
		inflight: inflight.New(cfg.Limits.MaxInflightBytes)}
	if s.log == nil {
		s.log = slog.Default()
	}
	for _, n := range cfg.ProxyNetworks {
		p, err := netip.ParsePrefix(n)
		if err != nil {
			return nil, fmt.Errorf("smtp: proxy_networks: %w", err)
		}
		s.proxies = append(s.proxies, p.Masked())
	}
	if o.Pipeline == nil || s.store == nil {
		return nil, errors.New("smtp: a pipeline and a quarantine store are required")
	}
	g, err := newGeneration(cfg, cfg, o.Pipeline, nil, o.Inbound, o.Outbound)
	if err != nil {
		return nil, err
	}
	s.gen.Store(g)

	srv := gosmtp.NewServer(gosmtp.BackendFunc(s.newSession))
	srv.Domain = cfg.Hostname
	srv.MaxMessageBytes = cfg.MaxMessageBytes
	srv.MaxRecipients = cfg.Limits.MaxRecipients
	srv.MaxLineLength = cfg.Limits.MaxLineLength
	srv.ReadTimeout = cfg.Limits.CommandTimeout.D()
	srv.WriteTimeout = cfg.Limits.WriteTimeout.D()
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = log.New(slogWriter{s.log}, "", 0)
	if cfg.TLS.Cert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLS.Cert, cfg.TLS.Key)
		if err != nil {
			return nil, fmt.Errorf("smtp: tls: %w", err)
		}
		// A client certificate is asked for and checked after the
		// handshake, for trusted_clients (clienttrust.go).
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, ClientAuth: tls.RequestClientCert}
	}
	s.smtp = srv
	return s, nil
}

// Serve accepts connections on l until Close or Shutdown. Connections
// beyond the limits (see admission) get 421 and are closed at once.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()
	s.inflight.SetMemoryLimit()
	if len(s.proxies) > 0 {
		l = &proxyproto.Listener{Listener: l, Policy: s.proxyPolicy, ReadHeaderTimeout: s.cfg.Limits.ProxyHeaderTimeout.D()}
	}
	return s.smtp.Serve(&listener{Listener: l, srv: s})
}

// proxyPolicy accepts a PROXY protocol header only from proxy_networks, and
// requires one there: a load balancer's own address must never stand in for
// the client's. Anyone else's PROXY line is just a bad command.
func (s *Server) proxyPolicy(upstream net.Addr) (proxyproto.Policy, error) {
	if ap, err := netip.ParseAddrPort(upstream.String()); err == nil && trust(s.proxies).Trusted(ap.Addr()) {
		return proxyproto.REQUIRE, nil
	}
	return proxyproto.SKIP, nil
}

// ListenAndServe listens on the configured address.
func (s *Server) ListenAndServe() error {
	l, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("smtp: listen: %w", err)
	}
	return s.Serve(l)
}

// Shutdown stops accepting connections, lets each open connection finish
// the transaction it has in flight (and the tracker and log work after its
// reply), answers 421 to every connection's next command, and returns when
// all are closed. When ctx ends first, the rest are closed at once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.draining.Store(true)
	s.mu.Lock()
	for c := range s.live {
		c.poke()
	}
	s.mu.Unlock()
	err := s.smtp.Shutdown(ctx)
	if err != nil {
		s.smtp.Close()
	}
	return err
}

// Close stops at once.
func (s *Server) Close() error { return s.smtp.Close() }

// slogWriter routes go-smtp's own error log lines to slog.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Warn("smtp", "msg", string(p))
	return len(p), nil
}
