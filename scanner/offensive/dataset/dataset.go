// Package dataset reads the public labelled offensive-language corpora in
// ../shared/corpora/offensive-training into one shape, with a fixed split
// into training, calibration and validation examples.
//
// The split is stratified per dataset and label and decided by a hash of the
// text, so it never changes between runs or machines; where a dataset
// publishes its own split (HateXplain, ConvAbuse) that split is kept:
// upstream train is ours, upstream validation and test are our validation.
// ETHOS (GPL-3.0) is read for evaluation only and never trained on.
package dataset

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Split is the part of the data an example belongs to.
type Split uint8

// The splits. Calibration is carved from the training part (thresholds are
// chosen on it); Validation is never seen by training or calibration.
const (
	Train Split = iota
	Calibration
	Validation
	EvalOnly // a dataset whose licence keeps it out of the model (ETHOS)
)

func (s Split) String() string {
	return [...]string{"train", "calibration", "validation", "eval-only"}[s]
}

// Label values: Unknown means the dataset says nothing about that head.
const (
	No      int8 = 0
	Yes     int8 = 1
	Unknown int8 = -1
)

// Example is one labelled text.
type Example struct {
	Source string
	Text   string
	// Abusive: offensive, abusive, toxic or hateful (any of the policy's
	// "offensive, obscene, abusive, discriminating" material).
	Abusive int8
	// Hate: an attack on people for who they are (race, religion,
	// sexuality, disability, sex...).
	Hate int8
	// Threat: a threat of violence or harm.
	Threat int8
	Split  Split
}

// Sources lists the datasets Load reads, in a fixed order.
var Sources = []string{"hatexplain", "surge-toxicity", "vicomtech-stormfront", "toxic-spans",
	"convabuse", "toxigen-demonstrations", "jigsaw-toxic-sample", "ethos"}

// Load reads every dataset below root (the offensive-training folder). The
// result is in a deterministic order.
func Load(root string) ([]Example, error) {
	readers := map[string]func(string) ([]Example, error){
		"hatexplain": hatexplain, "surge-toxicity": surgeToxicity, "vicomtech-stormfront": stormfront,
		"toxic-spans": toxicSpans, "convabuse": convabuse, "toxigen-demonstrations": toxigen,
		"jigsaw-toxic-sample": jigsaw, "ethos": ethos,
	}
	var all []Example
	for _, name := range Sources {
		ex, err := readers[name](filepath.Join(root, name))
		if err != nil {
			return nil, fmt.Errorf("dataset %s: %w", name, err)
		}
		for i := range ex {
			ex[i].Source = name
		}
		all = append(all, ex...)
	}
	return all, nil
}

// hashSplit assigns an example with no upstream split: a tenth to
// calibration and a fifth to validation, by a hash of source, label and
// text, so each label of each dataset is split in the same proportions.
func hashSplit(ex []Example) {
	type key struct {
		a, h, t int8
	}
	groups := map[key][]int{}
	for i, e := range ex {
		k := key{e.Abusive, e.Hate, e.Threat}
		groups[k] = append(groups[k], i)
	}
	for _, idx := range groups {
		sort.Slice(idx, func(a, b int) bool { return textHash(ex[idx[a]].Text) < textHash(ex[idx[b]].Text) })
		for n, i := range idx {
			switch n % 10 {
			case 0, 5:
				ex[i].Split = Validation
			case 3:
				ex[i].Split = Calibration
			default:
				ex[i].Split = Train
			}
		}
	}
}

func textHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// calibrationFromTrain moves a tenth of the upstream training split to
// calibration, by text hash.
func calibrationFromTrain(ex []Example) {
	for i := range ex {
		if ex[i].Split == Train && textHash(ex[i].Text)%10 == 3 {
			ex[i].Split = Calibration
		}
	}
}

func readCSV(path string, comma rune) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = comma
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: empty", path)
	}
	return rows, nil
}

// columns maps header names to indexes.
func columns(header []string) map[string]int {
	m := map[string]int{}
	for i, h := range header {
		m[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	return m
}

func yes(b bool) int8 {
	if b {
		return Yes
	}
	return No
}

func hatexplain(dir string) ([]Example, error) {
	var div map[string][]string
	b, err := os.ReadFile(filepath.Join(dir, "post_id_divisions.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &div); err != nil {
		return nil, fmt.Errorf("post_id_divisions.json: %w", err)
	}
	split := map[string]Split{}
	for name, ids := range div {
		s := Validation
		if name == "train" {
			s = Train
		}
		for _, id := range ids {
			split[id] = s
		}
	}
	f, err := os.Open(filepath.Join(dir, "hatexplain.ndjson.gz"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	var out []Example
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		var rec struct {
			PostID     string `json:"post_id"`
			Annotators []struct {
				Label string `json:"label"`
			} `json:"annotators"`
			Tokens []string `json:"post_tokens"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, fmt.Errorf("hatexplain record: %w", err)
		}
		s, ok := split[rec.PostID]
		if !ok {
			continue // no majority label upstream
		}
		votes := map[string]int{}
		for _, a := range rec.Annotators {
			votes[a.Label]++
		}
		var e Example
		switch {
		case votes["hatespeech"] >= 2:
			e.Abusive, e.Hate = Yes, Yes
		case votes["offensive"] >= 2:
			e.Abusive, e.Hate = Yes, No
		case votes["normal"] >= 2:
			e.Abusive, e.Hate = No, No
		default:
			continue
		}
		e.Threat = Unknown
		if e.Abusive == No {
			e.Threat = No
		}
		e.Text = strings.Join(rec.Tokens, " ")
		e.Split = s
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	calibrationFromTrain(out)
	return out, nil
}

func surgeToxicity(dir string) ([]Example, error) {
	rows, err := readCSV(filepath.Join(dir, "toxicity_en.csv"), ',')
	if err != nil {
		return nil, err
	}
	c := columns(rows[0])
	var out []Example
	for _, r := range rows[1:] {
		toxic := r[c["is_toxic"]] == "Toxic"
		e := Example{Text: r[c["text"]], Abusive: yes(toxic), Hate: Unknown, Threat: Unknown}
		if !toxic {
			e.Hate, e.Threat = No, No
		}
		out = append(out, e)
	}
	hashSplit(out)
	return out, nil
}

func stormfront(dir string) ([]Example, error) {
	rows, err := readCSV(filepath.Join(dir, "annotations_metadata.csv"), ',')
	if err != nil {
		return nil, err
	}
	label := map[string]string{}
	for _, r := range rows[1:] {
		label[r[0]] = r[4]
	}
	f, err := os.Open(filepath.Join(dir, "sentences.tar.gz"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	var out []Example
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if !strings.Contains(h.Name, "all_files/") || !strings.HasSuffix(h.Name, ".txt") {
			continue
		}
		id := strings.TrimSuffix(filepath.Base(h.Name), ".txt")
		var e Example
		switch label[id] {
		case "hate":
			e = Example{Abusive: Yes, Hate: Yes, Threat: Unknown}
		case "noHate":
			e = Example{Abusive: No, Hate: No, Threat: No}
		default:
			continue
		}
		b, err := io.ReadAll(io.LimitReader(tr, 1<<20))
		if err != nil {
			return nil, err
		}
		e.Text = strings.TrimSpace(string(b))
		if e.Text == "" {
			continue
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Text < out[j].Text })
	hashSplit(out)
	return out, nil
}

// toxicSpans labels each Civil Comments post by its raters: abusive unless
// most raters called it not toxic; hate or threat when most raters marked
// an identity-based attack or a threat span in it.
func toxicSpans(dir string) ([]Example, error) {
	comments, err := readCSV(filepath.Join(dir, "data", "comments.csv"), ',')
	if err != nil {
		return nil, err
	}
	ann, err := readCSV(filepath.Join(dir, "data", "annotations.csv"), ',')
	if err != nil {
		return nil, err
	}
	spans, err := readCSV(filepath.Join(dir, "data", "spans.csv"), ',')
	if err != nil {
		return nil, err
	}
	type tally struct{ raters, notToxic, hate, threat int }
	byComment := map[string]*tally{}
	annComment := map[string]string{}
	for _, r := range ann[1:] {
		if len(r) < 6 {
			continue
		}
		t := byComment[r[1]]
		if t == nil {
			t = &tally{}
			byComment[r[1]] = t
		}
		t.raters++
		if r[5] == "True" {
			t.notToxic++
		}
		annComment[r[0]] = r[1]
	}
	// One vote per annotation and type.
	seen := map[string]bool{}
	for _, r := range spans[1:] {
		if len(r) < 2 || seen[r[0]+"|"+r[1]] {
			continue
		}
		seen[r[0]+"|"+r[1]] = true
		t := byComment[annComment[r[0]]]
		if t == nil {
			continue
		}
		switch r[1] {
		case "Identity based Attack":
			t.hate++
		case "Threat":
			t.threat++
		}
	}
	var out []Example
	for _, r := range comments[1:] {
		if len(r) < 2 {
			continue
		}
		t := byComment[r[0]]
		if t == nil || t.raters == 0 {
			continue
		}
		e := Example{Text: r[1]}
		if 2*t.notToxic > t.raters {
			e.Abusive, e.Hate, e.Threat = No, No, No
		} else if 2*t.notToxic == t.raters {
			continue
		} else {
			e.Abusive = Yes
			e.Hate = yes(2*t.hate > t.raters)
			e.Threat = yes(2*t.threat > t.raters)
		}
		out = append(out, e)
	}
	hashSplit(out)
	return out, nil
}

func convabuse(dir string) ([]Example, error) {
	var out []Example
	for _, part := range []struct {
		file  string
		split Split
	}{{"ConvAbuseEMNLPtrain.csv", Train}, {"ConvAbuseEMNLPvalid.csv", Validation}, {"ConvAbuseEMNLPtest.csv", Validation}} {
		rows, err := readCSV(filepath.Join(dir, "2_splits", part.file), ',')
		if err != nil {
			return nil, err
		}
		c := columns(rows[0])
		for _, r := range rows[1:] {
			var abusive, clean int
			for n := 1; n <= 8; n++ {
				p := "Annotator" + strconv.Itoa(n) + "_is_abuse."
				if v, ok := c[p+"1"]; ok && v < len(r) && r[v] == "1" {
					clean++
				}
				for _, s := range []string{"-1", "-2", "-3"} {
					if v, ok := c[p+s]; ok && v < len(r) && r[v] == "1" {
						abusive++
					}
				}
			}
			if abusive == clean {
				continue
			}
			e := Example{Text: r[c["user"]], Abusive: yes(abusive > clean), Hate: Unknown, Threat: Unknown, Split: part.split}
			if e.Abusive == No {
				e.Hate, e.Threat = No, No
			}
			if strings.TrimSpace(e.Text) == "" {
				continue
			}
			out = append(out, e)
		}
	}
	calibrationFromTrain(out)
	return out, nil
}

func toxigen(dir string) ([]Example, error) {
	var files []string
	err := filepath.WalkDir(filepath.Join(dir, "demonstrations"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".txt") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	seen := map[string]bool{}
	var out []Example
	for _, p := range files {
		hate := strings.HasPrefix(filepath.Base(p), "hate_")
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "-"))
			if line == "" || seen[line] {
				continue
			}
			seen[line] = true
			e := Example{Text: line, Abusive: yes(hate), Hate: yes(hate), Threat: Unknown}
			if !hate {
				e.Threat = No
			}
			out = append(out, e)
		}
	}
	hashSplit(out)
	return out, nil
}

func jigsaw(dir string) ([]Example, error) {
	rows, err := readCSV(filepath.Join(dir, "samples", "test_examples.csv"), ',')
	if err != nil {
		return nil, err
	}
	c := columns(rows[0])
	var out []Example
	for _, r := range rows[1:] {
		one := func(k string) bool { return r[c[k]] == "1" }
		ab := one("toxic") || one("obscene") || one("insult") || one("identity_hate") || one("threat") || one("severe_toxic")
		out = append(out, Example{Text: r[c["comment_text"]], Abusive: yes(ab), Hate: yes(one("identity_hate")), Threat: yes(one("threat"))})
	}
	hashSplit(out)
	return out, nil
}

// ethos is GPL-3.0: read for evaluation only, never trained on.
func ethos(dir string) ([]Example, error) {
	rows, err := readCSV(filepath.Join(dir, "Ethos_Dataset_Binary.csv"), ';')
	if err != nil {
		return nil, err
	}
	var out []Example
	for _, r := range rows[1:] {
		if len(r) < 2 {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(r[1]), 64)
		if err != nil {
			continue
		}
		hate := v >= 0.5
		out = append(out, Example{Text: r[0], Abusive: yes(hate), Hate: yes(hate), Threat: Unknown, Split: EvalOnly})
	}
	return out, nil
}
