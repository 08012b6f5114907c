package config

import (
	"strings"
	"testing"
	"time"
)

// TestLimitsDefaults: every limit has its documented, non-zero default.
func TestLimitsDefaults(t *testing.T) {
	c, err := Parse([]byte("domains: [trust.example]\n"))
	if err != nil {
		t.Fatal(err)
	}
	l := c.Limits
	for name, got := range map[string]int64{
		"max_connections_per_client":   int64(l.MaxConnectionsPerClient),
		"trusted_reserved_connections": int64(l.TrustedReservedConnections),
		"max_transactions_per_client":  int64(l.MaxTransactionsPerClient),
		"trusted_reserved_sessions":    int64(l.TrustedReservedSessions),
		"max_inflight_bytes":           l.MaxInflightBytes,
		"proxy_header_timeout":         int64(l.ProxyHeaderTimeout.D()),
	} {
		want := map[string]int64{"max_connections_per_client": 20, "trusted_reserved_connections": 20,
			"max_transactions_per_client": 10, "trusted_reserved_sessions": 10, "max_inflight_bytes": 512 << 20,
			"proxy_header_timeout": int64(10 * time.Second)}[name]
		if got != want {
			t.Errorf("limits.%s default %d, want %d", name, got, want)
		}
	}
}

// TestLimitsErrors: a negative cap or a budget under 1 MiB names its key.
func TestLimitsErrors(t *testing.T) {
	for _, c := range []struct{ yaml, key string }{
		{"limits:\n  max_connections_per_client: -1\n", "limits.max_connections_per_client"},
		{"limits:\n  trusted_reserved_connections: -2\n", "limits.trusted_reserved_connections"},
		{"limits:\n  max_transactions_per_client: -1\n", "limits.max_transactions_per_client"},
		{"limits:\n  trusted_reserved_sessions: -1\n", "limits.trusted_reserved_sessions"},
		{"limits:\n  max_inflight_bytes: 1000\n", "limits.max_inflight_bytes"},
		{"limits:\n  proxy_header_timeout: -1s\n", "limits.proxy_header_timeout"},
	} {
		_, err := Parse([]byte("domains: [trust.example]\n" + c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%q: %v", c.yaml, err)
		}
	}
}
