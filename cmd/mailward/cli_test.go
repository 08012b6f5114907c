package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "mailward.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCheckConfig: strict validation; every error names the key and line.
func TestCheckConfig(t *testing.T) {
	cases := []struct {
		name     string
		yaml     string
		code     int
		contains []string
	}{
		{"good", "domains: [trust.example]\ntrusted_networks: [10.0.0.0/8]\n", 0, []string{"ok"}},
		{"unknown key", "domains: [trust.example]\nnext_hops:\n  inbound: smtp://a:25\n", 2, []string{"line 2", "next_hops"}},
		{"bad CIDR", "domains: [trust.example]\ntrusted_networks:\n  - 10.0.0.0/8\n  - 10.1.2.300/32\n", 2, []string{"line 4", "trusted_networks.1", "bad CIDR"}},
		{"bad next hop", "next_hop:\n  inbound: http://mail.trust.example\n", 2, []string{"line 2", "next_hop.inbound"}},
		{"impossible limit", "limits:\n  max_recipients: -3\n", 2, []string{"line 2", "limits.max_recipients"}},
		{"idle longer than cap", "limits:\n  data_idle_timeout: 20m\n  data_timeout: 10m\n", 2, []string{"limits.data_idle_timeout"}},
		{"bad rule action", "rules:\n  - name: x\n    action: explode\n", 2, []string{"line 3", "rules.0.action"}},
		{"public trusted range warns", "trusted_networks: [203.0.113.0/24]\n", 0, []string{"warning", "line 1", "public range"}},
		{"missing outbound hop warns", "next_hop:\n  inbound: smtp://10.0.0.5:25\n", 0, []string{"warning", "next_hop.outbound"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeConfig(t, tc.yaml)
			code, out, errOut := runCLI(t, "check-config", "-config", p)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			for _, want := range tc.contains {
				if !strings.Contains(out+errOut, want) {
					t.Errorf("output lacks %q:\n%s%s", want, out, errOut)
				}
			}
		})
	}
	if code, _, _ := runCLI(t, "check-config"); code != 2 {
		t.Errorf("check-config without -config: exit %d, want 2", code)
	}
}

// TestScanJSON: the scan contract of DESIGN.md, flags in any position, and
// exit 2 for an unreadable file while the others are still printed.
func TestScanJSON(t *testing.T) {
	cfg := writeConfig(t, "domains: [trust.example]\n")
	code, out, errOut := runCLI(t, "scan", "testdata/exe-attachment.eml", "-config", cfg,
		"-from", "accounts@supplier.example", "testdata/plain.eml", "-to", "office@trust.example", "testdata/missing.eml", "-explain")
	if code != 2 {
		t.Fatalf("exit %d, want 2 (one file missing); stderr %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", out)
	}
	var got []scanLine
	for _, l := range lines {
		var sl scanLine
		if err := json.Unmarshal([]byte(l), &sl); err != nil {
			t.Fatalf("bad JSON %q: %v", l, err)
		}
		got = append(got, sl)
	}
	if got[0].File != "testdata/exe-attachment.eml" || got[0].Direction != "inbound" || got[0].Action != "quarantine" ||
		got[0].Rule != "suspicious-attachment" || len(got[0].Findings) == 0 || got[0].Explain == "" {
		t.Errorf("exe: %+v", got[0])
	}
	if got[1].Action != "deliver" || got[1].Findings == nil {
		t.Errorf("plain: %+v (findings must be [] not null)", got[1])
	}
	if !strings.Contains(lines[1], `"findings":[]`) {
		t.Errorf("findings should print as []: %s", lines[1])
	}
	if !strings.Contains(errOut, "missing.eml") {
		t.Errorf("stderr should name the unreadable file: %s", errOut)
	}
}

// TestScanDirection: without -direction it follows -from/-to/-client and
// the domains; with none of them, inbound.
func TestScanDirection(t *testing.T) {
	cfg := writeConfig(t, "domains: [trust.example]\ntrusted_networks: [10.0.0.0/8]\n")
	cases := []struct {
		args []string
		want string
	}{
		{nil, "inbound"},
		{[]string{"-from", "head@trust.example", "-to", "parent@home.example"}, "outbound"},
		{[]string{"-from", "head@trust.example", "-to", "office@trust.example"}, "internal"},
		{[]string{"-from", "head@trust.example"}, "outbound"},
		{[]string{"-from", "x@home.example", "-to", "office@trust.example"}, "inbound"},
		{[]string{"-client", "10.1.1.1", "-from", "x@home.example", "-to", "a@elsewhere.example"}, "outbound"},
		{[]string{"-client", "192.0.2.1", "-from", "head@trust.example", "-to", "office@trust.example"}, "inbound"},
		{[]string{"-direction", "internal"}, "internal"},
	}
	for _, tc := range cases {
		args := append([]string{"scan", "-config", cfg, "testdata/plain.eml"}, tc.args...)
		code, out, errOut := runCLI(t, args...)
		var sl scanLine
		if code != 0 || json.Unmarshal([]byte(out), &sl) != nil || sl.Direction != tc.want {
			t.Errorf("%v: exit %d direction %q want %q (%s)", tc.args, code, sl.Direction, tc.want, errOut)
		}
	}
	if code, _, _ := runCLI(t, "scan", "-direction", "sideways", "testdata/plain.eml"); code != 2 {
		t.Errorf("bad -direction: exit %d, want 2", code)
	}
}

func TestParseArgsAnyPosition(t *testing.T) {
	for _, args := range [][]string{
		{"release", "ID", "-config", "F"},
		{"release", "-config", "F", "ID"},
		{"-config", "F", "release", "ID"},
	} {
		fs := newFlagSet("t", &bytes.Buffer{})
		cfg := fs.String("config", "", "")
		pos, err := parseArgs(fs, args)
		if err != nil || *cfg != "F" || strings.Join(pos, " ") != "release ID" {
			t.Errorf("%v: pos %v config %q err %v", args, pos, *cfg, err)
		}
	}
	fs := newFlagSet("t", &bytes.Buffer{})
	fs.String("config", "", "")
	if pos, _ := parseArgs(fs, []string{"a", "--", "-config"}); strings.Join(pos, " ") != "a -config" {
		t.Errorf("-- should end flags: %v", pos)
	}
	fs = newFlagSet("t", &bytes.Buffer{})
	if pos, _ := parseArgs(fs, []string{"-"}); len(pos) != 1 || pos[0] != "-" {
		t.Errorf("- is stdin: %v", pos)
	}
}
