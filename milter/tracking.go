package milter

import (
	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/smtp"
)

// trackingRecord is the message's tracking record, as the relay writes
// one: envelope and verdict, never content. The queue ID is the MTA's
// ({i}: what Postfix logs for the message), so the two logs join; Reply is
// what the MTA was told.
func (ss *session) trackingRecord(t *txn, o *outcome) msglog.Record {
	env := o.env
	id := o.queueID
	if id == "" {
		id = quarantine.NewID()[:12]
	}
	r := msglog.Record{Time: t.start, QueueID: id, Direction: string(env.Direction), From: env.From,
		To: env.To, Size: t.size, Action: string(o.action), Rule: o.rule,
		Categories: pipeline.Categories(o.verdict.Result.Findings), QuarantineID: o.qid,
		Gateway: ss.srv.start.Hostname, Reply: "milter " + o.reply}
	if env.Client.IsValid() {
		r.Client = env.Client.String()
	}
	for _, f := range o.verdict.Result.Findings {
		if r.Scores == nil {
			r.Scores = map[string]float64{}
		}
		r.Scores[string(f.Category)] = max(r.Scores[string(f.Category)], f.Score)
	}
	if o.refusal != nil {
		r.Reply = smtp.ReplyText(o.refusal)
	}
	return r
}
