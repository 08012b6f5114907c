package scanner

import (
	"bytes"
	"fmt"
	"net/textproto"
	"path"
	"strings"

	"github.com/gabriel-vasile/mimetype"
	"github.com/jhillyerd/enmime/v2"
)

// parser is shared: enmime parsers are safe for concurrent use.
var parser = enmime.NewParser(
	enmime.MaxStoredPartErrors(20),
	enmime.SkipMalformedParts(false),
)

// Parse reads raw (CRLF-normalised) bytes into the shared message model. It
// fails only when the input is not a message at all; structural defects are
// recorded in Message.Problems and parsing carries on, as a mail client would.
func Parse(raw []byte, env Envelope) (m *Message, err error) {
	defer func() {
		// enmime is robust, but the message is hostile: a parser panic
		// must become an answer, not a crash.
		if p := recover(); p != nil {
			recordPanic("parse", p)
			m = &Message{Envelope: env, Raw: raw, Header: textproto.MIMEHeader{}}
			m.Limits = append(m.Limits, "message structure could not be parsed")
			err = nil
		}
	}()
	e, err := parser.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parse message: %w", err)
	}
	m = &Message{Envelope: env, Raw: raw, Header: textproto.MIMEHeader{}}
	if e.Root != nil {
		m.Header = e.Root.Header
	}
	m.Subject = e.GetHeader("Subject")
	if m.Subject != "" {
		m.Texts = append(m.Texts, Text{Where: "subject", Kind: KindSubject, Content: m.Subject})
	}
	if e.Text != "" {
		kind := KindPlain
		if e.Root != nil && !hasPlainPart(e.Root) {
			kind = KindHTML
		}
		m.Texts = append(m.Texts, Text{Where: "body", Kind: kind, Content: e.Text})
	}
	for _, pe := range e.Errors {
		m.Problems = append(m.Problems, pe.Name)
	}
	idx := 0
	add := func(parts []*enmime.Part, inline bool) {
		for _, p := range parts {
			idx++
			name := p.FileName
			if name == "" {
				name = fmt.Sprintf("part%d", idx)
			}
			a := &Attachment{
				Index:        idx,
				Path:         path.Clean("/" + strings.ReplaceAll(name, "\\", "/"))[1:],
				FileName:     name,
				DeclaredType: strings.ToLower(p.ContentType),
				SniffedType:  mimetype.Detect(p.Content).String(),
				Size:         int64(len(p.Content)),
				Data:         p.Content,
				Inline:       inline,
			}
			if a.Path == "" {
				a.Path = name
			}
			m.Attachments = append(m.Attachments, a)
		}
	}
	add(e.Attachments, false)
	add(e.Inlines, true)
	add(e.OtherParts, true)
	return m, nil
}

func hasPlainPart(p *enmime.Part) bool {
	for ; p != nil; p = p.NextSibling {
		if strings.EqualFold(p.ContentType, "text/plain") && p.Disposition != "attachment" {
			return true
		}
		if hasPlainPart(p.FirstChild) {
			return true
		}
	}
	return false
}
