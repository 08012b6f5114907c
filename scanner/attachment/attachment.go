// Package attachment is the suspicious_attachment detector: files that run
// code or hide what they are. It reads what extraction already found
// (sniffed types, traits such as macros or PDF JavaScript, encryption) and
// the names, and gives one finding per attachment or extracted item with the
// strongest reason's score and every reason in the summary.
//
// Summaries name the attachment by index and type and the reason by
// extension or kind ("executable (PE) disguised as .pdf in attachment 2
// (pdf)"), never by file name: file names are often personal data.
//
// Scores follow the default rules: 0.5 and above quarantines, below only
// tags. What is common in ordinary school mail (an embedded chart, an
// encrypted document sent out) stays below 0.5 or raises nothing.
package attachment

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"sort"
	"strings"
	"unicode"

	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/scanner/extract"
)

// Name is the scanner's name in findings, logs and metrics.
const Name = "attachment"

// maxFindings bounds the findings for one message (an archive of a
// thousand executables needs no thousand findings).
const maxFindings = 50

// Scanner flags dangerous attachments.
type Scanner struct {
	dangerous map[string]bool
}

var _ scanner.Scanner = (*Scanner)(nil)

// New returns a scanner that treats the given extensions (with or without
// dots, any case) as dangerous: the blocked_extensions config key.
func New(dangerousExt []string) *Scanner {
	s := &Scanner{dangerous: map[string]bool{}}
	for _, e := range dangerousExt {
		s.dangerous[strings.ToLower(strings.TrimPrefix(strings.TrimSpace(e), "."))] = true
	}
	return s
}

// Name implements scanner.Scanner.
func (s *Scanner) Name() string { return Name }

// reason is one thing wrong with an attachment.
type reason struct {
	score float64
	text  string
}

// Scan implements scanner.Scanner.
func (s *Scanner) Scan(ctx context.Context, m *scanner.Message) ([]scanner.Finding, error) {
	var out []scanner.Finding
	for _, a := range m.Attachments {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		rs := s.check(a, m.Envelope.Direction)
		if len(rs) == 0 {
			continue
		}
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].score > rs[j].score })
		texts := make([]string, 0, len(rs))
		seen := map[string]bool{}
		for _, r := range rs {
			if !seen[r.text] {
				seen[r.text] = true
				texts = append(texts, r.text)
			}
		}
		out = append(out, scanner.Finding{
			Category: scanner.SuspiciousAttachment,
			Scanner:  Name,
			Score:    rs[0].score,
			Summary:  fmt.Sprintf("%s %s", strings.Join(texts, ", "), place(a)),
			Where:    fmt.Sprint(a.Index),
		})
		if len(out) >= maxFindings {
			break
		}
	}
	return out, nil
}

// place names where an item is without its file name.
func place(a *scanner.Attachment) string {
	top := a
	for top.Parent != nil {
		top = top.Parent
	}
	if a.Depth == 0 {
		return fmt.Sprintf("in attachment %d (%s)", a.Index, TypeLabel(a))
	}
	return fmt.Sprintf("inside attachment %d (%s)", a.Index, TypeLabel(top))
}

// TypeLabel is a short type for summaries: the extension when it is plain
// (letters and digits), otherwise the sniffed subtype.
func TypeLabel(a *scanner.Attachment) string {
	if e := Ext(a.FileName); e != "" && len(e) <= 8 && isAlnum(e) {
		return e
	}
	t := a.SniffedType
	if t == "" {
		t = a.DeclaredType
	}
	if i := strings.LastIndexAny(t, "/.-+"); i >= 0 {
		t = t[i+1:]
	}
	if t == "" || len(t) > 16 {
		return "file"
	}
	return t
}

func isAlnum(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// check lists what is wrong with one attachment.
func (s *Scanner) check(a *scanner.Attachment, dir scanner.Direction) []reason {
	var rs []reason
	add := func(score float64, format string, args ...any) {
		rs = append(rs, reason{score, fmt.Sprintf(format, args...)})
	}
	ext := Ext(a.FileName)
	content := ContentKind(a.Data)
	claim := claimedClass(ext, a.DeclaredType)

	// Names.
	if trick := unicodeTrick(a.FileName); trick != "" {
		add(0.95, "%s in the file name", trick)
	}
	if d := doubleExt(a.FileName, s.dangerous); d != "" {
		add(0.95, "double extension %s", d)
	}
	if ext != "" && s.dangerous[ext] {
		add(0.9, "dangerous file type .%s", ext)
	}

	// Content.
	switch content {
	case kindPE, kindELF, kindMachO, kindShortcut:
		if claim != "" && claim != classExecutable {
			add(0.95, "%s disguised as .%s", content, claimLabel(ext, a.DeclaredType))
		} else {
			add(0.95, "%s", content)
		}
	case kindScript:
		add(0.8, "%s", content)
	case kindHTA:
		add(0.9, "%s", content)
	case kindDiskImage:
		add(0.9, "disk image")
	case kindHTML:
		if claim == classDocument || claim == classImage || claim == classMedia {
			add(0.7, "HTML disguised as .%s", claimLabel(ext, a.DeclaredType))
		}
	case kindArchive, kindOLE, kindRTF:
		if claim == classImage || claim == classMedia || claim == classText || (claim == classDocument && (ext == "pdf" || a.DeclaredType == "application/pdf")) {
			add(0.6, "%s disguised as .%s", content, claimLabel(ext, a.DeclaredType))
		}
	}
	switch ext {
	case "iso", "img", "vhd", "vhdx", "dmg", "udf":
		if content != kindDiskImage {
			add(0.9, "disk image")
		}
	case "docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppsm", "ppam", "sldm":
		add(0.7, "macro-enabled Office type .%s", ext)
	}

	// What extraction noticed inside.
	if a.HasTrait(extract.TraitMacros) {
		add(0.8, "Office macros")
	}
	if a.HasTrait(extract.TraitExternalRef) {
		add(0.7, "remote template or frame")
	}
	if a.HasTrait(extract.TraitOLEObject) {
		if content == kindRTF {
			add(0.7, "embedded OLE object in RTF")
		} else {
			add(0.3, "embedded OLE object")
		}
	}
	if a.HasTrait(extract.TraitHTMLSmuggling) {
		add(0.9, "HTML carrying an embedded file (smuggling)")
	}
	if a.HasTrait(extract.TraitHTMLForm) {
		add(0.7, "HTML form")
	}
	if a.HasTrait(extract.TraitHTMLScript) {
		add(0.6, "script in HTML")
	}
	if a.HasTrait(extract.TraitPDFLaunch) {
		add(0.9, "PDF launch action")
	}
	if a.HasTrait(extract.TraitPDFJavaScript) {
		if a.HasTrait(extract.TraitPDFOpenAction) {
			add(0.9, "PDF JavaScript run on opening")
		} else {
			add(0.8, "PDF JavaScript")
		}
	}
	if a.HasTrait(extract.TraitPDFEmbedded) {
		add(0.3, "PDF with an embedded file")
	}
	if a.HasTrait(extract.TraitUnreadable) {
		add(0.3, "%s that could not be opened", TypeLabel(a))
	}
	// Password protection hides content from every scanner; from outside it
	// is the usual wrapping of malware (the password sits in the body). An
	// entry of an encrypted archive is reported through its archive.
	if a.Encrypted && dir == scanner.Inbound && (a.Parent == nil || !a.Parent.Encrypted) {
		switch {
		case a.HasTrait(extract.TraitArchive) || a.HasTrait(extract.TraitEncryptedEntry):
			add(0.8, "password-protected archive from outside")
		case content == kindOLE || strings.Contains(a.SniffedType, "pdf") || strings.Contains(a.SniffedType, "opendocument"):
			// An encrypted Office, PDF or ODF file (S/MIME and PGP mail are
			// encrypted too, and ordinary: they raise nothing).
			add(0.4, "encrypted document from outside")
		}
	}
	return rs
}

// Ext returns the lowercased last extension of a file name, ignoring
// trailing dots and spaces that Windows strips ("a.exe. " runs as a.exe).
func Ext(name string) string {
	name = strings.TrimRight(name, ". \t")
	e := path.Ext(strings.ReplaceAll(name, "\\", "/"))
	return strings.ToLower(strings.TrimPrefix(e, "."))
}

// decoys are extensions that make a reader trust a file.
var decoys = map[string]bool{
	"pdf": true, "doc": true, "docx": true, "xls": true, "xlsx": true, "ppt": true, "pptx": true,
	"txt": true, "rtf": true, "jpg": true, "jpeg": true, "png": true, "gif": true, "bmp": true,
	"mp3": true, "mp4": true, "wav": true, "avi": true, "htm": true, "html": true, "csv": true,
	"zip": true, "odt": true, "ods": true, "eml": true, "msg": true,
}

// doubleExt finds names such as "invoice.pdf.exe" or "photo.jpg      .scr".
func doubleExt(name string, dangerous map[string]bool) string {
	name = strings.TrimRight(name, ". \t")
	last := Ext(name)
	if last == "" || !dangerous[last] {
		return ""
	}
	stem := strings.TrimSuffix(name, name[len(name)-len(last)-1:])
	if strings.HasSuffix(stem, "   ") || strings.HasSuffix(stem, "___") {
		return fmt.Sprintf("padded before .%s", last)
	}
	prev := Ext(stem)
	if decoys[prev] {
		return fmt.Sprintf(".%s.%s", prev, last)
	}
	return ""
}

// unicodeTrick names a character that makes a file name read differently
// from what it is: bidirectional overrides ("invoice‮fdp.exe" shows as
// "invoiceexe.pdf"), invisible characters and look-alike dots.
func unicodeTrick(name string) string {
	for _, r := range name {
		switch {
		case r == '\u202E' || r == '\u202D' || r == '\u202A' || r == '\u202B' || r == '\u202C':
			return "right-to-left override"
		case r >= '\u2066' && r <= '\u2069', r == '\u200E', r == '\u200F', r == '\u061C':
			return "bidirectional control character"
		case r == '\u200B' || r == '\u200C' || r == '\u200D' || r == '\u2060' || r == '\uFEFF':
			return "invisible character"
		case r == '\u2024' || r == '\uFF0E' || r == '\u3002' || r == '\uFE52' || r == '\u0701' || r == '\u0702':
			return "look-alike dot"
		case unicode.Is(unicode.Cf, r) && r != '\u00AD':
			return "invisible formatting character"
		}
	}
	return ""
}

// Content kinds that matter here, by magic number.
const (
	kindNone      = ""
	kindPE        = "Windows executable"
	kindELF       = "Linux executable"
	kindMachO     = "macOS executable"
	kindShortcut  = "Windows shortcut"
	kindScript    = "script"
	kindDiskImage = "disk image"
	kindHTML      = "HTML"
	kindHTA       = "HTML application (HTA)"
	kindArchive   = "archive"
	kindOLE       = "OLE document"
	kindRTF       = "RTF document"
)

var lnkMagic = []byte{0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46}

// ContentKind classifies data by its first bytes, whatever its name says.
func ContentKind(d []byte) string {
	switch {
	case len(d) >= 64 && d[0] == 'M' && d[1] == 'Z':
		return kindPE
	case bytes.HasPrefix(d, []byte("\x7fELF")):
		return kindELF
	case bytes.HasPrefix(d, []byte{0xFE, 0xED, 0xFA, 0xCE}), bytes.HasPrefix(d, []byte{0xFE, 0xED, 0xFA, 0xCF}),
		bytes.HasPrefix(d, []byte{0xCE, 0xFA, 0xED, 0xFE}), bytes.HasPrefix(d, []byte{0xCF, 0xFA, 0xED, 0xFE}):
		return kindMachO
	case bytes.HasPrefix(d, []byte{0xCA, 0xFE, 0xBA, 0xBE}) && len(d) > 8 && d[7] < 0x20:
		return kindMachO // universal binary (a Java class has a version >= 0x2D here)
	case bytes.HasPrefix(d, lnkMagic):
		return kindShortcut
	case bytes.HasPrefix(d, []byte("#!/")), bytes.HasPrefix(d, []byte("#! /")):
		return kindScript
	case bytes.HasPrefix(d, []byte("vhdxfile")), bytes.HasPrefix(d, []byte("conectix")),
		len(d) > 0x8006 && bytes.Equal(d[0x8001:0x8006], []byte("CD001")),
		len(d) > 0x9006 && bytes.Equal(d[0x9001:0x9006], []byte("CD001")):
		return kindDiskImage
	case bytes.HasPrefix(d, []byte("PK\x03\x04")) && !ooxmlLike(d), bytes.HasPrefix(d, []byte("Rar!\x1a\x07")),
		bytes.HasPrefix(d, []byte{'7', 'z', 0xBC, 0xAF, 0x27, 0x1C}):
		return kindArchive
	case bytes.HasPrefix(d, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return kindOLE
	case bytes.HasPrefix(d, []byte(`{\rt`)):
		return kindRTF
	}
	h := bytes.ToLower(bytes.TrimSpace(d[:min(len(d), 4096)]))
	if len(h) > 0 && h[0] == '<' && bytes.Contains(h, []byte("<hta:application")) {
		return kindHTA // runs with the user's full rights when opened
	}
	if bytes.HasPrefix(h, []byte("<!doctype html")) || bytes.HasPrefix(h, []byte("<html")) ||
		bytes.HasPrefix(h, []byte("<script")) || bytes.HasPrefix(h, []byte("<head")) || bytes.HasPrefix(h, []byte("<body")) {
		return kindHTML
	}
	return kindNone
}

// ooxmlLike reports a zip whose first entries name an Office or ODF part.
func ooxmlLike(d []byte) bool {
	h := d[:min(len(d), 4096)]
	return bytes.Contains(h, []byte("[Content_Types].xml")) || bytes.Contains(h, []byte("mimetypeapplication/vnd.oasis")) ||
		bytes.Contains(h, []byte("word/")) || bytes.Contains(h, []byte("xl/")) || bytes.Contains(h, []byte("ppt/")) ||
		bytes.Contains(h, []byte("META-INF/")) // jar, epub, odf: their content is judged by extension
}

// Classes a name or declared type claims.
const (
	classExecutable = "executable"
	classDocument   = "document"
	classImage      = "image"
	classMedia      = "media"
	classText       = "text"
)

func claimedClass(ext, declared string) string {
	switch ext {
	case "exe", "dll", "scr", "com", "pif", "cpl", "msi", "sys", "bin", "elf", "so", "dylib", "app", "out", "run", "lnk":
		return classExecutable
	case "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf":
		return classDocument
	case "jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp", "heic", "ico":
		return classImage
	case "mp3", "mp4", "wav", "avi", "mov", "m4a", "ogg", "mkv":
		return classMedia
	case "txt", "csv", "ics", "vcf", "log":
		return classText
	}
	switch {
	case strings.HasPrefix(declared, "image/"):
		return classImage
	case strings.HasPrefix(declared, "audio/"), strings.HasPrefix(declared, "video/"):
		return classMedia
	case declared == "application/pdf", strings.Contains(declared, "msword"), strings.Contains(declared, "officedocument"),
		strings.Contains(declared, "ms-excel"), strings.Contains(declared, "opendocument"):
		return classDocument
	case declared == "text/plain", declared == "text/csv", declared == "text/calendar":
		return classText
	}
	return ""
}

func claimLabel(ext, declared string) string {
	if ext != "" && isAlnum(ext) && len(ext) <= 8 {
		return ext
	}
	if i := strings.LastIndexAny(declared, "/.-+"); i >= 0 {
		return declared[i+1:]
	}
	return "document"
}
