package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailward/mailward/quarantine"
)

const exeMessage = "From: x@partner.example\r\nTo: t@trust.example\r\nSubject: installer\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
	"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"setup.exe\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAA=\r\n--b--\r\n"

// TestListsCLI: entries added and removed from the command line decide
// `scan -explain` (which names the entry), are refused when invalid, never
// allow malware, and are audited.
func TestListsCLI(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, "domains: [trust.example]\nquarantine:\n  dir: "+filepath.Join(dir, "q")+"\n")
	msg := filepath.Join(dir, "m.eml")
	os.WriteFile(msg, []byte(exeMessage), 0o600)
	mw := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(args, &out, &errb)
		return code, out.String(), errb.String()
	}
	scan := func(extra ...string) scanLine {
		t.Helper()
		code, out, errs := mw(append([]string{"scan", "-config", cfg, "-from", "x@partner.example", "-to", "t@trust.example", "-explain"}, append(extra, msg)...)...)
		var l scanLine
		if code != 0 || json.Unmarshal([]byte(out), &l) != nil {
			t.Fatalf("scan: %d %s %s", code, out, errs)
		}
		return l
	}
	if l := scan(); l.Action != "quarantine" || l.Rule != "suspicious-attachment" {
		t.Fatalf("without lists: %s by %s", l.Action, l.Rule)
	}
	if _, err := os.Stat(filepath.Join(dir, "q", "lists")); err == nil {
		t.Error("scan created the lists file")
	}
	for _, bad := range [][]string{
		{"lists", "add", "allow", "partner.example", "-category", "malware", "-reason", "x"},
		{"lists", "add", "allow", "partner.example"},
		{"lists", "add", "maybe", "partner.example", "-reason", "x"},
		{"lists", "add", "block", "partner.example", "-reason", "x", "-expires", "yesterday"},
		{"lists", "remove", "x"},
		{"lists"},
	} {
		if code, _, _ := mw(append(bad, "-config", cfg)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	code, out, errs := mw("lists", "add", "allow", "partner.example", "-category", "suspicious_attachment", "-direction", "inbound",
		"-expires", "30d", "-reason", "signed installers", "-config", cfg)
	if code != 0 || !strings.Contains(out, "added allow entry 1: domain partner.example") {
		t.Fatalf("add: %d %s %s", code, out, errs)
	}
	l := scan()
	if l.Action != "deliver" || l.Rule != "allow-list" || !strings.Contains(l.Explain, "allow entry 1: domain partner.example") ||
		!strings.Contains(l.Explain, "signed installers") {
		t.Errorf("with the allow entry: %s by %s: %s", l.Action, l.Rule, l.Explain)
	}
	if l := scan("-direction", "outbound"); l.Action != "quarantine" {
		t.Errorf("outbound is not covered: %s by %s", l.Action, l.Rule)
	}
	if code, out, _ := mw("lists", "add", "block", "192.0.2.0/24", "-reason", "spam run", "-config", cfg); code != 0 || !strings.Contains(out, "block entry 2") {
		t.Fatalf("add block: %d %s", code, out)
	}
	if l := scan("-client", "192.0.2.9"); l.Action != "reject" || l.Rule != "block-list" || !strings.Contains(l.Explain, "block entry 2: network 192.0.2.0/24") {
		t.Errorf("from the blocked network: %s by %s: %s", l.Action, l.Rule, l.Explain)
	}
	code, out, _ = mw("lists", "show", "-json", "-config", cfg)
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, `"match":"192.0.2.0/24"`) {
		t.Errorf("show -json: %d %s", code, out)
	}
	if code, out, _ := mw("lists", "show", "-config", cfg); code != 0 || !strings.Contains(out, "signed installers") {
		t.Errorf("show: %d %s", code, out)
	}
	if code, _, _ := mw("lists", "remove", "2", "-reason", "over", "-config", cfg); code != 0 {
		t.Errorf("remove: %d", code)
	}
	if code, _, errs := mw("lists", "remove", "2", "-config", cfg); code != 1 || !strings.Contains(errs, "no entry 2") {
		t.Errorf("remove again: %d %s", code, errs)
	}
	if l := scan("-client", "192.0.2.9"); l.Rule == "block-list" {
		t.Error("the removed block entry still decides")
	}
	q, _ := quarantine.OpenDir(filepath.Join(dir, "q"))
	ev, _ := q.ReadAudit()
	var whats []string
	for _, e := range ev {
		if strings.HasPrefix(e.Who, "cli:") {
			whats = append(whats, e.What)
		}
	}
	if strings.Join(whats, " ") != "lists-add lists-add lists-remove" {
		t.Errorf("audited %v", whats)
	}
}
