package alert

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/multipart"
	"net/textproto"
	"strings"
	"time"
)

// Attachment is a file sent with a report.
type Attachment struct {
	Name, Type string
	Data       []byte
}

// SendReport mails a report (an HTML body with a plain-text lead and
// attachments, such as the trend report's PDF) to each address in to,
// through the next hop for its domain, as alerts go. The report itself
// must hold counts only: this sends what it is given.
func (n *Notifier) SendReport(ctx context.Context, to []string, subject, text string, html []byte, files []Attachment, now time.Time) error {
	var errs []string
	for _, addr := range to {
		msg, err := n.composeReport(addr, subject, text, html, files, now)
		if err != nil {
			return err
		}
		hop := n.hop(addr)
		sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		err = n.Send(sctx, hop, n.from, []string{addr}, msg)
		cancel()
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s via %s: %v", addr, hop, err))
			continue
		}
		n.Log.Info("report sent", "to", addr, "hop", hop, "bytes", len(msg))
	}
	if len(errs) > 0 {
		return fmt.Errorf("report mail: %s", strings.Join(errs, "; "))
	}
	return nil
}

func (n *Notifier) composeReport(to, subject, text string, html []byte, files []Attachment, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h("From", mime.QEncoding.Encode("utf-8", "mailward")+" <"+n.from+">")
	h("To", "<"+to+">")
	h("Subject", mime.QEncoding.Encode("utf-8", subject))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", "<"+randomID()+"@"+n.from[strings.LastIndexByte(n.from, '@')+1:]+">")
	h("Auto-Submitted", "auto-generated")
	h("X-Auto-Response-Suppress", "All")
	h("MIME-Version", "1.0")
	h("Content-Type", `multipart/mixed; boundary="`+mw.Boundary()+`"`)
	b.WriteString("\r\n")
	part := func(mw *multipart.Writer, ctype, disp string, data []byte) error {
		hd := textproto.MIMEHeader{}
		hd.Set("Content-Type", ctype)
		hd.Set("Content-Transfer-Encoding", "base64")
		if disp != "" {
			hd.Set("Content-Disposition", disp)
		}
		w, err := mw.CreatePart(hd)
		if err != nil {
			return err
		}
		enc := base64.StdEncoding.EncodeToString(data)
		for len(enc) > 76 {
			fmt.Fprintf(w, "%s\r\n", enc[:76])
			enc = enc[76:]
		}
		_, err = fmt.Fprintf(w, "%s\r\n", enc)
		return err
	}
	// The text and the HTML are alternatives; the files follow them.
	var alt bytes.Buffer
	aw := multipart.NewWriter(&alt)
	if err := part(aw, "text/plain; charset=utf-8", "", []byte(strings.ReplaceAll(text, "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if len(html) > 0 {
		if err := part(aw, "text/html; charset=utf-8", "", html); err != nil {
			return nil, err
		}
	}
	if err := aw.Close(); err != nil {
		return nil, err
	}
	w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {`multipart/alternative; boundary="` + aw.Boundary() + `"`}})
	if err != nil {
		return nil, err
	}
	w.Write(alt.Bytes())
	for _, f := range files {
		if err := part(mw, f.Type, mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}), f.Data); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	b.Write(body.Bytes())
	return b.Bytes(), nil
}
