// Package scanner holds the message model that every detector reads and the
// runner that applies detectors to it.
//
// A message is parsed once (Parse) into a Message; every Scanner reads that
// same Message concurrently and must not modify it.
package scanner

import (
	"net/netip"
	"net/textproto"
	"sync"

	"github.com/mailward/mailward/scanner/extract"
)

// Direction is the way a transaction flows, decided from the envelope.
type Direction string

// The directions of DESIGN.md.
const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
	Internal Direction = "internal"
)

// Envelope is what the SMTP session knew before DATA.
type Envelope struct {
	Client    netip.Addr
	Trusted   bool
	Helo      string
	TLS       bool
	From      string
	To        []string
	Direction Direction
	// AuthUser is the login the client authenticated as (SMTP AUTH, or a
	// milter's {auth_authen} macro), empty when the client did not
	// authenticate: the relay itself trusts clients by network and offers
	// no AUTH today. The outbound From check prefers it to From.
	AuthUser string

	// NextHopTLS is set when the session to the next hop runs over TLS
	// with a verified certificate (pupil_data.require_tls reads it).
	NextHopTLS bool
}

// TextKind says where a piece of text came from.
type TextKind string

// Kinds of text.
const (
	KindSubject    TextKind = "subject"
	KindPlain      TextKind = "plain"      // a text/plain body part
	KindHTML       TextKind = "html"       // visible text of an HTML part
	KindHidden     TextKind = "hidden"     // text an HTML part hides from the reader
	KindAttachment TextKind = "attachment" // text extracted from an attachment
)

// Text is one piece of readable text, already decoded to UTF-8.
type Text struct {
	// Where names the place for findings: "body", or an attachment's index
	// ("2") and, inside archives, its path below it ("2/inner/pupils.xlsx"
	// is for the review page only; summaries use Attachment.Index).
	Where string
	Kind  TextKind
	// Attachment is the attachment the text came from, nil for body text.
	Attachment *Attachment
	Content    string
}

// Attachment is one file carried by the message: a MIME attachment or an
// item extracted from inside one (archive entry, forwarded message part).
// It is extraction's own Item, shared rather than copied: Index, Path,
// declared and sniffed type, Size, Data, Encrypted, Depth, Traits, Parent.
// Logs and alerts name attachments by Index and type, never by file name
// (file names are often personal data).
type Attachment = extract.Item

// Link is a link target found in HTML (body or attachment), with the text
// the reader saw for it, for checks of where a message sends people.
type Link struct {
	// Where is "body" or an attachment index, as in Text.Where.
	Where string
	URL   string
	Text  string
}

// Table is one sheet or table, cells as text.
type Table struct {
	// Where is the attachment index as in Text.Where.
	Where      string
	Attachment *Attachment
	// Name is the sheet or table name, for the review page only.
	Name string
	Rows [][]string
}

// Message is the parsed form of one message, shared read-only by all scanners.
type Message struct {
	Envelope Envelope
	// Raw is the message as relayed: line endings normalised to CRLF,
	// without mailward's own prepended headers.
	Raw []byte
	// Header is the top-level header, keys canonicalised.
	Header textproto.MIMEHeader
	// Subject is the decoded subject.
	Subject string
	// Texts holds every readable text: subject, body parts, attachment text.
	Texts []Text
	// Attachments lists every file, top-level and extracted.
	Attachments []*Attachment
	// Links are the link targets of the HTML parts, in order.
	Links []Link
	// Tables are tabular data found in attachments (CSV/TSV, spreadsheets,
	// document tables), one per sheet or table, first row usually the header.
	Tables []Table
	// Problems are structural defects the parser worked around (bad
	// boundaries, broken encodings); they are not findings by themselves.
	Problems []string
	// Limits are extraction limits that were hit, each a deterministic
	// reason the message could not be fully scanned.
	Limits []string
	// derived holds values computed from the message once and shared
	// between scanners and the pipeline (see Derived).
	derived sync.Map
}

// Derived returns the value a scanner stored under key with SetDerived:
// work derived from the message (a tokenised body, fingerprints) that
// another step needs too, kept exactly as long as the message.
func (m *Message) Derived(key any) (any, bool) { return m.derived.Load(key) }

// SetDerived stores a value derived from the message under key; use an
// unexported key type of the storing package.
func (m *Message) SetDerived(key, v any) { m.derived.Store(key, v) }

// DerivedOrStore returns the value stored under key, or stores v there
// and returns it when there is none: for values that concurrent scanners
// must share rather than each compute.
func (m *Message) DerivedOrStore(key, v any) any {
	got, _ := m.derived.LoadOrStore(key, v)
	return got
}

// Body returns the text of the body parts (plain, or HTML when the message
// has no plain part) joined by blank lines.
func (m *Message) Body() string {
	var n int
	for _, t := range m.Texts {
		if t.Kind == KindPlain || t.Kind == KindHTML {
			n += len(t.Content) + 2
		}
	}
	b := make([]byte, 0, n)
	for _, t := range m.Texts {
		if t.Kind == KindPlain || t.Kind == KindHTML {
			if len(b) > 0 {
				b = append(b, '\n', '\n')
			}
			b = append(b, t.Content...)
		}
	}
	return string(b)
}
