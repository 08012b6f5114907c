package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// repoFile reads a file from the repository root.
func repoFile(t *testing.T, parts ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"..", ".."}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDockerfile: held mail lives on a volume, the health check runs
// mailward itself against the config the container serves.
func TestDockerfile(t *testing.T) {
	df := repoFile(t, "Dockerfile")
	cmd := regexp.MustCompile(`(?m)^CMD \["serve", "-config", "([^"]+)"\]`).FindStringSubmatch(df)
	if cmd == nil {
		t.Fatal("Dockerfile: no CMD serve -config")
	}
	for _, want := range []string{
		`VOLUME ["/var/lib/mailward"]`,
		`CMD ["/usr/local/bin/mailward", "health", "-config", "` + cmd[1] + `"]`,
		"HEALTHCHECK --interval=",
		"USER mailward",
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %s", want)
		}
	}
}

// TestDockerCompose: mailward, Redis and ClamAV, mailward started once both
// are healthy, its config mounted where the image's CMD reads it, its state
// on a named volume, and that config valid for mailward itself.
func TestDockerCompose(t *testing.T) {
	var dc struct {
		Services map[string]struct {
			Build     any               `yaml:"build"`
			Image     string            `yaml:"image"`
			DependsOn map[string]any    `yaml:"depends_on"`
			Volumes   []string          `yaml:"volumes"`
			Ports     []string          `yaml:"ports"`
			Health    map[string]any    `yaml:"healthcheck"`
			Env       map[string]string `yaml:"environment"`
		} `yaml:"services"`
		Volumes map[string]any `yaml:"volumes"`
	}
	if err := yaml.Unmarshal([]byte(repoFile(t, "docker-compose.yml")), &dc); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	mw, ok := dc.Services["mailward"]
	if !ok || mw.Build == nil {
		t.Fatal("docker-compose.yml: no mailward service built from this repository")
	}
	for _, dep := range []string{"redis", "clamav"} {
		s, ok := dc.Services[dep]
		if !ok || s.Image == "" || s.Health == nil {
			t.Errorf("service %s missing, without image or without a health check", dep)
		}
		if _, ok := mw.DependsOn[dep]; !ok {
			t.Errorf("mailward does not depend on %s", dep)
		}
	}
	var cfgMount string
	hasData := false
	for _, v := range mw.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 && parts[1] == "/etc/mailward/mailward.yaml" {
			cfgMount = parts[0]
		}
		if len(parts) >= 2 && parts[1] == "/var/lib/mailward" {
			if _, named := dc.Volumes[parts[0]]; named {
				hasData = true
			}
		}
	}
	if !hasData {
		t.Error("mailward's /var/lib/mailward (the quarantine) is not on a named volume")
	}
	if cfgMount == "" {
		t.Fatal("no config mounted at /etc/mailward/mailward.yaml")
	}
	for _, p := range mw.Ports {
		if strings.HasSuffix(p, ":8025") && !strings.HasPrefix(p, "127.0.0.1:") {
			t.Errorf("review page published beyond the host: %s", p)
		}
	}
	// The mounted config passes check-config.
	out, err := exec.Command(binary, "check-config", "-config", filepath.Join("..", "..", cfgMount)).CombinedOutput()
	if err != nil {
		t.Fatalf("check-config %s: %v\n%s", cfgMount, err, out)
	}
	cfg := repoFile(t, strings.Split(filepath.Clean(cfgMount), "/")...)
	for _, want := range []string{"redis://redis:6379", "tcp://clamav:3310", "/var/lib/mailward/quarantine"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("%s lacks %s", cfgMount, want)
		}
	}
}

// TestSystemdUnit: hardening options present, reload by SIGHUP after a
// config check; and `systemd-analyze verify` finds nothing to say about it
// when it is installed.
func TestSystemdUnit(t *testing.T) {
	unit := repoFile(t, "deploy", "systemd", "mailward.service")
	for _, want := range []string{
		"NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/mailward", "PrivateTmp=yes",
		"CapabilityBoundingSet=CAP_NET_BIND_SERVICE", "ProtectHome=yes", "User=mailward",
		"ExecReload=/bin/kill -HUP $MAINPID", "ExecStart=/usr/local/bin/mailward serve -config /etc/mailward/mailward.yaml",
	} {
		if !strings.Contains(unit, want+"\n") {
			t.Errorf("unit lacks %s", want)
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (Debian package systemd)")
	}
	// verify insists that ExecStart's binary exists: point it at the one
	// this test built.
	path := filepath.Join(t.TempDir(), "mailward.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/local/bin/mailward", binary)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}
