// Package reporttest generates a plausible trust's mail for tests and
// samples of the trend report and the tracking page: message log records
// (through the real msglog store) and held messages with reviewers'
// verdicts (in a real quarantine folder). Everything is made up and
// deterministic for a seed; addresses are in example domains.
package reporttest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/scanner"
)

// Options say how much to generate.
type Options struct {
	Since   time.Time
	Days    int
	PerDay  int // messages a day (weekends get a fifth)
	Seed    uint64
	Holds   bool // also hold messages in the quarantine (slow: each is fsynced)
	MaxHold int  // at most this many holds (default 120)
}

// Result is what was generated.
type Result struct {
	Messages int
	Held     []string // quarantine ids
	// QueueIDs are a few generated queue ids, newest last.
	QueueIDs []string
}

var (
	rules      = map[string]string{"pupil_data": "pupil-data-outbound", "malware": "malware", "offensive_language": "offensive-hold", "chain_mail": "chain-mail-tag", "suspicious_attachment": "blocked-extensions", "impersonation": "impersonation-inbound", "inappropriate_link": "links-tag"}
	categories = []string{"pupil_data", "malware", "offensive_language", "chain_mail", "suspicious_attachment", "impersonation", "inappropriate_link"}
	reviewers  = []string{"it.tech", "it.manager", "dpo"}
)

// Generate writes the mail into log and, with o.Holds, q.
func Generate(ctx context.Context, log msglog.Store, q *quarantine.Dir, o Options) (Result, error) {
	r := rand.New(rand.NewPCG(o.Seed, 7))
	if o.MaxHold == 0 {
		o.MaxHold = 120
	}
	var res Result
	staff := func() string { return fmt.Sprintf("staff%03d@school%d.trust.example", r.IntN(400), r.IntN(4)) }
	out := func() string { return fmt.Sprintf("contact%04d@org%03d.example", r.IntN(3000), r.IntN(300)) }
	// Spread the holds over the period: about 1.4% of mail is held.
	holdEvery := max(1, int(0.014*float64(o.Days*o.PerDay))*5/7/o.MaxHold)
	quarantined := 0
	var batch []msglog.Record
	for day := range o.Days {
		d := o.Since.AddDate(0, 0, day)
		n := o.PerDay
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			n /= 5
		}
		// A half-term week is quiet.
		if day/7 == 6 {
			n /= 3
		}
		for i := range n {
			t := d.Add(time.Duration(7*3600+r.IntN(11*3600)) * time.Second)
			rec := msglog.Record{Time: t, QueueID: fmt.Sprintf("%012x", r.Uint64()>>16), Size: int64(3000 + r.IntN(90000)),
				Action: "deliver", Rule: "default", Reply: "250 2.0.0 Ok"}
			switch p := r.IntN(100); {
			case p < 58:
				rec.Direction, rec.From, rec.To, rec.Client = "inbound", out(), []string{staff()}, "198.51.100.20"
			case p < 92:
				rec.Direction, rec.From, rec.To, rec.Client = "outbound", staff(), []string{out()}, "10.0.0.5"
			default:
				rec.Direction, rec.From, rec.To, rec.Client = "internal", staff(), []string{staff(), staff()}, "10.0.0.5"
			}
			if r.IntN(40) == 0 {
				c := categories[r.IntN(len(categories))]
				if c == "pupil_data" && rec.Direction == "inbound" {
					c = "chain_mail"
				}
				rec.Categories = []string{c}
				rec.Scores = map[string]float64{c: 0.6 + r.Float64()*0.4}
				rec.Rule = rules[c]
				switch c {
				case "chain_mail", "inappropriate_link":
					rec.Action = "tag"
				case "malware":
					rec.Action = "reject"
					rec.Reply = "550 5.7.1 Message refused by policy (malware)"
				default:
					rec.Action = "quarantine"
				}
			}
			if rec.Action == "quarantine" {
				quarantined++
			}
			if rec.Action == "quarantine" && o.Holds && q != nil && len(res.Held) < o.MaxHold && quarantined%holdEvery == 0 {
				id, err := hold(ctx, q, r, rec, t)
				if err != nil {
					return res, err
				}
				rec.QuarantineID = id
				res.Held = append(res.Held, id)
			}
			batch = append(batch, rec)
			if i%97 == 0 {
				res.QueueIDs = append(res.QueueIDs, rec.QueueID)
			}
			if len(batch) == 500 {
				if err := log.Append(ctx, batch); err != nil {
					return res, err
				}
				batch = batch[:0]
			}
			res.Messages++
		}
	}
	if err := log.Append(ctx, batch); err != nil {
		return res, err
	}
	return res, nil
}

// hold puts a made-up held message in q and gives it a reviewer's fate:
// released as a false positive, confirmed, deleted, or still waiting.
func hold(ctx context.Context, q *quarantine.Dir, r *rand.Rand, m msglog.Record, t time.Time) (string, error) {
	c := m.Categories[0]
	raw := fmt.Appendf(nil, "From: <%s>\r\nTo: <%s>\r\nSubject: generated message\r\nDate: %s\r\n\r\nGenerated for a report sample.\r\n",
		m.From, m.To[0], t.Format(time.RFC1123Z))
	rec := &quarantine.Record{Received: t.UTC(), Client: m.Client, From: m.From, To: m.To, Direction: m.Direction,
		Findings:   []scanner.Finding{{Category: scanner.Category(c), Scanner: "generated", Score: m.Scores[c], Summary: "generated finding"}},
		Categories: []string{c}, Rule: m.Rule, Action: "quarantine", Size: m.Size}
	id, err := q.Put(ctx, raw, rec)
	if err != nil {
		return "", err
	}
	wait := time.Duration(r.ExpFloat64()*5*3600) * time.Second
	who := reviewers[r.IntN(len(reviewers))]
	at := t.Add(wait).UTC()
	fpChance := map[string]int{"pupil_data": 35, "offensive_language": 45, "impersonation": 25, "suspicious_attachment": 60}[c]
	_, err = q.Update(ctx, id, func(x *quarantine.Record) error {
		switch p := r.IntN(100); {
		case p < 10: // still waiting
		case p < 10+fpChance*9/10:
			x.FalsePositive = &quarantine.Note{Who: who, At: at}
			x.Status = quarantine.Released
			for i := range x.Rcpts {
				x.Rcpts[i].Status, x.Rcpts[i].By, x.Rcpts[i].At = quarantine.RcptReleased, who, at
			}
			x.Audit = append(x.Audit, quarantine.AuditEntry{Time: at, Who: who, What: "false-positive"},
				quarantine.AuditEntry{Time: at.Add(time.Minute), Who: who, What: "released", Detail: x.To[0]})
		case p < 92:
			x.Confirmed = &quarantine.Note{Who: who, At: at}
			x.Audit = append(x.Audit, quarantine.AuditEntry{Time: at, Who: who, What: "confirm"})
		default:
			x.Status = quarantine.Deleted
			x.Audit = append(x.Audit, quarantine.AuditEntry{Time: at, Who: who, What: "deleted"})
		}
		return nil
	})
	return id, err
}
