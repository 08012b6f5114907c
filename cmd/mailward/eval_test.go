package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvalCommand: mailward eval measures a detector through the pipeline
// on a labelled JSONL file and a folder of .eml files, per label.
func TestEvalCommand(t *testing.T) {
	dir := t.TempDir()
	jsonl := filepath.Join(dir, "set.jsonl")
	os.WriteFile(jsonl, []byte(`{"text":"You are a useless idiot and a waste of space.","label":"abuse"}
{"text":"I know where you live.","label":"threat"}
{"text":"Reminder: parents' evening is on Thursday.","label":"clean"}
{"text":"Could you cover my year 8 class?","label":"clean"}
`), 0o644)
	emls := filepath.Join(dir, "emls")
	os.Mkdir(emls, 0o755)
	os.WriteFile(filepath.Join(emls, "a.eml"), []byte("From: a@localhost\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nFuck off, you wanker.\r\n"), 0o644)
	os.WriteFile(filepath.Join(emls, "labels.tsv"), []byte("a.eml\tabuse\tinternal\n"), 0o644)

	code, out, errOut := runCLI(t, "eval", "-scanner", "offensive", jsonl, emls)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"abuse", "threat", "false-positive rate 0.000", "tp 3 fp 0 fn 0 tn 2", "confusion"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Another detector finds none of it: recall 0, and the command says so.
	code, out, _ = runCLI(t, "eval", "-scanner", "chainmail", jsonl)
	if code != 0 || !strings.Contains(out, "tp 0 fp 0 fn 2 tn 2") {
		t.Errorf("chainmail on abuse: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "eval", filepath.Join(dir, "missing.jsonl")); code != 2 {
		t.Errorf("missing file: exit %d, want 2", code)
	}
	if code, _, _ := runCLI(t, "eval", "-direction", "sideways", jsonl); code != 2 {
		t.Errorf("bad direction: exit %d, want 2", code)
	}
}
