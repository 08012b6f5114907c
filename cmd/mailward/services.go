package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"

	"github.com/mailward/mailward/alert"
	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/metrics"
	"github.com/mailward/mailward/review"
	"golang.org/x/crypto/bcrypt"
)

// services starts what serve runs beside the relay, until ctx ends: the
// alert digests, the review page with its retention purge and notices, and
// metrics. It returns the HTTP listeners to serve. The alert loop and the
// review page's hooks follow lv's current pipeline across reloads.
func services(ctx context.Context, cfg *config.Config, sts *stores, track trackStore, lv *live, log *slog.Logger, stdout io.Writer) ([]httpService, error) {
	store := sts.quarantine
	if cfg.Source == "" && len(cfg.Review.Users) == 0 {
		// The local default has no users: make a one-run admin login so the
		// review page works out of the box. Only the operator's terminal
		// sees the password; the page listens on 127.0.0.1.
		pw, err := temporaryAdmin(cfg)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(stdout, "review page http://%s/ : log in as admin / %s (this run only; add review.users to a config)\n", cfg.Review.Listen, pw)
	}
	var hooks review.Hooks
	lv.startLoops(lv.srv.Pipeline()) // alert digests: scan never runs them
	hooks.OnConfirm, hooks.OnSuspectedIllegal = lv.hooks()
	rv, err := review.New(cfg, store, log, hooks)
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	if sts.shared != nil {
		// One review page across gateways: logins and lists shared too.
		rv.SetSessions(sts.shared.Sessions())
		rv.SetLists(sts.shared.Lists())
	}
	go rv.Run(ctx) // retention purge, hold notices, daily digest
	if track != nil {
		rv.SetTracking(track)
		trackingLoops(ctx, cfg, track, store, func() *alert.Notifier { return lv.srv.Pipeline().Notifier() }, log)
	}
	return []httpService{
		{name: "review", addr: cfg.Review.Listen, handler: rv.Handler()},
		{name: "metrics", addr: cfg.Metrics.Listen, handler: metrics.Handler()},
	}, nil
}

// temporaryAdmin adds an admin user with a random password to cfg.
func temporaryAdmin(cfg *config.Config) (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	pw := base64.RawURLEncoding.EncodeToString(b[:])
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("review: %w", err)
	}
	cfg.Review.Users = append(cfg.Review.Users, config.ReviewUser{Name: "admin", PasswordHash: string(hash), Role: "admin"})
	return pw, nil
}
