package links

import (
	"encoding/base64"
	"net/url"
	"strings"
)

// maxUnwrap bounds how many wrappers are taken off one link (a safelink
// around an urldefense link around a Google redirect).
const maxUnwrap = 4

// Unwrap returns the link inside the rewriting wrappers that mail
// security services and search engines put around links: Microsoft
// Defender Safe Links (*.safelinks.protection.outlook.com/?url=),
// Proofpoint URL Defense (v1, v2 and v3), and Google's /url?q= redirect.
// Without a wrapper it returns raw unchanged. A reader clicking the
// wrapper ends at the inner link, so that is the one judged.
func Unwrap(raw string) string {
	for range maxUnwrap {
		inner, ok := unwrapOnce(raw)
		if !ok || inner == "" || inner == raw {
			return raw
		}
		raw = inner
	}
	return raw
}

func unwrapOnce(raw string) (string, bool) {
	s := strings.TrimSpace(raw)
	lower := strings.ToLower(s)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil {
		// A v3 urldefense link carries the inner URL raw in its path,
		// which url.Parse may refuse.
		if strings.Contains(lower, "://urldefense.com/v3/__") {
			return proofpointV3(s)
		}
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case strings.HasSuffix(host, ".safelinks.protection.outlook.com"),
		host == "statics.teams.cdn.office.net" && strings.Contains(u.Path, "safelinks"):
		return u.Query().Get("url"), true
	case host == "urldefense.proofpoint.com" || host == "urldefense.com":
		switch {
		case strings.HasPrefix(u.Path, "/v1/"):
			return u.Query().Get("u"), true
		case strings.HasPrefix(u.Path, "/v2/"):
			q := u.Query().Get("u")
			q = strings.NewReplacer("-", "%", "_", "/").Replace(q)
			inner, err := url.PathUnescape(q)
			if err != nil {
				return "", false
			}
			return inner, true
		case strings.HasPrefix(u.Path, "/v3/"):
			return proofpointV3(s)
		}
	case (host == "www.google.com" || host == "google.com") && u.Path == "/url":
		q := u.Query()
		if v := q.Get("q"); v != "" {
			return v, true
		}
		return q.Get("url"), true
	}
	return "", false
}

// proofpointV3 reads https://urldefense.com/v3/__INNER__;TOKENS!!...: the
// inner URL is written as is, except that some characters are replaced
// by '*' and listed, base64url-encoded, after "__;". Each '*' takes the
// next listed character; a run "**" followed by a length letter stands
// for several, which only ever hide path or query text, so they are
// dropped.
func proofpointV3(s string) (string, bool) {
	i := strings.Index(s, "/v3/__")
	if i < 0 {
		return "", false
	}
	body := s[i+len("/v3/__"):]
	end := strings.Index(body, "__;")
	if end < 0 {
		return "", false
	}
	inner, rest := body[:end], body[end+3:]
	if j := strings.Index(rest, "!!"); j >= 0 {
		rest = rest[:j]
	}
	if !strings.Contains(inner, "*") {
		return inner, true
	}
	dec, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(rest, "="))
	if err != nil {
		return strings.ReplaceAll(inner, "*", ""), true
	}
	repl := []rune(string(dec))
	var b strings.Builder
	for k := 0; k < len(inner); k++ {
		if inner[k] != '*' {
			b.WriteByte(inner[k])
			continue
		}
		if k+1 < len(inner) && inner[k+1] == '*' {
			k += 2 // "**" and its length letter
			continue
		}
		if len(repl) > 0 {
			b.WriteRune(repl[0])
			repl = repl[1:]
		}
	}
	return b.String(), true
}
