package eval

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Outcome is what the detector said of one item.
type Outcome struct {
	// Found: the detector reported a finding.
	Found bool
	// Tier is the finding's severity or, without one, its category; "" when
	// nothing was found.
	Tier string
}

// Report counts outcomes per label.
type Report struct {
	byLabel map[string]*labelCounts
}

type labelCounts struct {
	n, found int
	tiers    map[string]int
}

// NewReport returns an empty report.
func NewReport() *Report { return &Report{byLabel: map[string]*labelCounts{}} }

// Add records one item's outcome.
func (r *Report) Add(label string, o Outcome) {
	c := r.byLabel[label]
	if c == nil {
		c = &labelCounts{tiers: map[string]int{}}
		r.byLabel[label] = c
	}
	c.n++
	if o.Found {
		c.found++
		c.tiers[o.Tier]++
	} else {
		c.tiers["(none)"]++
	}
}

// Totals returns true and false positives and negatives over all labels.
func (r *Report) Totals() (tp, fp, fn, tn int) {
	for l, c := range r.byLabel {
		if Negative(l) {
			fp += c.found
			tn += c.n - c.found
		} else {
			tp += c.found
			fn += c.n - c.found
		}
	}
	return
}

// PRF returns precision, recall and F1 over all labels: every positive
// label against every negative one.
func (r *Report) PRF() (p, rec, f1 float64) {
	tp, fp, fn, _ := r.Totals()
	if tp+fp > 0 {
		p = float64(tp) / float64(tp+fp)
	}
	if tp+fn > 0 {
		rec = float64(tp) / float64(tp+fn)
	}
	if p+rec > 0 {
		f1 = 2 * p * rec / (p + rec)
	}
	return
}

// Recall returns the share of label's items that were found (for a
// negative label: the false-positive rate).
func (r *Report) Recall(label string) float64 {
	c := r.byLabel[label]
	if c == nil || c.n == 0 {
		return 0
	}
	return float64(c.found) / float64(c.n)
}

// Print writes the table: per label, items, found, recall (or false
// positive rate); per label and positive label precision (the found items
// of this label against the negatives found); the totals; and a confusion
// table of labels against the tiers found.
func (r *Report) Print(w io.Writer) {
	labels := make([]string, 0, len(r.byLabel))
	tierSet := map[string]bool{}
	for l, c := range r.byLabel {
		labels = append(labels, l)
		for t := range c.tiers {
			tierSet[t] = true
		}
	}
	sort.Slice(labels, func(i, j int) bool {
		ni, nj := Negative(labels[i]), Negative(labels[j])
		if ni != nj {
			return !ni
		}
		return labels[i] < labels[j]
	})
	_, fpAll, _, _ := r.Totals()
	fmt.Fprintf(w, "%-28s %7s %7s %9s %9s %9s\n", "label", "items", "found", "recall", "precision", "F1")
	for _, l := range labels {
		c := r.byLabel[l]
		if Negative(l) {
			fmt.Fprintf(w, "%-28s %7d %7d %9s %9s %9s   false-positive rate %.3f\n", l, c.n, c.found, "-", "-", "-", r.Recall(l))
			continue
		}
		rec := r.Recall(l)
		// Precision per label: this label's true positives against all
		// false positives (negatives are shared by every positive label).
		prec := 0.0
		if c.found+fpAll > 0 {
			prec = float64(c.found) / float64(c.found+fpAll)
		}
		f1 := 0.0
		if prec+rec > 0 {
			f1 = 2 * prec * rec / (prec + rec)
		}
		fmt.Fprintf(w, "%-28s %7d %7d %9.3f %9.3f %9.3f\n", l, c.n, c.found, rec, prec, f1)
	}
	tp, fp, fn, tn := r.Totals()
	p, rec, f1 := r.PRF()
	fmt.Fprintf(w, "%-28s %7d %7d %9.3f %9.3f %9.3f   tp %d fp %d fn %d tn %d\n", "ALL (positive vs clean)", tp+fp+fn+tn, tp+fp, rec, p, f1, tp, fp, fn, tn)

	tiers := make([]string, 0, len(tierSet))
	for t := range tierSet {
		tiers = append(tiers, t)
	}
	sort.Strings(tiers)
	fmt.Fprintf(w, "\nconfusion (rows: labels; columns: what was found)\n%-28s", "")
	for _, t := range tiers {
		fmt.Fprintf(w, " %10s", trim(t, 10))
	}
	fmt.Fprintln(w)
	for _, l := range labels {
		fmt.Fprintf(w, "%-28s", trim(l, 28))
		for _, t := range tiers {
			fmt.Fprintf(w, " %10d", r.byLabel[l].tiers[t])
		}
		fmt.Fprintln(w)
	}
}

func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.TrimSpace(s[:n])
}
