package extract

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/ascii85"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
)

// pdfInflateCap bounds the bytes inflated from one PDF's streams; inflated
// streams are read and dropped, not kept.
const pdfInflateCap = 64 << 20

// maxPDFObjects bounds the objects indexed in one PDF.
const maxPDFObjects = 200000

// pdfItem reads a PDF without a full PDF library (the Go PDF readers
// follow references and page trees without cycle checks, which a hostile
// file turns into an endless loop): the names that make a PDF active
// (/JavaScript, /OpenAction, /Launch, /EmbeddedFile) and its encryption
// (/Encrypt), looked for in the file and inside its compressed streams
// (object streams hide them), with #xx name escapes undone; the targets of
// its links (pdflinks.go); and the text
// its pages show, decoded through the fonts' ToUnicode maps where they have
// them (Word and LibreOffice exports) and as Latin-1 otherwise.
func (w *walker) pdfItem(it *Item) {
	names, links := map[string]bool{}, map[string]bool{}
	pdfNames(it.Data, names)
	w.addPDFLinks(it, it.Data, links)
	capLeft := int64(len(it.Data)) * w.lim.MaxRatio
	if capLeft < ratioFloor {
		capLeft = ratioFloor
	}
	if capLeft > pdfInflateCap {
		capLeft = pdfInflateCap
	}
	doc := &pdfDoc{objs: map[int]*pdfObj{}, capLeft: capLeft}
	doc.index(it.Data)
	// Streams are decoded in place of order, object streams adding to it.
	for i := 0; i < len(doc.order); i++ {
		o := doc.order[i]
		if w.expired(it.Index) {
			return
		}
		if s := doc.stream(o); s != nil {
			pdfNames(s, names)
			w.addPDFLinks(it, s, links)
			if bytes.Contains(o.dict, []byte("/ObjStm")) {
				doc.objStm(o, s)
			}
		}
	}
	defer func() {
		// Whatever was left unread makes the item incomplete: a zero bomb
		// in the first stream must not hide every later one. Encrypted
		// streams are not read by design: Encrypted says so.
		if it.Encrypted {
			return
		}
		for _, u := range doc.unread() {
			w.incomplete(it, u)
		}
	}()
	if names["Encrypt"] {
		it.Encrypted = true
	}
	if names["JavaScript"] || names["JS"] {
		it.addTrait(TraitPDFJavaScript)
	}
	if names["OpenAction"] || names["AA"] {
		it.addTrait(TraitPDFOpenAction)
	}
	if names["Launch"] {
		it.addTrait(TraitPDFLaunch)
	}
	if names["EmbeddedFile"] || names["EmbeddedFiles"] {
		it.addTrait(TraitPDFEmbedded)
	}
	if it.Encrypted {
		return
	}
	w.pdfEmbedded(it, doc)
	fonts := doc.fonts()
	var text strings.Builder
	for _, o := range doc.order {
		if text.Len() > w.lim.MaxTextBytes {
			w.incomplete(it, fmt.Sprintf("text beyond %d MB not read", w.lim.MaxTextBytes>>20))
			break
		}
		s := o.decoded
		if s == nil || !bytes.Contains(s, []byte("BT")) || bytes.Contains(s, []byte("begincmap")) ||
			bytes.Contains(o.dict, []byte("/ObjStm")) {
			continue
		}
		pdfShowText(s, fonts, &text)
	}
	s := strings.TrimSpace(text.String())
	w.charge(int64(len(s)), it.Index)
	w.addText(it, KindAttachment, s)
}

// pdfEmbedded extracts the files embedded in a PDF (/EmbeddedFile
// streams, attachments a reader opens from the paper-clip pane) as items of
// their own, named by the file specification that points at them: their
// content is read like any attachment's, not only searched for names.
func (w *walker) pdfEmbedded(it *Item, doc *pdfDoc) {
	names := map[int]string{}
	for _, o := range doc.order {
		i := bytes.Index(o.dict, []byte("/EF"))
		if i < 0 {
			continue
		}
		id, ok := ref(o.dict[i:], "/F")
		if !ok {
			id, ok = ref(o.dict[i:], "/UF")
		}
		if !ok {
			continue
		}
		for _, key := range []string{"/UF", "/F"} {
			if j := bytes.Index(o.dict, []byte(key+" (")); j >= 0 {
				s, _ := pdfLiteral(o.dict[j+len(key)+1:])
				names[id] = decodeText(s, "", false)
				break
			} else if j := bytes.Index(o.dict, []byte(key+"(")); j >= 0 {
				s, _ := pdfLiteral(o.dict[j+len(key):])
				names[id] = decodeText(s, "", false)
				break
			}
		}
	}
	n := 0
	for _, o := range doc.order {
		if o.raw == nil || !bytes.Contains(o.dict, []byte("/EmbeddedFile")) {
			continue
		}
		data := doc.stream(o)
		if data == nil {
			continue // left unread: counted by the stream reader
		}
		if !w.deeper(it) {
			return
		}
		n++
		name := names[o.id]
		if name == "" {
			name = fmt.Sprintf("embedded%d", n)
		}
		w.inspect(w.newItem(it, name, "", data))
	}
}

// pdfObj is one indirect object: its dictionary (or whole body) and, for a
// stream, the raw and decoded data.
type pdfObj struct {
	id      int
	dict    []byte
	raw     []byte
	decoded []byte
	done    bool
}

type pdfDoc struct {
	objs    map[int]*pdfObj
	order   []*pdfObj
	capLeft int64
	// Counts of what was left unread, by reason.
	overCap, undecodable, unsupported, tooMany int
}

// unread names what was left unread, as reasons for Item.Incomplete.
func (d *pdfDoc) unread() []string {
	var out []string
	if d.overCap > 0 {
		out = append(out, "PDF streams left unread after the decompression allowance")
	}
	if d.undecodable > 0 {
		out = append(out, "PDF stream could not be decompressed")
	}
	if d.unsupported > 0 {
		out = append(out, "PDF stream with an unsupported filter")
	}
	if d.tooMany > 0 {
		out = append(out, fmt.Sprintf("PDF objects beyond %d not read", maxPDFObjects))
	}
	return out
}

// index finds "N G obj ... endobj" objects in data.
func (d *pdfDoc) index(data []byte) {
	rest := data
	base := 0
	for {
		i := bytes.Index(rest, []byte("obj"))
		if i < 0 {
			return
		}
		at := base + i
		base += i + 3
		rest = rest[i+3:]
		id, ok := objNumber(data[:at])
		if !ok || len(rest) > 0 && isRegular(rest[0]) {
			continue
		}
		end := bytes.Index(rest, []byte("endobj"))
		if end < 0 {
			end = len(rest)
		}
		if len(d.order) >= maxPDFObjects {
			d.tooMany++
			return
		}
		body := rest[:end]
		o := &pdfObj{id: id, dict: body}
		if s := bytes.Index(body, []byte("stream")); s >= 0 && !bytes.HasSuffix(body[:s], []byte("end")) {
			o.dict = body[:s]
			raw := body[s+len("stream"):]
			if len(raw) > 0 && raw[0] == '\r' {
				raw = raw[1:]
			}
			if len(raw) > 0 && raw[0] == '\n' {
				raw = raw[1:]
			}
			if e := bytes.LastIndex(raw, []byte("endstream")); e >= 0 {
				raw = raw[:e]
			}
			o.raw = raw
		}
		d.add(o)
		base += end
		rest = rest[end:]
	}
}

func (d *pdfDoc) add(o *pdfObj) {
	if _, dup := d.objs[o.id]; !dup {
		d.objs[o.id] = o
	} else {
		d.objs[o.id] = o // a later revision replaces the object
	}
	d.order = append(d.order, o)
}

// objNumber reads the "N G " before an "obj" keyword.
func objNumber(b []byte) (int, bool) {
	i := len(b)
	skip := func() {
		for i > 0 && isSpace(b[i-1]) {
			i--
		}
	}
	digits := func() (int, bool) {
		j := i
		for i > 0 && b[i-1] >= '0' && b[i-1] <= '9' && j-i < 10 {
			i--
		}
		if i == j {
			return 0, false
		}
		n, err := strconv.Atoi(string(b[i:j]))
		return n, err == nil
	}
	if i == 0 || !isSpace(b[i-1]) {
		return 0, false
	}
	skip()
	if _, ok := digits(); !ok {
		return 0, false
	}
	skip()
	return digits()
}

func isRegular(c byte) bool {
	return c > ' ' && bytes.IndexByte([]byte("/<>[]()%{}"), c) < 0
}

// stream returns an object's decoded stream: its filters undone in turn
// (Flate within the document's cap, ASCIIHex, ASCII85, RunLength), image
// streams not at all (they hold no text or names). A stream left unread for
// any other reason is counted, so that the item is incomplete.
func (d *pdfDoc) stream(o *pdfObj) []byte {
	if o.done || o.raw == nil {
		return o.decoded
	}
	o.done = true
	filters := pdfFilters(o.dict)
	objStm := bytes.Contains(o.dict, []byte("/ObjStm"))
	if !objStm && (bytes.Contains(o.dict, []byte("/Image")) || slices.ContainsFunc(filters, isImageFilter)) {
		return nil
	}
	data := o.raw
	for _, f := range filters {
		switch f {
		case "FlateDecode", "Fl":
			if d.capLeft <= 0 {
				d.overCap++
				return nil
			}
			out, ok := inflatePDF(data, d.capLeft+1)
			if int64(len(out)) > d.capLeft {
				d.overCap++
				out = out[:d.capLeft]
			}
			d.capLeft -= int64(len(out))
			if !ok {
				d.undecodable++
			}
			data = out
		case "ASCIIHexDecode", "AHx":
			data = asciiHex(data)
		case "ASCII85Decode", "A85":
			out, ok := ascii85PDF(data)
			if !ok {
				d.undecodable++
			}
			data = out
		case "RunLengthDecode", "RL":
			data = runLength(data)
		case "LZWDecode", "LZW":
			out, ok := lzwPDF(data, d.capLeft, !bytes.Contains(o.dict, []byte("/EarlyChange 0")))
			if int64(len(out)) >= d.capLeft {
				d.overCap++
			}
			d.capLeft -= int64(len(out))
			if !ok {
				d.undecodable++
			}
			data = out
		case "Crypt":
			return nil // encrypted: reported by /Encrypt
		default:
			d.unsupported++
			return nil
		}
	}
	o.decoded = data
	return o.decoded
}

// pdfFilters lists a stream's filters in order: /Filter /Name or an array.
func pdfFilters(dict []byte) []string {
	i := bytes.Index(dict, []byte("/Filter"))
	if i < 0 {
		return nil
	}
	rest := bytes.TrimLeft(dict[i+len("/Filter"):], " \r\n\t")
	if len(rest) > 0 && rest[0] == '[' {
		if j := bytes.IndexByte(rest, ']'); j >= 0 {
			rest = rest[1:j]
		}
	} else if len(rest) > 0 && rest[0] == '/' {
		j := 1
		for j < len(rest) && isRegular(rest[j]) {
			j++
		}
		rest = rest[:j]
	} else {
		return []string{"?"} // a reference or junk: not something read here
	}
	var out []string
	for _, f := range strings.Fields(strings.ReplaceAll(string(rest), "/", " ")) {
		out = append(out, f)
		if len(out) > 8 {
			break
		}
	}
	return out
}

func isImageFilter(f string) bool {
	switch f {
	case "DCTDecode", "DCT", "JPXDecode", "CCITTFaxDecode", "CCF", "JBIG2Decode":
		return true
	}
	return false
}

// inflatePDF inflates a zlib (or, from careless writers, raw deflate)
// stream, reading at most limit bytes. ok is false when the data is corrupt
// rather than cut short: a stream that ends early (no checksum, a
// truncated file) is read as far as it goes, as PDF readers do.
func inflatePDF(raw []byte, limit int64) ([]byte, bool) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, true // an empty stream: nothing to read
	}
	var r io.Reader
	if zr, err := zlib.NewReader(bytes.NewReader(raw)); err == nil {
		r = zr
	} else {
		r = flate.NewReader(bytes.NewReader(raw))
	}
	out, err := io.ReadAll(io.LimitReader(r, limit))
	switch {
	case err == nil, errors.Is(err, io.ErrUnexpectedEOF) && len(out) > 0, errors.Is(err, zlib.ErrChecksum):
		return out, true
	}
	return out, false
}

// asciiHex decodes ASCIIHexDecode data up to its '>'.
func asciiHex(b []byte) []byte {
	out := make([]byte, 0, len(b)/2)
	hi, half := byte(0), false
	for _, c := range b {
		if c == '>' {
			break
		}
		if !isHex(c) {
			continue
		}
		if half {
			out = append(out, hi<<4|unhex(c))
		} else {
			hi = unhex(c)
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	return out
}

// ascii85PDF decodes ASCII85Decode data up to its "~>".
func ascii85PDF(b []byte) ([]byte, bool) {
	b = bytes.TrimSpace(b)
	b = bytes.TrimPrefix(b, []byte("<~"))
	if i := bytes.Index(b, []byte("~>")); i >= 0 {
		b = b[:i]
	}
	out, err := io.ReadAll(ascii85.NewDecoder(bytes.NewReader(b)))
	return out, err == nil
}

// lzwPDF decodes LZWDecode data (codes of 9 to 12 bits, most significant
// bit first, 256 clears the table, 257 ends the data; with early change,
// as PDF's default is, the code width grows one code sooner than in GIF),
// at most limit bytes. ok is false for a code the table cannot hold yet.
func lzwPDF(b []byte, limit int64, early bool) ([]byte, bool) {
	var out []byte
	var table [][]byte
	reset := func() {
		table = table[:0]
		for i := 0; i < 256; i++ {
			table = append(table, []byte{byte(i)})
		}
		table = append(table, nil, nil) // 256 clear, 257 end of data
	}
	reset()
	width := 9
	var acc uint32
	nbits := 0
	var prev []byte
	e := 0
	if early {
		e = 1
	}
	for _, c := range b {
		acc = acc<<8 | uint32(c)
		nbits += 8
		for nbits >= width {
			code := int(acc>>(nbits-width)) & (1<<width - 1)
			nbits -= width
			switch {
			case code == 256:
				reset()
				width, prev = 9, nil
				continue
			case code == 257:
				return out, true
			}
			var entry []byte
			switch {
			case code < len(table) && table[code] != nil:
				entry = table[code]
			case code == len(table) && prev != nil:
				entry = append(append([]byte(nil), prev...), prev[0])
			default:
				return out, false
			}
			out = append(out, entry...)
			if int64(len(out)) >= limit {
				return out[:limit], true
			}
			if prev != nil && len(table) < 4096 {
				table = append(table, append(append([]byte(nil), prev...), entry[0]))
			}
			prev = entry
			if len(table)+e >= 1<<width && width < 12 {
				width++
			}
		}
	}
	return out, true
}

// runLength decodes RunLengthDecode data.
func runLength(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		n := int(b[i])
		i++
		switch {
		case n == 128:
			return out
		case n < 128:
			end := min(i+n+1, len(b))
			out = append(out, b[i:end]...)
			i = end
		default:
			if i < len(b) {
				out = append(out, bytes.Repeat(b[i:i+1], 257-n)...)
			}
			i++
		}
	}
	return out
}

// objStm indexes the objects packed in an object stream.
func (d *pdfDoc) objStm(o *pdfObj, s []byte) {
	n := dictInt(o.dict, "/N")
	first := dictInt(o.dict, "/First")
	if n > 100000 {
		d.tooMany++
		return
	}
	if n <= 0 || first <= 0 || first > len(s) {
		return
	}
	fields := strings.Fields(string(s[:first]))
	type entry struct{ id, off int }
	var es []entry
	for i := 0; i+1 < len(fields) && len(es) < n; i += 2 {
		id, err1 := strconv.Atoi(fields[i])
		off, err2 := strconv.Atoi(fields[i+1])
		if err1 != nil || err2 != nil || off < 0 || first+off > len(s) {
			return
		}
		es = append(es, entry{id, first + off})
	}
	for i, e := range es {
		end := len(s)
		if i+1 < len(es) && es[i+1].off >= e.off {
			end = es[i+1].off
		}
		if len(d.order) >= maxPDFObjects {
			d.tooMany++
			return
		}
		d.add(&pdfObj{id: e.id, dict: s[e.off:end], done: true})
	}
}

func dictInt(dict []byte, key string) int {
	i := bytes.Index(dict, []byte(key))
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(dict[i+len(key) : min(len(dict), i+len(key)+24)]))
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimRight(f[0], "/>"))
	return n
}

// ref reads "N G R" after key in dict.
func ref(dict []byte, key string) (int, bool) {
	i := bytes.Index(dict, []byte(key))
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(dict[i+len(key) : min(len(dict), i+len(key)+32)]))
	if len(f) < 3 || !strings.HasPrefix(f[2], "R") {
		return 0, false
	}
	n, err := strconv.Atoi(f[0])
	return n, err == nil
}

// cmap maps character codes of one font to text.
type cmap struct {
	codeLen int
	m       map[uint32]string
}

// fonts maps font resource names (/F1) to the ToUnicode map of the font
// they name. Names are taken document-wide, first definition first: PDF
// writers reuse one font object per name across pages.
func (d *pdfDoc) fonts() map[string]*cmap {
	out := map[string]*cmap{}
	cache := map[int]*cmap{}
	for _, o := range d.order {
		dict := o.dict
		i := bytes.Index(dict, []byte("/Font"))
		if i < 0 || (i+5 < len(dict) && isRegular(dict[i+5])) {
			continue
		}
		res := bytes.TrimLeft(dict[i+5:], " \r\n\t")
		if !bytes.HasPrefix(res, []byte("<<")) {
			if id, ok := ref(dict, "/Font"); ok {
				if ro := d.objs[id]; ro != nil {
					res = bytes.TrimLeft(ro.dict, " \r\n\t")
				}
			}
		}
		if !bytes.HasPrefix(res, []byte("<<")) {
			continue
		}
		if e := bytes.Index(res, []byte(">>")); e >= 0 {
			res = res[2:e]
		}
		f := strings.Fields(strings.NewReplacer("/", " /").Replace(string(res)))
		for k := 0; k+3 < len(f); k++ {
			if !strings.HasPrefix(f[k], "/") || f[k+3] != "R" {
				continue
			}
			name := f[k][1:]
			id, err := strconv.Atoi(f[k+1])
			if err != nil || out[name] != nil {
				continue
			}
			if cm, seen := cache[id]; seen {
				out[name] = cm
				continue
			}
			cache[id] = nil
			fo := d.objs[id]
			if fo == nil {
				continue
			}
			tu, ok := ref(fo.dict, "/ToUnicode")
			if !ok || d.objs[tu] == nil {
				continue
			}
			if s := d.stream(d.objs[tu]); s != nil {
				cm := parseCMap(s)
				cache[id] = cm
				out[name] = cm
			}
		}
	}
	return out
}

// parseCMap reads bfchar and bfrange entries of a ToUnicode CMap.
func parseCMap(b []byte) *cmap {
	cm := &cmap{codeLen: 1, m: map[uint32]string{}}
	hexes := func(s []byte) []string {
		var out []string
		for {
			i := bytes.IndexByte(s, '<')
			if i < 0 {
				return out
			}
			j := bytes.IndexByte(s[i:], '>')
			if j < 0 {
				return out
			}
			out = append(out, string(s[i+1:i+j]))
			s = s[i+j+1:]
		}
	}
	code := func(h string) (uint32, int) {
		v, _ := strconv.ParseUint(h, 16, 32)
		return uint32(v), (len(h) + 1) / 2
	}
	for _, sec := range sections(b, "beginbfchar", "endbfchar") {
		h := hexes(sec)
		for i := 0; i+1 < len(h); i += 2 {
			c, n := code(h[i])
			cm.codeLen = max(1, n)
			cm.m[c] = utf16hex(h[i+1])
		}
	}
	for _, sec := range sections(b, "beginbfrange", "endbfrange") {
		for _, line := range bytes.Split(sec, []byte("\n")) {
			h := hexes(line)
			if len(h) < 3 {
				continue
			}
			lo, n := code(h[0])
			hi, _ := code(h[1])
			cm.codeLen = max(1, n)
			if hi < lo || hi-lo > 65535 {
				continue
			}
			if bytes.Contains(line, []byte("[")) {
				for k, d := range h[2:] {
					cm.m[lo+uint32(k)] = utf16hex(d)
				}
				continue
			}
			base := []rune(utf16hex(h[2]))
			if len(base) == 0 {
				continue
			}
			for c := lo; c <= hi; c++ {
				r := append([]rune(nil), base...)
				r[len(r)-1] += rune(c - lo)
				cm.m[c] = string(r)
			}
		}
	}
	if len(cm.m) == 0 {
		return nil
	}
	return cm
}

func sections(b []byte, begin, end string) [][]byte {
	var out [][]byte
	for {
		i := bytes.Index(b, []byte(begin))
		if i < 0 {
			return out
		}
		b = b[i+len(begin):]
		j := bytes.Index(b, []byte(end))
		if j < 0 {
			return append(out, b)
		}
		out = append(out, b[:j])
		b = b[j:]
	}
}

func utf16hex(h string) string {
	b, err := hex.DecodeString(strings.Join(strings.Fields(h), ""))
	if err != nil {
		return ""
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return string(utf16.Decode(u))
}

func (cm *cmap) decode(s []byte, out *strings.Builder) {
	if cm == nil {
		out.WriteString(latin1(s))
		return
	}
	for i := 0; i+cm.codeLen <= len(s); i += cm.codeLen {
		var c uint32
		for k := 0; k < cm.codeLen; k++ {
			c = c<<8 | uint32(s[i+k])
		}
		if t, ok := cm.m[c]; ok {
			out.WriteString(t)
		} else if cm.codeLen == 1 && s[i] >= 0x20 {
			out.WriteRune(rune(s[i]))
		}
	}
}

// interesting PDF names.
var pdfWanted = map[string]bool{"JavaScript": true, "JS": true, "OpenAction": true, "AA": true,
	"Launch": true, "EmbeddedFile": true, "EmbeddedFiles": true, "Encrypt": true}

// pdfNames records which wanted names occur in b, undoing #xx escapes.
func pdfNames(b []byte, found map[string]bool) {
	for i := 0; i < len(b); i++ {
		if b[i] != '/' {
			continue
		}
		j := i + 1
		var name []byte
		for j < len(b) && j-i < 40 {
			c := b[j]
			if c == '#' && j+2 < len(b) && isHex(b[j+1]) && isHex(b[j+2]) {
				name = append(name, unhex(b[j+1])<<4|unhex(b[j+2]))
				j += 3
				continue
			}
			if c <= ' ' || bytes.IndexByte([]byte("/<>[]()%{}"), c) >= 0 {
				break
			}
			name = append(name, c)
			j++
		}
		if len(name) > 1 && pdfWanted[string(name)] {
			found[string(name)] = true
		}
		i = j - 1
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// pdfShowText appends the strings shown between BT and ET (Tj, TJ, ' and
// "), decoded with the current font (Tf); line moves become line breaks and
// large TJ kerning gaps spaces.
func pdfShowText(b []byte, fonts map[string]*cmap, out *strings.Builder) {
	inText := false
	var font *cmap
	lastName := ""
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '/':
			j := i + 1
			for j < len(b) && isRegular(b[j]) && j-i < 64 {
				j++
			}
			lastName = string(b[i+1 : j])
			i = j - 1
		case c == 'T' && i+1 < len(b) && b[i+1] == 'f' && (i+2 >= len(b) || !isRegular(b[i+2])):
			font = fonts[lastName]
			i++
		case c == 'B' && i+1 < len(b) && b[i+1] == 'T' && (i == 0 || isSpace(b[i-1])) && (i+2 >= len(b) || !isRegular(b[i+2])):
			inText = true
			i++
		case c == 'E' && i+1 < len(b) && b[i+1] == 'T' && (i == 0 || isSpace(b[i-1])) && (i+2 >= len(b) || !isRegular(b[i+2])):
			if inText {
				out.WriteByte('\n')
			}
			inText = false
			i++
		case c == '(' && inText:
			s, n := pdfLiteral(b[i:])
			font.decode(s, out)
			i += n - 1
		case c == '<' && inText && i+1 < len(b) && b[i+1] != '<':
			j := bytes.IndexByte(b[i:], '>')
			if j < 0 {
				return
			}
			h := strings.Join(strings.Fields(string(b[i+1:i+j])), "")
			if len(h)%2 == 1 {
				h += "0"
			}
			if s, err := hex.DecodeString(h); err == nil {
				font.decode(s, out)
			}
			i += j
		case c == ']' && inText:
			out.WriteByte(' ')
		case c == 'T' && inText && i+1 < len(b) && (b[i+1] == '*' || b[i+1] == 'd' || b[i+1] == 'D'):
			out.WriteByte('\n')
		case c == '-' && inText && i+3 < len(b) && b[i+1] >= '1' && b[i+1] <= '9' && b[i+2] >= '0' && b[i+2] <= '9' && b[i+3] >= '0' && b[i+3] <= '9':
			out.WriteByte(' ') // a kerning gap of a word space or more
		}
		if out.Len() > 16<<20 {
			return
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// pdfLiteral reads a (...) string with escapes; n is the bytes consumed.
func pdfLiteral(b []byte) ([]byte, int) {
	var s []byte
	depth := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case '(':
			depth++
			if depth == 1 {
				continue
			}
		case ')':
			depth--
			if depth == 0 {
				return s, i + 1
			}
		case '\\':
			if i+1 >= len(b) {
				return s, i + 1
			}
			i++
			switch e := b[i]; e {
			case 'n':
				s = append(s, '\n')
			case 'r', 't', 'b', 'f':
				s = append(s, ' ')
			case '\r', '\n':
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '7'; k++ {
						i++
						v = v*8 + int(b[i]-'0')
					}
					s = append(s, byte(v))
				} else {
					s = append(s, e)
				}
			}
			continue
		}
		s = append(s, c)
	}
	return s, len(b)
}

// latin1 maps PDFDocEncoding-ish bytes to UTF-8, dropping control bytes
// (glyph ids of embedded fonts that have no readable mapping).
func latin1(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c < 0x20 && c != '\n' {
			continue
		}
		sb.WriteRune(rune(c))
	}
	return sb.String()
}
