// Command train builds the offensive-language model from the public
// labelled datasets in ../shared/corpora/offensive-training and writes it
// to scanner/offensive/model/model.bin.gz, with its figures on the
// validation split (never trained on) in scanner/offensive/model/FIGURES.md.
//
//	go run ./scanner/offensive/train [-corpora DIR] [-out DIR]
//
// Training is deterministic: sorted inputs, a hash split, a fixed shuffle
// seed and one thread, so the same data gives the same file.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"

	"github.com/mailward/mailward/scanner/offensive"
	"github.com/mailward/mailward/scanner/offensive/dataset"
)

const defaultEpochs = 3

var (
	flagLR    = flag.Float64("lr", 0.1, "AdaGrad learning rate")
	flagL2    = flag.Float64("l2", 3e-4, "L2 penalty per update")
	flagPrec  = flag.Float64("min-precision", 0.8, "lowest calibration precision a threshold may have")
	flagShort = flag.Float64("short-precision", 0.75, "the same for the threshold of short bodies")
	flagChars = flag.Bool("chars", true, "add character n-grams of each word")
	flagNorm  = flag.Bool("norm", true, "scale the hashed part of a sum by 1/sqrt(n)")
	flagClass = flag.Bool("classes", true, "add a feature per pair of word classes meeting in a text")
	flagGMin  = flag.Int("gram-min", 3, "shortest character n-gram")
	flagGMax  = flag.Int("gram-max", 5, "longest character n-gram")
)

func main() {
	corpora := flag.String("corpora", "../shared/corpora/offensive-training", "folder of the labelled datasets")
	out := flag.String("out", "scanner/offensive/model", "folder to write model.bin.gz and FIGURES.md into")
	epochs := flag.Int("epochs", defaultEpochs, "passes over the training split")
	lexicon := flag.Bool("lexicon", false, "write terms/gen/*.txt from the rated lists instead of training (then rerun without -lexicon: the term lists are embedded)")
	dict := flag.String("dict", "/usr/share/dict/british-english", "English word list (Debian package wbritish) for -lexicon")
	export := flag.String("export", "", "also write the validation split and ETHOS as JSONL files for `mailward eval` into this folder")
	flag.Parse()
	if *lexicon {
		if err := buildLexicon(*corpora, *dict, filepath.Join(filepath.Dir(*out), "terms")); err != nil {
			slog.Error("lexicon", "err", err)
			os.Exit(1)
		}
		return
	}
	if *export != "" {
		if err := exportSplits(*corpora, *export); err != nil {
			slog.Error("export", "err", err)
			os.Exit(1)
		}
	}
	if err := run(*corpora, *out, *epochs); err != nil {
		slog.Error("train", "err", err)
		os.Exit(1)
	}
}

func run(corpora, out string, epochs int) error {
	ex, err := dataset.Load(corpora)
	if err != nil {
		return err
	}
	lex, err := offensive.DefaultLexicon()
	if err != nil {
		return err
	}
	m := offensive.NewModel()
	m.Info.Options = offensive.FeatureOptions{CharGrams: *flagChars, GramMin: *flagGMin, GramMax: *flagGMax, Norm: *flagNorm, Classes: *flagClass}
	a := offensive.NewAnalyzer(lex, m)
	feats := make([][]uint32, len(ex))
	for i, e := range ex {
		feats[i] = append([]uint32(nil), a.ExampleFeatures(e.Text)...)
	}
	train(m, ex, feats, epochs)
	chooseThresholds(m, ex, feats)

	var fig bytes.Buffer
	report(&fig, m, ex, feats)
	os.Stdout.Write(fig.Bytes())

	m.Info.Sources = dataset.Sources[:len(dataset.Sources)-1] // not ethos
	m.Info.Examples = map[string]int{}
	for _, e := range ex {
		m.Info.Examples[e.Source+"/"+e.Split.String()]++
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "model.bin.gz"), buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "FIGURES.md"), fig.Bytes(), 0o644)
}

// exportSplits writes validation.jsonl (the validation split of every
// trained-on dataset) and ethos.jsonl (evaluation only), labelled
// "<dataset>/<class>" with class hate, threat, abusive or clean.
func exportSplits(corpora, dir string) error {
	ex, err := dataset.Load(corpora)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := map[dataset.Split]*bytes.Buffer{dataset.Validation: {}, dataset.EvalOnly: {}}
	for _, e := range ex {
		buf := files[e.Split]
		if buf == nil {
			continue
		}
		class := "clean"
		switch {
		case e.Threat == dataset.Yes:
			class = "threat"
		case e.Hate == dataset.Yes:
			class = "hate"
		case e.Abusive == dataset.Yes:
			class = "abusive"
		}
		line, err := json.Marshal(map[string]string{"text": e.Text, "label": e.Source + "/" + class})
		if err != nil {
			return err
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "validation.jsonl"), files[dataset.Validation].Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "ethos.jsonl"), files[dataset.EvalOnly].Bytes(), 0o644)
}

// train fits every head by logistic regression with AdaGrad, on the
// training split only. A head learns from the examples whose dataset
// labels it.
func train(m *offensive.Model, ex []dataset.Example, feats [][]uint32, epochs int) {
	w := m.Weights()
	bias := m.Bias()
	g2 := make([]float32, len(w))
	var b2 [offensive.NumHeads]float32
	var order []int
	for i, e := range ex {
		if e.Split == dataset.Train {
			order = append(order, i)
		}
	}
	lr, l2 := float32(*flagLR), float32(*flagL2)
	rng := rand.New(rand.NewPCG(1, 2))
	for ep := 0; ep < epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		var loss float64
		var n int
		for _, i := range order {
			labels := heads(ex[i])
			sum := m.Sum(feats[i])
			nh := 0
			for _, id := range feats[i] {
				if offensive.IsHashed(id) {
					nh++
				}
			}
			k := m.NormScale(nh)
			for h, y := range labels {
				if y < 0 {
					continue
				}
				p := m.Prob(h, sum[h])
				g := float32(p - float64(y))
				loss -= float64(y)*math.Log(p+1e-9) + float64(1-y)*math.Log(1-p+1e-9)
				n++
				for _, id := range feats[i] {
					j := int(id)*offensive.NumHeads + h
					gj := g
					if offensive.IsHashed(id) {
						gj *= k
					}
					gj += l2 * w[j]
					g2[j] += gj * gj
					w[j] -= lr * gj / float32(math.Sqrt(float64(g2[j]))+1e-6)
				}
				b2[h] += g * g
				bias[h] -= lr * g / float32(math.Sqrt(float64(b2[h]))+1e-6)
			}
		}
		slog.Info("epoch", "n", ep+1, "loss", loss/float64(max(n, 1)))
	}
}

func heads(e dataset.Example) [offensive.NumHeads]int8 {
	return [offensive.NumHeads]int8{e.Abusive, e.Hate, e.Threat}
}

type scored struct {
	p float64
	y int8
}

// chooseThresholds picks each head's threshold on the calibration split:
// the highest F1 among thresholds whose precision is at least
// -min-precision (default 0.8: a detector people switch off after a week
// of false alarms is no use).
func chooseThresholds(m *offensive.Model, ex []dataset.Example, feats [][]uint32) {
	for h := 0; h < offensive.NumHeads; h++ {
		m.Threshold[h] = bestThreshold(m, ex, feats, h, *flagPrec)
		m.ShortThreshold[h] = bestThreshold(m, ex, feats, h, *flagShort)
	}
}

// bestThreshold is the calibration threshold of head h with the highest F1
// at a precision of at least floor.
func bestThreshold(m *offensive.Model, ex []dataset.Example, feats [][]uint32, h int, floor float64) float64 {
	var s []scored
	for i, e := range ex {
		if e.Split != dataset.Calibration {
			continue
		}
		if y := heads(e)[h]; y >= 0 {
			s = append(s, scored{m.Prob(h, m.Sum(feats[i])[h]), y})
		}
	}
	sort.Slice(s, func(i, j int) bool { return s[i].p > s[j].p })
	var pos int
	for _, x := range s {
		pos += int(x.y)
	}
	best, bestF := 0.5, -1.0
	var tp, fp int
	for i, x := range s {
		if x.y == 1 {
			tp++
		} else {
			fp++
		}
		if i+1 < len(s) && s[i+1].p == x.p {
			continue
		}
		prec := float64(tp) / float64(tp+fp)
		rec := float64(tp) / float64(max(pos, 1))
		f := 2 * prec * rec / (prec + rec + 1e-12)
		if prec >= floor && f > bestF {
			best, bestF = x.p, f
		}
	}
	return math.Round(best*1000) / 1000
}

type counts struct{ tp, fp, fn, tn int }

// add counts one decision: whether the head fired, and the label.
func (c *counts) add(fire bool, y int8) {
	switch {
	case fire && y == 1:
		c.tp++
	case fire:
		c.fp++
	case y == 1:
		c.fn++
	default:
		c.tn++
	}
}

func (c *counts) merge(o counts) {
	c.tp, c.fp, c.fn, c.tn = c.tp+o.tp, c.fp+o.fp, c.fn+o.fn, c.tn+o.tn
}

func (c counts) n() int { return c.tp + c.fp + c.fn + c.tn }

func (c counts) prf() (p, r, f float64) {
	p = float64(c.tp) / float64(max(c.tp+c.fp, 1))
	r = float64(c.tp) / float64(max(c.tp+c.fn, 1))
	f = 2 * p * r / math.Max(p+r, 1e-12)
	return
}

func report(w *bytes.Buffer, m *offensive.Model, ex []dataset.Example, feats [][]uint32) {
	fmt.Fprintf(w, "# Offensive-language model: figures\n\nWritten by `go run ./scanner/offensive/train`. ")
	fmt.Fprintf(w, "Thresholds (chosen on the calibration split): ")
	for h, t := range m.Threshold {
		fmt.Fprintf(w, "%s %.3f  ", offensive.HeadNames[h], t)
	}
	fmt.Fprintf(w, "\n\nFor short bodies: ")
	for h, t := range m.ShortThreshold {
		fmt.Fprintf(w, "%s %.3f  ", offensive.HeadNames[h], t)
	}
	fmt.Fprintf(w, "\n\nModel alone, one window per example (the scanner adds lexicon tiers and context on top).\n\n")
	for _, split := range []dataset.Split{dataset.Validation, dataset.EvalOnly, dataset.Train} {
		fmt.Fprintf(w, "## %s split\n\n| dataset | head | n | positives | precision | recall | F1 |\n|---|---|---|---|---|---|---|\n", split)
		var total [offensive.NumHeads]counts
		for _, src := range dataset.Sources {
			var c [offensive.NumHeads]counts
			for i, e := range ex {
				if e.Source != src || e.Split != split {
					continue
				}
				sum := m.Sum(feats[i])
				for h, y := range heads(e) {
					if y < 0 {
						continue
					}
					c[h].add(m.Prob(h, sum[h]) >= m.Threshold[h], y)
				}
			}
			for h := range c {
				if c[h].n() == 0 {
					continue
				}
				p, r, f := c[h].prf()
				fmt.Fprintf(w, "| %s | %s | %d | %d | %.3f | %.3f | %.3f |\n", src, offensive.HeadNames[h], c[h].n(), c[h].tp+c[h].fn, p, r, f)
				if src != "ethos" {
					total[h].merge(c[h])
				}
			}
		}
		if split != dataset.EvalOnly {
			for h := range total {
				p, r, f := total[h].prf()
				fmt.Fprintf(w, "| **all** | %s | %d | %d | %.3f | %.3f | %.3f |\n", offensive.HeadNames[h], total[h].n(), total[h].tp+total[h].fn, p, r, f)
			}
		}
		fmt.Fprintln(w)
	}
	// The abusive head at the threshold of best F1 (no precision floor),
	// for comparison with other classifiers' published figures.
	t := bestThreshold(m, ex, feats, offensive.HeadAbusive, 0)
	var c counts
	for i, e := range ex {
		if e.Split != dataset.Validation || e.Abusive < 0 {
			continue
		}
		c.add(m.Prob(offensive.HeadAbusive, m.Sum(feats[i])[offensive.HeadAbusive]) >= t, e.Abusive)
	}
	p, r, f := c.prf()
	fmt.Fprintf(w, "At the calibration threshold of best F1 (%.3f) instead, the abusive head on the whole validation split: precision %.3f, recall %.3f, F1 %.3f.\n", t, p, r, f)
}
