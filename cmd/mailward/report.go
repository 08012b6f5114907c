package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/report"
)

func init() { commands["report"] = runReport }

const reportUsage = `usage:
  mailward report [-since D] [-until D] [-format html|json|pdf] [-o FILE] [-config FILE]
  The trend report for management: counts and trends only. Without dates, last calendar month.
  Dates are YYYY-MM-DD (in tracker.time_zone; -until includes that day) or RFC 3339.
`

// runReport is `mailward report`: the trend report of a period, from the
// message log and the quarantine, as HTML (default), JSON or PDF.
func runReport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("report", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, reportUsage) }
	path := fs.String("config", "", "config file")
	sinceS := fs.String("since", "", "first day")
	untilS := fs.String("until", "", "last day (included)")
	format := fs.String("format", "html", "html, json or pdf")
	out := fs.String("o", "", "write to this file instead of standard output")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 0 || *format != "html" && *format != "json" && *format != "pdf" {
		fmt.Fprint(stderr, reportUsage)
		return 2
	}
	cfg, ok := loadConfig(*path, stderr)
	if !ok {
		return 2
	}
	loc := cfg.Tracker.Location()
	since, until := report.LastMonth(time.Now(), loc)
	if *sinceS != "" {
		if since, err = parseDay(*sinceS, loc, false); err != nil {
			fmt.Fprintf(stderr, "mailward report: -since %v\n", err)
			return 2
		}
	}
	if *untilS != "" {
		if until, err = parseDay(*untilS, loc, true); err != nil {
			fmt.Fprintf(stderr, "mailward report: -until %v\n", err)
			return 2
		}
	}
	if !until.After(since) {
		fmt.Fprintln(stderr, "mailward report: -until must be after -since")
		return 2
	}
	var log msglog.Store
	if st, err := openTracking(cfg, true); err != nil {
		fmt.Fprintf(stderr, "mailward report: warning: %v; message volumes are left out\n", err)
	} else {
		defer st.Close()
		log = st
	}
	q, closeQ, err := openQuarantine(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "mailward report: %v\n", err)
		return 1
	}
	defer closeQ()
	r, err := report.Collect(context.Background(), log, q, since, until, report.Options{
		Title: reportTitle(since, until, loc), Location: loc, StaffNames: cfg.Tracking.ReportStaffNames})
	if err != nil {
		fmt.Fprintf(stderr, "mailward report: %v\n", err)
		return 1
	}
	w := stdout
	var f *os.File
	if *out != "" {
		if f, err = os.Create(*out); err != nil {
			fmt.Fprintf(stderr, "mailward report: %v\n", err)
			return 1
		}
		w = f
	}
	bw := bufio.NewWriter(w)
	switch *format {
	case "json":
		err = r.WriteJSON(bw)
	case "pdf":
		err = r.WritePDF(bw)
	default:
		err = r.WriteHTML(bw)
	}
	if err == nil {
		err = bw.Flush()
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "mailward report: %v\n", err)
		return 1
	}
	return 0
}

// reportTitle names a report by its month when it covers exactly one.
func reportTitle(since, until time.Time, loc *time.Location) string {
	s := since.In(loc)
	if s.Day() == 1 && s.Hour() == 0 && s.Minute() == 0 && until.In(loc).Equal(s.AddDate(0, 1, 0)) {
		return "Email filtering report: " + s.Format("January 2006")
	}
	return fmt.Sprintf("Email filtering report: %s to %s", s.Format("2 January 2006"), until.Add(-time.Nanosecond).In(loc).Format("2 January 2006"))
}
