package extract

import (
	"bytes"
	"encoding/csv"
	"io"
	"path"
	"strings"
)

// tableItem reads CSV or TSV into a table (and its text).
func (w *walker) tableItem(it *Item) {
	text := decodeText(it.Data, it.charset, false)
	w.addText(it, KindAttachment, text)
	rows := parseDelimited(text, delimiter(it, text))
	w.addTable(it, it.FileName, rows)
}

// delimiter picks tab, semicolon (European spreadsheets) or comma from the
// name, the declared type and the first line.
func delimiter(it *Item, text string) rune {
	ext := strings.ToLower(path.Ext(it.FileName))
	if ext == ".tsv" || it.DeclaredType == "text/tab-separated-values" {
		return '\t'
	}
	first, _, _ := strings.Cut(text, "\n")
	tabs, semis, commas := strings.Count(first, "\t"), strings.Count(first, ";"), strings.Count(first, ",")
	switch {
	case tabs > commas && tabs >= semis:
		return '\t'
	case semis > commas:
		return ';'
	}
	return ','
}

func parseDelimited(text string, comma rune) [][]string {
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = comma
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	var rows [][]string
	for len(rows) < maxTableRows {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if _, ok := err.(*csv.ParseError); ok && rec == nil {
				continue
			}
			if rec == nil {
				break
			}
		}
		if len(rec) > maxTableCols {
			rec = rec[:maxTableCols]
		}
		rows = append(rows, rec)
	}
	return rows
}

var _ = bytes.MinRead
