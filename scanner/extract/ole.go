package extract

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/richardlehane/mscfb"
)

// maxOLEEntries bounds the directory entries read from one OLE file.
const maxOLEEntries = 5000

// oleItem reads a legacy compound file (doc, xls, ppt, msg, an encrypted
// OOXML, or an embedded oleObject): whether it carries VBA macros, whether
// it is encrypted, its text where that is practical (runs of printable
// characters from the document stream, the body of an Outlook message),
// and the files it embeds (Outlook attachments, OLE1 packages).
func (w *walker) oleItem(it *Item) {
	r, err := mscfb.New(bytes.NewReader(it.Data))
	if err != nil {
		it.addTrait(TraitUnreadable)
		w.incomplete(it, "OLE document could not be opened")
		return
	}
	b := w.newBudget(it)
	var text strings.Builder
	msgProps := map[string][]byte{}
	attach := map[string]map[string][]byte{}
	for n := 0; ; n++ {
		f, err := r.Next()
		if err != nil {
			if err != io.EOF {
				w.incomplete(it, "OLE directory damaged, later streams not read")
			}
			break
		}
		if n >= maxOLEEntries {
			w.incompleteAs(it, fmt.Sprintf("more than %d entries in an archive in attachment %d", maxOLEEntries, it.Index))
			break
		}
		if w.expired(it.Index) {
			return
		}
		name := f.Name
		switch name {
		case "EncryptedPackage", "EncryptionInfo", "EncryptedSummary":
			it.Encrypted = true
			continue
		case "_VBA_PROJECT_CUR", "_VBA_PROJECT", "VBA", "Macros", "PROJECT":
			it.addTrait(TraitMacros)
		}
		if f.Size <= 0 {
			continue
		}
		switch {
		case name == "WordDocument":
			data, ok := w.read(f, it, b)
			if !ok {
				return
			}
			// FIB flags at offset 0x0A, bit 0x0100 is fEncrypted.
			if len(data) > 12 && binary.LittleEndian.Uint16(data[10:12])&0x0100 != 0 {
				it.Encrypted = true
				continue
			}
			text.WriteString(printableRuns(data))
		case name == "Workbook" || name == "Book":
			data, ok := w.read(f, it, b)
			if !ok {
				return
			}
			if biffEncrypted(data) {
				it.Encrypted = true
				continue
			}
			names, sheets := xlsTables(data)
			cells := 0
			for i, rows := range sheets {
				name := fmt.Sprintf("Sheet%d", i+1)
				if i < len(names) && names[i] != "" {
					name = names[i]
				}
				for _, r := range rows {
					cells += len(r)
					if text.Len() < w.lim.MaxTextBytes {
						text.WriteString(strings.Join(r, "\t"))
						text.WriteByte('\n')
					}
				}
				w.addTable(it, name, rows)
			}
			if cells == 0 {
				text.WriteString(printableRuns(data))
			}
			if cells >= maxXLSCells {
				w.incomplete(it, fmt.Sprintf("cells beyond %d not read", maxXLSCells))
			}
		case name == "PowerPoint Document":
			data, ok := w.read(f, it, b)
			if !ok {
				return
			}
			text.WriteString(printableRuns(data))
		case name == "Ole10Native" || name == "Package" || name == "CONTENTS" && len(f.Path) == 0:
			if !w.deeper(it) {
				continue
			}
			data, ok := w.read(f, it, b)
			if !ok {
				return
			}
			cname, payload := name, data
			if name == "Ole10Native" {
				cname, payload = ole10Native(data)
			}
			if len(payload) > 0 {
				it.addTrait(TraitOLEObject)
				c := w.newItem(it, cname, "", payload)
				w.inspect(c)
			}
		case strings.HasPrefix(name, "__substg1.0_") && len(name) >= 20:
			tag := name[12:20]
			attachDir := ""
			for _, p := range f.Path {
				if strings.HasPrefix(p, "__attach_version1.0_") {
					attachDir = p
				}
				if strings.HasPrefix(p, "__substg1.0_3701000D") {
					attachDir = "" // an embedded message's own props: handled as raw text only
				}
			}
			if f.Size > 64<<20 {
				w.incomplete(it, "Outlook property larger than 64 MB not read")
				continue
			}
			data, ok := w.read(f, it, b)
			if !ok {
				return
			}
			if attachDir != "" {
				if attach[attachDir] == nil {
					attach[attachDir] = map[string][]byte{}
				}
				attach[attachDir][tag] = data
			} else if len(f.Path) == 0 {
				msgProps[tag] = data
			}
		}
	}
	// Outlook message: subject, body, attachments.
	for _, tag := range []string{"0037001F", "0037001E", "1000001F", "1000001E"} {
		if v, ok := msgProps[tag]; ok {
			text.WriteString(mapiString(tag, v))
			text.WriteString("\n")
		}
	}
	if v, ok := msgProps["10130102"]; ok {
		h := htmlText(decodeText(v, "", true))
		text.WriteString(h.Visible)
		w.addHTML(it, h)
	}
	dirs := make([]string, 0, len(attach))
	for d := range attach {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		props := attach[d]
		data := props["37010102"]
		if data == nil || !w.deeper(it) {
			continue
		}
		name := ""
		for _, tag := range []string{"3707001F", "3707001E", "3704001F", "3704001E"} {
			if v, ok := props[tag]; ok {
				name = mapiString(tag, v)
				break
			}
		}
		c := w.newItem(it, name, "", data)
		w.inspect(c)
	}
	s := strings.TrimSpace(text.String())
	w.charge(int64(len(s)), it.Index)
	w.addText(it, KindAttachment, s)
}

// mapiString decodes a MAPI string property: type 001F is UTF-16LE, 001E 8-bit.
func mapiString(tag string, v []byte) string {
	if strings.HasSuffix(tag, "001F") {
		return strings.TrimRight(utf16le(v), "\x00")
	}
	return strings.TrimRight(decodeText(v, "", false), "\x00")
}

func utf16le(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// ole10Native unwraps an OLE1 "Package" object: size, flags, label, path,
// then the embedded file's own bytes. This is how an executable rides inside
// a Word document behind an icon.
func ole10Native(b []byte) (string, []byte) {
	if len(b) < 6 {
		return "", nil
	}
	p := b[6:] // total size (4) and flags (2)
	label, p := cstring(p)
	_, p = cstring(p) // source path
	if len(p) < 8 {
		return label, nil
	}
	p = p[4:] // unknown
	n := int(binary.LittleEndian.Uint32(p))
	p = p[4:]
	if n < 0 || n > len(p) {
		return label, nil
	}
	_, p = cstring(p[:n]) // temp path
	if len(p) < 4 {
		return label, nil
	}
	size := int(binary.LittleEndian.Uint32(p))
	p = p[4:]
	if size < 0 || size > len(p) {
		size = len(p)
	}
	return label, p[:size]
}

func cstring(b []byte) (string, []byte) {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return string(b), nil
	}
	return string(b[:i]), b[i+1:]
}

// biffEncrypted walks the workbook globals for a FILEPASS record.
func biffEncrypted(b []byte) bool {
	for i := 0; i+4 <= len(b) && i < 1<<20; {
		typ := binary.LittleEndian.Uint16(b[i:])
		n := int(binary.LittleEndian.Uint16(b[i+2:]))
		switch typ {
		case 0x002F:
			return true
		case 0x000A: // EOF of the globals substream
			return false
		}
		i += 4 + n
	}
	return false
}

// printableRuns returns runs of at least 4 readable characters, 8-bit or
// UTF-16LE, one per line: a practical way to read the words of a legacy
// binary document without implementing its file format.
func printableRuns(b []byte) string {
	var out strings.Builder
	var run []rune
	flush := func() {
		if len(run) >= 4 {
			letters := 0
			for _, r := range run {
				if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r > 0xBF {
					letters++
				}
			}
			if letters*2 >= len(run) {
				out.WriteString(string(run))
				out.WriteByte('\n')
			}
		}
		run = run[:0]
	}
	readable := func(r rune) bool {
		return r == ' ' || r == '\t' || r >= 0x21 && r < 0x7f || r >= 0xC0 && r < 0x250 && utf8.ValidRune(r)
	}
	// 8-bit pass.
	for _, c := range b {
		if r := rune(c); readable(r) && c < 0x80 {
			run = append(run, r)
			continue
		}
		flush()
	}
	flush()
	// UTF-16LE pass.
	for i := 0; i+1 < len(b); i += 2 {
		r := rune(binary.LittleEndian.Uint16(b[i:]))
		if readable(r) {
			run = append(run, r)
			continue
		}
		flush()
	}
	flush()
	return out.String()
}
