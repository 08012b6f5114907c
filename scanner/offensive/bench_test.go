package offensive

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

// benchText is about 1 MB of real mail text: the ham corpus's bodies when
// present, otherwise an English sample with some profanity and obfuscation.
func benchText(b *testing.B) string {
	b.Helper()
	var sb strings.Builder
	if _, err := os.Stat(filepath.Join("..", "..", "go.mod")); err == nil {
		if dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "corpora", "ham", "spamassassin-easy-ham-1")); err == nil {
			files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
			for _, f := range files {
				raw, err := os.ReadFile(f)
				if err != nil {
					continue
				}
				m, err := scanner.Parse(raw, scanner.Envelope{})
				if err != nil {
					continue
				}
				sb.WriteString(m.Body())
				sb.WriteString("\n")
				if sb.Len() > 1<<20 {
					break
				}
			}
		}
	}
	if sb.Len() == 0 {
		para := "Dear parents, the Year 6 trip to Scunthorpe is on Friday; please bring a packed lunch. " +
			"Our assessment of class work shows good progress in Dickens and science (puberty, reproduction). " +
			"> What the f*ck is this sh1t, you b.i.t.c.h?\n> -- quoted from a complaint\nThanks, Mrs Smith\n"
		for sb.Len() < 1<<20 {
			sb.WriteString(para)
		}
	}
	return sb.String()
}

// BenchmarkMatch is the text throughput of one core with the full term
// lists: MB/s in the output. Target: at least 50 MB/s.
func BenchmarkMatch(b *testing.B) {
	text := benchText(b)
	x := defaultLexicon(b)
	m := NewMatcher(x)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		m.Match(text)
	}
	reportCPU(b, cpu, len(text))
}

// cpuTime is the process's CPU time so far. On a shared machine wall-clock
// MB/s understates what one core does; MB/cpu-s is the per-core rate.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration, n int) {
	if used := cpuTime() - start; used > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/used.Seconds()/1e6, "MB/cpu-s")
	}
}

// BenchmarkScan includes the scanner's scoring around the matcher.
func BenchmarkScan(b *testing.B) {
	text := benchText(b)
	s, err := New(config.Offensive{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		// A new message each time: its words are read once per message
		// and kept with it (package words).
		msg := &scanner.Message{Texts: []scanner.Text{{Where: "body", Kind: scanner.KindPlain, Content: text}}}
		if _, err := s.Scan(context.Background(), msg); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu, len(text))
}

// BenchmarkMatchUnicode is the slow path: accented, Cyrillic and Greek
// letters, full-width text and invisible characters on every line.
func BenchmarkMatchUnicode(b *testing.B) {
	para := "Café crème, naïve résumé — Zoë's fiancée in Málaga. Привет, как дела? Καλημέρα κόσμε. " +
		"ｆｕｌｌｗｉｄｔｈ text, zero\u200bwidth, ѕһіт and 𝐛𝐨𝐥𝐝 words in a school newsletter.\n"
	text := strings.Repeat(para, (1<<20)/len(para))
	m := NewMatcher(defaultLexicon(b))
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		m.Match(text)
	}
	reportCPU(b, cpu, len(text))
}
