package report

import (
	"context"
	"fmt"
	"time"

	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/quarantine"
)

// Collect reads the period's per-day counts from the message log and the
// held records from the quarantine, and builds the report. Either source
// may be nil (tracking off, or no quarantine): its sections stay empty.
func Collect(ctx context.Context, log msglog.Store, q quarantine.Backend, since, until time.Time, o Options) (*Report, error) {
	var days []msglog.DayCount
	if log != nil {
		var err error
		if days, err = log.Counts(ctx, since, until); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
	}
	var held []*quarantine.Record
	if q != nil {
		var err error
		if held, err = q.List(ctx); err != nil {
			return nil, fmt.Errorf("report: quarantine: %w", err)
		}
	}
	return Build(since, until, days, held, o), nil
}

// LastMonth is the calendar month before the one that holds now, in loc:
// [first of last month, first of this month).
func LastMonth(now time.Time, loc *time.Location) (since, until time.Time) {
	n := now.In(loc)
	until = time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, loc)
	return until.AddDate(0, -1, 0), until
}
