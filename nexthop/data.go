package nexthop

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// The DATA exchange runs here rather than through go-smtp's DataCommand,
// whose writer (net/textproto's dotWriter) handles the message a byte at a
// time: a fifth of the relay's CPU for large messages. The message already
// has CRLF line endings (the relay normalises them), so dot-stuffing is a
// search for "\r\n." and the message goes out in a few large writes.
//
// The exchange is strictly in turn (no pipelining), so go-smtp's own reader
// on the same connection has nothing buffered before it and is left with
// nothing after: the session stays usable for the next transaction.

// sendDataCommand sends DATA and reads the hop's 354.
func sendDataCommand(conn net.Conn, timeout time.Duration) error {
	conn.SetDeadline(time.Now().Add(timeout))
	defer conn.SetDeadline(time.Time{})
	if _, err := conn.Write([]byte("DATA\r\n")); err != nil {
		return err
	}
	return readReply(newReplyReader(conn), 354)
}

// sendBody sends the message after the hop's 354 and reads its answer. It
// returns nil only when the hop answered 250 to the end of data, with that
// reply's text (the hop's own queue id, for message tracking). A refusal
// is the hop's *smtp.SMTPError; a failure while writing never sends the
// dot, and the caller must close the connection.
func sendBody(conn net.Conn, msg []byte, timeout time.Duration) (string, error) {
	conn.SetDeadline(time.Now().Add(timeout))
	defer conn.SetDeadline(time.Time{})
	w := writers.Get().(*bufio.Writer)
	w.Reset(conn)
	defer func() {
		w.Reset(nil)
		writers.Put(w)
	}()
	if err := writeStuffed(w, msg); err != nil {
		return "", fmt.Errorf("data: %w", err)
	}
	if err := w.Flush(); err != nil {
		return "", fmt.Errorf("data: %w", err)
	}
	_, text, err := newReplyReader(conn).ReadResponse(250)
	var pe *textproto.Error
	if errors.As(err, &pe) {
		return "", toSMTPError(pe)
	}
	if err != nil {
		return "", err
	}
	return "250 " + text, nil
}

// writers are the buffers messages go out through, shared by all hops.
var writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 64<<10) }}

// newReplyReader reads replies to one command. The hop says nothing until
// spoken to, so it never reads past the reply it waits for.
func newReplyReader(conn net.Conn) *textproto.Reader {
	return textproto.NewReader(bufio.NewReaderSize(conn, 512))
}

// writeStuffed writes msg dot-stuffed (RFC 5321 4.5.2), ending with the
// end-of-data line. A message whose line endings are not all CRLF goes
// through net/textproto's writer, which mends them as go-smtp did.
func writeStuffed(w *bufio.Writer, msg []byte) error {
	if !crlfOnly(msg) {
		dw := textproto.NewWriter(w).DotWriter()
		if _, err := dw.Write(msg); err != nil {
			return err
		}
		return dw.Close()
	}
	// The last line needs its CRLF before the dot (an empty message
	// becomes one empty line, as net/textproto writes it).
	end := ".\r\n"
	if !bytes.HasSuffix(msg, []byte("\r\n")) {
		end = "\r\n.\r\n"
	}
	if len(msg) > 0 && msg[0] == '.' {
		w.WriteByte('.')
	}
	for {
		i := bytes.Index(msg, []byte("\r\n."))
		if i < 0 {
			break
		}
		w.Write(msg[:i+3])
		w.WriteByte('.')
		msg = msg[i+3:]
	}
	w.Write(msg)
	_, err := w.WriteString(end)
	return err
}

// crlfOnly reports whether every CR and LF in b is part of a CRLF pair.
func crlfOnly(b []byte) bool {
	// As many CRs as LFs (counted by the vectorised single-byte count),
	// and a CR before every LF.
	if bytes.Count(b, []byte{'\r'}) != bytes.Count(b, []byte{'\n'}) {
		return false
	}
	for off := 0; ; {
		i := bytes.IndexByte(b[off:], '\n')
		if i < 0 {
			return true
		}
		if off+i == 0 || b[off+i-1] != '\r' {
			return false
		}
		off += i + 1
	}
}

// readReply reads one reply and returns the hop's refusal as an
// *smtp.SMTPError (with its enhanced code, as go-smtp's client does).
func readReply(r *textproto.Reader, want int) error {
	_, _, err := r.ReadResponse(want)
	var pe *textproto.Error
	if errors.As(err, &pe) {
		return toSMTPError(pe)
	}
	return err
}

func toSMTPError(pe *textproto.Error) *smtp.SMTPError {
	se := &smtp.SMTPError{Code: pe.Code, Message: pe.Msg}
	first, rest, ok := strings.Cut(pe.Msg, " ")
	if !ok {
		return se
	}
	parts := strings.Split(first, ".")
	if len(parts) != 3 {
		return se
	}
	var ec smtp.EnhancedCode
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return se
		}
		ec[i] = n
	}
	if ec[0] != 2 && ec[0] != 4 && ec[0] != 5 {
		return se
	}
	se.EnhancedCode = ec
	se.Message = strings.ReplaceAll(rest, "\n"+first+" ", "\n")
	return se
}
