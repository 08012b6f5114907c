package extract

// The evasion corpus: hostile files built here, each a way content once
// passed every scanner unread (issue 11). Extraction must now either read
// the content or say it could not (Result.Limits, Item.Incomplete), and
// the end-to-end test (evasion_e2e_test.go) checks that the message ends
// with the proper finding and is held by the default rules.

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"compress/lzw"
	"compress/zlib"
	"context"
	"encoding/ascii85"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
	"github.com/xuri/excelize/v2"
)

// Evasion is one hostile message and what must become of it.
type Evasion struct {
	Name string
	// Build returns the whole message.
	Build func() []byte
	// Incomplete is a substring of the reason in Result.Limits, or "" when
	// everything must be read.
	Incomplete string
	// Read is a text that must have been extracted (a cell or a line),
	// proving the content was recovered; "" when none can be.
	Read string
	// Names are file names that must be listed as items (so that the
	// attachment scanner checks them) even where their content is unread.
	Names []string
	// Categories are the finding categories the message must end with.
	Categories []string
}

// pupilsCSV is an invented SIMS-style export of 31 pupils (UPN, DOB, SEN,
// FSM, ethnicity), 1,842 bytes; pupils.csv.bz2 is it compressed by bzip2 -9.
func pupilsCSV() []byte { return testFile("pupils.csv") }

func testFile(name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "evasion", name))
	if err != nil {
		panic(err)
	}
	return b
}

// pupilCell is a value of pupils.csv that only a full read finds (its
// last row).
const pupilCell = "V886402119600"

// rawMember is a zip member stored with any method: packed is the member's
// data as that method compressed it.
type rawMember struct {
	name   string
	method uint16
	flags  uint16
	data   []byte
	packed []byte
}

// zipRaw builds a zip of members compressed by the caller.
func zipRaw(ms ...rawMember) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, m := range ms {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: m.name, Method: m.method, Flags: m.flags, CRC32: crc32.ChecksumIEEE(m.data),
			CompressedSize64: uint64(len(m.packed)), UncompressedSize64: uint64(len(m.data))})
		if err != nil {
			panic(err)
		}
		w.Write(m.packed)
	}
	zw.Close()
	return b.Bytes()
}

// lzmaMember compresses data as a zip LZMA member (method 14): version,
// properties size, properties, then the stream; eos writes an end marker
// (and sets flag bit 1, as 7-Zip does).
func lzmaMember(name string, data []byte, eos bool) rawMember {
	var c bytes.Buffer
	size := int64(len(data))
	if eos {
		size = -1
	}
	lw, err := lzma.WriterConfig{EOSMarker: eos, Size: size}.NewWriter(&c)
	if err != nil {
		panic(err)
	}
	lw.Write(data)
	lw.Close()
	classic := c.Bytes() // 5 bytes of properties, 8 of size, then the stream
	packed := append([]byte{9, 20, 5, 0}, classic[:5]...)
	packed = append(packed, classic[13:]...)
	m := rawMember{name: name, method: 14, data: data, packed: packed}
	if eos {
		m.flags = 0x2
	}
	return m
}

func zstdMember(name string, data []byte) rawMember {
	enc, _ := zstd.NewWriter(nil)
	return rawMember{name: name, method: 93, data: data, packed: enc.EncodeAll(data, nil)}
}

func xzMember(name string, data []byte) rawMember {
	var c bytes.Buffer
	xw, _ := xz.NewWriter(&c)
	xw.Write(data)
	xw.Close()
	return rawMember{name: name, method: 95, data: data, packed: c.Bytes()}
}

// cutDirectory cuts a zip before its central directory, as a truncated
// download or a deliberately broken archive is.
func cutDirectory(z []byte) []byte {
	i := bytes.Index(z, []byte("PK\x01\x02"))
	if i < 0 {
		panic("no central directory")
	}
	return z[:i]
}

// xlsxWithZeros is a real spreadsheet of the pupils plus one extra member
// of n MiB of zeros: a small file that a size-limited reader refuses.
func xlsxWithZeros(n int) []byte {
	var rows [][]string
	for _, l := range strings.Split(strings.TrimSpace(string(pupilsCSV())), "\n") {
		rows = append(rows, strings.Split(strings.TrimSpace(l), ","))
	}
	x := xlsx(rows, "")
	zr, err := zip.NewReader(bytes.NewReader(x), int64(len(x)))
	if err != nil {
		panic(err)
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			panic(err)
		}
	}
	w, _ := zw.CreateRaw(&zip.FileHeader{Name: "xl/media/padding.bin", Method: zip.Deflate,
		CRC32: crc32.ChecksumIEEE(make([]byte, n<<20)), UncompressedSize64: uint64(n) << 20})
	w.Write(deflateZeros(n))
	zw.Close()
	return b.Bytes()
}

// pdfAfterBomb puts a Flate stream of n MiB of zeros first in a PDF whose
// page lists the pupils and whose catalog (in an object stream) runs
// JavaScript on opening.
func pdfAfterBomb(n int) []byte {
	p := pdf(strings.Split(string(pupilsCSV()), "\n"), "/OpenAction << /S /JavaScript /JS (app.launchURL('http://x.example/')) >>", true)
	var bomb bytes.Buffer
	z := append([]byte{0x78, 0xda}, deflateZeros(n)...)
	fmt.Fprintf(&bomb, "9 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n", len(z))
	bomb.Write(z)
	bomb.WriteString("\nendstream\nendobj\n")
	at := bytes.Index(p, []byte("6 0 obj"))
	return slices.Concat(p[:at], bomb.Bytes(), p[at:])
}

// pdfA85JS is a PDF whose catalog, with JavaScript run on opening, sits in
// an object stream encoded ASCII85 over Flate: a filter chain.
func pdfA85JS() []byte {
	var zs bytes.Buffer
	zw := zlib.NewWriter(&zs)
	zw.Write([]byte("1 0 << /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"))
	zw.Close()
	enc := make([]byte, ascii85.MaxEncodedLen(zs.Len()))
	enc = append(enc[:ascii85.Encode(enc, zs.Bytes())], "~>"...)
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	fmt.Fprintf(&b, "6 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter [/ASCII85Decode /FlateDecode] /Length %d >>\nstream\n", len(enc))
	b.Write(enc)
	b.WriteString("\nendstream\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
	return b.Bytes()
}

// pdfEmbedding is a PDF carrying a file in its attachments pane.
func pdfEmbedding(name string, data []byte) []byte {
	var zs bytes.Buffer
	zw := zlib.NewWriter(&zs)
	zw.Write(data)
	zw.Close()
	p := pdf([]string{"Please see the attachment."}, "/Names << /EmbeddedFiles << /Names [("+name+") 7 0 R] >> >>", false)
	var b bytes.Buffer
	fmt.Fprintf(&b, "7 0 obj\n<< /Type /Filespec /F (%s) /UF (%s) /EF << /F 8 0 R >> >>\nendobj\n", name, name)
	fmt.Fprintf(&b, "8 0 obj\n<< /Type /EmbeddedFile /Filter /FlateDecode /Length %d >>\nstream\n", zs.Len())
	b.Write(zs.Bytes())
	b.WriteString("\nendstream\nendobj\n")
	at := bytes.Index(p, []byte("trailer"))
	return slices.Concat(p[:at], b.Bytes(), p[at:])
}

// base64Mail is a message whose attachment has a base64 body the caller wrote.
func base64Mail(name, ctype, body string) []byte {
	return []byte("From: staff@trust.example\r\nTo: someone@example.com\r\nSubject: lists\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n" +
		"--b\r\nContent-Type: " + ctype + "\r\nContent-Disposition: attachment; filename=\"" + name + "\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + body + "\r\n--b--\r\n")
}

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	return b.String() + s
}

// Evasions are the five evasions and their relatives.
var Evasions = []Evasion{
	{
		Name: "xlsx with a 20 MB member of zeros",
		Build: func() []byte {
			return mail("lists", "x", part{"pupils.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsxWithZeros(20), false})
		},
		Incomplete: "attachment 1 (xlsx): spreadsheet larger than its decompression allowance",
		Categories: []string{"unscannable"},
	},
	{
		Name: "zip member compressed with bzip2",
		Build: func() []byte {
			return mail("lists", "x", part{"lists.zip", "application/zip", zipRaw(
				rawMember{name: "pupils.csv", method: 12, data: pupilsCSV(), packed: testFile("pupils.csv.bz2")}), false})
		},
		Read: pupilCell, Categories: []string{"pupil_data"},
	},
	{
		Name: "zip members compressed with LZMA, with and without an end marker",
		Build: func() []byte {
			return mail("lists", "x", part{"lists.zip", "application/zip", zipRaw(
				lzmaMember("pupils.csv", pupilsCSV(), true), lzmaMember("invoice.pdf.exe", pe(), false)), false})
		},
		Read: pupilCell, Names: []string{"invoice.pdf.exe"}, Categories: []string{"pupil_data", "suspicious_attachment"},
	},
	{
		Name: "zip members compressed with Zstandard and xz",
		Build: func() []byte {
			return mail("lists", "x", part{"lists.zip", "application/zip", zipRaw(
				zstdMember("pupils.csv", pupilsCSV()), xzMember("invoice.pdf.exe", pe())), false})
		},
		Read: pupilCell, Names: []string{"invoice.pdf.exe"}, Categories: []string{"pupil_data", "suspicious_attachment"},
	},
	{
		Name: "zip member with an unknown method: held, its name still checked",
		Build: func() []byte {
			return mail("invoice", "x", part{"invoice.zip", "application/zip", zipRaw(
				rawMember{name: "invoice.pdf.exe", method: 99, data: pe(), packed: pe()}), false})
		},
		Incomplete: "attachment 1 (zip > exe): member compressed with unsupported method 99",
		Names:      []string{"invoice.pdf.exe"}, Categories: []string{"unscannable", "suspicious_attachment"},
	},
	{
		Name: "PDF whose first stream is a zero bomb",
		Build: func() []byte {
			return mail("lists", "x", part{"pupils.pdf", "application/pdf", pdfAfterBomb(16), false})
		},
		Incomplete: "attachment 1 (pdf): PDF streams left unread after the decompression allowance",
		Categories: []string{"unscannable"},
	},
	{
		Name:  "PDF object stream behind a filter chain (ASCII85, Flate)",
		Build: func() []byte { return mail("doc", "x", part{"doc.pdf", "application/pdf", pdfA85JS(), false}) },
		// Read in full: the JavaScript is found (a trait, not text).
		Categories: []string{"suspicious_attachment"},
	},
	{
		Name: "PDF with a file in its attachments pane: the file is read",
		Build: func() []byte {
			return mail("lists", "x", part{"letter.pdf", "application/pdf", pdfEmbedding("pupils.csv", pupilsCSV()), false})
		},
		Read: pupilCell, Names: []string{"pupils.csv"}, Categories: []string{"pupil_data"},
	},
	{
		Name: "base64 with '=' between groups: read in full",
		Build: func() []byte {
			enc := base64.StdEncoding.EncodeToString(pupilsCSV())
			return base64Mail("export.csv", "text/csv", wrap76(enc[:8]+"="+enc[8:]))
		},
		Read: pupilCell, Categories: []string{"pupil_data"},
	},
	{
		Name: "base64 with padding that ends a group mid-part: readers disagree, held",
		Build: func() []byte {
			csv := pupilsCSV()
			enc := base64.StdEncoding.EncodeToString(csv[:7]) + base64.StdEncoding.EncodeToString(csv[7:])
			return base64Mail("export.csv", "text/csv", wrap76(enc))
		},
		Incomplete: "attachment 1 (csv): base64 with padding inside the data",
		Categories: []string{"unscannable"},
	},
	{
		Name: "quoted-printable with a bad escape and a 5,000-byte line: read in full",
		Build: func() []byte {
			body := "Note,=ZZ " + strings.Repeat("x", 5000) + "\r\n" + strings.ReplaceAll(string(pupilsCSV()), "\n", "\r\n")
			return []byte("From: staff@trust.example\r\nTo: someone@example.com\r\nSubject: lists\r\nMIME-Version: 1.0\r\n" +
				"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n" +
				"--b\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=\"export.csv\"\r\n" +
				"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + body + "\r\n--b--\r\n")
		},
		Read: pupilCell, Categories: []string{"pupil_data"},
	},
	{
		Name: "zip with its central directory cut off: recovered and held",
		Build: func() []byte {
			return mail("lists", "x", part{"lists.zip", "application/zip",
				cutDirectory(zipOf("pupils.csv", pupilsCSV(), "invoice.pdf.exe", pe())), false})
		},
		Incomplete: "attachment 1 (zip): zip directory missing or damaged, members read from local headers",
		Read:       pupilCell, Names: []string{"invoice.pdf.exe"},
		Categories: []string{"unscannable", "pupil_data", "suspicious_attachment"},
	},
	{
		Name: "zip cut off, stored members with data descriptors",
		Build: func() []byte {
			var b bytes.Buffer
			zw := zip.NewWriter(&b)
			for _, m := range []struct {
				name string
				data []byte
			}{{"invoice.pdf.exe", pe()}, {"pupils.csv", pupilsCSV()}} {
				w, _ := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: zip.Store})
				w.Write(m.data)
			}
			zw.Close()
			return mail("lists", "x", part{"lists.zip", "application/zip", cutDirectory(b.Bytes()), false})
		},
		Incomplete: "zip directory missing or damaged",
		Read:       pupilCell, Names: []string{"invoice.pdf.exe"},
		Categories: []string{"unscannable", "pupil_data", "suspicious_attachment"},
	},
	{
		Name: "zip cut off with stored and bzip2 members",
		Build: func() []byte {
			z := zipRaw(rawMember{name: "invoice.pdf.exe", method: zip.Store, data: pe(), packed: pe()},
				rawMember{name: "pupils.csv", method: 12, data: pupilsCSV(), packed: testFile("pupils.csv.bz2")})
			return mail("lists", "x", part{"lists.zip", "application/zip", cutDirectory(z), false})
		},
		Incomplete: "zip directory missing or damaged",
		Read:       pupilCell, Names: []string{"invoice.pdf.exe"},
		Categories: []string{"unscannable", "pupil_data", "suspicious_attachment"},
	},
	{
		Name: "two zips joined: the members only the first one's directory lists are read too",
		Build: func() []byte {
			z := slices.Concat(zipOf("pupils.csv", pupilsCSV(), "invoice.pdf.exe", pe()), zipOf("notes.txt", "Nothing to see."))
			return mail("lists", "x", part{"lists.zip", "application/zip", z, false})
		},
		Read: pupilCell, Names: []string{"invoice.pdf.exe", "notes.txt"},
		Categories: []string{"pupil_data", "suspicious_attachment"},
	},
	{
		Name: "gzip of two members: the second is read too",
		Build: func() []byte {
			var b bytes.Buffer
			for _, d := range [][]byte{[]byte("UPN,Legal Surname,Legal Forename,DOB,Gender,Year,Reg,SEN Status,FSM Eligible,EAL,Ethnicity\n"),
				bytes.SplitN(pupilsCSV(), []byte("\n"), 2)[1]} {
				gw := gzip.NewWriter(&b)
				gw.Write(d)
				gw.Close()
			}
			return mail("lists", "x", part{"export.csv.gz", "application/gzip", b.Bytes(), false})
		},
		Read: pupilCell, Categories: []string{"pupil_data"},
	},
	{
		Name: "zip whose member's deflate stream is corrupt",
		Build: func() []byte {
			z := zipOf("pupils.csv", pupilsCSV())
			i := bytes.Index(z, []byte("pupils.csv")) + len("pupils.csv") + 40
			for k := i; k < i+40; k++ {
				z[k] = 0xff
			}
			return mail("lists", "x", part{"lists.zip", "application/zip", z, false})
		},
		Incomplete: "attachment 1 (zip): member could not be fully decompressed",
		Categories: []string{"unscannable"},
	},
}

// TestEvasions: each hostile file is either read in full or reported as
// not fully read, with the reason naming the attachment by index and type.
func TestEvasions(t *testing.T) {
	for _, ev := range Evasions {
		t.Run(ev.Name, func(t *testing.T) {
			raw := ev.Build()
			w := newWalker(context.Background(), Limits{})
			if err := w.run(raw); err != nil {
				t.Fatal(err)
			}
			r := w.res
			if ev.Incomplete == "" && len(r.Limits) > 0 {
				t.Errorf("limits %v, want everything read", r.Limits)
			}
			if ev.Incomplete != "" {
				if !slices.ContainsFunc(r.Limits, func(l string) bool { return strings.Contains(l, ev.Incomplete) }) {
					t.Errorf("limits %v, want one containing %q", r.Limits, ev.Incomplete)
				}
				// The fact is carried by the attachment too.
				top := r.Items[0]
				if top.Complete() || !slices.ContainsFunc(top.Incomplete, func(l string) bool { return strings.Contains(l, ev.Incomplete) }) {
					t.Errorf("attachment 1 incomplete %v, want %q", top.Incomplete, ev.Incomplete)
				}
			}
			for _, l := range r.Limits {
				if strings.Contains(l, "pupils") || strings.Contains(l, "invoice") || strings.Contains(l, "A8864") {
					t.Errorf("reason %q names a file or content", l)
				}
			}
			if ev.Read != "" && !readsText(r, ev.Read) {
				t.Errorf("%q not read", ev.Read)
			}
			for _, n := range ev.Names {
				if !slices.ContainsFunc(r.Items, func(it *Item) bool { return it.FileName == n }) {
					t.Errorf("no item named %q", n)
				}
			}
		})
	}
}

// readsText reports whether s is in a text or a table cell of r.
func readsText(r *Result, s string) bool {
	for _, x := range r.Texts {
		if strings.Contains(x.Content, s) {
			return true
		}
	}
	for _, tb := range r.Tables {
		for _, row := range tb.Rows {
			if slices.Contains(row, s) {
				return true
			}
		}
	}
	return false
}

// TestOrdinaryFilesComplete: the ordinary fixtures (xlsx, docx, zip, pdf,
// ODF, 7z, tgz, TNEF, Outlook, legacy Office...) are read in full.
func TestOrdinaryFilesComplete(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "mail", "clean-*.eml"))
	if len(files) < 15 {
		t.Fatalf("only %d clean fixtures", len(files))
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Extract(context.Background(), raw, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Limits) > 0 {
			t.Errorf("%s: %v", filepath.Base(f), r.Limits)
		}
		for _, it := range r.Items {
			if !it.Complete() {
				t.Errorf("%s: %s incomplete %v", filepath.Base(f), it.Path, it.Incomplete)
			}
		}
	}
}

// TestEvasionFiles: the committed bzip2 blob is pupils.csv compressed.
func TestEvasionFiles(t *testing.T) {
	zr := zipRaw(rawMember{name: "p.csv", method: 12, data: pupilsCSV(), packed: testFile("pupils.csv.bz2")})
	r, err := zip.NewReader(bytes.NewReader(zr), int64(len(zr)))
	if err != nil {
		t.Fatal(err)
	}
	registerDecompressors(r)
	rc, err := r.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := b.ReadFrom(rc); err != nil || !bytes.Equal(b.Bytes(), pupilsCSV()) {
		t.Errorf("pupils.csv.bz2 reads as %d bytes (%v), want pupils.csv", b.Len(), err)
	}
}

// TestSpreadsheetComments: text in a spreadsheet's cell comments is read,
// not only its cells.
func TestSpreadsheetComments(t *testing.T) {
	f := excelize.NewFile()
	f.SetCellValue("Sheet1", "A1", "Register")
	if err := f.AddComment("Sheet1", excelize.Comment{Cell: "A1", Author: "Office", Text: "Ada Lovelace: EHCP review due"}); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	r, err := Extract(context.Background(), mail("x", "x", part{"r.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b.Bytes(), false}), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !readsText(r, "EHCP review due") || len(r.Limits) > 0 {
		t.Errorf("comment not read (limits %v)", r.Limits)
	}
}

// TestZipSignatureInside: the local header signature inside a stored
// member or the archive comment is no hidden member, and the archive is
// read in full.
func TestZipSignatureInside(t *testing.T) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "letter.bin", Method: zip.Store})
	w.Write([]byte("data PK\x03\x04\x14\x00\x00\x00\x00\x00 more data"))
	zw.SetComment("PK\x03\x04\xff\xff\xff\xff\x99\x00 not a header")
	zw.Close()
	r, err := Extract(context.Background(), mail("x", "x", part{"a.zip", "application/zip", b.Bytes(), false}), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Limits) > 0 || len(r.Items) != 2 || r.Items[1].FileName != "letter.bin" || len(r.Problems) > 0 {
		var names []string
		for _, it := range r.Items {
			names = append(names, it.Path)
		}
		t.Errorf("items %v, limits %v, problems %v", names, r.Limits, r.Problems)
	}
}

// TestPDFLZW: LZWDecode streams (older PDF writers) are read, checked
// against compress/lzw, whose code width grows late (/EarlyChange 0).
// PDF's default early change (as pdf.js reads it) differs only once the
// table passes 510 codes, so short data decodes alike both ways.
func TestPDFLZW(t *testing.T) {
	for _, n := range []int{0, 1, 100, 5000, 200000} {
		data := []byte(strings.Repeat("Spring term starts 5 January; ", n/30+1))[:n]
		for i := range data {
			if i%7 == 0 {
				data[i] = byte(i * 31)
			}
		}
		var b bytes.Buffer
		lw := lzw.NewWriter(&b, lzw.MSB, 8)
		lw.Write(data)
		lw.Close()
		got, ok := lzwPDF(b.Bytes(), 1<<30, false)
		if !ok || !bytes.Equal(got, data) {
			t.Errorf("n=%d: decoded %d bytes (ok %v), differ", n, len(got), ok)
		}
		if n <= 100 {
			if got, ok := lzwPDF(b.Bytes(), 1<<30, true); !ok || !bytes.Equal(got, data) {
				t.Errorf("n=%d, early change: decoded %d bytes (ok %v), differ", n, len(got), ok)
			}
		}
	}
}

// TestLocalEntries: walking local headers finds each member's exact data,
// whether its sizes are in its header or deferred to a data descriptor.
func TestLocalEntries(t *testing.T) {
	data := map[string][]byte{"a.exe": pe(), "b.csv": pupilsCSV(), "c.txt": []byte("short")}
	for _, method := range []uint16{zip.Store, zip.Deflate} {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		for _, n := range []string{"a.exe", "b.csv", "c.txt"} {
			w, _ := zw.CreateHeader(&zip.FileHeader{Name: n, Method: method}) // sizes deferred
			w.Write(data[n])
		}
		zw.Close()
		es, _ := localEntries(cutDirectory(b.Bytes()), nil)
		if len(es) != 3 {
			t.Fatalf("method %d: %d entries", method, len(es))
		}
		for _, e := range es {
			r, err := openLocal(e)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			got.ReadFrom(r)
			if e.flags&0x8 == 0 || e.truncated || !bytes.Equal(got.Bytes(), data[e.name]) {
				t.Errorf("method %d, %s: flags %x truncated %v, %d bytes, want %d", method, e.name, e.flags, e.truncated, got.Len(), len(data[e.name]))
			}
		}
	}
}

// TestEncryptedPDFNotIncomplete: a password-protected PDF's streams cannot
// be inflated; that is reported as Encrypted (the policy's business), not
// as content left unread.
func TestEncryptedPDFNotIncomplete(t *testing.T) {
	p := pdf([]string{"Report"}, "", false)
	junk := bytes.Repeat([]byte{0x9c, 0x13, 0xf7, 0x42}, 64)
	enc := slices.Concat(p[:bytes.Index(p, []byte("trailer"))],
		[]byte(fmt.Sprintf("7 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n", len(junk))), junk, []byte("\nendstream\nendobj\n"),
		[]byte("trailer\n<< /Root 1 0 R /Encrypt 8 0 R >>\n%%EOF\n"))
	r, err := Extract(context.Background(), mail("x", "x", part{"report.pdf", "application/pdf", enc, false}), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Items[0].Encrypted || len(r.Limits) > 0 {
		t.Errorf("encrypted %v, limits %v", r.Items[0].Encrypted, r.Limits)
	}
	// The same junk stream in a PDF that is not encrypted is unread content.
	plain := bytes.Replace(enc, []byte(" /Encrypt 8 0 R"), nil, 1)
	r, _ = Extract(context.Background(), mail("x", "x", part{"report.pdf", "application/pdf", plain, false}), Limits{})
	if !slices.ContainsFunc(r.Limits, func(l string) bool { return strings.Contains(l, "PDF stream could not be decompressed") }) {
		t.Errorf("limits %v, want the undecodable stream", r.Limits)
	}
}

// TestSpreadsheetSheets: a workbook with a chart sheet, an empty sheet and
// sparse rows is read in full; a sheet longer than the table limit is not.
func TestSpreadsheetSheets(t *testing.T) {
	build := func(rows int) []byte {
		f := excelize.NewFile()
		f.SetCellValue("Sheet1", "A1", "Name")
		f.SetCellValue("Sheet1", fmt.Sprintf("A%d", rows), "Last row")
		f.NewSheet("Empty")
		f.SetCellValue("Sheet1", "B2", 3)
		if err := f.AddChartSheet("Chart", &excelize.Chart{Type: excelize.Col,
			Series: []excelize.ChartSeries{{Name: "Sheet1!$A$1", Categories: "Sheet1!$A$2:$A$3", Values: "Sheet1!$B$2:$B$3"}}}); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := f.Write(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for _, tc := range []struct {
		rows  int
		limit string
	}{{500, ""}, {maxTableRows + 5, fmt.Sprintf("sheet rows beyond %d not read", maxTableRows)}} {
		r, err := Extract(context.Background(), mail("x", "x", part{"w.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", build(tc.rows), false}), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case tc.limit == "" && (len(r.Limits) > 0 || !readsText(r, "Last row")):
			t.Errorf("%d rows: limits %v, last row read %v", tc.rows, r.Limits, readsText(r, "Last row"))
		case tc.limit != "" && !slices.ContainsFunc(r.Limits, func(l string) bool { return strings.Contains(l, tc.limit) }):
			t.Errorf("%d rows: limits %v, want %q", tc.rows, r.Limits, tc.limit)
		}
	}
}
