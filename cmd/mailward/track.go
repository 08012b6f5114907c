package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/mailward/mailward/msglog"
)

func init() { commands["track"] = runTrack }

const trackUsage = `usage:
  mailward track [-from ADDR|@DOMAIN] [-to ADDR|@DOMAIN] [-since D] [-until D] [-action A] [-category C]
                 [-direction D] [-queue-id ID] [-limit N] [-json] [-config FILE]
  Dates are YYYY-MM-DD (in tracker.time_zone; -until includes that day) or RFC 3339.
  -queue-id takes the id from mailward's 250 reply ("queued as ID") or a quarantine id.
`

// runTrack is `mailward track`: message tracking from the command line.
// -json prints one object per message (DESIGN.md: time, queue_id,
// direction, from, to, action, rule, categories, and more). Exit 0 also
// when nothing matches; 2 for bad usage or config; 1 when the log cannot
// be read.
func runTrack(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("track", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, trackUsage) }
	path := fs.String("config", "", "config file")
	from := fs.String("from", "", "envelope sender: an address or @domain")
	to := fs.String("to", "", "envelope recipient: an address or @domain")
	since := fs.String("since", "", "from this day or time")
	until := fs.String("until", "", "to this day (included) or time")
	action := fs.String("action", "", "deliver, tag, quarantine, reject, tempfail or redirect")
	category := fs.String("category", "", "only messages with a finding in this category")
	direction := fs.String("direction", "", "inbound, outbound or internal")
	queueID := fs.String("queue-id", "", "mailward's queue id (from the 250 reply) or a quarantine id")
	limit := fs.Int("limit", msglog.DefaultLimit, "at most this many messages, newest first")
	asJSON := fs.Bool("json", false, "one JSON object per message")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 0 || *limit < 1 || *limit > msglog.MaxLimit {
		fmt.Fprint(stderr, trackUsage)
		return 2
	}
	cfg, ok := loadConfig(*path, stderr)
	if !ok {
		return 2
	}
	loc := cfg.Tracker.Location()
	q := msglog.Query{From: *from, To: *to, Action: *action, Category: *category, Direction: *direction, QueueID: *queueID, Limit: *limit}
	if q.Since, err = parseDay(*since, loc, false); err != nil {
		fmt.Fprintf(stderr, "mailward track: -since %v\n", err)
		return 2
	}
	if q.Until, err = parseDay(*until, loc, true); err != nil {
		fmt.Fprintf(stderr, "mailward track: -until %v\n", err)
		return 2
	}
	st, err := openTracking(cfg, true)
	if err != nil {
		fmt.Fprintf(stderr, "mailward track: %v\n", err)
		return 1
	}
	defer st.Close()
	p, err := st.Search(context.Background(), q)
	if err != nil {
		fmt.Fprintf(stderr, "mailward track: %v\n", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		for _, r := range p.Records {
			if err := enc.Encode(r); err != nil {
				return 1
			}
		}
	} else {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TIME\tQUEUE ID\tDIRECTION\tFROM\tTO\tACTION\tRULE\tCATEGORIES\tHELD AS")
		for _, r := range p.Records {
			sender := r.From
			if sender == "" {
				sender = "<>"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Time.In(loc).Format("2006-01-02 15:04:05"), r.QueueID, r.Direction,
				sender, strings.Join(r.To, ","), r.Action, r.Rule, strings.Join(r.Categories, ","), r.QuarantineID)
		}
		tw.Flush()
	}
	if !p.Next.Time.IsZero() {
		fmt.Fprintf(stderr, "mailward track: more than %d messages match; narrow the search or raise -limit\n", *limit)
	}
	return 0
}
