package extract

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// Formats that extraction opens, decided by content first and by the
// declared type or extension only where content cannot tell (text kinds).
const (
	fmtNone     = ""
	fmtZip      = "zip"
	fmtGzip     = "gzip"
	fmtTar      = "tar"
	fmt7z       = "7z"
	fmtRar      = "rar"
	fmtOLE      = "ole"
	fmtPDF      = "pdf"
	fmtRTF      = "rtf"
	fmtTNEF     = "tnef"
	fmtOneNote  = "onenote"
	fmtMessage  = "message"
	fmtHTML     = "html"
	fmtTable    = "table"
	fmtCalendar = "calendar"
	fmtText     = "text"
)

// Magic numbers of the container formats.
var (
	magicZip     = []byte("PK\x03\x04")
	magicZipEmpt = []byte("PK\x05\x06")
	magicGzip    = []byte{0x1f, 0x8b}
	magic7z      = []byte{'7', 'z', 0xBC, 0xAF, 0x27, 0x1C}
	magicRar     = []byte("Rar!\x1a\x07")
	magicOLE     = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	magicTNEF    = []byte{0x78, 0x9F, 0x3E, 0x22}
	magicRTF     = []byte(`{\rtf`)
)

// formatOf decides how to open an item.
func formatOf(it *Item) string {
	d := it.Data
	ext := strings.ToLower(path.Ext(it.FileName))
	switch {
	case bytes.HasPrefix(d, magicZip), bytes.HasPrefix(d, magicZipEmpt):
		return fmtZip
	case bytes.HasPrefix(d, magicGzip):
		return fmtGzip
	case bytes.HasPrefix(d, magic7z):
		return fmt7z
	case bytes.HasPrefix(d, magicRar):
		return fmtRar
	case bytes.HasPrefix(d, magicOLE):
		return fmtOLE
	case bytes.HasPrefix(d, magicTNEF):
		return fmtTNEF
	case bytes.HasPrefix(d, magicOneNote):
		return fmtOneNote
	case bytes.HasPrefix(d, magicRTF):
		return fmtRTF
	case len(d) > 262 && bytes.Equal(d[257:262], []byte("ustar")):
		return fmtTar
	case bytes.Contains(head(d, 1024), []byte("%PDF-")):
		return fmtPDF
	}
	dt := it.DeclaredType
	st := it.SniffedType
	switch {
	case dt == "message/rfc822" || dt == "message/global" || ext == ".eml":
		return fmtMessage
	case dt == "text/html" || ext == ".html" || ext == ".htm" || ext == ".xhtml" || ext == ".svg" ||
		strings.HasPrefix(st, "text/html") || strings.HasPrefix(st, "image/svg"):
		return fmtHTML
	case dt == "text/csv" || dt == "text/tab-separated-values" || ext == ".csv" || ext == ".tsv":
		return fmtTable
	case dt == "text/calendar" || dt == "text/vcard" || dt == "text/x-vcard" || ext == ".ics" || ext == ".vcf":
		return fmtCalendar
	case strings.HasPrefix(dt, "text/") || strings.HasPrefix(st, "text/") || ext == ".txt":
		return fmtText
	}
	return fmtNone
}

func head(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// inspect sniffs an item and opens it by format, recording what it holds.
func (w *walker) inspect(it *Item) {
	if w.stopped || !w.charge(it.Size, it.Index) {
		return
	}
	if w.expired(it.Index) {
		return
	}
	it.SniffedType = sniff(it.Data)
	switch formatOf(it) {
	case fmtMessage:
		w.message(it)
	case fmtZip:
		w.zipItem(it)
	case fmtGzip:
		w.gzipItem(it)
	case fmtTar:
		w.tarItem(it)
	case fmt7z:
		w.sevenZipItem(it)
	case fmtRar:
		w.rarItem(it)
	case fmtOLE:
		w.oleItem(it)
	case fmtPDF:
		w.pdfItem(it)
	case fmtRTF:
		w.rtfItem(it)
	case fmtTNEF:
		w.tnefItem(it)
	case fmtOneNote:
		w.oneNoteItem(it)
	case fmtHTML:
		w.htmlItem(it)
	case fmtTable:
		w.tableItem(it)
	case fmtCalendar:
		w.addText(it, KindAttachment, unfold(decodeText(it.Data, it.charset, false)))
	case fmtText:
		w.addText(it, KindAttachment, decodeText(it.Data, it.charset, false))
	}
}

// sniff names the content's real type. mimetype reads at most its first
// few KB, so this stays cheap for large items.
func sniff(data []byte) string {
	t := mimetype.Detect(data).String()
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return t
}

// deeper checks that children of it may still be extracted.
func (w *walker) deeper(it *Item) bool {
	if it.Depth+1 > w.lim.MaxDepth {
		w.incompleteAs(it, fmt.Sprintf("nesting deeper than %d in attachment %d", w.lim.MaxDepth, it.Index))
		return false
	}
	return !w.expired(it.Index)
}

// message opens a forwarded message (message/rfc822).
func (w *walker) message(it *Item) {
	if !w.deeper(it) {
		return
	}
	root, limit := fastParts(it.Data, w.lim.MaxParts)
	switch {
	case limit != "":
		w.incompleteAs(it, fmt.Sprintf("%s in attachment %d", limit, it.Index))
		return
	case root == nil && countBoundaries(it.Data, maxEnmimeBoundaries) > maxEnmimeBoundaries:
		w.incompleteAs(it, fmt.Sprintf("malformed MIME structure with more than %d boundaries in attachment %d", maxEnmimeBoundaries, it.Index))
		return
	}
	if root == nil {
		var err error
		root, err = parser.ReadParts(bytes.NewReader(it.Data))
		if err != nil {
			it.addTrait(TraitUnreadable)
			w.incomplete(it, "forwarded message could not be read")
			return
		}
	}
	if s := decodeHeader(root.Header.Get("Subject")); s != "" {
		w.addText(it, KindAttachment, s)
	}
	w.walkMessage(root, it)
}

// htmlItem reads an HTML attachment: its text, and the active content that
// makes HTML attachments a vehicle for phishing forms and smuggled files.
func (w *walker) htmlItem(it *Item) {
	h := htmlText(decodeText(it.Data, it.charset, true))
	w.addText(it, KindAttachment, h.Visible)
	w.addHTML(it, h)
	if h.Script {
		it.addTrait(TraitHTMLScript)
	}
	if h.Form {
		it.addTrait(TraitHTMLForm)
	}
	if h.Smuggling {
		it.addTrait(TraitHTMLSmuggling)
	}
}

// budget is how much one container may expand: MaxRatio times its own size
// (at least ratioFloor), and never beyond the message's remaining bytes.
type budget struct {
	left    int64
	ratio   bool // left is bounded by the ratio rather than by MaxBytes
	message int64
}

func (w *walker) newBudget(it *Item) *budget {
	b := &budget{left: int64(len(it.Data)) * w.lim.MaxRatio}
	if b.left < ratioFloor {
		b.left = ratioFloor
	}
	b.ratio = true
	return b
}

// read reads r within the container budget b and the message's remaining
// bytes. ok is false when a limit was hit (and recorded). hint is the size
// the container declares for the member, or 0: a declared size over the
// budget is refused before reading, and a lying one is cut at the budget.
func (w *walker) read(r io.Reader, it *Item, b *budget, hint ...int64) ([]byte, bool) {
	limit := b.left
	byRatio := true
	if rem := w.remaining(); rem < limit {
		limit, byRatio = rem, false
	}
	over := func() ([]byte, bool) {
		if byRatio {
			w.incompleteAs(it, fmt.Sprintf("compression ratio above %d in attachment %d", w.lim.MaxRatio, it.Index))
		} else {
			w.incompleteAs(it, fmt.Sprintf("more than %d MB extracted in attachment %d", w.lim.MaxBytes>>20, it.Index))
		}
		w.stopped = true
		return nil, false
	}
	var buf bytes.Buffer
	if len(hint) > 0 && hint[0] > 0 {
		if hint[0] > b.left {
			byRatio = true
		}
		if hint[0] > limit {
			return over()
		}
		buf.Grow(int(hint[0]) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	if int64(buf.Len()) > limit {
		return over()
	}
	b.left -= int64(buf.Len())
	if err != nil {
		w.readError(it, err, buf.Len())
		if buf.Len() == 0 {
			return nil, true
		}
	}
	return buf.Bytes(), true
}

// readError sorts an error met while reading a member: a checksum that does
// not match (all bytes were read), or trailing bytes after a gzip stream, is
// a structural problem; anything else means content was left unread.
func (w *walker) readError(it *Item, err error, n int) {
	switch {
	case errors.Is(err, zip.ErrChecksum), errors.Is(err, gzip.ErrChecksum), errors.Is(err, zlib.ErrChecksum):
		w.problem(fmt.Sprintf("checksum mismatch in attachment %d", it.Index))
	case errors.Is(err, gzip.ErrHeader) && n > 0:
		w.problem(fmt.Sprintf("trailing bytes after a gzip stream in attachment %d", it.Index))
	case isPasswordErr(err):
		it.Encrypted = true
		it.addTrait(TraitEncryptedEntry)
	default:
		w.incomplete(it, "member could not be fully decompressed")
	}
}

// entry is one member of an archive.
type entry struct {
	name string
	// size is the size the archive declares, 0 when unknown.
	size int64
	// packed is the member's compressed size where the archive says, or 0.
	packed    int64
	encrypted bool
	// method is the zip compression method (0 for other archives).
	method int
	open   func() (io.Reader, error)
}

// unpack extracts archive members from next until it returns io.EOF,
// within the entry, depth, byte, ratio and time limits.
func (w *walker) unpack(it *Item, next func() (*entry, error)) {
	it.addTrait(TraitArchive)
	if !w.deeper(it) {
		return
	}
	b := w.newBudget(it)
	for n := 0; ; n++ {
		if w.expired(it.Index) {
			return
		}
		e, err := next()
		if err == io.EOF {
			return
		}
		if err != nil {
			if isPasswordErr(err) {
				it.Encrypted = true
				it.addTrait(TraitEncryptedEntry)
			} else {
				w.problem(fmt.Sprintf("archive in attachment %d: %v", it.Index, err))
				w.incomplete(it, "archive damaged, later members not read")
			}
			return
		}
		if n >= w.lim.MaxEntries {
			w.incompleteAs(it, fmt.Sprintf("more than %d entries in an archive in attachment %d", w.lim.MaxEntries, it.Index))
			return
		}
		if e == nil {
			continue
		}
		name := cleanPath(e.name)
		if e.encrypted {
			c := w.newItem(it, path.Base(name), "", nil)
			c.Path = it.Path + "/" + name
			c.Encrypted = true
			it.Encrypted = true
			it.addTrait(TraitEncryptedEntry)
			continue
		}
		if e.packed > 0 && e.size > ratioFloor && e.size/e.packed > w.lim.MaxRatio {
			w.incompleteAs(it, fmt.Sprintf("compression ratio above %d in attachment %d", w.lim.MaxRatio, it.Index))
			w.stopped = true
			return
		}
		r, err := e.open()
		if err != nil {
			// The member is listed whatever happens, so that its name is
			// still checked (invoice.pdf.exe in an unreadable member).
			c := w.newItem(it, path.Base(name), "", nil)
			c.Path = it.Path + "/" + name
			switch {
			case isPasswordErr(err):
				c.Encrypted = true
				it.Encrypted = true
				it.addTrait(TraitEncryptedEntry)
			case errors.Is(err, zip.ErrAlgorithm):
				w.incomplete(c, fmt.Sprintf("member compressed with unsupported method %d", e.method))
			default:
				w.problem(fmt.Sprintf("archive entry in attachment %d: %v", it.Index, err))
				w.incomplete(c, "member could not be opened")
			}
			continue
		}
		data, ok := w.read(r, it, b, e.size)
		if c, isCloser := r.(io.Closer); isCloser {
			c.Close()
		}
		if !ok {
			return
		}
		c := w.newItem(it, path.Base(name), "", data)
		c.Path = it.Path + "/" + name
		w.inspect(c)
	}
}

func isPasswordErr(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "password") || strings.Contains(s, "encrypt")
}

// unfold joins RFC 5545/6350 continuation lines.
func unfold(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\n ", "")
	s = strings.ReplaceAll(s, "\n\t", "")
	return strings.ReplaceAll(s, `\n`, "\n")
}
