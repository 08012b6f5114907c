package links

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/net/idna"
)

// Lists maps domains (with their subdomains) and URL prefixes to
// categories. It is built once at start and then only read, so it is safe
// for concurrent use after loading.
//
// Large lists (a UT1 "adult" folder holds millions of domains) are kept
// as one map entry per domain pointing at a shared category set, not a
// slice per domain.
type Lists struct {
	domains map[string]int32 // domain -> index into sets
	urls    map[string][]urlEntry
	sets    [][]string       // distinct sorted category sets
	setIdx  map[string]int32 // joined set -> index into sets
	cats    map[string]bool
}

type urlEntry struct {
	path string
	set  int32
}

// NewLists returns empty lists.
func NewLists() *Lists {
	return &Lists{domains: map[string]int32{}, urls: map[string][]urlEntry{}, setIdx: map[string]int32{}, cats: map[string]bool{}}
}

// Len is the number of domains and URL prefixes held.
func (l *Lists) Len() int {
	n := len(l.domains)
	for _, u := range l.urls {
		n += len(u)
	}
	return n
}

// Categories are the categories of every entry loaded, sorted.
func (l *Lists) Categories() []string {
	out := make([]string, 0, len(l.cats))
	for c := range l.cats {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// with returns the index of set s plus category c.
func (l *Lists) with(s int32, c string) int32 {
	var cur []string
	if s >= 0 {
		cur = l.sets[s]
		if slices.Contains(cur, c) {
			return s
		}
	}
	next := append(slices.Clone(cur), c)
	slices.Sort(next)
	key := strings.Join(next, "\x00")
	if i, ok := l.setIdx[key]; ok {
		return i
	}
	l.sets = append(l.sets, next)
	i := int32(len(l.sets) - 1)
	l.setIdx[key] = i
	return i
}

// Add lists domain (and its subdomains) under category. It reports false
// for something that is not a domain or IP address.
func (l *Lists) Add(category, domain string) bool {
	d, ok := normalizeEntry(domain)
	if !ok {
		return false
	}
	l.cats[category] = true
	cur, ok := l.domains[d]
	if !ok {
		cur = -1
	}
	l.domains[d] = l.with(cur, category)
	return true
}

// AddURL lists a URL prefix written host/path, as in UT1 "urls" files.
func (l *Lists) AddURL(category, hostPath string) bool {
	if !strings.Contains(hostPath, "://") {
		hostPath = "http://" + hostPath
	}
	t, ok := Parse(hostPath)
	if !ok || t.Host == "" {
		return false
	}
	if t.Path == "" || t.Path == "/" {
		return l.Add(category, t.Host)
	}
	host := strings.TrimPrefix(t.Host, "www.")
	l.cats[category] = true
	for i, e := range l.urls[host] {
		if e.path == t.Path {
			l.urls[host][i].set = l.with(e.set, category)
			return true
		}
	}
	l.urls[host] = append(l.urls[host], urlEntry{path: t.Path, set: l.with(-1, category)})
	return true
}

// normalizeEntry reads one list entry: a domain, "*.domain", ".domain",
// "||domain^" (adblock style), a URL (its host is taken) or an IP.
func normalizeEntry(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "||")
	s = strings.TrimSuffix(s, "^")
	s = strings.TrimPrefix(s, "*.")
	s = strings.TrimPrefix(s, ".")
	if strings.Contains(s, "/") {
		t, ok := Parse(s)
		if !ok {
			return "", false
		}
		return t.Host, true
	}
	s = strings.TrimSuffix(strings.ToLower(s), ".")
	if s == "" {
		return "", false
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().String(), true
	}
	if strings.ContainsAny(s, " \t@:") {
		return "", false
	}
	a, err := idna.Lookup.ToASCII(s)
	if err != nil {
		// Lists hold names browsers accept but IDNA refuses (underscores);
		// keep them as written, lowercase.
		if strings.ContainsAny(s, "*?!\"'<>") {
			return "", false
		}
		a = s
	}
	return strings.ToLower(a), true
}

// Match returns the categories t is listed under: its host or any parent
// domain up to the registrable one or a listed TLD-level name, and URL
// prefixes of its host.
func (l *Lists) Match(t Target) []string {
	if t.Host == "" {
		return nil
	}
	var sets []int32
	if t.IP.IsValid() {
		if s, ok := l.domains[t.Host]; ok {
			sets = append(sets, s)
		}
	} else {
		h := t.Host
		for {
			if s, ok := l.domains[h]; ok {
				sets = append(sets, s)
			}
			i := strings.IndexByte(h, '.')
			if i < 0 || !strings.Contains(h[i+1:], ".") {
				break // never match a bare TLD entry
			}
			h = h[i+1:]
		}
	}
	if len(l.urls) > 0 && t.Path != "" {
		for _, e := range l.urls[strings.TrimPrefix(t.Host, "www.")] {
			if strings.HasPrefix(t.Path, e.path) && (len(t.Path) == len(e.path) || strings.HasSuffix(e.path, "/") || t.Path[len(e.path)] == '/') {
				sets = append(sets, e.set)
			}
		}
	}
	if len(sets) == 0 {
		return nil
	}
	if len(sets) == 1 {
		return l.sets[sets[0]]
	}
	var out []string
	for _, s := range sets {
		out = append(out, l.sets[s]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// LoadDomains reads a plain list, one domain a line; '#' starts a
// comment. It returns how many entries it took and how many lines it
// could not read as a domain.
func (l *Lists) LoadDomains(r io.Reader, category string) (added, bad int, err error) {
	return l.loadLines(r, func(line string) (int, int) {
		if l.Add(category, line) {
			return 1, 0
		}
		return 0, 1
	})
}

// LoadURLs reads a UT1 "urls" file, one host/path a line.
func (l *Lists) LoadURLs(r io.Reader, category string) (added, bad int, err error) {
	return l.loadLines(r, func(line string) (int, int) {
		if l.AddURL(category, line) {
			return 1, 0
		}
		return 0, 1
	})
}

// hostsSkip are names every hosts file maps that are no list entries.
var hostsSkip = map[string]bool{"localhost": true, "localhost.localdomain": true, "local": true,
	"broadcasthost": true, "ip6-localhost": true, "ip6-loopback": true, "ip6-localnet": true,
	"ip6-mcastprefix": true, "ip6-allnodes": true, "ip6-allrouters": true, "ip6-allhosts": true, "0.0.0.0": true}

// LoadHosts reads a hosts file ("0.0.0.0 example.com www.example.com"),
// listing every name after the address.
func (l *Lists) LoadHosts(r io.Reader, category string) (added, bad int, err error) {
	return l.loadLines(r, func(line string) (int, int) {
		f := strings.Fields(line)
		if len(f) < 2 {
			return 0, 1
		}
		if _, err := netip.ParseAddr(f[0]); err != nil {
			return 0, 1
		}
		a, b := 0, 0
		for _, name := range f[1:] {
			if hostsSkip[strings.ToLower(name)] {
				continue
			}
			if l.Add(category, name) {
				a++
			} else {
				b++
			}
		}
		return a, b
	})
}

func (l *Lists) loadLines(r io.Reader, add func(string) (int, int)) (added, bad int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "!") { // '!' comments in adblock lists
			continue
		}
		a, b := add(line)
		added += a
		bad += b
	}
	if err := sc.Err(); err != nil {
		return added, bad, fmt.Errorf("read list: %w", err)
	}
	return added, bad, nil
}

// LoadFile reads one list file in format "domains" or "hosts".
func (l *Lists) LoadFile(path, format, category string) (added, bad int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("link list %s: %w", path, err)
	}
	defer f.Close()
	switch format {
	case "domains":
		added, bad, err = l.LoadDomains(f, category)
	case "hosts":
		added, bad, err = l.LoadHosts(f, category)
	default:
		return 0, 0, fmt.Errorf("link list %s: unknown format %q", path, format)
	}
	if err != nil {
		return added, bad, fmt.Errorf("link list %s: %w", path, err)
	}
	return added, bad, nil
}

// LoadUT1 reads a folder in the layout of the Université Toulouse 1
// Capitole blacklists (also used by SquidGuard and E2Guardian):
// DIR/<category>/domains and DIR/<category>/urls. With only empty, every
// category folder is read; otherwise only those named, each of which must
// exist.
func (l *Lists) LoadUT1(dir string, only []string) (added, bad int, err error) {
	cats := only
	if len(cats) == 0 {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return 0, 0, fmt.Errorf("ut1 lists %s: %w", dir, err)
		}
		for _, e := range ents {
			if st, err := os.Stat(filepath.Join(dir, e.Name())); err == nil && st.IsDir() {
				cats = append(cats, e.Name())
			}
		}
	}
	for _, c := range cats {
		found := false
		for _, file := range []string{"domains", "urls"} {
			f, err := os.Open(filepath.Join(dir, c, file))
			if os.IsNotExist(err) {
				continue
			}
			if err != nil {
				return added, bad, fmt.Errorf("ut1 lists %s: %w", dir, err)
			}
			found = true
			var a, b int
			if file == "domains" {
				a, b, err = l.LoadDomains(f, c)
			} else {
				a, b, err = l.LoadURLs(f, c)
			}
			f.Close()
			added += a
			bad += b
			if err != nil {
				return added, bad, fmt.Errorf("ut1 lists %s/%s/%s: %w", dir, c, file, err)
			}
		}
		if !found && len(only) > 0 {
			return added, bad, fmt.Errorf("ut1 lists %s: category %s has neither domains nor urls", dir, c)
		}
	}
	return added, bad, nil
}
