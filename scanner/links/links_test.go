package links

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

// eml builds a message: body is a text/plain body, or with html set an
// HTML one; attachments are whole MIME parts (headers, blank line, body).
func eml(subject, body string, html bool, attachments ...string) []byte {
	ct := "text/plain; charset=utf-8"
	if html {
		ct = "text/html; charset=utf-8"
	}
	var b strings.Builder
	b.WriteString("From: Jo Bloggs <j.bloggs@oakfield.sch.uk>\r\nTo: parent@example.com\r\nSubject: " + subject +
		"\r\nDate: Mon, 23 Nov 2026 08:00:00 +0000\r\nMessage-ID: <t@oakfield.sch.uk>\r\nMIME-Version: 1.0\r\n")
	if len(attachments) == 0 {
		b.WriteString("Content-Type: " + ct + "\r\n\r\n" + body + "\r\n")
		return []byte(b.String())
	}
	b.WriteString("Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: " + ct + "\r\n\r\n" + body + "\r\n")
	for _, a := range attachments {
		b.WriteString("--XX\r\n" + a + "\r\n")
	}
	b.WriteString("--XX--\r\n")
	return []byte(b.String())
}

func parse(t *testing.T, raw []byte) *scanner.Message {
	t.Helper()
	m, err := scanner.Parse(raw, scanner.Envelope{Direction: scanner.Outbound, From: "j.bloggs@oakfield.sch.uk", To: []string{"parent@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func defaultDetector(t *testing.T) *Detector {
	t.Helper()
	d, err := New(config.Default().Links)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// qrPNG draws a QR code holding text, with a quiet zone, as a PNG.
func qrPNG(t *testing.T, text string) []byte { return qrPNGSized(t, text, 200) }

// qrPNGSized draws the code side pixels wide.
func qrPNGSized(t *testing.T, text string, side int) []byte {
	t.Helper()
	bm, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, side, side, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, bm); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// plainPNG is an image without any code in it.
func plainPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 120, 80))
	for y := 0; y < 80; y++ {
		for x := 0; x < 120; x++ {
			img.SetGray(x, y, color.Gray{Y: uint8((x * 2) + y)})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

func imagePart(data []byte, name string) string {
	return "Content-Type: image/png\r\nContent-Disposition: attachment; filename=" + name +
		"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(data)
}

// TestScan: each message's findings, as tier -> severity, and a summary
// where it matters.
func TestScan(t *testing.T) {
	textPart := func(body string) string {
		return "Content-Type: text/plain; charset=utf-8\r\nContent-Disposition: attachment; filename=notes.txt\r\n\r\n" + body
	}
	htmlPart := func(body string) string {
		return "Content-Type: text/html; charset=utf-8\r\nContent-Disposition: attachment; filename=page.html\r\n\r\n" + body
	}
	for _, c := range []struct {
		name    string
		raw     []byte
		want    map[string]string // tier -> severity
		summary string            // a summary one finding must have
	}{
		{"gambling link", eml("fun", "Fancy a flutter? https://www.bet365.com/en/ see you", false),
			map[string]string{"gambling": SeverityHigh}, "link to category gambling in body"},
		{"two gambling links", eml("fun", "https://www.bet365.com/a and https://www.paddypower.com/b", false),
			map[string]string{"gambling": SeverityHigh}, "2 links to category gambling in body"},
		{"bare proxy domain", eml("filter", "Use kproxy.com to get round the school filter", false),
			map[string]string{"proxy": SeverityHigh}, ""},
		{"link in subject", eml("look at www.pornhub.com", "see subject", false),
			map[string]string{"adult": SeverityHigh}, "link to category adult in subject"},
		{"shortener", eml("slides", "Slides at https://bit.ly/3abcXYZ thanks", false),
			map[string]string{"shortener": SeverityLow}, "link through a URL shortener in body"},
		{"public IP literal", eml("x", "log in at http://203.0.113.7/login now", false),
			map[string]string{"ip_literal": SeverityLow}, "link to a bare IP address in body"},
		{"decimal IP literal", eml("x", "log in at http://3405803783/login now", false),
			map[string]string{"ip_literal": SeverityLow}, ""},
		{"user info trick", eml("x", "Update at http://www.oakfield.sch.uk@evil.example/update please", false),
			map[string]string{"deceptive": SeverityMedium}, ""},
		{"homograph host", eml("x", "Pay at https://www.pаypal.com/invoice today", false),
			map[string]string{"deceptive": SeverityMedium}, ""},
		{"href text disagree", eml("x", `<p>Log in at <a href="http://evil.example/login">www.oakfield.sch.uk</a></p>`, true),
			map[string]string{"deceptive": SeverityMedium}, "deceptive link (shows one site, goes to another) in body"},
		{"wrapped adult href", eml("x", `<a href="https://eur02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.pornhub.com%2Fv&amp;data=1">click here</a>`, true),
			map[string]string{"adult": SeverityHigh}, ""},
		{"urldefense gambling", eml("x", "https://urldefense.proofpoint.com/v2/url?u=https-3A__www.betfair.com_x&d=DwMF", false),
			map[string]string{"gambling": SeverityHigh}, ""},
		{"attachment text", eml("notes", "see attached", false, textPart("dating: https://www.tinder.com/")),
			map[string]string{"dating": SeverityHigh}, "link to category dating in attachment 1"},
		{"html attachment href", eml("page", "see attached", false, htmlPart(`<a href="https://nordvpn.com/">VPN</a>`)),
			map[string]string{"vpn": SeverityHigh}, "link to category vpn in attachment 1"},
		{"qr code", eml("poster", "poster attached", false, imagePart(qrPNG(t, "https://www.pokerstars.com/promo"), "poster.png")),
			map[string]string{"gambling": SeverityHigh}, "link to category gambling in attachment 1 (from a QR code)"},
		{"qr code inner shortener", eml("poster", "poster attached", false, imagePart(qrPNG(t, "Scan me: https://tinyurl.com/ab12"), "p.png")),
			map[string]string{"shortener": SeverityLow}, ""},
		{"several kinds", eml("x", "www.xvideos.com and https://bit.ly/x1 and https://www.bet365.com/", false),
			map[string]string{"adult": SeverityHigh, "gambling": SeverityHigh, "shortener": SeverityLow}, ""},

		// Negatives.
		{"school links", eml("news", "https://www.oakfield.sch.uk/news and www.bbc.co.uk/news and gov.uk", false), nil, ""},
		{"topic without links", eml("PSHE", "We discussed gambling, dating apps, proxy sites and pornography in PSHE.", false), nil, ""},
		{"address at a listed domain", eml("x", "write to support@bet365.com or press@pornhub.com about the complaint", false), nil, ""},
		{"lookalike without a dot", eml("x", "https://notbet365.com/ and https://bet365.com.oakfield.sch.uk/", false), nil, ""},
		{"private IP", eml("wifi", "router at http://192.168.1.1/ and http://10.0.0.5:8080/", false), nil, ""},
		{"same site shown", eml("x", `<a href="https://news.bbc.co.uk/x">www.bbc.co.uk</a> <a href="https://www.gov.uk/">click here</a>`, true), nil, ""},
		{"tracker carries destination", eml("x", `<a href="https://click.mailer.example/?u=https%3A%2F%2Fwww.bbc.co.uk%2F">www.bbc.co.uk</a>`, true), nil, ""},
		{"mailing service click tracker", eml("x", `<a href="https://u123.ct.sendgrid.net/ls/click?upn=abc">www.nationaltrust.org.uk</a>`, true), nil, ""},
		{"shortener named, no link", eml("x", "We use bit.ly and https://tinyurl.com/ for our own links.", false), nil, ""},
		{"first-party short links", eml("x", "https://youtu.be/abc https://aka.ms/teams https://amzn.to/x", false), nil, ""},
		{"image without a code", eml("photo", "photo attached", false, imagePart(plainPNG(t), "photo.png")), nil, ""},
		{"broken image", eml("photo", "photo attached", false, imagePart(append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 300)...), "bad.png")), nil, ""},
		{"IDN hosts of one script", eml("x", "https://bücher.de/ https://пример.рф/ https://例え.jp/ https://ドメイン名例.jp/", false), nil, ""},
		{"file names and versions", eml("x", "open report.pdf and index.html; perl 5.8.1; see fig.3", false), nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := defaultDetector(t)
			fs, err := d.Scan(context.Background(), parse(t, c.raw))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			var sums []string
			for _, f := range fs {
				if f.Category != scanner.InappropriateLink || f.Scanner != Name || len(f.Tiers) != 1 {
					t.Errorf("bad finding %+v", f)
					continue
				}
				got[f.Tiers[0]] = f.Severity
				sums = append(sums, f.Summary)
				for _, bad := range []string{"http", "www", ".com", "bet365", "evil"} {
					if strings.Contains(f.Summary, bad) {
						t.Errorf("summary %q names the link", f.Summary)
					}
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("findings %v (%q), want %v", got, sums, c.want)
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("tier %s: severity %q, want %q (all: %v)", k, got[k], v, got)
				}
			}
			if c.summary != "" && !slices.Contains(sums, c.summary) {
				t.Errorf("summaries %q, want %q", sums, c.summary)
			}
		})
	}
}

// TestAllowAndLowSeverity: allowed domains are never reported, with their
// subdomains; low_severity moves a category to score 0.3.
func TestAllowAndLowSeverity(t *testing.T) {
	c := config.Default().Links
	c.AllowDomains = []string{"bet365.com"}
	c.LowSeverity = []string{"shortener", "dating"}
	d, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := d.Scan(context.Background(), parse(t, eml("x", "https://www.bet365.com/ https://www.tinder.com/", false)))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Tiers[0] != "dating" || fs[0].Score != 0.3 || fs[0].Severity != SeverityLow {
		t.Errorf("findings %+v, want one low dating finding", fs)
	}
}

// TestConfiguredLists: lists named in the config load; one that cannot be
// read stops the detector from being built.
func TestConfiguredLists(t *testing.T) {
	c := config.Default().Links
	c.BuiltinLists = new(bool)
	c.Lists = []config.LinkList{
		{Path: "testdata/plain.txt", Format: "domains", Category: "betting"},
		{Path: "testdata/hosts.txt", Format: "hosts", Category: "porn"},
		{Path: "testdata/ut1", Format: "ut1", Categories: []string{"redirector"}},
	}
	d, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := d.Scan(context.Background(), parse(t, eml("x",
		"http://www.example-casino.test/ http://porn-host.test/ http://unblock-anything.test/ https://www.bet365.com/", false)))
	if err != nil {
		t.Fatal(err)
	}
	var tiers []string
	for _, f := range fs {
		tiers = append(tiers, f.Tiers[0])
	}
	slices.Sort(tiers)
	if !slices.Equal(tiers, []string{"betting", "porn", "redirector"}) {
		t.Errorf("tiers %v (built-in lists off, so no gambling)", tiers)
	}
	c.Lists = append(c.Lists, config.LinkList{Path: "testdata/absent.txt", Format: "domains", Category: "x"})
	if _, err := New(c); err == nil {
		t.Error("an unreadable list was accepted")
	}
}

// TestQRBounds: an image over max_image_pixels or max_image_bytes is not
// decoded, and that is not a finding either.
func TestQRBounds(t *testing.T) {
	raw := eml("poster", "poster attached", false, imagePart(qrPNG(t, "https://www.pokerstars.com/"), "poster.png"))
	big := eml("poster", "poster attached", false, imagePart(qrPNGSized(t, "https://www.pokerstars.com/", 2000), "poster.png"))
	for _, c := range []struct {
		name        string
		bytes, pix  int
		wantFinding bool
	}{
		{"within bounds", 1 << 20, 1 << 20, true},
		{"large image searched at a smaller scale", 8 << 20, 16_000_000, true},
		{"too many pixels", 1 << 20, 100 * 100, false},
		{"too many bytes", 100, 1 << 20, false},
	} {
		d := NewWith(Options{Lists: defaultDetector(t).o.Lists, QR: true, MaxImageBytes: c.bytes, MaxImagePixels: c.pix, MaxImages: 5})
		r := raw
		if c.pix == 16_000_000 {
			r = big
		}
		fs, err := d.Scan(context.Background(), parse(t, r))
		if err != nil {
			t.Fatal(err)
		}
		if (len(fs) > 0) != c.wantFinding {
			t.Errorf("%s: findings %+v", c.name, fs)
		}
	}
}
