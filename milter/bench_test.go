package milter

import (
	"fmt"
	"strings"
	"testing"

	gomilter "github.com/d--j/go-milter"
)

// BenchmarkMilter is one inbound message of each size through the milter
// over loopback, as Postfix would pass it, with every detector the default
// config runs: the milter's share of an MTA's time per message.
//
//	go test -run '^$' -bench BenchmarkMilter -benchtime 200x ./milter
func BenchmarkMilter(b *testing.B) {
	for _, size := range []int{5 << 10, 50 << 10, 250 << 10} {
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			mw := startMailward(b, "127.0.0.1:0", "")
			line := "The trip to the science museum leaves at nine; please bring a packed lunch and a coat.\r\n"
			body := strings.Repeat(line, size/len(line)+1)[:size]
			b.SetBytes(int64(size))
			b.ResetTimer()
			for range b.N {
				s, err := gomilter.NewClient("tcp", mw.addr).Session(gomilter.NewMacroBag())
				if err != nil {
					b.Fatal(err)
				}
				must := func(a *gomilter.Action, err error) {
					if err != nil || a.StopProcessing() {
						b.Fatalf("%v %v", a, err)
					}
				}
				must(s.Conn("mx.example", gomilter.FamilyInet, 25, "192.0.2.1"))
				must(s.Helo("mx.example"))
				must(s.Mail("parent@home.example", ""))
				must(s.Rcpt("office@trust.example", ""))
				must(s.DataStart())
				must(s.HeaderField("From", " parent@home.example", nil))
				must(s.HeaderField("Subject", " Trip", nil))
				must(s.HeaderEnd())
				for rest := body; len(rest) > 0; {
					n := min(len(rest), 60000)
					must(s.BodyChunk([]byte(rest[:n])))
					rest = rest[n:]
				}
				if _, act, err := s.End(); err != nil || act.Type != gomilter.ActionAccept {
					b.Fatalf("%v %v", act, err)
				}
				s.Close()
			}
		})
	}
}
