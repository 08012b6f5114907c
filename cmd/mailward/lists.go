package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/lists"
	"github.com/mailward/mailward/quarantine"
)

func init() { commands["lists"] = runLists }

const listsUsage = `usage:
  mailward lists show [-json] [-all] [-config FILE]
  mailward lists add allow|block MATCH -reason TEXT [-direction D[,D]] [-category C[,C]]
                     [-expires 30d|12h|YYYY-MM-DD|RFC3339] [-action reject|quarantine] [-config FILE]
  mailward lists remove ID [-reason TEXT] [-config FILE]
  MATCH is a sender address (user@domain), a sender domain (domain, or *.domain with its
  subdomains) or a client network (192.0.2.0/24). An allow entry lets the findings of its
  categories (all but malware and unscannable when none are given) through; a block entry
  rejects the message (or holds it, -action quarantine). Every change goes to the audit log.
  Running relays see a change within lists.refresh (default 2s).
`

// runLists is `mailward lists`: the allow and block lists from the command
// line. Exit 0 done, 1 the store failed, 2 bad usage or config.
func runLists(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("lists", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, listsUsage) }
	path := fs.String("config", "", "config file")
	asJSON := fs.Bool("json", false, "show: one JSON object per entry")
	all := fs.Bool("all", false, "show: expired entries too")
	reason := fs.String("reason", "", "add: why (required); remove: why (optional)")
	dirs := fs.String("direction", "", "add: inbound, outbound, internal (comma-separated; default all)")
	cats := fs.String("category", "", "add: categories (comma-separated; default all)")
	expires := fs.String("expires", "", "add: 30d, 12h, YYYY-MM-DD (end of that day) or RFC 3339; default never")
	action := fs.String("action", "", "add, block entries: reject (default) or quarantine")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) == 0 {
		fmt.Fprint(stderr, listsUsage)
		return 2
	}
	cfg, ok := loadConfig(*path, stderr)
	if !ok {
		return 2
	}
	ctx := context.Background()
	usage := func() int { fmt.Fprint(stderr, listsUsage); return 2 }
	switch pos[0] {
	case "show":
		if len(pos) != 1 {
			return usage()
		}
		return listsShow(ctx, cfg, *asJSON, *all, stdout, stderr)
	case "add":
		if len(pos) != 3 {
			return usage()
		}
		now := time.Now()
		exp, err := lists.ParseExpiry(*expires, now, cfg.Tracker.Location())
		if err != nil {
			fmt.Fprintf(stderr, "mailward lists add: %v\n", err)
			return 2
		}
		e := lists.Entry{Kind: lists.Kind(pos[1]), Match: pos[2], Directions: splitComma(*dirs), Categories: splitComma(*cats),
			Action: *action, Reason: *reason, Expires: exp, Created: now, CreatedBy: cliUser()}
		if err := lists.Normalize(&e); err != nil {
			fmt.Fprintf(stderr, "mailward lists add: %v\n", err)
			return 2
		}
		s, err := openListStore(cfg)
		if err != nil {
			fmt.Fprintf(stderr, "mailward lists: %v\n", err)
			return 1
		}
		defer s.Close()
		if e, err = s.Add(ctx, e); err != nil {
			fmt.Fprintf(stderr, "mailward lists add: %v\n", err)
			return 1
		}
		listsAudit(ctx, cfg, "lists-add", e.Describe()+"; reason: "+e.Reason, stderr)
		fmt.Fprintf(stdout, "added %s\n", e.Describe())
		return 0
	case "remove":
		if len(pos) != 2 {
			return usage()
		}
		id, err := strconv.ParseInt(pos[1], 10, 64)
		if err != nil || id < 1 {
			fmt.Fprintf(stderr, "mailward lists remove: %q is not an entry id\n", pos[1])
			return 2
		}
		s, err := openListStore(cfg)
		if err != nil {
			fmt.Fprintf(stderr, "mailward lists: %v\n", err)
			return 1
		}
		defer s.Close()
		e, err := s.Remove(ctx, id)
		if errors.Is(err, lists.ErrNotFound) {
			fmt.Fprintf(stderr, "mailward lists remove: no entry %d\n", id)
			return 1
		}
		if err != nil {
			fmt.Fprintf(stderr, "mailward lists remove: %v\n", err)
			return 1
		}
		detail := e.Describe()
		if r := strings.TrimSpace(*reason); r != "" {
			detail += "; reason: " + r
		}
		listsAudit(ctx, cfg, "lists-remove", detail, stderr)
		fmt.Fprintf(stdout, "removed %s\n", e.Describe())
		return 0
	}
	return usage()
}

func listsShow(ctx context.Context, cfg *config.Config, asJSON, all bool, stdout, stderr io.Writer) int {
	var entries []lists.Entry
	if cfg.Store.Shared() {
		s, err := openListStore(cfg)
		if err == nil {
			entries, err = s.List(ctx)
			s.Close()
		}
		if err != nil {
			fmt.Fprintf(stderr, "mailward lists: %v\n", err)
			return 1
		}
	} else {
		c := lists.OpenCache(cfg.Lists.Path, 0, nil) // a missing file is empty lists, not created
		entries = c.Entries(ctx)
		c.Close()
	}
	now := time.Now()
	var shown []lists.Entry
	for _, e := range entries {
		if all || e.Active(now) {
			shown = append(shown, e)
		}
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		for _, e := range shown {
			if err := enc.Encode(e); err != nil {
				fmt.Fprintf(stderr, "mailward lists: %v\n", err)
				return 1
			}
		}
		return 0
	}
	loc := cfg.Tracker.Location()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tMATCH\tDIRECTIONS\tCATEGORIES\tACTION\tEXPIRES\tBY\tREASON")
	for _, e := range shown {
		exp := "never"
		if !e.Expires.IsZero() {
			exp = e.Expires.In(loc).Format("2006-01-02 15:04")
			if !e.Active(now) {
				exp += " (expired)"
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Kind, e.Match, orAll(e.Directions), orAll(e.Categories),
			e.Action, exp, e.CreatedBy, e.Reason)
	}
	tw.Flush()
	return 0
}

func orAll(xs []string) string {
	if len(xs) == 0 {
		return "all"
	}
	return strings.Join(xs, ",")
}

func splitComma(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// listsAudit writes a list change to the quarantine's audit log (the
// folder's or the shared store's), where the review page's changes go too.
// A failure is reported: the change is made.
func listsAudit(ctx context.Context, cfg *config.Config, what, detail string, stderr io.Writer) {
	store, closeStore, err := openQuarantine(cfg)
	if err == nil {
		err = store.AppendAudit(ctx, quarantine.AuditEvent{Time: time.Now().UTC(), Who: cliUser(), What: what, Detail: detail})
		closeStore()
	}
	if err != nil {
		fmt.Fprintf(stderr, "mailward lists: warning: the change is made but the audit log was not written: %v\n", err)
	}
}
