package main

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	gosmtp "github.com/emersion/go-smtp"
	"golang.org/x/crypto/bcrypt"
	"gopkg.in/yaml.v3"

	"github.com/mailward/mailward/internal/clamdtest"
	"github.com/mailward/mailward/internal/smtptest"
	"github.com/mailward/mailward/tracker/redistest"
)

// eicarFile is the EICAR anti-virus test file, assembled at run time so
// that this source file itself is not flagged on developers' machines.
var eicarFile = []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$` + "EICAR-STANDARD-ANTIVIRUS" + `-TEST-FILE!$H+H*`)

// metricsPage is one scrape of /metrics.
type metricsPage string

func getMetrics(t *testing.T, addr string) metricsPage {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return metricsPage(b)
}

// value returns the value of the series written exactly as series, or -1.
func (m metricsPage) value(series string) float64 {
	for _, line := range strings.Split(string(m), "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			var v float64
			fmt.Sscan(rest, &v)
			return v
		}
	}
	return -1
}

// names returns every metric name on the page, histogram suffixes included.
func (m metricsPage) names() map[string]bool {
	out := map[string]bool{}
	for _, line := range strings.Split(string(m), "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "#" && f[1] == "TYPE" {
			out[f[2]] = true
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 && !strings.HasPrefix(line, "#") {
			out[line[:i]] = true
		}
	}
	return out
}

func readyz(t *testing.T, addr string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatalf("readyz: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// sendRaw sends msg from one sender to one recipient and returns the
// reply to the data (nil for 250).
func sendRaw(t *testing.T, listen, from, to, msg string) *gosmtp.SMTPError {
	t.Helper()
	c, err := gosmtp.Dial(listen)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail(from, nil); err != nil {
		t.Fatalf("MAIL: %v", err)
	}
	if err := c.Rcpt(to, nil); err != nil {
		t.Fatalf("RCPT: %v", err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatalf("DATA: %v", err)
	}
	io.WriteString(w, msg)
	err = w.Close()
	c.Quit()
	if err == nil {
		return nil
	}
	se, ok := err.(*gosmtp.SMTPError)
	if !ok {
		t.Fatalf("end of data: %v", err)
	}
	return se
}

func attachmentMessage(name string, data []byte) string {
	return "From: head@trust.example\r\nTo: parent@home.example\r\nSubject: Letter\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nPlease see the attachment.\r\n" +
		"--b1\r\nContent-Type: application/octet-stream; name=\"" + name + "\"\r\nContent-Disposition: attachment; filename=\"" + name + "\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(data) + "\r\n--b1--\r\n"
}

const plainMessage = "From: head@trust.example\r\nTo: parent@home.example\r\nSubject: Sports day\r\n\r\nSports day is on Friday; please bring a packed lunch.\r\n"

// TestMetricsAndReadiness runs the real binary with a real Redis, a real
// clamd and a real go-smtp next hop, and checks what operators read: every
// series present at zero before the first message; messages, rules,
// scanner and clamd latency, quarantine held and oldest, releases and
// deletes counted; a rate-limit 451 told apart from a next hop's 451; open
// sessions; /readyz and `mailward health` following Redis (degraded) and
// clamd (not ready); no address in any label. It also checks that every
// metric the Prometheus alert rules and the Grafana dashboard use exists.
func TestMetricsAndReadiness(t *testing.T) {
	av := clamdtest.Start(t, "25M", map[string]string{
		"test.hdb": fmt.Sprintf("%x:%d:Mailward.Test.EICAR\n", md5.Sum(eicarFile), len(eicarFile)),
	})
	rds := redistest.Start(t)
	hop := smtptest.Start(t, nil)
	listen, reviewAddr, metricsAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	work := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := writeConfig(t, fmt.Sprintf(`domains: [trust.example]
trusted_networks: [127.0.0.1/32]
listen: %s
hostname: mailward.test
next_hop:
  inbound: smtp://%s
  outbound: smtp://%s
quarantine:
  dir: %s/quarantine
review:
  listen: %s
  users:
    - name: admin
      password_hash: %q
      role: admin
metrics:
  listen: %s
redis:
  url: %s
clamav:
  address: %s
tracker:
  sender_messages_per_hour: 3
rules:
  - name: hold-malware
    category: [malware]
    action: quarantine
  - name: hold-attachments
    category: [suspicious_attachment]
    action: quarantine
`, listen, hop.Addr, hop.Addr, work, reviewAddr, hash, metricsAddr, rds.URL, av.TCP))
	serveProc(t, work, cfgPath, listen)
	waitListening(t, metricsAddr)
	health := func() int {
		t.Helper()
		cmd := exec.Command(binary, "health", "-config", cfgPath)
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	}

	// Before any mail: every series is there, at zero.
	m := getMetrics(t, metricsAddr)
	for _, s := range []string{
		`mailward_messages_total{action="quarantine",direction="outbound"}`,
		`mailward_findings_total{category="malware"}`,
		`mailward_rule_matches_total{rule="hold-malware"}`,
		`mailward_rule_matches_total{rule="rate-limit"}`,
		`mailward_replies_total{code="451",reason="rate_limit",stage="data"}`,
		`mailward_replies_total{code="451",reason="next_hop",stage="data"}`,
		`mailward_replies_total{code="451",reason="next_hop_unavailable",stage="rcpt"}`,
		`mailward_scanner_seconds_count{scanner="clamav"}`,
		`mailward_scanner_seconds_count{scanner="offensive"}`,
		`mailward_clamd_seconds_count`,
		`mailward_quarantine_held`,
		`mailward_quarantine_oldest_seconds`,
		`mailward_quarantine_actions_total{action="release"}`,
		`mailward_quarantine_actions_total{action="delete"}`,
		`mailward_sessions_open`,
		`mailward_next_hop_sessions{direction="inbound"}`,
		`mailward_errors_total{place="next_hop"}`,
		`mailward_config_reloads_total{result="error"}`,
	} {
		if v := m.value(s); v != 0 {
			t.Errorf("at start %s = %v, want 0 (-1: absent)", s, v)
		}
	}
	if v := m.value(`mailward_next_hop_max_sessions{direction="outbound"}`); v != 100 {
		t.Errorf("next-hop session limit %v, want 100", v)
	}
	if !regexp.MustCompile(`(?m)^mailward_build_info\{goversion="go[^"]+",version="dev"\} 1$`).MatchString(string(m)) {
		t.Error("no mailward_build_info")
	}
	if v := m.value("mailward_config_last_reload_successful"); v != 1 {
		t.Errorf("mailward_config_last_reload_successful = %v at start", v)
	}

	// Everything up: ready, and health says so.
	code, body := readyz(t, metricsAddr)
	for _, want := range []string{"next_hop_inbound: ok", "next_hop_outbound: ok", "redis: ok", "clamd: ok", "ready"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/readyz %d lacks %q:\n%s", code, want, body)
		}
	}
	if c := health(); c != 0 {
		t.Errorf("mailward health = %d with everything up", c)
	}

	// One clean message, one with EICAR, one with an .exe.
	if rep := sendRaw(t, listen, "head@trust.example", "parent@home.example", plainMessage); rep != nil {
		t.Fatalf("clean message: %v", rep)
	}
	if rep := sendRaw(t, listen, "office@trust.example", "parent@home.example", attachmentMessage("notes.txt", eicarFile)); rep != nil {
		t.Fatalf("EICAR message: %v", rep)
	}
	if rep := sendRaw(t, listen, "bursar@trust.example", "parent@home.example", attachmentMessage("invoice.pdf.exe", []byte("MZ\x90\x00 not really a program"))); rep != nil {
		t.Fatalf("exe message: %v", rep)
	}
	// The sender's limit is 3 an hour: the 4th is a rate-limit 451.
	var rate *gosmtp.SMTPError
	for i := 0; i < 4; i++ {
		rate = sendRaw(t, listen, "busy@trust.example", "parent@home.example", plainMessage)
	}
	if rate == nil || rate.Code != 451 || rate.EnhancedCode != (gosmtp.EnhancedCode{4, 7, 1}) {
		t.Fatalf("4th message of a sender limited to 3: %v, want 451 4.7.1", rate)
	}
	// The next hop defers: its own 451 comes back, counted apart.
	hop.Set(func(b *smtptest.Behaviour) {
		b.DataErr = &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try later"}
	})
	if rep := sendRaw(t, listen, "head@trust.example", "parent@home.example", plainMessage); rep == nil || rep.Code != 451 {
		t.Fatalf("next hop's 451 not passed back: %v", rep)
	}
	hop.Set(func(b *smtptest.Behaviour) { b.DataErr = nil })

	// An open session shows.
	idle, err := gosmtp.Dial(listen)
	if err != nil {
		t.Fatal(err)
	}
	if err := idle.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the log lines and counters after the replies", func() bool {
		return getMetrics(t, metricsAddr).value(`mailward_messages_total{action="tempfail",direction="outbound"}`) >= 1
	})
	m = getMetrics(t, metricsAddr)
	idle.Close()
	for s, want := range map[string]float64{
		`mailward_messages_total{action="deliver",direction="outbound"}`:      5, // clean, 3 x busy, the one the hop deferred
		`mailward_messages_total{action="quarantine",direction="outbound"}`:   2,
		`mailward_findings_total{category="malware"}`:                         1,
		`mailward_rule_matches_total{rule="hold-malware"}`:                    1,
		`mailward_rule_matches_total{rule="hold-attachments"}`:                1,
		`mailward_rule_matches_total{rule="rate-limit"}`:                      1,
		`mailward_replies_total{code="451",reason="rate_limit",stage="data"}`: 1,
		`mailward_replies_total{code="451",reason="next_hop",stage="data"}`:   1,
		`mailward_replies_total{code="250",reason="queued",stage="data"}`:     6,
		`mailward_scanner_seconds_count{scanner="clamav"}`:                    7, // every message but the rate-limited one
		`mailward_clamd_seconds_count`:                                        2, // clamd sees attachments only
		`mailward_errors_total{place="next_hop"}`:                             1,
		`mailward_sessions_open`:                                              1,
		`mailward_dependency_up{dependency="clamd"}`:                          1,
		`mailward_dependency_up{dependency="redis"}`:                          1,
	} {
		if v := m.value(s); v != want {
			t.Errorf("%s = %v, want %v", s, v, want)
		}
	}
	if strings.Contains(string(m), "@") {
		t.Error("an address in /metrics")
	}

	// The quarantine gauges (read at most every 10 s), then a release and
	// a delete through the review API of the same process.
	waitFor(t, "quarantine held 2", func() bool {
		return getMetrics(t, metricsAddr).value("mailward_quarantine_held") == 2
	})
	if v := getMetrics(t, metricsAddr).value("mailward_quarantine_oldest_seconds"); v <= 0 || v > 300 {
		t.Errorf("mailward_quarantine_oldest_seconds = %v", v)
	}
	api := func(method, path string) []byte {
		t.Helper()
		var body io.Reader
		if method == "POST" {
			body = strings.NewReader(`{"reason":"metrics test"}`)
		}
		req, _ := http.NewRequest(method, "http://"+reviewAddr+path, body)
		req.SetBasicAuth("admin", "correct horse")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		return b
	}
	var list struct {
		Messages []struct {
			ID         string   `json:"id"`
			Categories []string `json:"categories"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(api("GET", "/api/messages"), &list); err != nil || len(list.Messages) != 2 {
		t.Fatalf("review list: %v %+v", err, list)
	}
	for _, msg := range list.Messages {
		action := "release"
		if strings.Contains(strings.Join(msg.Categories, ","), "malware") {
			action = "delete"
		}
		api("POST", "/api/messages/"+msg.ID+"/"+action)
	}
	m = getMetrics(t, metricsAddr)
	if m.value(`mailward_quarantine_actions_total{action="release"}`) != 1 || m.value(`mailward_quarantine_actions_total{action="delete"}`) != 1 {
		t.Errorf("release/delete counters: %v %v", m.value(`mailward_quarantine_actions_total{action="release"}`),
			m.value(`mailward_quarantine_actions_total{action="delete"}`))
	}
	waitFor(t, "quarantine held 0", func() bool {
		return getMetrics(t, metricsAddr).value("mailward_quarantine_held") == 0
	})

	// The alert rules and the dashboard use only metrics mailward exports.
	checkDeployMetrics(t, getMetrics(t, metricsAddr).names())

	// Redis down: still ready (rate limits fail open), reported degraded.
	rds.Stop()
	waitFor(t, "/readyz to report Redis down", func() bool {
		_, body := readyz(t, metricsAddr)
		return strings.Contains(body, "redis: down (degraded)")
	})
	if code, body := readyz(t, metricsAddr); code != 200 {
		t.Errorf("/readyz with Redis down: %d, want 200 (fail open)\n%s", code, body)
	}
	if v := getMetrics(t, metricsAddr).value(`mailward_dependency_up{dependency="redis"}`); v != 0 {
		t.Errorf("redis up = %v after it stopped", v)
	}
	// clamd down: not ready (scan.on_error tempfail defers every message).
	av.Stop()
	waitFor(t, "/readyz to report clamd down", func() bool {
		code, _ := readyz(t, metricsAddr)
		return code == 503
	})
	if _, body := readyz(t, metricsAddr); !strings.Contains(body, "clamd: down\n") || strings.Contains(body, "127.0.0.1") {
		t.Errorf("/readyz body:\n%s", body)
	}
	if c := health(); c != 1 {
		t.Errorf("mailward health = %d with clamd down, want 1", c)
	}
}

// checkDeployMetrics parses deploy/prometheus/alerts.yml and
// deploy/grafana/mailward.json and checks that every mailward_ metric their
// expressions name is one that /metrics has (exported).
func checkDeployMetrics(t *testing.T, exported map[string]bool) {
	t.Helper()
	root := filepath.Join("..", "..", "deploy")
	var exprs []string
	b, err := os.ReadFile(filepath.Join(root, "prometheus", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatalf("alerts.yml: %v", err)
	}
	alerts := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			alerts++
			if r.Alert == "" || r.Expr == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("alert rule %+v lacks a name, expr, severity or summary", r)
			}
			exprs = append(exprs, r.Expr)
		}
	}
	if alerts < 6 {
		t.Errorf("alerts.yml has %d rules", alerts)
	}
	b, err = os.ReadFile(filepath.Join(root, "grafana", "mailward.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("mailward.json: %v", err)
	}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	names := regexp.MustCompile(`\bmailward_[a-z_]+`)
	used := 0
	for _, e := range exprs {
		for _, n := range names.FindAllString(e, -1) {
			used++
			if !exported[n] {
				t.Errorf("%q names %s, which mailward does not export", e, n)
			}
		}
	}
	if used == 0 {
		t.Error("no mailward metric in the alert rules or the dashboard")
	}
}

// TestAlertRulesPromtool checks the alert rules with Prometheus's own
// checker when it is installed (Debian package prometheus).
func TestAlertRulesPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (Debian package prometheus)")
	}
	out, err := exec.Command(promtool, "check", "rules", filepath.Join("..", "..", "deploy", "prometheus", "alerts.yml")).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("SUCCESS")) {
		t.Fatalf("promtool: %s", out)
	}
}
