package nexthop

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

// Probe checks that h would take mail now, for readiness: an SMTP hop must
// accept a connection and greet with 220 (it is then sent QUIT; no
// transaction is opened and no session slot is taken); a maildir must be a
// folder. It honours ctx's deadline.
func Probe(ctx context.Context, h Hop) error {
	switch h := h.(type) {
	case *SMTP:
		return probeSMTP(ctx, h.addr)
	case *Maildir:
		fi, err := os.Stat(h.dir)
		if err != nil {
			return fmt.Errorf("maildir %s: %w", h.dir, err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("maildir %s: not a folder", h.dir)
		}
		return nil
	}
	return nil
}

func probeSMTP(ctx context.Context, addr string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("next hop %s: %w", addr, err)
	}
	defer conn.Close()
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Now().Add(5 * time.Second)
	}
	conn.SetDeadline(dl)
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("next hop %s greeting: %w", addr, err)
		}
		if !strings.HasPrefix(line, "220") {
			return fmt.Errorf("next hop %s greets with %q", addr, strings.TrimSpace(line))
		}
		if len(line) < 4 || line[3] != '-' { // last line of a multi-line greeting
			break
		}
	}
	conn.Write([]byte("QUIT\r\n"))
	return nil
}
