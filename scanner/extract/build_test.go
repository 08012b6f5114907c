package extract

// Builders for test messages and files. The committed testdata/mail corpus
// is written by TestWriteCorpus -update from these, so every fixture can be
// regenerated and read as code.

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"mime"
	"mime/quotedprintable"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// part is one MIME part of a test message.
type part struct {
	name, ctype string
	data        []byte
	inline      bool
}

// boundaries numbers the boundaries of nested test messages, which must
// differ (a shared boundary would split the outer message).
var boundaries int

// mail builds a multipart/mixed message (or a single text part when there
// are no parts) with CRLF line endings.
func mail(subject, body string, parts ...part) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Sam Sender <sam@example.org>\r\nTo: office@trust.example\r\nSubject: %s\r\n"+
		"Date: Mon, 23 Nov 2026 08:00:00 +0000\r\nMessage-ID: <%x@example.org>\r\nMIME-Version: 1.0\r\n",
		mime.QEncoding.Encode("utf-8", subject), len(subject)*7919+len(body))
	if len(parts) == 0 {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		b.WriteString(qp(body))
		return b.Bytes()
	}
	boundaries++
	bnd := fmt.Sprintf("=_mailward_%x_%d", len(subject)*31+len(body)*7+len(parts), boundaries)
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\nThis is a multi-part message.\r\n", bnd)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n%s\r\n", bnd, qp(body))
	for _, p := range parts {
		fmt.Fprintf(&b, "--%s\r\n", bnd)
		b.Write(partBytes(p))
	}
	fmt.Fprintf(&b, "--%s--\r\n", bnd)
	return b.Bytes()
}

func partBytes(p part) []byte {
	var b bytes.Buffer
	disp := "attachment"
	if p.inline {
		disp = "inline"
	}
	name := p.name
	nameParam := fmt.Sprintf("filename=\"%s\"", name)
	if !isASCIIString(name) {
		nameParam = "filename*=utf-8''" + urlEscape(name)
	}
	if p.ctype == "message/rfc822" {
		fmt.Fprintf(&b, "Content-Type: message/rfc822\r\nContent-Disposition: %s; %s\r\n\r\n", disp, nameParam)
		b.Write(p.data)
		b.WriteString("\r\n")
		return b.Bytes()
	}
	fmt.Fprintf(&b, "Content-Type: %s\r\nContent-Disposition: %s; %s\r\nContent-Transfer-Encoding: base64\r\n\r\n", p.ctype, disp, nameParam)
	enc := base64.StdEncoding.EncodeToString(p.data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

func isASCIIString(s string) bool {
	for _, r := range s {
		if r >= 0x80 {
			return false
		}
	}
	return true
}

func urlEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func qp(s string) string {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

// zipOf builds a zip; names ending in "!" are marked encrypted (flag bit 0)
// with unreadable content, as a password-protected entry looks to a reader.
func zipOf(files ...any) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i := 0; i+1 < len(files); i += 2 {
		name := files[i].(string)
		var data []byte
		switch d := files[i+1].(type) {
		case string:
			data = []byte(d)
		case []byte:
			data = d
		}
		h := &zip.FileHeader{Name: strings.TrimSuffix(name, "!"), Method: zip.Deflate}
		if strings.HasSuffix(name, "!") {
			h.Flags |= 0x1
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			panic(err)
		}
		w.Write(data)
	}
	zw.Close()
	return b.Bytes()
}

func tgzOf(name string, data []byte) []byte {
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg})
	tw.Write(data)
	tw.Close()
	var gb bytes.Buffer
	gw := gzip.NewWriter(&gb)
	gw.Write(tb.Bytes())
	gw.Close()
	return gb.Bytes()
}

// docx builds a Word document with paragraphs and one table; extra entries
// (such as word/vbaProject.bin) are added as given.
func docx(paras []string, table [][]string, extra ...any) []byte {
	var body strings.Builder
	for _, p := range paras {
		fmt.Fprintf(&body, `<w:p><w:r><w:t>%s</w:t></w:r></w:p>`, xmlEscape(p))
	}
	if table != nil {
		body.WriteString("<w:tbl>")
		for _, row := range table {
			body.WriteString("<w:tr>")
			for _, c := range row {
				fmt.Fprintf(&body, `<w:tc><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:tc>`, xmlEscape(c))
			}
			body.WriteString("</w:tr>")
		}
		body.WriteString("</w:tbl>")
	}
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body.String() + `</w:body></w:document>`
	files := []any{
		"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml", doc,
	}
	return zipOf(append(files, extra...)...)
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// xlsx builds a spreadsheet with excelize; a password encrypts it.
func xlsx(rows [][]string, password string) []byte {
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		for j, c := range r {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			f.SetCellValue("Sheet1", cell, c)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b, excelize.Options{Password: password}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// odf builds an OpenDocument file of the given type with content.xml.
func odf(mimeType, content string, extra ...any) []byte {
	files := []any{"mimetype", mimeType,
		"META-INF/manifest.xml", `<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>`,
		"content.xml", `<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body>` + content + `</office:body></office:document-content>`}
	return zipOf(append(files, extra...)...)
}

// pdf builds a small PDF whose page shows lines of text; extra objects
// (actions, names) are appended to the catalog dictionary. With objStm the
// catalog lives inside a compressed object stream, as modern writers (and
// evasive ones) do.
func pdf(lines []string, catalogExtra string, objStm bool) []byte {
	var content strings.Builder
	content.WriteString("BT /F1 12 Tf 72 720 Td ")
	for _, l := range lines {
		fmt.Fprintf(&content, "(%s) Tj T* ", strings.NewReplacer("(", `\(`, ")", `\)`).Replace(l))
	}
	content.WriteString("ET")
	var zc bytes.Buffer
	zw := zlib.NewWriter(&zc)
	zw.Write([]byte(content.String()))
	zw.Close()
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	catalog := "<< /Type /Catalog /Pages 2 0 R " + catalogExtra + " >>"
	if objStm {
		var zs bytes.Buffer
		zw := zlib.NewWriter(&zs)
		zw.Write([]byte("1 0 " + catalog))
		zw.Close()
		fmt.Fprintf(&b, "6 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n", zs.Len())
		b.Write(zs.Bytes())
		b.WriteString("\nendstream\nendobj\n")
	} else {
		fmt.Fprintf(&b, "1 0 obj\n%s\nendobj\n", catalog)
	}
	b.WriteString("2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n")
	b.WriteString("3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>\nendobj\n")
	fmt.Fprintf(&b, "4 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n", zc.Len())
	b.Write(zc.Bytes())
	b.WriteString("\nendstream\nendobj\n")
	b.WriteString("5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n")
	b.WriteString("trailer\n<< /Root 1 0 R /Size 7 >>\n%%EOF\n")
	return b.Bytes()
}

// pe is the start of a Windows executable: enough for any content check.
func pe() []byte {
	b := make([]byte, 512)
	copy(b, "MZ")
	binary.LittleEndian.PutUint32(b[0x3c:], 0x80)
	copy(b[0x80:], "PE\x00\x00")
	copy(b[0x100:], "This program cannot be run in DOS mode.")
	return b
}

// pngImage is a real 16x16 PNG.
func pngImage() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := 0; i < 16; i++ {
		img.Set(i, i, color.RGBA{200, 0, 0, 255})
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// isoImage is an ISO 9660 image: a primary volume descriptor at sector 16.
func isoImage() []byte {
	b := make([]byte, 0x8800)
	copy(b[0x8000:], "\x01CD001\x01")
	return b
}

// tnef builds a winmail.dat with a body and attachments (name, data pairs).
func tnef(body string, atts ...any) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint32(0x223E9F78))
	binary.Write(&b, binary.LittleEndian, uint16(0x0001))
	attr := func(level byte, tag uint32, data []byte) {
		b.WriteByte(level)
		binary.Write(&b, binary.LittleEndian, tag)
		binary.Write(&b, binary.LittleEndian, uint32(len(data)))
		b.Write(data)
		var sum uint16
		for _, c := range data {
			sum += uint16(c)
		}
		binary.Write(&b, binary.LittleEndian, sum)
	}
	attr(1, 0x0002800C, []byte(body+"\x00"))
	for i := 0; i+1 < len(atts); i += 2 {
		attr(2, 0x00069002, make([]byte, 14))
		attr(2, 0x00018010, []byte(atts[i].(string)+"\x00"))
		attr(2, 0x0006800F, atts[i+1].([]byte))
	}
	return b.Bytes()
}

// cfb builds a minimal compound file (OLE2, version 3). Streams are padded
// to at least 4096 bytes so that they live in regular sectors (no mini
// stream needed). Paths use "/" for storages: "Macros/VBA/dir".
func cfb(streams map[string][]byte) []byte {
	const sec = 512
	const (
		endChain = 0xFFFFFFFE
		freeSect = 0xFFFFFFFF
		fatSect  = 0xFFFFFFFD
		noStream = 0xFFFFFFFF
	)
	type node struct {
		name     string
		stream   bool
		data     []byte
		children []*node
		id       uint32
		start    uint32
	}
	root := &node{name: "Root Entry"}
	var order []*node
	find := func(parent *node, name string) *node {
		for _, c := range parent.children {
			if c.name == name {
				return c
			}
		}
		c := &node{name: name}
		parent.children = append(parent.children, c)
		return c
	}
	keys := make([]string, 0, len(streams))
	for k := range streams {
		keys = append(keys, k)
	}
	sortStrings(keys)
	for _, k := range keys {
		parts := strings.Split(k, "/")
		n := root
		for _, p := range parts {
			n = find(n, p)
		}
		n.stream = true
		n.data = streams[k]
		if len(n.data) < 4096 {
			n.data = append(append([]byte{}, n.data...), make([]byte, 4096-len(n.data))...)
		}
	}
	var walk func(n *node)
	walk = func(n *node) {
		n.id = uint32(len(order))
		order = append(order, n)
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(root)
	// Layout: stream sectors, then directory sectors, then FAT sectors.
	var sectors [][]byte
	var fat []uint32
	for _, n := range order {
		if !n.stream {
			continue
		}
		n.start = uint32(len(sectors))
		for off := 0; off < len(n.data); off += sec {
			s := make([]byte, sec)
			copy(s, n.data[off:])
			sectors = append(sectors, s)
			fat = append(fat, uint32(len(sectors)))
		}
		fat[len(fat)-1] = endChain
	}
	dirStart := uint32(len(sectors))
	dir := make([]byte, ((len(order)+3)/4)*sec)
	for i := range order {
		for _, off := range []int{68, 72, 76} {
			binary.LittleEndian.PutUint32(dir[i*128+off:], noStream)
		}
	}
	for i, n := range order {
		e := dir[i*128 : (i+1)*128]
		u := utf16.Encode([]rune(n.name))
		for j, c := range u {
			binary.LittleEndian.PutUint16(e[2*j:], c)
		}
		binary.LittleEndian.PutUint16(e[64:], uint16(2*len(u)+2))
		switch {
		case n == root:
			e[66] = 5
		case n.stream:
			e[66] = 2
		default:
			e[66] = 1
		}
		e[67] = 1 // black
		if len(n.children) > 0 {
			binary.LittleEndian.PutUint32(e[76:], n.children[0].id)
			for k := 0; k+1 < len(n.children); k++ {
				ce := dir[n.children[k].id*128:]
				binary.LittleEndian.PutUint32(ce[72:], n.children[k+1].id)
			}
		}
		if n.stream {
			binary.LittleEndian.PutUint32(e[116:], n.start)
			binary.LittleEndian.PutUint32(e[120:], uint32(len(n.data)))
		} else {
			binary.LittleEndian.PutUint32(e[116:], endChain)
		}
	}
	for off := 0; off < len(dir); off += sec {
		sectors = append(sectors, dir[off:off+sec])
		fat = append(fat, uint32(len(sectors)))
	}
	fat[len(fat)-1] = endChain
	// FAT sectors: enough to describe every sector including themselves.
	nFat := 1
	for (len(sectors)+nFat)*4 > nFat*sec {
		nFat++
	}
	fatStart := uint32(len(sectors))
	for i := 0; i < nFat; i++ {
		fat = append(fat, fatSect)
	}
	fatBytes := make([]byte, nFat*sec)
	for i := range fatBytes[:] {
		fatBytes[i] = 0xFF
	}
	for i, v := range fat {
		binary.LittleEndian.PutUint32(fatBytes[4*i:], v)
	}
	for i := 0; i < nFat; i++ {
		sectors = append(sectors, fatBytes[i*sec:(i+1)*sec])
	}
	h := make([]byte, sec)
	copy(h, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	binary.LittleEndian.PutUint16(h[24:], 0x3E)
	binary.LittleEndian.PutUint16(h[26:], 3)
	binary.LittleEndian.PutUint16(h[28:], 0xFFFE)
	binary.LittleEndian.PutUint16(h[30:], 9)
	binary.LittleEndian.PutUint16(h[32:], 6)
	binary.LittleEndian.PutUint32(h[44:], uint32(nFat))
	binary.LittleEndian.PutUint32(h[48:], dirStart)
	binary.LittleEndian.PutUint32(h[56:], 4096)
	binary.LittleEndian.PutUint32(h[60:], endChain)
	binary.LittleEndian.PutUint32(h[68:], endChain)
	for i := 0; i < 109; i++ {
		v := uint32(freeSect)
		if i < nFat {
			v = fatStart + uint32(i)
		}
		binary.LittleEndian.PutUint32(h[76+4*i:], v)
	}
	out := bytes.NewBuffer(h)
	for _, s := range sectors {
		out.Write(s)
	}
	return out.Bytes()
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// rtfWithObject is an RTF letter carrying an embedded OLE object.
func rtfWithObject(text string, object []byte) []byte {
	var b strings.Builder
	b.WriteString(`{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}}\f0\fs24 `)
	b.WriteString(text)
	b.WriteString(`\par `)
	if object != nil {
		b.WriteString(`{\object\objemb{\*\objclass Package}{\*\objdata 01050000020000000800000050616b6167650000000000000000`)
		fmt.Fprintf(&b, "%x", object)
		b.WriteString(`}}`)
	}
	b.WriteString(`}`)
	return []byte(b.String())
}

// rarStored builds a RAR 5 archive holding files stored uncompressed
// (name, data pairs), written from the RAR 5 format description: no RAR
// writer exists in Go and the rar tool is not free software.
func rarStored(files ...any) []byte {
	vint := func(b []byte, v uint64) []byte {
		for v >= 0x80 {
			b = append(b, byte(v)|0x80)
			v >>= 7
		}
		return append(b, byte(v))
	}
	header := func(typ, flags uint64, body []byte, dataSize int) []byte {
		h := vint(nil, typ)
		h = vint(h, flags)
		if flags&0x0002 != 0 {
			h = vint(h, uint64(dataSize))
		}
		h = append(h, body...)
		sized := vint(nil, uint64(len(h)))
		sized = append(sized, h...)
		var crc [4]byte
		binary.LittleEndian.PutUint32(crc[:], crc32.ChecksumIEEE(sized))
		return append(crc[:], sized...)
	}
	out := []byte("Rar!\x1a\x07\x01\x00")
	out = append(out, header(1, 0, vint(nil, 0), 0)...)
	for i := 0; i+1 < len(files); i += 2 {
		name, data := files[i].(string), files[i+1].([]byte)
		var body []byte
		body = vint(body, 0x0004) // file flags: data CRC32 present
		body = vint(body, uint64(len(data)))
		body = vint(body, 0x20) // attributes: archive
		var c [4]byte
		binary.LittleEndian.PutUint32(c[:], crc32.ChecksumIEEE(data))
		body = append(body, c[:]...)
		body = vint(body, 0) // compression: version 0, method store
		body = vint(body, 0) // host OS: Windows
		body = vint(body, uint64(len(name)))
		body = append(body, name...)
		out = append(out, header(2, 0x0002, body, len(data))...)
		out = append(out, data...)
	}
	out = append(out, header(5, 0, vint(nil, 0), 0)...)
	return out
}

// oneNote is a OneNote section carrying files (FileDataStoreObjects).
func oneNote(files ...[]byte) []byte {
	b := append([]byte(nil), magicOneNote...)
	b = append(b, make([]byte, 64)...)
	for _, f := range files {
		b = append(b, oneFileDataHead...)
		b = binary.LittleEndian.AppendUint64(b, uint64(len(f)))
		b = append(b, make([]byte, 12)...)
		b = append(b, f...)
		b = append(b, make([]byte, 16)...) // footer GUID, not checked
	}
	return b
}
