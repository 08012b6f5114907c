package config

import (
	"net/url"
	"strings"
)

// Store is the store that several gateways share (issue 15, package
// pgstore): with a URL, quarantine records and held bytes, the audit log,
// review sessions, the message log and the allow and block lists live in
// PostgreSQL; without one, the embedded default keeps them on local disk
// (quarantine.dir) and nothing needs installing.
//
//	store:
//	  url: postgres://mailward@db.trust.example:5432/mailward?sslmode=verify-full
//
// Keep the password out of the file: PostgreSQL's PGPASSWORD environment
// variable or a ~/.pgpass file of the mailward user are read too.
// `mailward store migrate` creates the schema; `mailward store import`
// moves an existing local quarantine in.
type Store struct {
	URL string `yaml:"url"`
}

// Shared reports whether the shared store is configured.
func (s *Store) Shared() bool { return s.URL != "" }

func (s *Store) validate(v *validator) {
	if s.URL == "" {
		return
	}
	u, err := url.Parse(s.URL)
	if err != nil {
		v.errorf("store.url", "not a URL (postgres://user@host:5432/db)")
		return
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		v.errorf("store.url", "scheme %q: want postgres://", u.Scheme)
		return
	}
	if v.c.Review.Notices.DigestKey == "" {
		// Each gateway would make its own key, and a digest link mailed by
		// one would fail on the others.
		v.warnf("store.url", "set review.notices.digest_key, the same on every gateway sharing this store")
	}
	if _, set := u.User.Password(); set {
		v.warnf("store.url", "holds a password: use PGPASSWORD or ~/.pgpass instead, so the config can be shared")
	}
	if h := u.Hostname(); h != "" && h != "localhost" && !strings.HasPrefix(h, "127.") && h != "::1" {
		if m := u.Query().Get("sslmode"); m != "verify-full" && m != "verify-ca" {
			v.warnf("store.url", "a remote database without sslmode=verify-full: held mail would cross the network unverified")
		}
	}
}
