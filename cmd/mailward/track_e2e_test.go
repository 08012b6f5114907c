package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeTracksMessages: the real binary, a real client (swaks) and a
// real next hop (smtp-sink); `mailward track` reads, while serve writes,
// the record of the message by the queue id swaks saw in the 250 reply.
func TestServeTracksMessages(t *testing.T) {
	listen, _, cfg := serveToSink(t)
	out, err := swaks(t, "--server", listen, "--from", "head@trust.example", "--to", "parent@home.example",
		"--header", "Subject: Trip money", "--body", "The trip costs 5 pounds.")
	m := regexp.MustCompile(`250 2\.0\.0 Ok: queued as (\S+)`).FindStringSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	var got string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		code, stdout, _ := runCLI(t, "track", "-config", cfg, "-queue-id", m[1], "-json")
		if code == 0 && stdout != "" {
			got = stdout
			break
		}
	}
	for _, want := range []string{`"queue_id":"` + m[1] + `"`, `"from":"head@trust.example"`, `"to":["parent@home.example"]`,
		`"direction":"outbound"`, `"action":"deliver"`, `"reply":"250 2.0.0 Ok: queued as ` + m[1] + `; next hop: 250 `} {
		if !strings.Contains(got, want) {
			t.Errorf("track output lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Trip") || strings.Contains(got, "pounds") {
		t.Errorf("content in the tracking record: %s", got)
	}
}
