package pupildata

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"strings"

	"github.com/mailward/mailward/scanner"
)

// SentEncrypted reports whether the whole message travels encrypted (S/MIME
// enveloped data, PGP/MIME, or a body that is only an inline PGP message),
// and how. Such a message raises no pupil_data finding; the pipeline may
// record the returned word ("S/MIME", "PGP/MIME", "inline PGP") in the
// message log as "sent encrypted".
//
// Encrypted attachments (a password-protected zip or 7z, an encrypted
// Office document or PDF: Attachment.Encrypted, set by extraction) are
// skipped one by one instead: the rest of the message is still read.
func SentEncrypted(m *scanner.Message) (bool, string) {
	ct := ""
	if m.Header != nil {
		ct = m.Header.Get("Content-Type")
	}
	mt, params, _ := mime.ParseMediaType(ct)
	switch mt {
	case "multipart/encrypted":
		return true, "PGP/MIME"
	case "application/pkcs7-mime", "application/x-pkcs7-mime":
		switch strings.ToLower(params["smime-type"]) {
		case "enveloped-data", "authenveloped-data", "":
			return true, "S/MIME"
		}
	}
	if inlinePGP(m) {
		return true, "inline PGP"
	}
	return false, ""
}

// inlinePGP reports whether the body (m.Body, trimmed) is one PGP armour
// block. It looks at the first and last body texts that are not blank
// rather than joining them all: SentEncrypted runs for every message, some
// of them megabytes long. The armour lines hold no newline, so they cannot
// span the blank lines Body puts between texts.
func inlinePGP(m *scanner.Message) bool {
	first, last := "", ""
	for _, t := range m.Texts {
		if t.Kind != scanner.KindPlain && t.Kind != scanner.KindHTML {
			continue
		}
		if c := strings.TrimSpace(t.Content); c != "" {
			if first == "" {
				first = c
			}
			last = c
		}
	}
	return strings.HasPrefix(first, "-----BEGIN PGP MESSAGE-----") && strings.HasSuffix(last, "-----END PGP MESSAGE-----")
}

// EncryptedItems names the encrypted or password-protected attachments of
// a message by index and type ("attachment 1 (zip)"), never by file name,
// for the message log's "sent encrypted" record. Their content was not
// read and raised no finding.
func EncryptedItems(m *scanner.Message) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range m.Attachments {
		if !encryptedItem(a) {
			continue
		}
		s := fmt.Sprintf("attachment %d (%s)", a.Index, typeLabel(m, a))
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// encryptedItem reports a password-protected or encrypted item: flagged by
// extraction, or an S/MIME or PGP container by type, name or content. Its
// content is skipped. Items unpacked from under it were readable, so they
// are judged: the plain entries of a zip whose other entries are
// encrypted travel unprotected.
func encryptedItem(a *scanner.Attachment) bool {
	if a.Encrypted {
		return true
	}
	switch a.DeclaredType {
	case "application/pkcs7-mime", "application/x-pkcs7-mime", "application/pgp-encrypted":
		return true
	}
	switch strings.ToLower(path.Ext(a.FileName)) {
	case ".p7m", ".pgp", ".gpg":
		return true
	}
	return bytes.HasPrefix(bytes.TrimSpace(a.Data), []byte("-----BEGIN PGP MESSAGE-----"))
}

// typeLabel names an attachment's type for summaries: its extension when
// that is a plain short word, else from its content type; for an item
// unpacked from an archive, "xlsx in zip". Never the file name.
func typeLabel(m *scanner.Message, a *scanner.Attachment) string {
	t := shortType(a)
	if a.Depth > 0 {
		for _, top := range m.Attachments {
			if top.Index == a.Index && top.Depth == 0 && top != a {
				return t + " in " + shortType(top)
			}
		}
	}
	return t
}

func shortType(a *scanner.Attachment) string {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(a.FileName), "."))
	if len(ext) >= 2 && len(ext) <= 5 && !isDigits(ext) && isLowerAlnum(ext) {
		return ext
	}
	for _, t := range []string{a.SniffedType, a.DeclaredType} {
		mt, _, _ := mime.ParseMediaType(t)
		switch mt {
		case "text/csv":
			return "csv"
		case "text/tab-separated-values":
			return "tsv"
		case "text/plain":
			return "txt"
		case "application/pdf":
			return "pdf"
		case "application/zip":
			return "zip"
		case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
			return "xlsx"
		case "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
			return "docx"
		case "application/vnd.oasis.opendocument.spreadsheet":
			return "ods"
		case "text/html":
			return "html"
		}
	}
	return "file"
}

func isLowerAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !(s[i] >= 'a' && s[i] <= 'z' || isDigit(s[i])) {
			return false
		}
	}
	return true
}

// spreadsheet reports an item that is only cells (CSV, TSV, spreadsheets):
// its text adds nothing to its tables.
func spreadsheet(a *scanner.Attachment) bool {
	if delimitedText(a) {
		return true
	}
	switch strings.ToLower(path.Ext(a.FileName)) {
	case ".xlsx", ".xlsm", ".xls", ".ods":
		return true
	}
	return strings.Contains(a.SniffedType, "spreadsheet") || strings.Contains(a.SniffedType, "ms-excel")
}

// delimitedText reports a CSV or TSV attachment by name or type.
func delimitedText(a *scanner.Attachment) bool {
	switch strings.ToLower(path.Ext(a.FileName)) {
	case ".csv", ".tsv", ".tab":
		return true
	}
	for _, t := range []string{a.DeclaredType, a.SniffedType} {
		mt, _, _ := mime.ParseMediaType(t)
		if mt == "text/csv" || mt == "text/tab-separated-values" || mt == "application/csv" {
			return true
		}
	}
	return false
}

// maxDelimitedRows bounds the rows read from one CSV or TSV attachment: a
// pupil list is judged long before this, and the scan budget is shared.
const maxDelimitedRows = 200000

// parseDelimited reads CSV, semicolon-separated or TSV data, choosing the
// separator the first line uses most. Broken quoting or the row bound ends
// the read: rows read so far are kept, and unread says what was not read.
func parseDelimited(data []byte) (rows [][]string, unread string) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	first := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		first = data[:i]
	}
	sep, best := ',', bytes.Count(first, []byte{','})
	for _, c := range []rune{'\t', ';'} {
		if n := bytes.Count(first, []byte(string(c))); n > best {
			sep, best = c, n
		}
	}
	if best == 0 {
		return nil, ""
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = sep
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, ""
		}
		if err != nil {
			return rows, fmt.Sprintf("rows after broken quoting at row %d", len(rows)+1)
		}
		if len(rows) == maxDelimitedRows {
			return rows, fmt.Sprintf("rows beyond %d", maxDelimitedRows)
		}
		rows = append(rows, rec)
	}
}
