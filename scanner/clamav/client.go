// Package clamav is the malware detector: it streams attachments to ClamAV's
// clamd over the INSTREAM protocol (TCP or a unix socket) and reports what
// clamd's signatures find.
//
// clamd being down, slow or refusing is a failure that may pass: Scan then
// returns an error wrapping scanner.ErrUnavailable and the configured
// scan.on_error action applies (default: temporary failure). A missing
// verdict is never a silent pass.
package clamav

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/mailward/mailward/metrics"
	"github.com/mailward/mailward/scanner"
)

// ErrTooLarge is clamd's refusal of a stream above its StreamMaxLength.
// It recurs on every retry, so the scanner reports it as unscannable.
var ErrTooLarge = errors.New("clamd: stream size limit exceeded")

// Client talks to one clamd. It opens a connection per command, which is
// what clamd expects outside IDSESSION and keeps failures independent.
type Client struct {
	network, addr string
	// DialTimeout bounds connecting. Default 5s.
	DialTimeout time.Duration
	// ChunkSize is the INSTREAM chunk length. Default 64 KiB.
	ChunkSize int
}

// NewClient parses an address of the form tcp://host:port or unix:/path.
func NewClient(address string) (*Client, error) {
	c := &Client{DialTimeout: 5 * time.Second, ChunkSize: 64 << 10}
	switch {
	case strings.HasPrefix(address, "tcp://"):
		c.network, c.addr = "tcp", strings.TrimPrefix(address, "tcp://")
		if _, _, err := net.SplitHostPort(c.addr); err != nil {
			return nil, fmt.Errorf("clamav address %q: %w", address, err)
		}
	case strings.HasPrefix(address, "unix://"):
		c.network, c.addr = "unix", strings.TrimPrefix(address, "unix://")
	case strings.HasPrefix(address, "unix:"):
		c.network, c.addr = "unix", strings.TrimPrefix(address, "unix:")
	default:
		return nil, fmt.Errorf("clamav address %q: want tcp://host:port or unix:/path", address)
	}
	if c.addr == "" {
		return nil, fmt.Errorf("clamav address %q: empty", address)
	}
	return c, nil
}

// String names the clamd for logs.
func (c *Client) String() string { return c.network + ":" + c.addr }

func (c *Client) dial(ctx context.Context) (net.Conn, error) {
	d := net.Dialer{Timeout: c.DialTimeout}
	conn, err := d.DialContext(ctx, c.network, c.addr)
	if err != nil {
		return nil, fmt.Errorf("clamd %s: %w: %w", c, scanner.ErrUnavailable, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	return conn, nil
}

// Ping checks that clamd answers PONG.
func (c *Client) Ping(ctx context.Context) error {
	conn, err := c.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl) // a readiness probe must not hang on a stuck clamd
	}
	if _, err := conn.Write([]byte("zPING\x00")); err != nil {
		return fmt.Errorf("clamd %s ping: %w: %w", c, scanner.ErrUnavailable, err)
	}
	reply, err := readReply(conn)
	if err != nil {
		return fmt.Errorf("clamd %s ping: %w: %w", c, scanner.ErrUnavailable, err)
	}
	if reply != "PONG" {
		return fmt.Errorf("clamd %s ping: unexpected reply %q: %w", c, reply, scanner.ErrUnavailable)
	}
	return nil
}

// Verdict is clamd's answer for one stream.
type Verdict struct {
	Infected bool
	// Signature is the name of the matching signature, such as
	// "Win.Test.EICAR_HDB-1".
	Signature string
}

// Scan streams r to clamd with INSTREAM and returns its verdict. Network
// trouble wraps scanner.ErrUnavailable; a stream over clamd's size limit is
// ErrTooLarge.
func (c *Client) Scan(ctx context.Context, r io.Reader) (_ Verdict, reterr error) {
	start := time.Now()
	defer func() {
		var err error
		if reterr != nil && !errors.Is(reterr, ErrTooLarge) {
			err = reterr
		}
		metrics.ClamdLatency(time.Since(start), err)
	}()
	conn, err := c.dial(ctx)
	if err != nil {
		return Verdict{}, err
	}
	defer conn.Close()
	// Unblock reads and writes when ctx ends without a deadline of its own.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	fail := func(op string, err error) (Verdict, error) {
		if ctx.Err() != nil {
			return Verdict{}, fmt.Errorf("clamd %s %s: %w", c, op, ctx.Err())
		}
		return Verdict{}, fmt.Errorf("clamd %s %s: %w: %w", c, op, scanner.ErrUnavailable, err)
	}
	bw := bufio.NewWriterSize(conn, c.ChunkSize+4)
	if _, err := bw.WriteString("zINSTREAM\x00"); err != nil {
		return fail("write", err)
	}
	buf := make([]byte, c.ChunkSize)
	var size [4]byte
	for {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			binary.BigEndian.PutUint32(size[:], uint32(n))
			bw.Write(size[:])
			if _, err := bw.Write(buf[:n]); err != nil {
				// clamd closes the connection when the stream is over its
				// limit; its reply says so.
				if reply, rerr := readReply(conn); rerr == nil && strings.Contains(reply, "size limit") {
					return Verdict{}, ErrTooLarge
				}
				return fail("write", err)
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return Verdict{}, fmt.Errorf("clamd stream source: %w", rerr)
		}
	}
	bw.Write([]byte{0, 0, 0, 0})
	if err := bw.Flush(); err != nil {
		if reply, rerr := readReply(conn); rerr == nil && strings.Contains(reply, "size limit") {
			return Verdict{}, ErrTooLarge
		}
		return fail("write", err)
	}
	reply, err := readReply(conn)
	if err != nil {
		return fail("read", err)
	}
	return parseReply(reply)
}

// parseReply reads "stream: OK", "stream: NAME FOUND" or "... ERROR".
func parseReply(reply string) (Verdict, error) {
	switch {
	case strings.HasSuffix(reply, " FOUND"):
		sig := strings.TrimSuffix(reply, " FOUND")
		if i := strings.Index(sig, ": "); i >= 0 {
			sig = sig[i+2:]
		}
		return Verdict{Infected: true, Signature: sig}, nil
	case strings.HasSuffix(reply, ": OK"):
		return Verdict{}, nil
	case strings.Contains(reply, "size limit"):
		return Verdict{}, ErrTooLarge
	}
	return Verdict{}, fmt.Errorf("clamd reply %q: %w", reply, scanner.ErrUnavailable)
}

// readReply reads one NUL- or newline-terminated reply.
func readReply(conn net.Conn) (string, error) {
	br := bufio.NewReader(io.LimitReader(conn, 4096))
	b, err := br.ReadBytes(0)
	if err != nil && !(err == io.EOF && len(b) > 0) {
		return "", err
	}
	return string(bytes.TrimRight(b, "\x00\r\n")), nil
}
