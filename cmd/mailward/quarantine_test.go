package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/scanner"
)

const cliHeld = "From: staff@trust.example\r\nTo: x@other.example\r\nSubject: CLI-SUBJECT\r\n\r\nbody\r\n"

// quarantineEnv writes a config with maildir next hops and holds messages.
func quarantineEnv(t *testing.T) (cfgPath, qdir, outDir string, put func(dir string, mod func(*quarantine.Record)) string) {
	dir := t.TempDir()
	qdir, outDir = filepath.Join(dir, "q"), filepath.Join(dir, "out")
	cfgPath = filepath.Join(dir, "mailward.yaml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`domains: [trust.example]
next_hop:
  inbound: maildir:%s
  outbound: maildir:%s
quarantine:
  dir: %s
review:
  never_display: [csam]
  notices:
    deletion: false
`, filepath.Join(dir, "in"), outDir, qdir)), 0o600)
	store, err := quarantine.OpenDir(qdir)
	if err != nil {
		t.Fatal(err)
	}
	put = func(direction string, mod func(*quarantine.Record)) string {
		r := &quarantine.Record{From: "staff@trust.example", To: []string{"x@other.example", "y@other.example"}, Direction: direction,
			Categories: []string{"pupil_data"}, Rule: "pupil-data-outbound", Action: "quarantine", Subject: "CLI-SUBJECT",
			Findings: []scanner.Finding{{Category: "pupil_data", Scanner: "pupildata", Score: 0.97, Summary: "31 UPNs in attachment 1 (csv)"}}}
		if mod != nil {
			mod(r)
		}
		id, err := store.Put(context.Background(), []byte(cliHeld), r)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	return
}

func runQ(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(append([]string{"quarantine"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestQuarantineCLI(t *testing.T) {
	cfg, qdir, outDir, put := quarantineEnv(t)
	id := put("outbound", nil)
	in := put("inbound", func(r *quarantine.Record) { r.Categories = []string{"malware"} })
	csam := put("inbound", func(r *quarantine.Record) { r.Categories = []string{"csam"} })

	// list -json: one object per held message with the contract's fields;
	// flags before and after the subcommand's arguments.
	for _, args := range [][]string{{"list", "-json", "-config", cfg}, {"list", "-config", cfg, "-json"}} {
		code, out, errs := runQ(args...)
		if code != 0 {
			t.Fatalf("%v: %d %s", args, code, errs)
		}
		sc := bufio.NewScanner(strings.NewReader(out))
		n := 0
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatalf("line %q: %v", sc.Text(), err)
			}
			for _, k := range []string{"id", "status", "direction", "from", "to", "categories", "received"} {
				if _, ok := m[k]; !ok {
					t.Errorf("list -json lacks %q: %s", k, sc.Text())
				}
			}
			if len(m) != 7 {
				t.Errorf("list -json has extra keys: %s", sc.Text())
			}
			n++
		}
		if n != 3 {
			t.Errorf("%v: %d lines", args, n)
		}
	}
	if _, out, _ := runQ("list", "-config", cfg, "-direction", "inbound", "-category", "malware"); !strings.Contains(out, in) || strings.Contains(out, id) {
		t.Errorf("filtered list:\n%s", out)
	}

	// show, and show -raw in either flag order.
	if code, out, _ := runQ("show", id, "-config", cfg); code != 0 || !strings.Contains(out, "CLI-SUBJECT") || !strings.Contains(out, "31 UPNs") {
		t.Errorf("show: %d\n%s", code, out)
	}
	if code, out, _ := runQ("show", "-raw", "-config", cfg, id); code != 0 || out != cliHeld {
		t.Errorf("show -raw: %d %q", code, out)
	}
	// Never-displayed content is never printed.
	if code, out, errs := runQ("show", csam, "-raw", "-config", cfg); code != 1 || out != "" || !strings.Contains(errs, "never displayed") {
		t.Errorf("show -raw csam: %d %q %q", code, out, errs)
	}
	if _, out, _ := runQ("show", csam, "-config", cfg); strings.Contains(out, "CLI-SUBJECT") {
		t.Error("show prints a never-displayed subject")
	}
	// Bad ids never reach the filesystem.
	if code, _, errs := runQ("show", "../../etc/passwd", "-config", cfg); code != 1 || !strings.Contains(errs, "not a quarantine id") {
		t.Errorf("bad id: %d %s", code, errs)
	}

	// release one recipient, then the rest; then again (idempotent).
	if code, out, errs := runQ("release", id, "-to", "x@other.example", "-config", cfg); code != 0 || out != "x@other.example\treleased\n" {
		t.Fatalf("release x: %d %q %s", code, out, errs)
	}
	if code, out, _ := runQ("release", "-config", cfg, id); code != 0 || out != "x@other.example\talready\ny@other.example\treleased\n" {
		t.Fatalf("release rest: %d %q", code, out)
	}
	ents, _ := os.ReadDir(filepath.Join(outDir, "new"))
	if len(ents) != 2 {
		t.Fatalf("next hop has %d messages", len(ents))
	}
	b, _ := os.ReadFile(filepath.Join(outDir, "new", ents[0].Name()))
	if !bytes.Contains(b, []byte("X-Mailward-Released-By: cli:")) || !bytes.HasSuffix(b, []byte(cliHeld)) {
		t.Errorf("delivered:\n%s", b)
	}

	// delete, then list -status all shows it deleted.
	if code, out, _ := runQ("delete", in, "-reason", "malware", "-config", cfg); code != 0 || !strings.Contains(out, "deleted") {
		t.Fatalf("delete: %d %s", code, out)
	}
	if code, _, _ := runQ("delete", in, "-config", cfg); code != 1 {
		t.Errorf("second delete: %d", code)
	}
	_, out, _ := runQ("list", "-json", "-status", "all", "-config", cfg)
	if !strings.Contains(out, `"id":"`+in+`","status":"deleted"`) || !strings.Contains(out, `"id":"`+id+`","status":"released"`) {
		t.Errorf("list all:\n%s", out)
	}
	// Every CLI action is audited as cli:USER.
	d, _ := quarantine.OpenDir(qdir)
	ev, _ := d.ReadAudit()
	whats := map[string]bool{}
	for _, e := range ev {
		if strings.HasPrefix(e.Who, "cli:") {
			whats[e.What] = true
		}
	}
	for _, w := range []string{"list", "view", "download", "denied", "release", "delete"} {
		if !whats[w] {
			t.Errorf("no cli %s in the audit log", w)
		}
	}

	// purge applies retention.
	if code, out, _ := runQ("purge", "-config", cfg); code != 0 || !strings.Contains(out, "expired 0") {
		t.Errorf("purge: %d %s", code, out)
	}
	// Usage errors exit 2.
	for _, args := range [][]string{{}, {"frobnicate"}, {"show"}, {"list", "extra"}, {"list", "-nosuchflag"}} {
		if code, _, _ := runQ(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// TestQuarantineCLITerminalEscapes: what a sender controls (addresses,
// HELO, subject, finding summaries, a next hop's answer) never reaches the
// terminal as escape sequences or direction overrides, in tables and JSON.
func TestQuarantineCLITerminalEscapes(t *testing.T) {
	cfg, _, _, put := quarantineEnv(t)
	id := put("inbound", func(r *quarantine.Record) {
		r.From = "evil\x1b]0;pwned\x07@sender.example"
		r.To = []string{"staff\r@trust.example"}
		r.Helo = "h\xc2\x9b2Jx\xff"
		r.Subject = "\x1b[2J\x1b[31mURGENT\u202efdp.exe"
		r.Categories = []string{"offensive_language"}
		r.Findings = []scanner.Finding{{Category: "offensive_language", Scanner: "s", Score: 0.9, Summary: "x\x1b[1A\x7f"}}
	})
	bad := []string{"\x1b", "\x07", "\r", "\xc2\x9b", "\u202e", "\x7f"}
	for _, args := range [][]string{{"list"}, {"list", "-json"}, {"show", id}, {"show", id, "-json"}} {
		code, out, errs := runQ(append(args, "-config", cfg)...)
		if code != 0 {
			t.Fatalf("%v: %d %s", args, code, errs)
		}
		for _, b := range bad {
			if strings.Contains(out, b) {
				t.Errorf("%v prints %q raw:\n%q", args, b, out)
			}
		}
		if !strings.Contains(out, `\x1b`) && !strings.Contains(out, `\u001b`) {
			t.Errorf("%v: escape not shown escaped:\n%s", args, out)
		}
	}
	if _, out, _ := runQ("show", id, "-config", cfg); !strings.Contains(out, `\x1b[2J\x1b[31mURGENT\u202efdp.exe`) || !strings.Contains(out, `h\u009b2Jx`) {
		t.Errorf("show:\n%s", out)
	}
	if _, out, _ := runQ("show", id, "-json", "-config", cfg); !json.Valid([]byte(out)) || !strings.Contains(out, `URGENT\u202efdp.exe`) {
		t.Errorf("show -json:\n%s", out)
	}
}
