package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScanFolder: scan DIR walks the folder recursively in lexical order,
// scans .eml and other files alike, leaves out dot-files, reports a file it
// cannot read by name and reason (exit 2) while scanning the rest, and
// ends with a summary on stderr; stdout stays one JSON object per file.
func TestScanFolder(t *testing.T) {
	dir := t.TempDir()
	copyFile := func(src, dst string) {
		t.Helper()
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(dst), 0o755)
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyFile("testdata/plain.eml", filepath.Join(dir, "a.eml"))
	copyFile("testdata/exe-attachment.eml", filepath.Join(dir, "sub", "deeper", "b.eml"))
	copyFile("testdata/plain.eml", filepath.Join(dir, "sub", "c.msg.txt"))
	copyFile("testdata/plain.eml", filepath.Join(dir, ".git", "d.eml"))
	copyFile("testdata/plain.eml", filepath.Join(dir, ".DS_Store"))
	if err := os.WriteFile(filepath.Join(dir, "big.eml"), make([]byte, 5000), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "gone.eml"), filepath.Join(dir, "broken.eml")); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, "domains: [trust.example]\nmax_message_bytes: 4096\n")
	code, out, errOut := runCLI(t, "scan", "-config", cfg, dir)
	if code != 2 {
		t.Fatalf("exit %d, want 2 (a broken link); stderr:\n%s", code, errOut)
	}
	var files []string
	actions := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var sl scanLine
		if err := json.Unmarshal([]byte(l), &sl); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		rel, _ := filepath.Rel(dir, sl.File)
		files = append(files, rel)
		actions[rel] = sl.Action
	}
	want := []string{"a.eml", "sub/c.msg.txt", "sub/deeper/b.eml"}
	if strings.Join(files, " ") != strings.Join(want, " ") {
		t.Errorf("scanned %v, want %v", files, want)
	}
	if actions["sub/deeper/b.eml"] != "quarantine" || actions["a.eml"] == "quarantine" {
		t.Errorf("actions %v", actions)
	}
	for _, w := range []string{
		"skipped " + filepath.Join(dir, "broken.eml") + ": no such file",
		"skipped " + filepath.Join(dir, "big.eml") + ": 5000 bytes, more than max_message_bytes",
		"summary: 3 scanned, ",
		" 1 quarantine, ",
		", 2 skipped\n",
	} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
}

// TestScanUnreadableFile: a file without read permission is skipped by name.
// Root reads everything, so this needs an ordinary user.
func TestScanUnreadableFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: file permissions do not stop reads")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "locked.eml")
	if err := os.WriteFile(p, []byte("Subject: x\r\n\r\nhi\r\n"), 0o000); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "scan", dir)
	if code != 2 || !strings.Contains(errOut, "skipped "+p+": permission denied") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
