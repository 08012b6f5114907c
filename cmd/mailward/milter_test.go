package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	gomilter "github.com/d--j/go-milter"
)

// milterConfig serves the relay and the milter; rule decides inbound mail.
func milterConfig(listen, milterAddr, metricsAddr, review, work, action string) string {
	return fmt.Sprintf(`domains: [trust.example]
trusted_networks: [127.0.0.1/32]
listen: %s
milter: {listen: %s}
metrics: {listen: %s}
review: {listen: %s}
quarantine: {dir: %s/q}
next_hop: {inbound: "maildir:%s/in", outbound: "maildir:%s/out"}
rules:
  - {name: inbound-rule, direction: [inbound], action: %s}
`, listen, milterAddr, metricsAddr, review, work, work, work, action)
}

// milterVerdict runs one inbound message through the milter at addr as an
// MTA would (go-milter's client) and returns the final action and the
// header changes asked for.
func milterVerdict(t *testing.T, addr string) (*gomilter.Action, []gomilter.ModifyAction) {
	t.Helper()
	c := gomilter.NewClient("tcp", addr)
	s, err := c.Session(gomilter.NewMacroBag())
	if err != nil {
		t.Fatalf("milter session: %v", err)
	}
	defer s.Close()
	steps := []func() (*gomilter.Action, error){
		func() (*gomilter.Action, error) {
			return s.Conn("mx.elsewhere.example", gomilter.FamilyInet, 25, "192.0.2.7")
		},
		func() (*gomilter.Action, error) { return s.Helo("mx.elsewhere.example") },
		func() (*gomilter.Action, error) { return s.Mail("parent@home.example", "") },
		func() (*gomilter.Action, error) { return s.Rcpt("office@trust.example", "") },
		s.DataStart,
		func() (*gomilter.Action, error) { return s.HeaderField("Subject", " Sports day", nil) },
		s.HeaderEnd,
		func() (*gomilter.Action, error) { return s.BodyChunk([]byte("What time is sports day?\r\n")) },
	}
	for i, step := range steps {
		act, err := step()
		if err != nil {
			t.Fatalf("milter step %d: %v", i, err)
		}
		if act.StopProcessing() {
			return act, nil
		}
	}
	mods, act, err := s.End()
	if err != nil {
		t.Fatalf("milter end: %v", err)
	}
	return act, mods
}

// TestServeMilter: `mailward serve` with milter.listen answers the milter
// protocol with the config's rules, and a SIGHUP with a changed rule
// changes the milter's verdict too.
func TestServeMilter(t *testing.T) {
	listen, milterAddr, metricsAddr, review := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	work := t.TempDir()
	cfgPath := filepath.Join(work, "mailward.yaml")
	write := func(action string) {
		tmp := cfgPath + ".tmp"
		os.WriteFile(tmp, []byte(milterConfig(listen, milterAddr, metricsAddr, review, work, action)), 0o600)
		if err := os.Rename(tmp, cfgPath); err != nil {
			t.Fatal(err)
		}
	}
	write("deliver")
	proc, _ := serveProc(t, work, cfgPath, listen)
	waitListening(t, milterAddr)

	act, mods := milterVerdict(t, milterAddr)
	if act.Type != gomilter.ActionAccept {
		t.Fatalf("deliver rule: milter said %v", act)
	}
	found := false
	for _, m := range mods {
		if m.Type == gomilter.ActionInsertHeader && m.HeaderName == "X-Mailward-Action" && strings.TrimSpace(m.HeaderValue) == "deliver" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no X-Mailward-Action: deliver among %v", mods)
	}

	// Message tracking has it, as for the relay's messages.
	waitFor(t, "the milter's message in mailward track", func() bool {
		out, _ := exec.Command(binary, "track", "-config", cfgPath, "-json").Output()
		return strings.Contains(string(out), `"from":"parent@home.example"`) && strings.Contains(string(out), `"action":"deliver"`)
	})

	write("reject")
	proc.Process.Signal(syscall.SIGHUP)
	waitFor(t, "reload", func() bool {
		return scrape(t, metricsAddr, `mailward_config_reloads_total{result="ok"}`) >= 1
	})
	act, _ = milterVerdict(t, milterAddr)
	if act.Type != gomilter.ActionRejectWithCode || act.SMTPCode != 550 || !strings.Contains(act.SMTPReply, "5.7.1 Message refused by policy") {
		t.Fatalf("after reload to reject: milter said %v", act)
	}
}
