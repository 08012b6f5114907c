// Package extract turns one raw message into everything a careful reader
// would see: decoded text of every body part, the visible and the hidden text
// of HTML, link targets, and every attachment, opened recursively (forwarded
// messages, archives, Office and ODF documents, PDF, RTF, TNEF, OLE), each
// with its path, declared and sniffed type, size and whether it is encrypted.
//
// The input is hostile. Every way in which a message could make extraction
// costly is bounded by Limits (nesting depth, entries per archive, MIME
// parts, extracted bytes, compression ratio, time); hitting one records a
// human sentence in Result.Limits ("nesting deeper than 5 in attachment 3")
// and extraction carries on with what it has, or stops. It never panics out,
// hangs, or holds more memory than the message plus the byte limit.
//
// Extraction fails closed. Whatever it could not fully read (a limit
// reached, a decoder that refused, a compression method it lacks, a member
// or stream left unread, input that readers decode differently) is recorded
// by one mechanism, walker.incomplete: the reason goes into Result.Limits
// and the Incomplete of the item and of every item it lies in. The runner
// turns each Limits entry into an unscannable finding, which the default
// rules hold. A structural defect worked around with all content still
// read is a Problem, not a finding.
//
// The package does not import package scanner, so that scanner.Parse can use
// it; scanner.Parse copies the Result into the shared scanner.Message.
//
// Cost is paid only where a part needs it: a plain UTF-8 text part costs a
// validity check and a copy; charset detection runs only on text that is not
// valid in its declared charset, and containers are opened only when a part
// is one.
package extract

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/textproto"
	"path"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/jhillyerd/enmime/v2"
)

// Limits bound extraction of one message. A zero field takes its default,
// so Limits{} is the documented default policy.
type Limits struct {
	// MaxDepth is how deep items may nest below a top-level attachment (a
	// zip in a zip in a forwarded message...). Default 5.
	MaxDepth int
	// MaxEntries is the most entries read from one archive. Default 1000.
	MaxEntries int
	// MaxParts is the most MIME parts in the message, nested messages
	// included. Default 1000.
	MaxParts int
	// MaxBytes is the most bytes extracted from the message in total
	// (decoded attachments, unpacked entries and extracted text). Default 100 MiB.
	MaxBytes int64
	// MaxRatio is the most an archive may expand relative to its own size,
	// above a floor of 1 MiB (zip bombs). Default 100.
	MaxRatio int64
	// MaxTextBytes is the most text kept from one item. Default 4 MiB.
	MaxTextBytes int
	// Budget is the time extraction of one message may take. Default 20s.
	Budget time.Duration
}

// Default limits, documented in config.Extract.
const (
	DefaultMaxDepth     = 5
	DefaultMaxEntries   = 1000
	DefaultMaxParts     = 1000
	DefaultMaxBytes     = 100 << 20
	DefaultMaxRatio     = 100
	DefaultMaxTextBytes = 4 << 20
	DefaultBudget       = 20 * time.Second
	// ratioFloor is the size below which no ratio check applies: small
	// files of repeated bytes legitimately compress very well.
	ratioFloor = 1 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxParts <= 0 {
		l.MaxParts = DefaultMaxParts
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = DefaultMaxTextBytes
	}
	if l.Budget <= 0 {
		l.Budget = DefaultBudget
	}
	return l
}

// Text kinds, the same words as scanner.TextKind.
const (
	KindSubject    = "subject"
	KindPlain      = "plain"
	KindHTML       = "html"
	KindHidden     = "hidden"
	KindAttachment = "attachment"
)

// Traits are facts about an item's content that extraction noticed and a
// detector may act on (package attachment turns them into findings).
const (
	TraitMacros         = "macros"           // VBA project or ODF Basic/script
	TraitOLEObject      = "ole-object"       // embedded OLE object (RTF \object, OOXML oleObject)
	TraitPDFJavaScript  = "pdf-javascript"   // /JavaScript or /JS
	TraitPDFOpenAction  = "pdf-openaction"   // /OpenAction or /AA
	TraitPDFLaunch      = "pdf-launch"       // /Launch
	TraitPDFEmbedded    = "pdf-embedded"     // /EmbeddedFile
	TraitHTMLScript     = "html-script"      // <script>, on* handlers, javascript: URLs
	TraitHTMLForm       = "html-form"        // <form> or password inputs
	TraitHTMLSmuggling  = "html-smuggling"   // large data: URLs or base64 blobs in script
	TraitArchive        = "archive"          // a container of files (zip, tar, 7z, rar, gzip)
	TraitEncryptedEntry = "encrypted-entry"  // an archive with an entry that could not be read
	TraitUnreadable     = "unreadable"       // claims a container format but could not be opened
	TraitExternalRef    = "external-content" // Office document pulling a remote template or frame
)

// Item is one file: a MIME attachment or something extracted from one. The
// scanner package shares it as scanner.Attachment.
type Item struct {
	// Index is the 1-based number of the top-level attachment this item is,
	// or lives inside. Logs and alerts name attachments by Index and type,
	// never by file name (file names are often personal data).
	Index int
	// Path is the item's place, such as "report.zip/inner/pupils.xlsx".
	Path string
	// FileName is the item's own name (last element of Path).
	FileName string
	// DeclaredType is the MIME type the sender claimed, lowercased.
	DeclaredType string
	// SniffedType is the MIME type the content really has.
	SniffedType string
	// Size in bytes of Data.
	Size int64
	// Data is the decoded content.
	Data []byte
	// Encrypted is set when the item is password-protected or encrypted and
	// so could not be read.
	Encrypted bool
	// Depth is 0 for a MIME attachment, 1 for an item inside it, and so on.
	Depth int
	// Inline is set for parts shown in the body (images with a Content-ID).
	Inline bool
	// Traits are facts noticed about the content (Trait* constants).
	Traits []string
	// Parent is the item this one was extracted from, nil at top level.
	Parent *Item
	// Incomplete lists why some of this item's content, or of the items
	// inside it, was not read: a limit reached, a decoder that refused, a
	// member skipped, a stream left unread. Each reason is a short fixed
	// phrase naming the attachment by index and type, never by name or
	// content ("attachment 2 (zip): member compressed with unsupported
	// method 99"), and is also in Result.Limits, which the runner turns
	// into an unscannable finding: extraction fails closed. Empty when
	// everything was read (encrypted content is reported by Encrypted).
	Incomplete []string
	// charset is the declared charset of a text part.
	charset string
}

// HasTrait reports whether the item has trait t.
func (it *Item) HasTrait(t string) bool {
	for _, x := range it.Traits {
		if x == t {
			return true
		}
	}
	return false
}

// Complete reports whether everything in the item was read.
func (it *Item) Complete() bool { return len(it.Incomplete) == 0 }

func (it *Item) addTrait(t string) {
	if !it.HasTrait(t) {
		it.Traits = append(it.Traits, t)
	}
}

// Text is one decoded text, Where as in scanner.Text.
type Text struct {
	Where   string
	Kind    string
	Item    *Item
	Content string
}

// Table is one sheet or table with cells as text.
type Table struct {
	Where string
	Item  *Item
	Name  string
	Rows  [][]string
}

// Link is a link target found in HTML, with the text shown for it.
type Link struct {
	Where string
	Item  *Item
	URL   string
	Text  string
}

// Result is everything extracted from one message.
type Result struct {
	Header  textproto.MIMEHeader
	Subject string
	Texts   []Text
	Items   []*Item
	Tables  []Table
	Links   []Link
	// Problems are structural defects that were worked around with all
	// content still read; they are not findings.
	Problems []string
	// Limits are the reasons some content was not read (limits reached,
	// decoders refused, members skipped): each makes the message
	// unscannable. Reasons about an item are also in its Incomplete.
	Limits []string
}

// parser keeps content raw: transfer and charset decoding are done here, so
// that the costly charset detection runs only where a part needs it.
var parser = enmime.NewParser(
	enmime.MaxStoredPartErrors(20),
	enmime.SkipMalformedParts(false),
	enmime.RawContent(true),
)

// Extract parses raw (a whole message) and extracts it within lim and ctx.
// It fails only when raw is not a message at all.
func Extract(ctx context.Context, raw []byte, lim Limits) (res *Result, err error) {
	w := newWalker(ctx, lim)
	defer func() {
		// Every format reader below is hostile-input code; a panic in one
		// of them must become a limit, not a crash.
		if p := recover(); p != nil {
			w.limit("message structure could not be extracted")
			w.res.Problems = append(w.res.Problems, fmt.Sprintf("panic: %v", p))
			slog.Error("extraction panic", "panic", p, "stack", string(debug.Stack()))
			res, err = w.res, nil
		}
	}()
	if err := w.run(raw); err != nil {
		return nil, err
	}
	return w.res, nil
}

// run extracts raw into w.res. It does not recover panics: Extract does,
// and the fuzz tests call run so that a panic is a failure they report.
func (w *walker) run(raw []byte) error {
	if w.plainFast(raw) {
		return nil
	}
	return w.runMIME(raw)
}

// runMIME extracts raw through the MIME walk: the fast reader for well-formed
// messages, enmime's tolerant one for the rest.
func (w *walker) runMIME(raw []byte) error {
	root, limit := fastParts(raw, w.lim.MaxParts)
	switch {
	case root != nil:
		w.walkRoot(root)
		return nil
	case limit != "":
		w.limit(limit)
		return nil
	case countBoundaries(raw, maxEnmimeBoundaries) > maxEnmimeBoundaries:
		w.limit(fmt.Sprintf("malformed MIME structure with more than %d boundaries", maxEnmimeBoundaries))
		return nil
	}
	return w.runEnmime(raw)
}

// runEnmime extracts raw with enmime's reader, whatever its shape.
func (w *walker) runEnmime(raw []byte) error {
	root, err := parser.ReadParts(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("extract: read message: %w", err)
	}
	w.walkRoot(root)
	return nil
}

func (w *walker) walkRoot(root *enmime.Part) {
	w.res.Header = textproto.MIMEHeader(root.Header)
	w.res.Subject = decodeHeader(root.Header.Get("Subject"))
	if w.res.Subject != "" {
		w.res.Texts = append(w.res.Texts, Text{Where: "subject", Kind: KindSubject, Content: w.res.Subject})
	}
	w.walkMessage(root, nil)
}

func newWalker(ctx context.Context, lim Limits) *walker {
	lim = lim.withDefaults()
	return &walker{ctx: ctx, lim: lim, res: &Result{Header: textproto.MIMEHeader{}},
		deadline: time.Now().Add(lim.Budget), seen: map[string]bool{}}
}

// walker carries the state of one extraction.
type walker struct {
	ctx      context.Context
	lim      Limits
	res      *Result
	deadline time.Time
	// total is the bytes extracted so far, against lim.MaxBytes.
	total int64
	parts int
	index int
	// stopped is set once a limit makes further extraction pointless (bytes,
	// ratio, time): the message is unscannable whatever else is found.
	stopped bool
	seen    map[string]bool
}

// limit records a limit that was hit, once per distinct sentence.
func (w *walker) limit(s string) {
	if !w.seen[s] {
		w.seen[s] = true
		w.res.Limits = append(w.res.Limits, s)
	}
}

// incomplete records that some of it could not be read, for reason (a
// short fixed phrase, no names or content): on it and every item it lies
// inside, and in Result.Limits. This is the one way extraction says
// "not everything was read"; every limit, refused decoder, skipped member
// and unread stream goes through it.
func (w *walker) incomplete(it *Item, reason string) {
	if it == nil {
		w.limit("message: " + reason)
		return
	}
	w.incompleteAs(it, fmt.Sprintf("attachment %d (%s): %s", it.Index, typeChain(it), reason))
}

// incompleteAs is incomplete with the whole sentence given (the limits'
// own sentences, "compression ratio above 100 in attachment 1").
func (w *walker) incompleteAs(it *Item, sentence string) {
	for p := it; p != nil; p = p.Parent {
		if !slices.Contains(p.Incomplete, sentence) {
			p.Incomplete = append(p.Incomplete, sentence)
		}
	}
	w.limit(sentence)
}

// typeChain names an item's type and those of the items it lies in,
// outermost first ("zip > xlsx"), without any name.
func typeChain(it *Item) string {
	var labels []string
	for p := it; p != nil && len(labels) < 8; p = p.Parent {
		labels = append(labels, typeLabel(p))
	}
	slices.Reverse(labels)
	return strings.Join(labels, " > ")
}

// typeLabel is a short type for reasons: the extension when it is plain
// (letters and digits, up to 8), otherwise the sniffed or declared subtype.
func typeLabel(it *Item) string {
	e := strings.ToLower(strings.TrimPrefix(path.Ext(strings.TrimRight(it.FileName, ". ")), "."))
	if e != "" && len(e) <= 8 && strings.Trim(e, "abcdefghijklmnopqrstuvwxyz0123456789") == "" {
		return e
	}
	t := it.SniffedType
	if t == "" {
		t = it.DeclaredType
	}
	if i := strings.LastIndexAny(t, "/.-+"); i >= 0 {
		t = t[i+1:]
	}
	if t == "" || len(t) > 16 || strings.Trim(t, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
		return "file"
	}
	return t
}

// problem records a structural defect that was worked around.
func (w *walker) problem(s string) {
	if len(w.res.Problems) < 100 {
		w.res.Problems = append(w.res.Problems, s)
	}
}

// expired reports whether the time budget or ctx ran out, recording the limit.
func (w *walker) expired(index int) bool {
	if w.stopped {
		return true
	}
	if w.ctx.Err() != nil || time.Now().After(w.deadline) {
		if index > 0 {
			w.limit(fmt.Sprintf("extraction time budget of %s spent in attachment %d", w.lim.Budget, index))
		} else {
			w.limit(fmt.Sprintf("extraction time budget of %s spent", w.lim.Budget))
		}
		w.stopped = true
		return true
	}
	return false
}

// charge counts n extracted bytes; false (and a limit) when over MaxBytes.
func (w *walker) charge(n int64, index int) bool {
	w.total += n
	if w.total > w.lim.MaxBytes {
		w.limit(fmt.Sprintf("more than %d MB extracted in attachment %d", w.lim.MaxBytes>>20, index))
		w.stopped = true
		return false
	}
	return true
}

// remaining is how many more bytes may be extracted.
func (w *walker) remaining() int64 {
	if r := w.lim.MaxBytes - w.total; r > 0 {
		return r
	}
	return 0
}

// where names an item for Text.Where: its top-level index.
func where(it *Item) string {
	if it == nil {
		return "body"
	}
	return fmt.Sprint(it.Index)
}

// addText appends a text, truncated to MaxTextBytes.
func (w *walker) addText(it *Item, kind, s string) {
	if s == "" {
		return
	}
	if len(s) > w.lim.MaxTextBytes {
		s = truncateUTF8(s, w.lim.MaxTextBytes)
		w.incomplete(it, fmt.Sprintf("text beyond %d MB not read", w.lim.MaxTextBytes>>20))
	}
	if kind == KindAttachment || it != nil {
		if kind == KindPlain || kind == KindHTML {
			kind = KindAttachment
		}
	}
	w.res.Texts = append(w.res.Texts, Text{Where: where(it), Kind: kind, Item: it, Content: s})
}

func (w *walker) addTable(it *Item, name string, rows [][]string) {
	if len(rows) == 0 {
		return
	}
	w.res.Tables = append(w.res.Tables, Table{Where: where(it), Item: it, Name: name, Rows: rows})
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
