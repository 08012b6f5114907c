package nexthop

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mailward/mailward/internal/smtptest"
)

// TestSendDeadlineStalledHop: a hop that answers 354 and then neither reads
// nor answers cannot hold Send (the relay, a quarantine release, an alert)
// past its context's deadline, though go-smtp clears its own deadlines
// around the body.
func TestSendDeadlineStalledHop(t *testing.T) {
	hop := smtptest.StartStalled(t, false)
	msg := append([]byte("Subject: big\r\n\r\n"), bytes.Repeat([]byte(strings.Repeat("z", 78)+"\r\n"), 100_000)...) // 8 MB
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := Send(ctx, "smtp://"+hop, "a@x.example", []string{"b@y.example"}, msg)
	if err == nil {
		t.Fatal("sent to a stalled hop")
	}
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Fatalf("Send returned after %s, the deadline was 500ms (%v)", took, err)
	}
}
