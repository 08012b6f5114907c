// Package eval measures a detector on labelled data: precision, recall and
// F1 per label and a confusion table, for `mailward eval`. Labelled data
// comes as a folder of .eml files with a labels.tsv, or as one JSONL, CSV
// or TSV file of texts and labels; anyone with their own labelled mail can
// measure mailward on it.
package eval

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"
)

// Item is one labelled message.
type Item struct {
	// Name identifies the item in errors: a file name or "FILE:LINE".
	Name string
	// Label is the expected label; Negative reports whether it means
	// "nothing to find".
	Label string
	// Direction overrides the run's direction when set.
	Direction string
	// Raw is the message (RFC 5322), built from the text for text items.
	Raw []byte
}

// negatives are the label words that mean "clean". Anything else is a
// positive label: the detector should find something.
var negatives = map[string]bool{"clean": true, "0": true, "neg": true, "negative": true, "none": true,
	"normal": true, "ham": true, "false": true, "no": true, "not_toxic": true, "not toxic": true, "nohate": true,
	"not-hate": true, "not_abusive": true, "legit": true, "legitimate": true, "benign": true}

// Negative reports whether label means there is nothing to find. A label
// may carry a group before a slash ("hatexplain/clean"): the word after the
// last slash decides.
func Negative(label string) bool {
	if i := strings.LastIndexByte(label, '/'); i >= 0 {
		label = label[i+1:]
	}
	return negatives[strings.ToLower(strings.TrimSpace(label))]
}

// Load reads a labelled set: a folder holding labels.tsv ("FILE<TAB>LABEL
// [<TAB>DIRECTION]" per line, # comments; files are .eml relative to the
// folder), a .jsonl file of {"text","label"[,"subject","direction"]}, or a
// .csv/.tsv file with a header naming text and label columns.
func Load(path string) ([]Item, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return loadDir(path)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson":
		return loadJSONL(path)
	case ".csv":
		return loadTable(path, ',')
	case ".tsv":
		return loadTable(path, '\t')
	}
	return nil, fmt.Errorf("eval %s: want a folder with labels.tsv, or a .jsonl, .csv or .tsv file", path)
}

func loadDir(dir string) ([]Item, error) {
	f, err := os.Open(filepath.Join(dir, "labels.tsv"))
	if err != nil {
		return nil, fmt.Errorf("eval %s: %w", dir, err)
	}
	defer f.Close()
	var items []Item
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 2 {
			return nil, fmt.Errorf("eval %s/labels.tsv:%d: want FILE<TAB>LABEL[<TAB>DIRECTION]", dir, n)
		}
		raw, err := os.ReadFile(filepath.Join(dir, cols[0]))
		if err != nil {
			return nil, fmt.Errorf("eval %s/labels.tsv:%d: %w", dir, n, err)
		}
		it := Item{Name: cols[0], Label: strings.TrimSpace(cols[1]), Raw: raw}
		if len(cols) > 2 {
			it.Direction = strings.TrimSpace(cols[2])
		}
		items = append(items, it)
	}
	return items, sc.Err()
}

func loadJSONL(path string) ([]Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var items []Item
	r := bufio.NewReader(f)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(strings.TrimSpace(string(line))) > 0 {
			var rec struct {
				Text      string          `json:"text"`
				Label     json.RawMessage `json:"label"`
				Subject   string          `json:"subject"`
				Direction string          `json:"direction"`
			}
			if err := json.Unmarshal(line, &rec); err != nil {
				return nil, fmt.Errorf("eval %s:%d: %w", path, n, err)
			}
			label := strings.Trim(string(rec.Label), `"`)
			items = append(items, Item{Name: fmt.Sprintf("%s:%d", filepath.Base(path), n), Label: label,
				Direction: rec.Direction, Raw: TextMessage(rec.Subject, rec.Text)})
		}
		if err == io.EOF {
			return items, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func loadTable(path string, comma rune) ([]Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = comma
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("eval %s: header: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	ti, ok1 := col["text"]
	li, ok2 := col["label"]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("eval %s: the header needs text and label columns", path)
	}
	var items []Item
	for n := 2; ; n++ {
		rec, err := r.Read()
		if err == io.EOF {
			return items, nil
		}
		if err != nil {
			return nil, fmt.Errorf("eval %s:%d: %w", path, n, err)
		}
		if ti >= len(rec) || li >= len(rec) {
			continue
		}
		it := Item{Name: fmt.Sprintf("%s:%d", filepath.Base(path), n), Label: rec[li], Raw: TextMessage("", rec[ti])}
		if di, ok := col["direction"]; ok && di < len(rec) {
			it.Direction = rec[di]
		}
		items = append(items, it)
	}
}

// TextMessage wraps a text as a plain message, so that a text is scanned
// exactly as mail would be.
func TextMessage(subject, text string) []byte {
	var b strings.Builder
	b.WriteString("From: Sender <sender@eval.invalid>\r\nTo: Recipient <recipient@eval.invalid>\r\n")
	b.WriteString("Subject: " + mime.QEncoding.Encode("utf-8", subject) + "\r\n")
	b.WriteString("Date: Mon, 07 Dec 2026 09:00:00 +0000\r\nMessage-ID: <eval@eval.invalid>\r\n")
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n"))
	b.WriteString("\r\n")
	return []byte(b.String())
}
