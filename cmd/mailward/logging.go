package main

import (
	"io"
	"log/slog"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/tracker"
)

// newLogger builds serve's logger from log.format (text, the default, or
// json) and a level that a reload may change. The Redis client's own
// lines go through it too.
func newLogger(w io.Writer, c config.Log, level *slog.LevelVar) *slog.Logger {
	level.Set(logLevel(c.Level))
	o := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if c.Format == "json" {
		h = slog.NewJSONHandler(w, o)
	} else {
		h = slog.NewTextHandler(w, o)
	}
	l := slog.New(h)
	tracker.LogTo(l)
	return l
}

func logLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}
