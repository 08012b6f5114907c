package scanner

import (
	"context"
	"fmt"
	"net/textproto"
	"strings"

	"github.com/mailward/mailward/scanner/extract"
)

// ParseLimits bound extraction; the zero value means the documented
// defaults (config.Extract describes each).
type ParseLimits = extract.Limits

// Parse reads raw (CRLF-normalised) bytes into the shared message model with
// the default extraction limits. It fails only when the input is not a
// message at all; structural defects are recorded in Message.Problems and
// extraction limits in Message.Limits, and parsing carries on, as a mail
// client would.
func Parse(raw []byte, env Envelope) (*Message, error) {
	return ParseWith(context.Background(), raw, env, ParseLimits{})
}

// ParseWith is Parse with explicit limits and a context that can cut the
// extraction short (its time budget is lim.Budget in any case).
func ParseWith(ctx context.Context, raw []byte, env Envelope, lim ParseLimits) (m *Message, err error) {
	defer func() {
		// extract recovers its own panics; this is the last line.
		if p := recover(); p != nil {
			recordPanic("parse", p)
			m = &Message{Envelope: env, Raw: raw, Header: textproto.MIMEHeader{}}
			m.Limits = append(m.Limits, "message structure could not be parsed")
			err = nil
		}
	}()
	r, err := extract.Extract(ctx, raw, lim)
	if err != nil {
		return nil, fmt.Errorf("parse message: %w", err)
	}
	for _, p := range r.Problems {
		if strings.HasPrefix(p, "panic: ") {
			// Counted so that tests and fuzzers fail on any recovered panic.
			recordPanic("extract", p)
		}
	}
	return fromResult(r, env, raw), nil
}

// fromResult copies an extraction result into the shared model.
func fromResult(r *extract.Result, env Envelope, raw []byte) *Message {
	m := &Message{
		Envelope: env,
		Raw:      raw,
		Header:   r.Header,
		Subject:  r.Subject,
		Problems: r.Problems,
		Limits:   r.Limits,
	}
	if m.Header == nil {
		m.Header = textproto.MIMEHeader{}
	}
	m.Attachments = r.Items
	m.Texts = make([]Text, 0, len(r.Texts))
	for _, t := range r.Texts {
		m.Texts = append(m.Texts, Text{Where: t.Where, Kind: TextKind(t.Kind), Attachment: t.Item, Content: t.Content})
	}
	for _, t := range r.Tables {
		m.Tables = append(m.Tables, Table{Where: t.Where, Attachment: t.Item, Name: t.Name, Rows: t.Rows})
	}
	for _, l := range r.Links {
		m.Links = append(m.Links, Link{Where: l.Where, URL: l.URL, Text: l.Text})
	}
	return m
}
