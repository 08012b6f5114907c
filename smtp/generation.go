package smtp

import (
	"fmt"
	"net/netip"
	"reflect"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/nexthop"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/scanner"
)

// generation is one loaded config and everything the relay built from it:
// the pipeline (scanners, term lists, model, directory, rules, tracker), the
// trusted networks, the domains and the next hops. Reload swaps the
// server's current generation atomically; a transaction takes the one that
// is current at its MAIL and keeps it to the end of its work after the
// reply, so a reload never changes the rules under a message in flight.
type generation struct {
	cfg      *config.Config
	pipe     *pipeline.Pipeline
	trust    trust
	domains  domainSet
	inbound  nexthop.Hop
	outbound nexthop.Hop
}

// newGeneration builds a generation from a validated config. Next hops
// whose settings did not change are taken over from prev (their session
// slots stay shared, so a reload cannot double next_hop.max_sessions);
// inbound and outbound, when set, override the config's hops (tests).
//
// start is the config the server started with: the hops' timeout and HELO
// name come from its limits and hostname, which need a restart to change.
func newGeneration(start, cfg *config.Config, p *pipeline.Pipeline, prev *generation, inbound, outbound nexthop.Hop) (*generation, error) {
	if p == nil {
		return nil, fmt.Errorf("smtp: a pipeline is required")
	}
	g := &generation{cfg: cfg, pipe: p, domains: newDomainSet(cfg.Domains)}
	for _, n := range cfg.TrustedNetworks {
		pr, err := netip.ParsePrefix(n)
		if err != nil {
			return nil, fmt.Errorf("smtp: trusted_networks: %w", err)
		}
		g.trust = append(g.trust, pr.Masked())
	}
	if prev != nil && reflect.DeepEqual(prev.cfg.NextHop, cfg.NextHop) {
		g.inbound, g.outbound = prev.inbound, prev.outbound
		return g, nil
	}
	hopOpts := nexthop.Options{Timeout: start.Limits.NextHopTimeout.D(), MaxSessions: cfg.NextHop.MaxSessions, HeloName: start.Hostname,
		ClientCert: hopCertificate(start)}
	var err error
	if g.inbound = inbound; g.inbound == nil {
		if g.inbound, err = nexthop.New(cfg.NextHop.Inbound, hopOpts); err != nil {
			return nil, fmt.Errorf("smtp: next_hop.inbound: %w", err)
		}
	}
	if g.outbound = outbound; g.outbound == nil {
		if cfg.NextHop.Outbound == cfg.NextHop.Inbound {
			g.outbound = g.inbound
		} else if g.outbound, err = nexthop.New(cfg.NextHop.Outbound, hopOpts); err != nil {
			return nil, fmt.Errorf("smtp: next_hop.outbound: %w", err)
		}
	}
	return g, nil
}

func (g *generation) hopFor(d scanner.Direction) nexthop.Hop {
	if d == scanner.Outbound {
		return g.outbound
	}
	return g.inbound
}

// acquire returns the current generation with its pipeline marked in use;
// the caller ends that use with the generation's pipeline's Done.
func (s *Server) acquire() *generation {
	for {
		g := s.gen.Load()
		if g.pipe.Use() {
			return g
		}
		// Retired between the load and Use: a newer one is current.
	}
}

// Reload makes cfg and p the relay's generation for transactions that
// start from now on; transactions in flight finish with the one they
// started with. The pipeline replaced is retired: it closes once the last
// transaction using it has finished (pipeline.Retire). Settings fixed when
// the listener started (listen, tls, limits, max_message_bytes,
// proxy_networks) keep their old values; RestartNeeded names them.
//
// On error nothing changes and p is left to the caller.
func (s *Server) Reload(cfg *config.Config, p *pipeline.Pipeline) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	old := s.gen.Load()
	g, err := newGeneration(s.cfg, cfg, p, old, nil, nil)
	if err != nil {
		return err
	}
	s.gen.Store(g)
	if old.pipe != p {
		old.pipe.Retire()
	}
	return nil
}

// Pipeline returns the current pipeline (the caller of Shutdown closes it).
func (s *Server) Pipeline() *pipeline.Pipeline { return s.gen.Load().pipe }

// Config returns the current generation's config.
func (s *Server) Config() *config.Config { return s.gen.Load().cfg }

// Hops returns the current next hops, for health checks.
func (s *Server) Hops() (inbound, outbound nexthop.Hop) {
	g := s.gen.Load()
	return g.inbound, g.outbound
}

// RestartNeeded names the settings that differ between old and new and that
// a reload cannot apply: the listeners and what go-smtp fixed when it began
// serving. The old values stay in force until the process restarts.
func RestartNeeded(old, new *config.Config) []string {
	var keys []string
	add := func(key string, differ bool) {
		if differ {
			keys = append(keys, key)
		}
	}
	add("listen", old.Listen != new.Listen)
	add("metrics.listen", old.Metrics.Listen != new.Metrics.Listen)
	add("quarantine", !reflect.DeepEqual(old.Quarantine, new.Quarantine))
	// The review page (users, roles, sign-in, its purge and notices) is
	// built once: rebuilding it would sign every reviewer out.
	add("review", !reflect.DeepEqual(old.Review, new.Review))
	add("max_message_bytes", old.MaxMessageBytes != new.MaxMessageBytes)
	add("limits", !reflect.DeepEqual(old.Limits, new.Limits))
	add("tls", !reflect.DeepEqual(old.TLS, new.TLS))
	add("proxy_networks", !reflect.DeepEqual(old.ProxyNetworks, new.ProxyNetworks))
	add("hostname", old.Hostname != new.Hostname)
	add("milter.listen", old.Milter.Listen != new.Milter.Listen)
	add("log.format", old.Log.Format != new.Log.Format)
	return keys
}
