package tracker

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestRedisLogsThroughSlog: a line go-redis itself logs (here: a TTL below
// its 1 ms resolution) arrives in mailward's log, in its format, marked as
// the Redis client's.
func TestRedisLogsThroughSlog(t *testing.T) {
	var buf bytes.Buffer
	LogTo(slog.New(slog.NewJSONHandler(&buf, nil)))
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	defer c.Close()
	c.Set(context.Background(), "k", "v", 500*time.Microsecond) // fails to connect; the log line comes first
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("not a JSON log line: %q", l)
		}
		if strings.Contains(rec["detail"].(string), "minimal supported value") {
			line = rec
		}
	}
	if line == nil || line["component"] != "redis" || line["msg"] != "redis client" || line["level"] != "WARN" {
		t.Fatalf("go-redis's line did not come through slog: %q", buf.String())
	}
}
