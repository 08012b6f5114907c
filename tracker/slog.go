package tracker

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/redis/go-redis/v9"
)

// LogTo sends the Redis client's own log lines (dial failures, pool and
// Sentinel events) to l, in the same format as mailward's, instead of
// go-redis's default of plain lines on stderr. go-redis has one logger per
// process, so this is process-wide.
func LogTo(l *slog.Logger) { redis.SetLogger(redisLogger{l.With("component", "redis")}) }

// redisLogger adapts slog to go-redis's Printf-style logging interface.
type redisLogger struct{ l *slog.Logger }

func (r redisLogger) Printf(ctx context.Context, format string, v ...any) {
	r.l.WarnContext(ctx, "redis client", "detail", strings.TrimSpace(fmt.Sprintf(format, v...)))
}
