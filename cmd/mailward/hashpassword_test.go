package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/review"
)

// withStdin runs f with the package's stdin reading s.
func withStdin(t *testing.T, s string, f func()) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "stdin")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	old := stdin
	stdin = in
	defer func() { stdin = old }()
	f()
}

// TestHashPasswordLogsIn: the printed hash, put in review.users as
// check-config's users write it, lets the review page's login accept that
// password (Basic auth on /api/me) and refuse another.
func TestHashPasswordLogsIn(t *testing.T) {
	const pw = "correct horse battery staple"
	var code int
	var out, errOut string
	withStdin(t, pw+"\n", func() { code, out, errOut = runCLI(t, "hash-password", "-cost", "10") })
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	hash := strings.TrimSpace(out)
	if strings.Contains(out+errOut, pw) {
		t.Fatal("the password was echoed")
	}
	cfgPath := writeConfig(t, "domains: [trust.example]\nquarantine: {dir: "+filepath.Join(t.TempDir(), "q")+"}\nreview:\n  users:\n    - name: head\n      role: admin\n      password_hash: '"+hash+"'\n")
	if code, _, e := runCLI(t, "check-config", "-config", cfgPath); code != 0 {
		t.Fatalf("check-config: %d %s", code, e)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	store, err := quarantine.OpenDir(cfg.Quarantine.Dir)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := review.New(cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil)), review.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	for _, c := range []struct {
		pw   string
		want int
	}{{pw, 200}, {pw + "x", 401}} {
		req, _ := http.NewRequest("GET", hs.URL+"/api/me", nil)
		req.SetBasicAuth("head", c.pw)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("password %q: %d, want %d", c.pw, resp.StatusCode, c.want)
		}
	}
}

func TestHashPasswordRefuses(t *testing.T) {
	for _, c := range []struct {
		name, in string
		args     []string
		want     string
	}{
		{"short", "short\n", nil, "at least 12"},
		{"empty", "", nil, "at least 12"},
		{"too long for bcrypt", strings.Repeat("a", 73) + "\n", nil, "at most 72 bytes"},
		{"password as argument", "", []string{"hunter2hunter2"}, "never from the command line"},
		{"cost", "a long enough password\n", []string{"-cost", "4"}, "want 10..16"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var code int
			var errOut string
			withStdin(t, c.in, func() { code, _, errOut = runCLI(t, append([]string{"hash-password"}, c.args...)...) })
			if code != 2 || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, c.want)
			}
		})
	}
}
