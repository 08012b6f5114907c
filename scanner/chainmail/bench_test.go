package chainmail

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

// hamMessages parses up to n ham messages, or skips.
func hamMessages(b *testing.B, n int) []*scanner.Message {
	dir := corporaDir(b, "ham/spamassassin-easy-ham-1")
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	var out []*scanner.Message
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if m, err := scanner.Parse(raw, scanner.Envelope{}); err == nil {
			out = append(out, m)
		}
		if len(out) == n {
			break
		}
	}
	if len(out) == 0 {
		b.Skip("no ham messages")
	}
	return out
}

// BenchmarkScan is the chain mail detector's cost per real message.
func BenchmarkScan(b *testing.B) {
	msgs := hamMessages(b, 500)
	s := New(config.ChainMail{}, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Scan(context.Background(), msgs[i%len(msgs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFingerprints is the spread fingerprint's cost per real message.
func BenchmarkFingerprints(b *testing.B) {
	msgs := hamMessages(b, 500)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Fingerprints(msgs[i%len(msgs)])
	}
}

// BenchmarkScan50K is the detector's cost for an ordinary 50 KB plain-text
// message, the relay benchmark's load: no chain-letter wording anywhere.
func BenchmarkScan50K(b *testing.B) {
	m, err := scanner.Parse(plain50K(), scanner.Envelope{})
	if err != nil {
		b.Fatal(err)
	}
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

// BenchmarkFingerprints50K is the spread fingerprint's cost for the same
// 50 KB message.
func BenchmarkFingerprints50K(b *testing.B) {
	m, err := scanner.Parse(plain50K(), scanner.Envelope{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(m.Raw)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Fingerprints(m)
	}
}

// BenchmarkPipeline50K is what the pipeline spends on chain mail for the
// 50 KB message: the scan, then the fingerprints the tracker asks for.
func BenchmarkPipeline50K(b *testing.B) {
	m, err := scanner.Parse(plain50K(), scanner.Envelope{})
	if err != nil {
		b.Fatal(err)
	}
	s := New(config.ChainMail{}, nil)
	b.SetBytes(int64(len(m.Raw)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Scan(context.Background(), m); err != nil {
			b.Fatal(err)
		}
		if len(Fingerprints(m)) != Keys {
			b.Fatal("no fingerprints")
		}
	}
}
