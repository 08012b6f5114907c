package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/lists"
	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/pgstore"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/report"
)

func init() { commands["store"] = runStore }

const storeUsage = `usage:
  mailward store migrate [-config FILE]   create or upgrade the shared store's schema (store.url)
  mailward store import [-config FILE]    copy the local quarantine (quarantine.dir) into the shared store;
                                          idempotent, never removes anything from the folder
  mailward store status [-config FILE]    schema version and what the store holds
`

// runStore is `mailward store`: the shared PostgreSQL store of store.url.
// Exit 0 done, 1 the database failed, 2 bad usage or config.
func runStore(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("store", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, storeUsage) }
	path := fs.String("config", "", "config file")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || pos[0] != "migrate" && pos[0] != "import" && pos[0] != "status" {
		fmt.Fprint(stderr, storeUsage)
		return 2
	}
	cfg, ok := loadConfig(*path, stderr)
	if !ok {
		return 2
	}
	if !cfg.Store.Shared() {
		fmt.Fprintln(stderr, "mailward store: no store.url in the config: the local store needs no migration")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	switch pos[0] {
	case "migrate":
		done, err := pgstore.Migrate(ctx, cfg.Store.URL, pgstore.Options{})
		if err != nil {
			fmt.Fprintf(stderr, "mailward store migrate: %v\n", err)
			return 1
		}
		if len(done) == 0 {
			fmt.Fprintln(stdout, "schema up to date")
		}
		for _, v := range done {
			fmt.Fprintf(stdout, "applied migration %04d\n", v)
		}
		return 0
	case "import":
		db, err := pgstore.Open(ctx, cfg.Store.URL, pgstore.Options{})
		if err != nil {
			fmt.Fprintf(stderr, "mailward store import: %v\n", err)
			return 1
		}
		defer db.Close()
		dir, err := quarantine.OpenDir(cfg.Quarantine.Dir)
		if err != nil {
			fmt.Fprintf(stderr, "mailward store import: %v\n", err)
			return 1
		}
		res, err := db.Import(ctx, dir)
		fmt.Fprintf(stdout, "imported %d held messages, %d already there, %d audit events\n", res.Imported, res.Present, res.Audit)
		if err != nil {
			fmt.Fprintf(stderr, "mailward store import: %v (run it again: it continues where it stopped)\n", err)
			return 1
		}
		return 0
	default:
		db, err := pgstore.Open(ctx, cfg.Store.URL, pgstore.Options{})
		if err != nil {
			fmt.Fprintf(stderr, "mailward store status: %v\n", err)
			return 1
		}
		defer db.Close()
		v, _ := db.SchemaVersion(ctx)
		recs, err := db.Quarantine().List(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "mailward store status: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "schema version %d\nquarantine records %d\n", v, len(recs))
		return 0
	}
}

// trackStore is what serve and the CLI need of the message log: the store
// and the monthly report's marker (both the SQLite file and the shared
// store have them).
type trackStore interface {
	msglog.Store
	report.Marker
}

// stores are the places serve keeps its state: the local defaults, or one
// shared PostgreSQL store (store.url) for everything.
type stores struct {
	quarantine quarantine.Backend
	shared     *pgstore.DB // nil for the local default
}

// openStores opens the quarantine of cfg: the folder quarantine.dir, or
// the shared store, which must answer and be migrated (serve refuses to
// start otherwise rather than answer 451 to every held message).
func openStores(ctx context.Context, cfg *config.Config, log *slog.Logger) (*stores, error) {
	if !cfg.Store.Shared() {
		d, err := quarantine.OpenDir(cfg.Quarantine.Dir)
		if err != nil {
			return nil, err
		}
		return &stores{quarantine: d}, nil
	}
	// Holds of unknown outcome are journalled beside the local quarantine
	// folder, which every gateway has (see pgstore.Options.AbandonedFile).
	if err := os.MkdirAll(cfg.Quarantine.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("quarantine dir: %w", err)
	}
	db, err := pgstore.Open(ctx, cfg.Store.URL, pgstore.Options{Log: log, AbandonedFile: filepath.Join(cfg.Quarantine.Dir, "store-abandoned-holds")})
	if err != nil {
		return nil, err
	}
	return &stores{quarantine: db.Quarantine(), shared: db}, nil
}

// Close closes the shared store's pool.
func (s *stores) Close() {
	if s.shared != nil {
		s.shared.Close()
	}
}

// openQuarantine is openStores for a CLI command: the quarantine and a
// function that closes it.
func openQuarantine(cfg *config.Config) (quarantine.Backend, func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := openStores(ctx, cfg, slog.Default())
	if err != nil {
		return nil, nil, err
	}
	return st.quarantine, st.Close, nil
}

// sharedTracking is the shared store's message log opened by a CLI
// command: closing it closes its pool.
type sharedTracking struct {
	*pgstore.MsgLog
	db *pgstore.DB
}

func (s sharedTracking) Close() error { s.db.Close(); return nil }

// openListStore opens the allow and block lists of cfg: the SQLite file
// lists.path, or the shared store's. Closing it closes what it opened.
func openListStore(cfg *config.Config) (lists.Store, error) {
	if !cfg.Store.Shared() {
		return lists.OpenSQLite(cfg.Lists.Path)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := pgstore.Open(ctx, cfg.Store.URL, pgstore.Options{})
	if err != nil {
		return nil, err
	}
	return sharedLists{Lists: db.Lists(), db: db}, nil
}

// sharedLists is the shared store's lists opened by a CLI command.
type sharedLists struct {
	*pgstore.Lists
	db *pgstore.DB
}

func (s sharedLists) Close() error { s.db.Close(); return nil }
