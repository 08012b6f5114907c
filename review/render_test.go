package review

import (
	"golang.org/x/net/html"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Markers that must never appear live in what the page serves.
var hostile = []*regexp.Regexp{
	regexp.MustCompile(`(?i)<script`),
	regexp.MustCompile(`(?i)\son[a-z]+\s*=`),
	regexp.MustCompile(`(?i)javascript:`),
	regexp.MustCompile(`(?i)expression\(`),
	regexp.MustCompile(`(?i)evil\.example`),
	regexp.MustCompile(`(?i)<(img|iframe|object|embed|svg|math|form|input|base|meta|link|a)[\s>]`),
	regexp.MustCompile(`(?i)style\s*=`),
	regexp.MustCompile(`(?i)url\(`),
	regexp.MustCompile(`(?i)data:image`),
}

// TestHostileHTMLNeverLive: for every fixture, the body frame (the only
// place message HTML is served) holds none of the markers, under a CSP that
// forbids scripts; the detail page and the API hold them only escaped.
func TestHostileHTMLNeverLive(t *testing.T) {
	e := newEnv(t, nil)
	files, _ := filepath.Glob("testdata/hostile/*.eml")
	if len(files) < 3 {
		t.Fatal("hostile fixtures missing")
	}
	s := e.login("admin")
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		id := e.put(raw, "inbound", "attacker@evil.example", []string{"staff@a.trust.example"}, "suspicious_attachment")
		t.Run(filepath.Base(f), func(t *testing.T) {
			if len(liveProblems(string(raw))) == 0 {
				t.Fatal("the checker finds nothing live in the raw fixture: it would prove nothing")
			}
			resp := s.get("/messages/" + id + "/body")
			body := readBody(resp)
			if resp.StatusCode != 200 {
				t.Fatalf("body: %d", resp.StatusCode)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "sandbox") || strings.Contains(csp, "script-src") {
				t.Errorf("body CSP %q", csp)
			}
			// Our own frame wrapper has one <style> element and nothing else.
			inner := between(body, "<body>", "</body></html>")
			for _, re := range hostile {
				if m := re.FindString(inner); m != "" {
					t.Errorf("body frame contains %q", m)
				}
			}
			page := readBody(s.get("/messages/" + id))
			for _, p := range liveProblems(page) {
				t.Errorf("detail page: %s", p)
			}
			for _, p := range liveProblems(body) {
				t.Errorf("body frame: %s", p)
			}
			api := readBody(s.get("/api/messages/" + id))
			if strings.Contains(api, "<script") || regexp.MustCompile(`\\u003cscript`).MatchString(between(api, `"html_sanitized"`, "\n")) {
				t.Error("API html not sanitised")
			}
		})
	}
	// Sanitising keeps the readable text and tables.
	out := Sanitize(`<p>Dear <b>colleague</b></p><table><tr><td colspan="2" onclick="x()">cell</td></tr></table><a href="http://x">link text</a>`)
	for _, want := range []string{"<p>Dear <b>colleague</b></p>", `<td colspan="2">cell</td>`, "link text"} {
		if !strings.Contains(out, want) {
			t.Errorf("sanitised %q lacks %q", out, want)
		}
	}
}

// liveProblems parses a served document as a browser would and reports
// anything active or remote in it: elements other than those mailward itself
// uses, event handler attributes, scripts other than our own, links or
// sources that leave the site or run code, frames without sandbox.
func liveProblems(doc string) []string {
	var out []string
	z := html.NewTokenizer(strings.NewReader(doc))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		attrs := map[string]string{}
		for _, a := range tok.Attr {
			attrs[a.Key] = a.Val
			if strings.HasPrefix(a.Key, "on") {
				out = append(out, "event handler "+a.Key+" on <"+tok.Data+">")
			}
			if a.Key == "style" {
				out = append(out, "style attribute on <"+tok.Data+">")
			}
			if (a.Key == "href" || a.Key == "src" || a.Key == "action" || a.Key == "data") && !strings.HasPrefix(a.Val, "/") {
				out = append(out, a.Key+"="+a.Val+" on <"+tok.Data+">")
			}
		}
		switch tok.Data {
		case "script":
			if attrs["src"] != "/static/app.js" {
				out = append(out, "script element")
			}
		case "iframe":
			if _, ok := attrs["sandbox"]; !ok || attrs["sandbox"] != "" {
				out = append(out, "iframe without an empty sandbox")
			}
		case "img", "object", "embed", "svg", "math", "base", "meta", "frame", "video", "audio", "source":
			if !(tok.Data == "meta" && (attrs["charset"] != "" || attrs["name"] == "viewport")) {
				out = append(out, "<"+tok.Data+"> element")
			}
		case "link":
			if attrs["href"] != "/static/style.css" && !(attrs["rel"] == "icon" && attrs["href"] == "/static/favicon.svg") {
				out = append(out, "link element")
			}
		}
	}
}

// TestListFilters: filters, subject search, paging, newest first.
func TestListFilters(t *testing.T) {
	e := newEnv(t, nil)
	var ids []string
	for i := range 120 {
		msg := []byte("From: s@a.trust.example\r\nSubject: Number " + string(rune('A'+i%26)) + "\r\n\r\nx\r\n")
		dir, cat, from := "outbound", "offensive_language", "staff@a.trust.example"
		if i%3 == 0 {
			dir, cat, from = "inbound", "chain_mail", "news@outside.example"
		}
		e.now = e.now.Add(time.Minute)
		ids = append(ids, e.put(msg, dir, from, []string{"r@a.trust.example"}, cat))
	}
	s := e.login("admin")
	count := func(q string) int {
		t.Helper()
		body := readBody(s.get("/messages?" + q))
		return strings.Count(body, `class="row"`)
	}
	if n := count(""); n != 50 {
		t.Errorf("page 1: %d rows", n)
	}
	if n := count("page=3"); n != 20 {
		t.Errorf("page 3: %d rows", n)
	}
	if n := count("direction=inbound&page=1"); n != 40 {
		t.Errorf("inbound: %d", n)
	}
	if n := count("category=chain_mail"); n != 40 {
		t.Errorf("chain_mail: %d", n)
	}
	if n := count("from=outside"); n != 40 {
		t.Errorf("from: %d", n)
	}
	if n := count("q=" + url.QueryEscape("number b")); n != 5 {
		t.Errorf("subject search: %d", n)
	}
	if n := count("status=released"); n != 0 {
		t.Errorf("released: %d", n)
	}
	if n := count("since=2030-01-01"); n != 0 {
		t.Errorf("since: %d", n)
	}
	if n := count("since=2026-11-23&until=2026-11-23"); n != 50 {
		t.Errorf("date range: %d", n)
	}
	// Newest first.
	body := readBody(s.get("/messages"))
	if strings.Index(body, ids[119]) > strings.Index(body, ids[118]) || strings.Contains(body, ids[0]) {
		t.Error("not newest first")
	}
}
