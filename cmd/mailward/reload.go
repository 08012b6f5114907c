package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/metrics"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/smtp"
)

// live is what `mailward serve` can change without a restart: on SIGHUP it
// reads the config file again and, when it is valid, builds a new pipeline
// (term lists, model, directory, rules, tracker, scanners) and hands it to
// the relay. Transactions in flight finish with the config they started
// with; the pipeline they used closes after the last of them. A config with
// errors is refused, logged, and the running one kept.
type live struct {
	path  string
	log   *slog.Logger
	level *slog.LevelVar
	srv   *smtp.Server
	// start is the config serve started with: settings fixed at start
	// (listeners, limits, tls) are compared against it.
	start *config.Config
	// onReload, when set, is told of each new config and pipeline after
	// the relay took them (other servers sharing the pipeline, such as a
	// milter, hook in here). An error is logged; the relay keeps the new
	// generation.
	onReload []func(*config.Config, *pipeline.Pipeline) error
	// prepare, when set, completes each new pipeline before the relay
	// takes it (the shared store's allow and block lists).
	prepare func(*pipeline.Pipeline)

	mu sync.Mutex // one reload at a time
	// stopLoops ends the loops started for the current pipeline (alert
	// digests) and waits for them.
	stopLoops func()
	ctx       context.Context
}

// pipeline returns the current pipeline marked in use; the caller ends the
// use with Done.
func (l *live) pipeline() *pipeline.Pipeline {
	for {
		if p := l.srv.Pipeline(); p.Use() {
			return p
		}
	}
}

// startLoops runs the loops that belong to pipeline p (the alert digests)
// until the next reload or the end of ctx. The loop holds p in use.
func (l *live) startLoops(p *pipeline.Pipeline) {
	if l.stopLoops != nil {
		l.stopLoops()
		l.stopLoops = nil
	}
	n := p.Notifier()
	if n == nil || !p.Use() {
		return
	}
	ctx, cancel := context.WithCancel(l.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer p.Done()
		n.Run(ctx, 15*time.Second) // digests leave only from here: scan never runs it
	}()
	l.stopLoops = func() { cancel(); <-done }
}

// watch reloads on each SIGHUP until ctx ends. Without it a SIGHUP would
// end the process (Go's default for an unhandled HUP).
func (l *live) watch(ctx context.Context) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				l.reload()
			}
		}
	}()
}

// reload is what SIGHUP runs. It returns the error that made it keep the
// running config, if any (already logged).
func (l *live) reload() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.reloadLocked()
	metrics.Reloaded(err == nil, time.Now())
	return err
}

func (l *live) reloadLocked() error {
	start := time.Now()
	cfg := config.Default()
	if l.path != "" {
		var err error
		if cfg, err = config.Load(l.path); err != nil {
			l.log.Error("reload refused: the config has errors; the running config stays in force", "config", l.path, "err", err)
			return err
		}
		for _, w := range cfg.Warnings {
			l.log.Warn("config warning", "config", l.path, "warning", w)
		}
	}
	if l.start.Source == "" && cfg.Source == "" {
		cfg.Review.Users = l.start.Review.Users // keep the one-run admin of the local default
	}
	if keys := smtp.RestartNeeded(l.start, cfg); len(keys) > 0 {
		l.log.Warn("reload: these settings change only on restart; their old values stay in force until then", "keys", keys)
	}
	p, err := pipeline.NewFrom(cfg, l.srv.Pipeline())
	if err != nil {
		l.log.Error("reload refused: the new config's pipeline could not be built; the running config stays in force", "config", l.path, "err", err)
		return err
	}
	if l.prepare != nil {
		l.prepare(p)
	}
	if err := l.srv.Reload(cfg, p); err != nil {
		p.Close()
		l.log.Error("reload refused by the relay; the running config stays in force", "config", l.path, "err", err)
		return err
	}
	l.level.Set(logLevel(cfg.Log.Level))
	l.startLoops(p)
	for _, f := range l.onReload {
		if err := f(cfg, p); err != nil {
			l.log.Error("reload", "err", err)
		}
	}
	l.log.Info("config reloaded", "config", l.path, "domains", cfg.Domains, "rules", len(cfg.Rules),
		"inbound", cfg.NextHop.Inbound, "outbound", cfg.NextHop.Outbound, "ms", time.Since(start).Milliseconds())
	return nil
}

// stop ends the loops of the current pipeline (at shutdown).
func (l *live) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopLoops != nil {
		l.stopLoops()
		l.stopLoops = nil
	}
}

// hooks are the review page's hooks into alerts, through whichever
// pipeline is current when a reviewer acts.
func (l *live) hooks() (onConfirm, onIllegal func(context.Context, *quarantine.Record, string)) {
	onConfirm = func(ctx context.Context, rec *quarantine.Record, who string) {
		p := l.pipeline()
		defer p.Done()
		if n := p.Notifier(); n != nil {
			n.ConfirmedViolation(ctx, rec, who)
		}
	}
	onIllegal = func(ctx context.Context, rec *quarantine.Record, who string) {
		p := l.pipeline()
		defer p.Done()
		if n := p.Notifier(); n != nil {
			n.SuspectedIllegal(ctx, rec, who)
		}
	}
	return onConfirm, onIllegal
}
