package chainmail

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

// scriptLetters50K is a 50 KB letter of the hard negatives of the
// evaluation set in Urdu, Punjabi, Arabic and Bengali, repeated: the load
// of the script reading (scriptWords and the script patterns).
func scriptLetters50K(b *testing.B) *scanner.Message {
	var body strings.Builder
	for body.Len() < 50<<10 {
		for _, f := range []string{"ur-neg-trip-letter.eml", "pa-neg-trip-letter.eml", "ar-neg-trip-letter.eml", "bn-neg-trip.eml"} {
			raw, err := os.ReadFile(filepath.Join(evalDir, f))
			if err != nil {
				b.Fatal(err)
			}
			_, text, _ := strings.Cut(string(raw), "\r\n\r\n")
			body.WriteString(text)
			body.WriteString("\r\n")
		}
	}
	raw := []byte("From: office@trust.example\r\nTo: parents@trust.example\r\nSubject: bench\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body.String())
	m, err := scanner.Parse(raw, scanner.Envelope{})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkScanScripts50K is the detector's cost for a 50 KB letter in the
// Arabic and Indic scripts (no chain-letter wording).
func BenchmarkScanScripts50K(b *testing.B) {
	m := scriptLetters50K(b)
	s := New(config.ChainMail{}, nil)
	b.SetBytes(int64(len(m.Raw)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Scan(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFingerprintsScripts50K is the spread fingerprint's cost for it.
func BenchmarkFingerprintsScripts50K(b *testing.B) {
	m := scriptLetters50K(b)
	b.SetBytes(int64(len(m.Raw)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Fingerprints(m)
	}
}
