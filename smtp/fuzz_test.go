package smtp

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/scanner"
)

// FuzzMessagePath runs what the relay does to a message after DATA: newline
// normalisation, the loop guard, parse and scan with the default pipeline,
// and the header rewrite. It must never panic (a recovered scanner panic
// fails the run too), and the rewrite must keep every byte of the body.
func FuzzMessagePath(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.eml")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("Subject: a\n\nb\r.\r\nMAIL FROM:<x>\r\n"))
	f.Add([]byte("X-Mailward-Action: deliver\r\nx-mailward-findings: a=1\r\n\r\n"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822\r\n\r\n--x--"))
	p, err := pipeline.New(config.Default())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		before, _ := scanner.Panics()
		msg := NormalizeNewlines(raw)
		if bytes.Count(msg, []byte("\n")) != bytes.Count(msg, []byte("\r\n")) ||
			bytes.Count(msg, []byte("\r")) != bytes.Count(msg, []byte("\r\n")) {
			t.Fatalf("bare line ending survived normalisation: %q", msg)
		}
		countReceived(msg)
		v := p.Scan(context.Background(), msg, scanner.Envelope{Direction: scanner.Inbound})
		if v.Decision.Action == "" {
			t.Fatal("no action")
		}
		out := renameOurHeaders(msg)
		if end := headerEnd(msg); !bytes.Equal(out[len(out)-(len(msg)-end):], msg[end:]) {
			t.Fatal("rewrite changed the body")
		}
		if after, last := scanner.Panics(); after != before {
			t.Fatalf("a scanner panicked: %s", last)
		}
	})
}
