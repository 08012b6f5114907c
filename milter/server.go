// Package milter serves mailward's pipeline and rules over the milter
// protocol (Sendmail's, spoken by Postfix through smtpd_milters), for a
// trust whose mail already flows through its own MTA. The MTA keeps the
// queue and the SMTP session; mailward sees the envelope and the message
// and answers at the end of data with the verdict the relay would act on:
//
//	deliver     accept
//	tag         accept, with the X-Mailward-* fields the relay adds
//	redirect    accept, recipients replaced by the review mailbox
//	quarantine  stored in mailward's quarantine (fsynced) and then
//	            discarded; or, with milter.quarantine: hold, the MTA's
//	            own hold queue
//	reject      550 5.7.1 naming the categories, as the relay says it
//	tempfail    451, as the relay says it
//
// Whatever mailward cannot finish (a scanner down, the quarantine disk
// failing, a limit on memory) is a 4xx: the MTA's client retries and
// nothing is accepted and lost. The MTA should also say
// milter_default_action = tempfail, so that mailward being down defers
// mail instead of passing it unscanned.
package milter

import (
	"context"
	"errors"
	"fmt"
	"github.com/mailward/mailward/internal/inflight"
	"log/slog"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	gomilter "github.com/d--j/go-milter"
	"golang.org/x/net/netutil"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/quarantine"
)

// Server is the milter front end. Build it with New and run it with Serve.
type Server struct {
	start    *config.Config // listener and limits: fixed until restart
	gen      atomic.Pointer[generation]
	store    quarantine.Store
	tracking *msglog.Writer // nil: no message tracking
	log      *slog.Logger
	inflight *inflight.Budget
	ms       *gomilter.Server
	draining atomic.Bool
	now      func() time.Time
}

// generation is one loaded config and the pipeline built from it. A
// transaction keeps the generation current at its MAIL to its end.
type generation struct {
	cfg   *config.Config
	pipe  *pipeline.Pipeline
	trust []netip.Prefix
}

// Options are the parts of a Server that are not in the config.
type Options struct {
	Pipeline *pipeline.Pipeline
	Store    quarantine.Store
	Logger   *slog.Logger
	// Tracking receives one metadata record per message (message
	// tracking, `mailward track`), as the relay's does; nil: none.
	Tracking *msglog.Writer
}

// New builds a milter server from a validated config.
func New(cfg *config.Config, o Options) (*Server, error) {
	if o.Pipeline == nil || o.Store == nil {
		return nil, errors.New("milter: a pipeline and a quarantine store are required")
	}
	s := &Server{start: cfg, store: o.Store, tracking: o.Tracking, log: o.Logger, now: time.Now,
		inflight: inflight.New(cfg.Limits.MaxInflightBytes)}
	if s.log == nil {
		s.log = slog.Default()
	}
	if err := s.Reload(cfg, o.Pipeline); err != nil {
		return nil, err
	}
	s.ms = gomilter.NewServer(
		gomilter.WithMilter(func() gomilter.Milter { return &session{srv: s} }),
		gomilter.WithActions(gomilter.OptAddHeader|gomilter.OptChangeHeader|gomilter.OptQuarantine|
			gomilter.OptAddRcpt|gomilter.OptRemoveRcpt),
		// The header values exactly as sent (no space swallowed), so the
		// message scanned and held is the message as received.
		gomilter.WithProtocols(gomilter.OptHeaderLeadingSpace|gomilter.OptNoUnknown),
		gomilter.WithMacroRequest(gomilter.StageHelo, []string{gomilter.MacroTlsVersion}),
		gomilter.WithMacroRequest(gomilter.StageMail, []string{gomilter.MacroAuthAuthen, gomilter.MacroTlsVersion}),
		gomilter.WithMacroRequest(gomilter.StageEOM, []string{gomilter.MacroQueueId}),
		// Events arrive as the MTA's client sends; the MTA closes an idle
		// SMTP session after its own timeout (Postfix: 300 s), well inside
		// the relay's whole-DATA cap used here, so this bound only drops a
		// connection whose MTA has vanished. Replies have the relay's write
		// timeout.
		gomilter.WithReadTimeout(max(cfg.Limits.DataTimeout.D(), cfg.Limits.CommandTimeout.D())),
		gomilter.WithWriteTimeout(cfg.Limits.WriteTimeout.D()),
	)
	return s, nil
}

// Reload makes cfg and p the generation for transactions that start from
// now on; transactions in flight finish with theirs. `serve` calls it on
// SIGHUP right after the relay took p and retired the pipeline it replaced
// (acquire waits out that moment). Settings fixed at start (milter.listen,
// limits, max_message_bytes) keep their values until a restart.
func (s *Server) Reload(cfg *config.Config, p *pipeline.Pipeline) error {
	g := &generation{cfg: cfg, pipe: p}
	for _, n := range cfg.TrustedNetworks {
		pr, err := netip.ParsePrefix(n)
		if err != nil {
			return fmt.Errorf("milter: trusted_networks: %w", err)
		}
		g.trust = append(g.trust, pr.Masked())
	}
	s.gen.Store(g)
	return nil
}

// acquire returns the current generation with its pipeline in use (ended
// by the pipeline's Done), or nil when none could be had: a reload retired
// it and no newer one is current yet.
func (s *Server) acquire() *generation {
	for range 100 {
		g := s.gen.Load()
		if g.pipe.Use() {
			return g
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

// Serve accepts MTA connections on l until Shutdown or Close. At most
// limits.max_connections are served at once (the MTA opens one per SMTP
// session); more wait to be accepted, and the MTA applies its
// milter_default_action when its connect timeout passes.
func (s *Server) Serve(l net.Listener) error {
	err := s.ms.Serve(netutil.LimitListener(l, s.start.Limits.MaxConnections))
	if errors.Is(err, gomilter.ErrServerClosed) || s.draining.Load() {
		return nil
	}
	return err
}

// ListenAndServe listens on milter.listen.
func (s *Server) ListenAndServe() error {
	l, err := net.Listen("tcp", s.start.Milter.Listen)
	if err != nil {
		return fmt.Errorf("milter: listen: %w", err)
	}
	return s.Serve(l)
}

// Shutdown stops accepting connections and waits for open ones to end
// until ctx does, then closes the rest (the MTA applies its default
// action, tempfail, to a message in flight).
func (s *Server) Shutdown(ctx context.Context) error {
	s.draining.Store(true)
	err := s.ms.Shutdown(ctx)
	if err != nil {
		s.ms.Close()
	}
	return err
}

// Close stops at once.
func (s *Server) Close() error {
	s.draining.Store(true)
	return s.ms.Close()
}
