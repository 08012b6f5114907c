package config

import (
	"strings"
	"testing"
)

// TestStoreURL: store.url must be a postgres:// URL; a password in it or a
// remote database without verified TLS is warned about; empty keeps the
// embedded default.
func TestStoreURL(t *testing.T) {
	for _, tc := range []struct {
		url, err, warn string
	}{
		{url: ""},
		{url: "postgres://mailward@127.0.0.1:5432/mailward"},
		{url: "postgresql://mailward@localhost/mailward"},
		{url: "postgres://mailward@db.trust.example/mailward?sslmode=verify-full"},
		{url: "postgres://mailward@db.trust.example/mailward", warn: "sslmode=verify-full"},
		{url: "postgres://mailward:secret@127.0.0.1/mailward", warn: "PGPASSWORD"},
		{url: "mysql://x@127.0.0.1/db", err: "want postgres://"},
		{url: "postgres://%zz", err: "not a URL"},
	} {
		c, err := Parse([]byte("store:\n  url: \"" + tc.url + "\"\n"))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.url, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "store.url")):
			t.Errorf("%q: error %v, want one naming store.url with %q", tc.url, err, tc.err)
		case tc.err == "" && tc.warn != "" && !strings.Contains(strings.Join(c.Warnings, "\n"), tc.warn):
			t.Errorf("%q: warnings %q, want %q", tc.url, c.Warnings, tc.warn)
		case err == nil && strings.Contains(strings.Join(c.Warnings, "\n"), "secret"):
			t.Errorf("%q: a warning repeats the password", tc.url)
		}
		if err == nil && c.Store.Shared() != (tc.url != "") {
			t.Errorf("%q: Shared() = %v", tc.url, c.Store.Shared())
		}
	}
}
