package extract

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// maxTableRows and maxTableCols bound one extracted table; repeated-cell
// tricks (ODF's number-columns-repeated="16384") must not explode memory.
const (
	maxTableRows = 100000
	maxTableCols = 512
	maxRepeat    = 64
)

// ooxml reads a Word, Excel or PowerPoint (Open XML) file: its text, its
// tables, whether it carries macros or pulls remote content, and the files
// embedded in it, which are extracted as children.
func (w *walker) ooxml(it *Item, zr *zip.Reader) {
	b := w.newBudget(it)
	var textParts []*zip.File
	var sheets bool
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		base := path.Base(name)
		switch {
		case base == "vbaproject.bin" || base == "vbadata.xml":
			it.addTrait(TraitMacros)
		case strings.HasSuffix(name, ".rels") && f.UncompressedSize64 < 1<<20:
			if data, ok := w.readZip(f, it, b); ok && bytes.Contains(data, []byte(`TargetMode="External"`)) &&
				(bytes.Contains(data, []byte("attachedTemplate")) || bytes.Contains(data, []byte("/frame")) || bytes.Contains(data, []byte("oleObject"))) {
				it.addTrait(TraitExternalRef)
			}
		case strings.Contains(name, "/embeddings/") || strings.Contains(name, "/activex/"):
			if strings.HasPrefix(base, "oleobject") || strings.Contains(name, "/activex/") {
				it.addTrait(TraitOLEObject)
			}
			if strings.Contains(name, "/activex/") {
				continue
			}
			if !w.deeper(it) {
				continue
			}
			data, ok := w.readZip(f, it, b)
			if !ok {
				return
			}
			c := w.newItem(it, path.Base(f.Name), "", data)
			c.Path = it.Path + "/" + cleanPath(f.Name)
			w.inspect(c)
		case name == "word/document.xml" || strings.HasPrefix(name, "word/header") || strings.HasPrefix(name, "word/footer") ||
			name == "word/footnotes.xml" || name == "word/endnotes.xml" || name == "word/comments.xml" ||
			strings.HasPrefix(name, "ppt/slides/slide") || strings.HasPrefix(name, "ppt/notesslides/"),
			// Cell comments and text boxes of a spreadsheet: text that
			// reading the cells misses.
			strings.HasPrefix(name, "xl/comments") && strings.HasSuffix(name, ".xml"),
			strings.HasPrefix(name, "xl/drawings/drawing") && strings.HasSuffix(name, ".xml"):
			textParts = append(textParts, f)
		case name == "xl/workbook.xml":
			sheets = true
		}
		if w.stopped {
			return
		}
	}
	sort.SliceStable(textParts, func(i, j int) bool { return naturalLess(textParts[i].Name, textParts[j].Name) })
	var text strings.Builder
	for _, f := range textParts {
		data, ok := w.readZip(f, it, b)
		if !ok {
			return
		}
		t, tables := xmlText(data, strings.HasPrefix(strings.ToLower(f.Name), "word/"))
		text.WriteString(t)
		text.WriteString("\n")
		for i, rows := range tables {
			w.addTable(it, fmt.Sprintf("%s table %d", path.Base(f.Name), i+1), rows)
		}
		if text.Len() > w.lim.MaxTextBytes {
			w.incomplete(it, fmt.Sprintf("text beyond %d MB not read", w.lim.MaxTextBytes>>20))
			break
		}
	}
	if sheets {
		text.WriteString(w.xlsx(it, b))
	}
	s := strings.TrimSpace(text.String())
	w.charge(int64(len(s)), it.Index)
	w.addText(it, KindAttachment, s)
}

// xlsx reads every sheet with excelize, bounded by the container budget,
// and returns the cells as text (tab-separated rows) besides the tables.
func (w *walker) xlsx(it *Item, b *budget) (text string) {
	defer func() {
		if p := recover(); p != nil {
			w.problem(fmt.Sprintf("spreadsheet in attachment %d: %v", it.Index, p))
			w.incomplete(it, "spreadsheet could not be read")
		}
	}()
	lim := b.left
	if r := w.remaining(); r < lim {
		lim = r
	}
	if lim < 1024 {
		lim = 1024
	}
	xml := lim
	if xml > 64<<20 {
		xml = 64 << 20
	}
	f, err := excelize.OpenReader(bytes.NewReader(it.Data), excelize.Options{UnzipSizeLimit: lim, UnzipXMLSizeLimit: xml})
	if err != nil {
		w.problem(fmt.Sprintf("spreadsheet in attachment %d: %v", it.Index, err))
		if strings.Contains(err.Error(), "unzip size exceeds") {
			w.incomplete(it, "spreadsheet larger than its decompression allowance")
		} else {
			w.incomplete(it, "spreadsheet could not be read")
		}
		return ""
	}
	defer f.Close()
	var sb strings.Builder
	for _, sheet := range f.GetSheetList() {
		if w.expired(it.Index) {
			break
		}
		rows, err := sheetRows(f, sheet)
		switch {
		case errors.Is(err, errRowsCut):
			w.incomplete(it, fmt.Sprintf("sheet rows beyond %d not read", maxTableRows))
		case err != nil:
			w.incomplete(it, "spreadsheet sheet could not be read")
		}
		if len(rows) == 0 {
			continue
		}
		n := 0
		for i, r := range rows {
			if len(r) > maxTableCols {
				rows[i] = r[:maxTableCols]
				w.incomplete(it, fmt.Sprintf("sheet columns beyond %d not read", maxTableCols))
			}
			for _, c := range rows[i] {
				n += len(c) + 1
			}
			if sb.Len() < w.lim.MaxTextBytes {
				sb.WriteString(strings.Join(rows[i], "\t"))
				sb.WriteByte('\n')
			}
		}
		if !w.charge(int64(n), it.Index) {
			break
		}
		w.addTable(it, sheet, rows)
	}
	return sb.String()
}

// errRowsCut says a sheet has rows beyond maxTableRows.
var errRowsCut = errors.New("rows beyond the table limit")

// sheetRows is excelize's GetRows, except that a row it cannot read is an
// error rather than the silent end of the sheet; the rows before it are
// returned with the error.
func sheetRows(f *excelize.File, sheet string) ([][]string, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	cur, last := 0, 0
	for rows.Next() {
		cur++
		if cur > maxTableRows {
			return out[:last], errRowsCut
		}
		row, err := rows.Columns()
		if err != nil {
			return out[:last], err
		}
		if len(row) > 0 {
			for len(out) < cur-1 {
				out = append(out, nil)
			}
			out = append(out, row)
			last = cur
		}
	}
	if err := rows.Error(); err != nil {
		return out[:last], err
	}
	return out[:last], nil
}

// odf reads an OpenDocument file (odt, ods, odp): text, tables, macros and
// encryption (manifest encryption-data).
func (w *walker) odf(it *Item, zr *zip.Reader) {
	b := w.newBudget(it)
	for _, f := range zr.File {
		name := f.Name
		switch {
		case strings.HasPrefix(name, "Basic/") && strings.HasSuffix(name, ".xml") && path.Base(name) != "script-lc.xml" && path.Base(name) != "dialog-lc.xml",
			strings.HasPrefix(name, "Scripts/"):
			it.addTrait(TraitMacros)
		case name == "META-INF/manifest.xml":
			if data, ok := w.readZip(f, it, b); ok && bytes.Contains(data, []byte("encryption-data")) {
				it.Encrypted = true
			}
		case strings.HasPrefix(name, "Object ") && !strings.Contains(name, "/"), strings.HasPrefix(name, "ObjectReplacements/"):
			if strings.HasPrefix(name, "Object ") {
				it.addTrait(TraitOLEObject)
			}
		}
	}
	if it.Encrypted {
		return
	}
	for _, f := range zr.File {
		if f.Name != "content.xml" {
			continue
		}
		data, ok := w.readZip(f, it, b)
		if !ok {
			return
		}
		if bytes.Contains(data, []byte("script:event-listener")) {
			it.addTrait(TraitMacros)
		}
		text, tables := odfText(data)
		w.charge(int64(len(text)), it.Index)
		w.addText(it, KindAttachment, text)
		for _, t := range tables {
			w.addTable(it, t.name, t.rows)
		}
	}
}

// readZip reads one zip member within the budgets.
func (w *walker) readZip(f *zip.File, it *Item, b *budget) ([]byte, bool) {
	rc, err := f.Open()
	if err != nil {
		w.problem(fmt.Sprintf("zip member in attachment %d: %v", it.Index, err))
		if errors.Is(err, zip.ErrAlgorithm) {
			w.incomplete(it, fmt.Sprintf("member compressed with unsupported method %d", f.Method))
		} else {
			w.incomplete(it, "member could not be opened")
		}
		return nil, true
	}
	defer rc.Close()
	return w.read(rc, it, b, int64(min(f.UncompressedSize64, 1<<62)))
}

// xmlText extracts the text of a WordprocessingML or DrawingML part:
// runs (t), tabs and breaks, paragraphs as lines; with tables set, Word
// tables (tbl/tr/tc) are also returned as rows of cell text.
func xmlText(data []byte, tables bool) (string, [][][]string) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	var sb strings.Builder
	inText := false
	var out [][][]string
	type tbl struct {
		rows [][]string
		row  []string
		cell *strings.Builder
	}
	var stack []*tbl
	for {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inText = true
			case "tab":
				sb.WriteByte('\t')
			case "br", "cr":
				sb.WriteByte('\n')
			case "tbl":
				if tables && len(stack) < 16 {
					stack = append(stack, &tbl{})
				}
			case "tr":
				if len(stack) > 0 {
					stack[len(stack)-1].row = nil
				}
			case "tc":
				if len(stack) > 0 {
					stack[len(stack)-1].cell = &strings.Builder{}
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				sb.WriteByte('\n')
				if len(stack) > 0 && stack[len(stack)-1].cell != nil && stack[len(stack)-1].cell.Len() > 0 {
					stack[len(stack)-1].cell.WriteByte(' ')
				}
			case "tc":
				if len(stack) > 0 {
					top := stack[len(stack)-1]
					if top.cell != nil && len(top.row) < maxTableCols {
						top.row = append(top.row, strings.TrimSpace(top.cell.String()))
					}
					top.cell = nil
				}
			case "tr":
				if len(stack) > 0 {
					top := stack[len(stack)-1]
					if len(top.rows) < maxTableRows {
						top.rows = append(top.rows, top.row)
					}
					top.row = nil
				}
			case "tbl":
				if len(stack) > 0 {
					out = append(out, stack[len(stack)-1].rows)
					stack = stack[:len(stack)-1]
				}
			}
		case xml.CharData:
			if inText {
				sb.Write(t)
				if len(stack) > 0 && stack[len(stack)-1].cell != nil {
					stack[len(stack)-1].cell.Write(t)
				}
			}
		}
	}
	return sb.String(), out
}

type odfTable struct {
	name string
	rows [][]string
}

// odfText extracts text and tables from an OpenDocument content.xml.
func odfText(data []byte) (string, []odfTable) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	var sb strings.Builder
	var tables []odfTable
	var cur *odfTable
	var row []string
	var cell *strings.Builder
	rowRepeat, cellRepeat := 1, 1
	textDepth := 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "p", "h":
				textDepth++
			case "s":
				sb.WriteByte(' ')
			case "tab":
				sb.WriteByte('\t')
			case "line-break":
				sb.WriteByte('\n')
			case "table":
				if t.Name.Space == "table" {
					cur = &odfTable{name: attr(t, "name")}
				}
			case "table-row":
				row = nil
				rowRepeat = repeat(attr(t, "number-rows-repeated"))
			case "table-cell", "covered-table-cell":
				cell = &strings.Builder{}
				cellRepeat = repeat(attr(t, "number-columns-repeated"))
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "p", "h":
				if textDepth > 0 {
					textDepth--
				}
				sb.WriteByte('\n')
				if cell != nil && cell.Len() > 0 {
					cell.WriteByte(' ')
				}
			case "table-cell", "covered-table-cell":
				if cell != nil {
					v := strings.TrimSpace(cell.String())
					n := cellRepeat
					if v == "" && n > 1 {
						n = 1 // trailing empty columns repeated to the sheet's edge
					}
					for i := 0; i < n && len(row) < maxTableCols; i++ {
						row = append(row, v)
					}
				}
				cell = nil
			case "table-row":
				if cur != nil {
					for len(row) > 0 && row[len(row)-1] == "" {
						row = row[:len(row)-1]
					}
					n := rowRepeat
					if len(row) == 0 {
						n = 1
					}
					for i := 0; i < n && len(cur.rows) < maxTableRows; i++ {
						cur.rows = append(cur.rows, row)
					}
				}
			case "table":
				if cur != nil && t.Name.Space == "table" {
					for len(cur.rows) > 0 && len(cur.rows[len(cur.rows)-1]) == 0 {
						cur.rows = cur.rows[:len(cur.rows)-1]
					}
					tables = append(tables, *cur)
					cur = nil
				}
			}
		case xml.CharData:
			if textDepth > 0 {
				sb.Write(t)
				if cell != nil {
					cell.Write(t)
				}
			}
		}
	}
	return strings.TrimSpace(sb.String()), tables
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func repeat(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 1
	}
	if n > maxRepeat {
		return maxRepeat
	}
	return n
}

// naturalLess orders slide2 before slide10.
func naturalLess(a, b string) bool {
	na, nb := trailingNum(a), trailingNum(b)
	pa := strings.TrimRight(strings.TrimSuffix(a, path.Ext(a)), "0123456789")
	pb := strings.TrimRight(strings.TrimSuffix(b, path.Ext(b)), "0123456789")
	if pa == pb && na >= 0 && nb >= 0 {
		return na < nb
	}
	return a < b
}

func trailingNum(s string) int {
	s = strings.TrimSuffix(s, path.Ext(s))
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n, err := strconv.Atoi(s[i:])
	if err != nil {
		return -1
	}
	return n
}

var _ io.Reader = (*bytes.Reader)(nil)
