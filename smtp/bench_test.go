package smtp

import (
	"fmt"
	"net/smtp"
	"strings"
	"sync"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/smtptest"
)

// BenchmarkRelay pushes messages through mailward into a go-smtp sink over
// loopback with the default pipeline, 20 sessions at a time. Compare with
// BenchmarkDirect (the same client straight into the sink) for the ratio;
// bench/relay.sh does the same with Postfix's smtp-source and smtp-sink.
func BenchmarkRelay(b *testing.B) {
	for _, size := range []int{5 << 10, 50 << 10} {
		b.Run(fmt.Sprintf("%dK", size>>10), func(b *testing.B) {
			r := startRelayCfg(b, "", func(c *config.Config) {
				// One sender sends all the load: lift its limits.
				c.Tracker.SenderMessagesPerHour = 1 << 30
				c.Tracker.SenderRecipientsPerHour = 1 << 30
			})
			benchSend(b, r.addr, size)
		})
	}
}

// BenchmarkDirect is the baseline: the same load straight into the sink.
func BenchmarkDirect(b *testing.B) {
	for _, size := range []int{5 << 10, 50 << 10} {
		b.Run(fmt.Sprintf("%dK", size>>10), func(b *testing.B) {
			s := smtptest.Start(b, nil)
			benchSend(b, s.Addr, size)
		})
	}
}

func benchSend(b *testing.B, addr string, size int) {
	line := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 1)[:44] + "\r\n"
	body := "From: head@trust.example\r\nTo: parent@home.example\r\nSubject: bench\r\n\r\n" + strings.Repeat(line, size/len(line))
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	var wg sync.WaitGroup
	work := make(chan struct{})
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				if err := smtp.SendMail(addr, nil, "head@trust.example", []string{"parent@home.example"}, []byte(body)); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for i := 0; i < b.N; i++ {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
}
