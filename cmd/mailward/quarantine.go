package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/nexthop"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/review"
)

func init() { commands["quarantine"] = runQuarantine }

const quarantineUsage = `usage:
  mailward quarantine list [-json] [-status held|released|deleted|expired|all] [-direction D] [-category C] [-config FILE]
  mailward quarantine show ID [-json] [-raw] [-config FILE]
  mailward quarantine release ID [-to ADDR[,ADDR]] [-config FILE]
  mailward quarantine delete ID [-reason TEXT] [-config FILE]
  mailward quarantine purge [-config FILE]
`

// listLine is one line of `list -json`: the contract of DESIGN.md.
type listLine struct {
	ID         string            `json:"id"`
	Status     quarantine.Status `json:"status"`
	Direction  string            `json:"direction"`
	From       string            `json:"from"`
	To         []string          `json:"to"`
	Categories []string          `json:"categories"`
	Received   time.Time         `json:"received"`
}

// runQuarantine is `mailward quarantine ...`: the quarantine from the
// command line, with the same rules as the review page where they concern
// content (a message marked suspected illegal, or of a never_display
// category, is never printed), and every action in the audit log as
// "cli:USER".
func runQuarantine(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, quarantineUsage)
		return 2
	}
	sub := args[0]
	fs := newFlagSet("quarantine "+sub, stderr)
	path := fs.String("config", "", "config file")
	asJSON := fs.Bool("json", false, "list, show: JSON (list: one object per line)")
	status := fs.String("status", "held", "list: held, released, deleted, expired or all")
	direction := fs.String("direction", "", "list: only this direction")
	category := fs.String("category", "", "list: only this category")
	raw := fs.Bool("raw", false, "show: print the held message bytes")
	to := fs.String("to", "", "release: only these recipients, comma-separated")
	reason := fs.String("reason", "", "delete: why (goes in the audit log)")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return 2
	}
	needID := map[string]bool{"show": true, "release": true, "delete": true}
	if _, ok := map[string]bool{"list": true, "purge": true, "show": true, "release": true, "delete": true}[sub]; !ok {
		fmt.Fprintf(stderr, "mailward quarantine: unknown subcommand %q\n%s", sub, quarantineUsage)
		return 2
	}
	if needID[sub] && len(pos) != 1 || !needID[sub] && len(pos) != 0 {
		fmt.Fprint(stderr, quarantineUsage)
		return 2
	}
	cfg, ok := loadConfig(*path, stderr)
	if !ok {
		return 2
	}
	store, closeStore, err := openQuarantine(cfg) // quarantine.dir, or the shared store
	if err != nil {
		fmt.Fprintf(stderr, "mailward quarantine: %v\n", err)
		return 1
	}
	defer closeStore()
	ctx := context.Background()
	who := cliUser()
	var id string
	if needID[sub] {
		id = pos[0]
		if !quarantine.ValidID(id) {
			fmt.Fprintf(stderr, "mailward quarantine %s: %q is not a quarantine id\n", sub, id)
			return 1
		}
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "mailward quarantine %s: %s\n", sub, termSafe(err.Error()))
		return 1
	}
	switch sub {
	case "list":
		recs, err := store.List(ctx)
		if err != nil {
			return fail(err)
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		if !*asJSON {
			fmt.Fprintln(tw, "ID\tRECEIVED\tDIRECTION\tSTATUS\tFROM\tTO\tCATEGORIES")
		}
		enc := json.NewEncoder(termSafeJSON{stdout})
		for _, r := range recs {
			if *status != "all" && string(r.Status) != *status || *direction != "" && r.Direction != *direction ||
				*category != "" && !r.HasCategory(*category) {
				continue
			}
			if *asJSON {
				cats := r.Categories
				if cats == nil {
					cats = []string{}
				}
				enc.Encode(listLine{ID: r.ID, Status: r.Status, Direction: r.Direction, From: r.From, To: r.To, Categories: cats, Received: r.Received})
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", termSafe(r.ID), r.Received.UTC().Format("2006-01-02 15:04"), termSafe(r.Direction),
				termSafe(string(r.Status)), termSafe(r.From), termSafe(strings.Join(r.To, ",")), termSafe(strings.Join(r.Categories, ",")))
		}
		tw.Flush()
		store.AppendAudit(ctx, quarantine.AuditEvent{Who: who, What: "list", Detail: "cli"})
		return 0
	case "show":
		r, err := store.Get(ctx, id)
		if err != nil {
			return fail(err)
		}
		hidden := hiddenWhy(cfg, r)
		if *raw {
			if hidden != "" {
				store.AppendAudit(ctx, quarantine.AuditEvent{Who: who, What: "denied", ID: id, Detail: "cli show -raw: " + hidden})
				return fail(errors.New("content not shown: " + hidden))
			}
			b, err := store.Raw(ctx, id)
			if err != nil {
				return fail(err)
			}
			store.AppendAudit(ctx, quarantine.AuditEvent{Who: who, What: "download", ID: id, Detail: "cli show -raw"})
			stdout.Write(b)
			return 0
		}
		if hidden != "" {
			r.Subject = ""
		}
		store.AppendAudit(ctx, quarantine.AuditEvent{Who: who, What: "view", ID: id, Detail: "cli"})
		if *asJSON {
			for i := range r.Rcpts {
				r.Rcpts[i].Claim = ""
			}
			enc := json.NewEncoder(termSafeJSON{stdout})
			enc.SetIndent("", "  ")
			enc.Encode(r)
			return 0
		}
		printRecord(stdout, r, hidden)
		return 0
	case "release":
		r, err := store.Get(ctx, id)
		if err != nil {
			return fail(err)
		}
		if never := hiddenWhy(cfg, r); never != "" && r.SuspectedIllegal == nil {
			return fail(errors.New("not released: " + never))
		}
		hop := cfg.NextHop.Inbound
		if r.Direction == "outbound" {
			hop = cfg.NextHop.Outbound
		}
		var rcpts []string
		if *to != "" {
			rcpts = strings.Split(*to, ",")
		}
		res, _, err := quarantine.Release(ctx, store, id, quarantine.ReleaseOptions{Who: who, Recipients: rcpts, Hop: hop, Send: nexthop.Send})
		if err != nil {
			store.AppendAudit(ctx, quarantine.AuditEvent{Who: who, What: "release-failed", ID: id, Detail: err.Error()})
			return fail(err)
		}
		code := 0
		var done []string
		for _, x := range res {
			fmt.Fprintf(stdout, "%s\t%s", termSafe(x.Addr), x.Outcome)
			if x.Error != "" {
				fmt.Fprintf(stdout, "\t%s", termSafe(x.Error))
				code = 1
			}
			fmt.Fprintln(stdout)
			if x.Outcome == "released" {
				done = append(done, x.Addr)
			}
		}
		if len(done) > 0 {
			store.AppendAudit(ctx, quarantine.AuditEvent{Who: who, What: "release", ID: id, Detail: strings.Join(done, ", ")})
			trackEvent(ctx, cfg, msglog.Event{QuarantineID: id, What: "released", Who: who, Recipients: len(done)}, stderr)
		}
		return code
	case "delete":
		r, err := quarantine.Delete(ctx, store, id, who, *reason, time.Now())
		if err != nil {
			return fail(err)
		}
		store.AppendAudit(ctx, quarantine.AuditEvent{Who: who, What: "delete", ID: id, Detail: *reason})
		trackEvent(ctx, cfg, msglog.Event{QuarantineID: id, What: "deleted", Who: who}, stderr)
		if srv, err := review.New(cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil)), review.Hooks{}); err == nil {
			srv.NotifyDeleted(ctx, r, *reason)
		}
		fmt.Fprintf(stdout, "%s deleted\n", id)
		return 0
	case "purge":
		srv, err := review.New(cfg, store, slog.New(slog.NewTextHandler(stderr, nil)), review.Hooks{})
		if err != nil {
			return fail(err)
		}
		res, err := srv.Purge(ctx)
		fmt.Fprintf(stdout, "expired %d, purged %d, forgotten %d, kept on hold %d\n", len(res.Expired), res.Purged, res.Forgotten, res.Kept)
		if err != nil {
			return fail(err)
		}
		return 0
	}
	return 2
}

// hiddenWhy says why a message's content must not be printed, or "".
func hiddenWhy(cfg *config.Config, r *quarantine.Record) string {
	if r.SuspectedIllegal != nil {
		return "marked suspected illegal"
	}
	for _, c := range r.Categories {
		if slices.Contains(cfg.Review.NeverDisplay, c) {
			return "category " + c + " is never displayed"
		}
	}
	return ""
}

// printRecord prints a held message's record for a person at a terminal;
// every text from the message or its sender goes through termSafe.
func printRecord(w io.Writer, r *quarantine.Record, hidden string) {
	q := termSafe
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "id\t%s\n", q(r.ID))
	fmt.Fprintf(tw, "status\t%s\n", q(string(r.Status)))
	fmt.Fprintf(tw, "received\t%s from %s (%s)\n", r.Received.UTC().Format(time.RFC3339), q(r.Client), q(r.Helo))
	fmt.Fprintf(tw, "direction\t%s\n", q(r.Direction))
	fmt.Fprintf(tw, "from\t%s\n", q(r.From))
	if hidden == "" {
		fmt.Fprintf(tw, "subject\t%s\n", q(r.Subject))
	} else {
		fmt.Fprintf(tw, "content\thidden: %s\n", q(hidden))
	}
	fmt.Fprintf(tw, "rule\t%s -> %s\n", q(r.Rule), q(r.Action))
	fmt.Fprintf(tw, "size\t%d\n", r.Size)
	if r.LegalHold != nil {
		fmt.Fprintf(tw, "legal hold\t%s %s\n", q(r.LegalHold.Who), q(r.LegalHold.Reason))
	}
	for _, x := range r.Rcpts {
		line := string(x.Status)
		if x.By != "" {
			line += " by " + x.By
		}
		if x.Error != "" {
			line += " (" + x.Error + ")"
		}
		fmt.Fprintf(tw, "to\t%s %s\n", q(x.Addr), q(line))
	}
	for _, f := range r.Findings {
		fmt.Fprintf(tw, "finding\t%s %.2f %s (%s)\n", q(string(f.Category)), f.Score, q(f.Summary), q(f.Scanner))
	}
	for _, a := range r.Audit {
		fmt.Fprintf(tw, "history\t%s %s by %s %s\n", a.Time.UTC().Format(time.RFC3339), q(a.What), q(a.Who), q(a.Detail))
	}
	tw.Flush()
}

// termUnsafe reports a rune that must not reach a terminal as itself:
// control characters (C0, DEL, C1: escape sequences move the cursor,
// rewrite the window title or the clipboard), and the invisible format
// characters, bidirectional overrides among them, that make a line read
// other than it is.
func termUnsafe(r rune) bool {
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// termSafe returns s fit to print on a terminal: every unsafe rune and
// every byte that is not UTF-8 is written as a Go escape (\x1b, \u202e),
// so that the text shows what a held message tried, without doing it.
func termSafe(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || termUnsafe(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r < 0x80 && termUnsafe(r):
			fmt.Fprintf(&b, "\\x%02x", r)
		case termUnsafe(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// termSafeJSON writes JSON with the unsafe runes that encoding/json leaves
// as they are (DEL, C1, format characters) escaped as \uXXXX; JSON's own
// syntax is ASCII, so they can only be inside strings, where the escape
// means the same. Invalid UTF-8 is already U+FFFD from the encoder.
type termSafeJSON struct{ w io.Writer }

func (t termSafeJSON) Write(p []byte) (int, error) {
	var out []byte
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRune(p[i:])
		if termUnsafe(r) && r >= 0x20 {
			if out == nil {
				out = append(make([]byte, 0, len(p)+16), p[:i]...)
			}
			out = fmt.Appendf(out, "\\u%04x", r)
		} else if out != nil {
			out = append(out, p[i:i+n]...)
		}
		i += n
	}
	if out == nil {
		return t.w.Write(p)
	}
	if _, err := t.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// cliUser names the person at the terminal for the audit log.
func cliUser() string {
	name := os.Getenv("SUDO_USER")
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	if name == "" {
		name = "unknown"
	}
	return "cli:" + name
}
