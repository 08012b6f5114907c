package milter

import (
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/mailward/mailward/internal/smtptest"
)

// BenchmarkPostfix measures what mailward as a milter costs Postfix:
// smtp-source sends messages of each size over 10 sessions into Postfix,
// which relays them to a sink, once with no milter and once with mailward
// (every default detector, tag and deliver rules) as its milter. The
// figure is messages per second from the first connection to the last
// message at the sink.
//
//	go test -run '^$' -bench BenchmarkPostfix -benchtime 400x ./milter
func BenchmarkPostfix(b *testing.B) {
	if _, err := exec.LookPath("smtp-source"); err != nil {
		b.Skip("smtp-source (Debian package postfix) is not installed")
	}
	for _, size := range []int{5 << 10, 50 << 10} {
		for _, withMilter := range []bool{false, true} {
			name := strconv.Itoa(size>>10) + "KB/postfix"
			if withMilter {
				name += "+mailward"
			}
			b.Run(name, func(b *testing.B) {
				sink := smtptest.Start(b, nil)
				milterAddr := ""
				if withMilter {
					// One sender sends them all: lift the rate limits.
					milterAddr = startMailward(b, "127.0.0.1:0", "tracker: {sender_messages_per_hour: 100000000, "+
						"sender_recipients_per_hour: 100000000, client_messages_per_hour: 100000000, client_recipients_per_hour: 100000000}\n").addr
				}
				pf := startPostfix(b, milterAddr, sink.Addr)
				b.SetBytes(int64(size))
				b.ResetTimer()
				start := time.Now()
				out, err := exec.Command("smtp-source", "-c", "-s", "10", "-l", strconv.Itoa(size), "-m", strconv.Itoa(b.N),
					"-f", "staff@trust.example", "-t", "office@trust.example", pf.addr).CombinedOutput()
				if err != nil {
					b.Fatalf("smtp-source: %v\n%s", err, out)
				}
				for len(sink.Messages()) < b.N {
					if time.Since(start) > 10*time.Minute {
						b.Fatalf("sink has %d of %d", len(sink.Messages()), b.N)
					}
					time.Sleep(5 * time.Millisecond)
				}
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
			})
		}
	}
}
