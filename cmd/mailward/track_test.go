package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/report/reporttest"
)

// trackConfig writes a config whose message log holds three known
// messages on 2 March 2026 and a generated month of mail.
func trackConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	path := writeConfig(t, "domains: [trust.example]\nquarantine:\n  dir: "+filepath.Join(dir, "q")+"\n")
	st, err := msglog.OpenSQLite(filepath.Join(dir, "q", "tracking", "messages.db"), msglog.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	err = st.Append(context.Background(), []msglog.Record{
		{Time: t0, QueueID: "aaaa00000001", Direction: "inbound", From: "parent@home.example", To: []string{"head@trust.example"}, Action: "deliver", Rule: "default"},
		{Time: t0.Add(time.Hour), QueueID: "aaaa00000002", Direction: "outbound", From: "head@trust.example", To: []string{"la@council.example"},
			Action: "quarantine", Rule: "pupil-data-outbound", Categories: []string{"pupil_data"}, QuarantineID: "0123456789abcdef0123456789abcdef"},
		{Time: t0.Add(24 * time.Hour), QueueID: "aaaa00000003", Direction: "inbound", From: "parent@home.example", To: []string{"office@trust.example"}, Action: "reject", Rule: "malware", Categories: []string{"malware"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	q, err := quarantine.OpenDir(filepath.Join(dir, "q"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reporttest.Generate(context.Background(), st, q, reporttest.Options{Since: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), Days: 28, PerDay: 100, Seed: 2, Holds: true, MaxHold: 8}); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTrackCLI(t *testing.T) {
	cfg := trackConfig(t)
	tests := []struct {
		name string
		args []string
		code int
		want []string // queue ids, in order
	}{
		{"sender", []string{"-from", "parent@home.example"}, 0, []string{"aaaa00000003", "aaaa00000001"}},
		{"flags after", []string{"-json", "-to", "la@council.example"}, 0, []string{"aaaa00000002"}},
		{"day range includes the until day", []string{"-since", "2026-03-02", "-until", "2026-03-02"}, 0, []string{"aaaa00000002", "aaaa00000001"}},
		{"rfc3339", []string{"-since", "2026-03-02T10:30:00Z", "-until", "2026-03-04T00:00:00Z"}, 0, []string{"aaaa00000003", "aaaa00000002"}},
		{"action", []string{"-action", "reject", "-since", "2026-03-01"}, 0, []string{"aaaa00000003"}},
		{"category", []string{"-category", "pupil_data", "-since", "2026-03-01"}, 0, []string{"aaaa00000002"}},
		{"queue id", []string{"-queue-id", "aaaa00000001"}, 0, []string{"aaaa00000001"}},
		{"quarantine id", []string{"-queue-id", "0123456789abcdef0123456789abcdef"}, 0, []string{"aaaa00000002"}},
		{"none", []string{"-from", "nobody@x.example"}, 0, nil},
		{"bad date", []string{"-since", "March"}, 2, nil},
		{"stray argument", []string{"parent@home.example"}, 2, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"track", "-config", cfg, "-json"}, tc.args...)
			code, out, errOut := runCLI(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, errOut)
			}
			if code != 0 {
				return
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				if line == "" {
					continue
				}
				var m map[string]any
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatalf("line %q: %v", line, err)
				}
				for _, k := range []string{"time", "queue_id", "direction", "from", "to", "action", "rule", "categories"} {
					if _, ok := m[k]; !ok {
						t.Errorf("line lacks %q (DESIGN.md contract): %s", k, line)
					}
				}
				got = append(got, m["queue_id"].(string))
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	code, out, _ := runCLI(t, "track", "-queue-id", "aaaa00000002", "-config", cfg)
	if code != 0 || !strings.Contains(out, "QUEUE ID") || !strings.Contains(out, "head@trust.example") || !strings.Contains(out, "0123456789abcdef0123456789abcdef") {
		t.Errorf("table: %d %s", code, out)
	}
	// No message log yet: a clear error, not an empty new database.
	empty := writeConfig(t, "quarantine:\n  dir: "+filepath.Join(t.TempDir(), "q")+"\n")
	if code, _, errOut := runCLI(t, "track", "-config", empty); code != 1 || !strings.Contains(errOut, "no message log") {
		t.Errorf("missing log: %d %s", code, errOut)
	}
}

func TestReportCLI(t *testing.T) {
	cfg := trackConfig(t)
	code, out, errOut := runCLI(t, "report", "-config", cfg, "-since", "2026-02-01", "-until", "2026-02-28", "-format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		Title    string `json:"title"`
		Messages int64  `json:"messages"`
		Holds    struct {
			Held int `json:"held"`
		} `json:"holds"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Messages == 0 || r.Holds.Held == 0 || r.Title != "Email filtering report: February 2026" {
		t.Fatalf("report %+v, %v", r, err)
	}
	code, out, _ = runCLI(t, "report", "-config", cfg, "-since", "2026-02-01", "-until", "2026-02-28")
	if code != 0 || !strings.HasPrefix(out, "<!doctype html>") || strings.Count(out, "<svg ") != 6 {
		t.Errorf("html: exit %d, %d charts", code, strings.Count(out, "<svg "))
	}
	pdf := filepath.Join(t.TempDir(), "r.pdf")
	if code, _, errOut := runCLI(t, "report", "-config", cfg, "-since", "2026-02-01", "-until", "2026-02-28", "-format", "pdf", "-o", pdf); code != 0 {
		t.Fatalf("pdf: %d %s", code, errOut)
	}
	if b, _ := os.ReadFile(pdf); !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Error("not a PDF")
	}
	for _, bad := range [][]string{{"-format", "docx"}, {"-since", "2026-03-01", "-until", "2026-02-01"}, {"-since", "soon"}} {
		if code, _, _ := runCLI(t, append([]string{"report", "-config", cfg}, bad...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
}
