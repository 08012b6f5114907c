package smtp

import (
	"fmt"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/pipeline"
)

// trackingRecord is the transaction's message tracking record: the
// envelope and the verdict, as in the log line, never content. Reply is
// the answer the client heard, with the next hop's answer after it: its
// refusal, or its 250 with its own queue id.
func (t *transaction) trackingRecord(rep *gosmtp.SMTPError) msglog.Record {
	env := t.env
	r := msglog.Record{Time: t.start, QueueID: t.id, Direction: string(env.Direction), From: env.From,
		To: env.To, Size: int64(len(t.raw)), Action: string(t.action), Rule: t.rule,
		Categories: pipeline.Categories(t.verdict.Result.Findings), QuarantineID: t.qid, Gateway: t.ss.srv.cfg.Hostname}
	if env.Client.IsValid() {
		r.Client = env.Client.String()
	}
	for _, f := range t.verdict.Result.Findings {
		if r.Scores == nil {
			r.Scores = map[string]float64{}
		}
		r.Scores[string(f.Category)] = max(r.Scores[string(f.Category)], f.Score)
	}
	if rep != nil {
		r.Reply = ReplyText(rep)
	}
	switch {
	case t.hopErr != "":
		r.Reply += "; next hop: " + t.hopErr
	case t.hopReply != "":
		r.Reply += "; next hop: " + t.hopReply
	}
	return r
}

// ReplyText is a reply as message tracking keeps it: "250 2.0.0 Ok: queued
// as ID", the code, enhanced code and our own text (never the client's).
func ReplyText(rep *gosmtp.SMTPError) string {
	if rep == nil {
		return ""
	}
	return fmt.Sprintf("%d %d.%d.%d %s", rep.Code, rep.EnhancedCode[0], rep.EnhancedCode[1], rep.EnhancedCode[2], rep.Message)
}
