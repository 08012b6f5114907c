package review

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailward/mailward/quarantine"
)

// FuzzParseView feeds arbitrary messages to the display parser: it must not
// panic, and the HTML it produces must hold nothing live, whatever the input.
func FuzzParseView(f *testing.F) {
	files, _ := filepath.Glob("testdata/hostile/*.eml")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add([]byte("Subject: =?utf-8?b?PHNjcmlwdD4=?=\r\nContent-Type: text/html\r\n\r\n<scr<script>ipt>alert(1)</script>"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		v := parseView(raw, &quarantine.Record{})
		doc := "<body>" + v.HTML + "</body>"
		for _, p := range liveProblems(doc) {
			t.Fatalf("sanitised HTML has %s", p)
		}
		if strings.Contains(strings.ToLower(v.HTML), "<script") {
			t.Fatal("script in sanitised HTML")
		}
	})
}
