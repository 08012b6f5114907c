package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailward/mailward/internal/corpora"
)

// TestTrainReproducible retrains the model from the public datasets and
// checks that the result is byte for byte the model embedded in the
// binary: the shipped file is what the command in the repo produces.
func TestTrainReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("retraining takes a few seconds")
	}
	data := corpora.Dir(t, "offensive-training")
	out := t.TempDir()
	if err := run(data, out, defaultEpochs); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(out, "model.bin.gz"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../model/model.bin.gz")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("retrained model (%d bytes) differs from the embedded one (%d bytes): run go run ./scanner/offensive/train and commit", len(got), len(want))
	}
	figs, err := os.ReadFile(filepath.Join(out, "FIGURES.md"))
	if err != nil {
		t.Fatal(err)
	}
	if old, _ := os.ReadFile("../model/FIGURES.md"); !bytes.Equal(figs, old) {
		t.Errorf("model/FIGURES.md is out of date: run go run ./scanner/offensive/train and commit")
	}
}

// TestLexiconReproducible regenerates terms/gen from the rated lists and
// checks it matches the committed lists.
func TestLexiconReproducible(t *testing.T) {
	data := corpora.Dir(t, "offensive-training")
	const dict = "/usr/share/dict/british-english"
	if _, err := os.Stat(dict); err != nil {
		t.Skipf("%s absent (Debian package wbritish): %v", dict, err)
	}
	dir := t.TempDir()
	ex, err := os.ReadFile("../terms/gen-exclude.txt")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "gen-exclude.txt"), ex, 0o644)
	if err := buildLexicon(data, dict, dir); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "gen", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no lists generated: %v", err)
	}
	for _, f := range files {
		got, _ := os.ReadFile(f)
		want, err := os.ReadFile(filepath.Join("..", "terms", "gen", filepath.Base(f)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("terms/gen/%s is out of date: run go run ./scanner/offensive/train -lexicon, then retrain", filepath.Base(f))
		}
	}
}
