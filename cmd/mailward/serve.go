package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/lists"
	"github.com/mailward/mailward/metrics"
	"github.com/mailward/mailward/milter"
	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/smtp"
)

// runServe runs the relay, the review page and the metrics endpoint until
// SIGINT or SIGTERM, then stops accepting and lets open sessions finish.
// SIGHUP reloads the config (reload.go).
func runServe(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", stderr)
	cfgPath := fs.String("config", "", "config file (default: the local default)")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 2
	}
	level := new(slog.LevelVar)
	log := newLogger(stderr, cfg.Log, level)
	slog.SetDefault(log)
	metrics.SetBuildInfo(version)

	// The quarantine: the local folder, or the shared store (store.url),
	// which must answer and be migrated before serve takes any mail.
	octx, ocancel := context.WithTimeout(context.Background(), 30*time.Second)
	sts, err := openStores(octx, cfg, log)
	ocancel()
	if err != nil {
		log.Error("quarantine", "err", err)
		return 1
	}
	defer sts.Close()
	store := sts.quarantine
	p, err := pipeline.New(cfg)
	if err != nil {
		log.Error("pipeline", "err", err)
		return 1
	}
	// Message tracking: a store that cannot be opened is logged, and mail
	// flows without it (tracking never holds mail up).
	var track trackStore
	var writer *msglog.Writer
	if cfg.Tracking.On() && sts.shared != nil {
		track = sts.shared.MsgLog(cfg.Tracker.Location())
		writer = msglog.NewWriter(track, msglog.WriterOptions{Queue: cfg.Tracking.Queue, Batch: cfg.Tracking.Batch, Log: log})
	} else if cfg.Tracking.On() {
		if track, err = openTracking(cfg, false); err != nil {
			log.Error("message tracking unavailable: mail flows untracked", "path", cfg.Tracking.Path, "err", err)
			metrics.Error("tracking")
			track = nil
		} else {
			writer = msglog.NewWriter(track, msglog.WriterOptions{Queue: cfg.Tracking.Queue, Batch: cfg.Tracking.Batch, Log: log})
			defer track.Close()
		}
	}
	srv, err := smtp.New(cfg, smtp.Options{Pipeline: p, Store: store, Logger: log, Tracking: writer})
	if err != nil {
		p.Close()
		log.Error("relay", "err", err)
		return 1
	}
	defer func() { srv.Pipeline().Close() }() // the one current at exit; reloads retire the others
	l, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		log.Error("listen", "addr", cfg.Listen, "err", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	lv := &live{path: *cfgPath, log: log, level: level, srv: srv, start: cfg, ctx: ctx}
	if sts.shared != nil {
		// The allow and block lists of the shared store, for this pipeline
		// and every one a reload builds.
		shared := lists.NewCache(sts.shared.Lists(), cfg.Lists.Refresh.D(), log)
		lv.prepare = func(p *pipeline.Pipeline) { p.SetLists(shared) }
		lv.prepare(p)
	}
	defer lv.stop()
	extra, err := services(ctx, cfg, sts, track, lv, log, stdout)
	if err != nil {
		log.Error("services", "err", err)
		return 1
	}
	var https []*http.Server
	for _, h := range extra {
		hs := &http.Server{Addr: h.addr, Handler: h.handler, ReadHeaderTimeout: 10 * time.Second}
		https = append(https, hs)
		go func(name string) {
			if err := hs.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error(name, "addr", hs.Addr, "err", err)
			}
		}(h.name)
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(l) }()
	ms, ok := serveMilter(cfg, p, store, writer, lv, log, errc)
	if !ok {
		return 1
	}
	lv.watch(ctx)
	observe(ctx, lv, store, log)
	metrics.SetReady(true)
	log.Info("mailward started", "version", version, "listen", l.Addr().String(), "domains", cfg.Domains,
		"inbound", cfg.NextHop.Inbound, "outbound", cfg.NextHop.Outbound, "quarantine", cfg.Quarantine.Dir, "shared_store", cfg.Store.Shared(), "tracking", cfg.Tracking.String())
	fmt.Fprintf(stdout, "mailward listening on %s\n", l.Addr())

	select {
	case err := <-errc:
		log.Error("relay stopped", "err", err)
		return 1
	case <-ctx.Done():
	}
	metrics.SetReady(false)
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.Limits.ReplyDeadline.D())
	defer cancel()
	srv.Shutdown(sctx)
	if ms != nil {
		ms.Shutdown(sctx)
	}
	for _, hs := range https {
		hs.Shutdown(sctx)
	}
	if writer != nil {
		writer.Close(sctx) // the last messages' records
	}
	return 0
}

// httpService is one extra HTTP listener that serve runs beside the relay.
type httpService struct {
	name, addr string
	handler    http.Handler
}

// serveMilter starts the milter beside the relay when milter.listen is set,
// on the same pipeline, quarantine, message tracking and reloads. Its end
// is sent on errc.
func serveMilter(cfg *config.Config, p *pipeline.Pipeline, store quarantine.Store, tracking *msglog.Writer, lv *live, log *slog.Logger, errc chan<- error) (*milter.Server, bool) {
	if cfg.Milter.Listen == "" {
		return nil, true
	}
	ms, err := milter.New(cfg, milter.Options{Pipeline: p, Store: store, Logger: log, Tracking: tracking})
	if err != nil {
		log.Error("milter", "err", err)
		return nil, false
	}
	ml, err := net.Listen("tcp", cfg.Milter.Listen)
	if err != nil {
		log.Error("listen", "addr", cfg.Milter.Listen, "err", err)
		return nil, false
	}
	lv.onReload = append(lv.onReload, ms.Reload)
	go func() {
		if err := ms.Serve(ml); err != nil {
			errc <- fmt.Errorf("milter: %w", err)
		}
	}()
	log.Info("milter listening", "addr", ml.Addr().String())
	return ms, true
}
