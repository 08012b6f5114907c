// Package directory knows the people of the trust: each address's name, role
// (staff, pupil, governor, it, ...), job title, groups, line manager and the
// shared mailboxes they may send as. Rules match sender and recipient groups
// from it, alerts find the line manager in it, and the impersonation check
// compares outside senders' display names with its names and titles.
//
// The default source is a YAML or CSV file an office can export from its MIS
// or HR system:
//
//	people:
//	  - address: j.smith@trust.example
//	    name: Jo Smith
//	    role: staff
//	    manager: head@trust.example
//	    groups: [maths, year7-tutors]
//	    title: Head of Maths               # job title (optional)
//	    send_as: [maths@trust.example]      # shared mailboxes (optional)
//
// or, as CSV with a header row (groups and send_as separated by semicolons):
//
//	address,name,role,manager,groups,title,send_as
//	j.smith@trust.example,Jo Smith,staff,head@trust.example,maths;year7-tutors,Head of Maths,maths@trust.example
package directory

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// Person is one entry of the directory.
type Person struct {
	Address string   `yaml:"address"`
	Name    string   `yaml:"name"`
	Role    string   `yaml:"role"`
	Manager string   `yaml:"manager"`
	Groups  []string `yaml:"groups"`
	// Title is the job title ("Bursar", "Head Teacher"): the impersonation
	// check rates a lookalike of a finance or leadership title higher.
	Title string `yaml:"title"`
	// SendAs are the shared mailboxes (office@, finance@) the person may
	// send as: a header From of one of them is not a forged From.
	SendAs []string `yaml:"send_as"`
}

// MaySendAs reports whether the person may put addr in a header From: it is
// their own address or one of their shared mailboxes.
func (p Person) MaySendAs(addr string) bool {
	addr = Normalize(addr)
	return addr == p.Address || slices.Contains(p.SendAs, addr)
}

// In reports whether the person has role or group g.
func (p Person) In(g string) bool {
	return strings.EqualFold(p.Role, g) || slices.ContainsFunc(p.Groups, func(x string) bool { return strings.EqualFold(x, g) })
}

// Source answers who someone is. File implements it; an LDAP source could.
type Source interface {
	// Lookup returns the person with this address (compared without case).
	Lookup(addr string) (Person, bool)
}

// Lister is a Source that can also list everyone it knows, for checks that
// look people up by name rather than by address (an outside sender whose
// display name is a member of staff's). File, LDAP and Chain implement it.
type Lister interface {
	Source
	// People returns every person the source knows. It may be served from
	// a cache and must not be modified by the caller.
	People() []Person
}

// Normalize is the form addresses are compared in: trimmed, without angle
// brackets, lowercased.
func Normalize(addr string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(addr), "<>"))
}

// File is a Source read from a YAML or CSV file and re-read when it changes.
type File struct {
	path  string
	every time.Duration
	now   func() time.Time

	mu      sync.RWMutex
	people  map[string]Person
	modTime time.Time
	checked time.Time
}

var _ Lister = (*File)(nil)

// Open reads the directory file at path (.yaml, .yml or .csv). reload is how
// often Lookup checks whether the file changed (0: never). A later file
// that does not parse is logged and the previous contents are kept.
func Open(path string, reload time.Duration) (*File, error) {
	f := &File{path: path, every: reload, now: time.Now}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	people, err := Load(path)
	if err != nil {
		return nil, err
	}
	f.people, f.modTime, f.checked = people, st.ModTime(), f.now()
	return f, nil
}

// Len returns the number of people.
func (f *File) Len() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return len(f.people)
}

// People implements Lister: everyone in the file, in no set order.
func (f *File) People() []Person {
	f.maybeReload()
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := make([]Person, 0, len(f.people))
	for _, p := range f.people {
		out = append(out, p)
	}
	return out
}

// Lookup implements Source.
func (f *File) Lookup(addr string) (Person, bool) {
	f.maybeReload()
	f.mu.RLock()
	defer f.mu.RUnlock()
	p, ok := f.people[Normalize(addr)]
	return p, ok
}

func (f *File) maybeReload() {
	if f.every <= 0 {
		return
	}
	now := f.now()
	f.mu.RLock()
	due := now.Sub(f.checked) >= f.every
	f.mu.RUnlock()
	if !due {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if now.Sub(f.checked) < f.every {
		return
	}
	f.checked = now
	st, err := os.Stat(f.path)
	if err != nil {
		slog.Warn("directory: keeping the previous contents", "file", f.path, "err", err)
		return
	}
	if st.ModTime().Equal(f.modTime) {
		return
	}
	people, err := Load(f.path)
	if err != nil {
		slog.Warn("directory: keeping the previous contents", "file", f.path, "err", err)
		return
	}
	f.people, f.modTime = people, st.ModTime()
	slog.Info("directory reloaded", "file", f.path, "people", len(people))
}

// Load reads a directory file, by extension YAML or CSV, and checks it:
// every entry needs an address and a role, addresses are unique, and
// managers are addresses. Errors name the line.
func Load(path string) (map[string]Person, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	var people []entry
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		people, err = parseYAML(data)
	case ".csv":
		people, err = parseCSV(data)
	default:
		err = errors.New("want a .yaml, .yml or .csv file")
	}
	if err != nil {
		return nil, fmt.Errorf("directory %s: %w", path, err)
	}
	out := make(map[string]Person, len(people))
	var errs []error
	for _, e := range people {
		p := e.Person
		p.Address, p.Manager = Normalize(p.Address), Normalize(p.Manager)
		p.Role = strings.ToLower(strings.TrimSpace(p.Role))
		p.Title = strings.TrimSpace(p.Title)
		for i, a := range p.SendAs {
			p.SendAs[i] = Normalize(a)
			if !plainAddress(p.SendAs[i]) {
				errs = append(errs, fmt.Errorf("line %d: %s: send_as: want an address, got %q", e.line, p.Address, a))
			}
		}
		switch {
		case !plainAddress(p.Address):
			errs = append(errs, fmt.Errorf("line %d: address: want an address, got %q", e.line, e.Address))
			continue
		case p.Role == "":
			errs = append(errs, fmt.Errorf("line %d: %s: role is required (staff, pupil, governor, it, ...)", e.line, p.Address))
		case p.Manager != "" && !plainAddress(p.Manager):
			errs = append(errs, fmt.Errorf("line %d: %s: manager: want an address, got %q", e.line, p.Address, e.Manager))
		case p.Manager == p.Address:
			errs = append(errs, fmt.Errorf("line %d: %s: is their own manager", e.line, p.Address))
		}
		if _, dup := out[p.Address]; dup {
			errs = append(errs, fmt.Errorf("line %d: %s listed twice", e.line, p.Address))
		}
		out[p.Address] = p
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("directory %s: %w", path, errors.Join(errs...))
	}
	return out, nil
}

type entry struct {
	Person
	line int
}

func parseYAML(data []byte) ([]entry, error) {
	var doc struct {
		People []yaml.Node `yaml:"people"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	out := make([]entry, 0, len(doc.People))
	for _, n := range doc.People {
		var p Person
		if err := strictNode(&n, &p); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		out = append(out, entry{Person: p, line: n.Line})
	}
	return out, nil
}

// strictNode decodes one node refusing unknown keys (yaml.v3 applies
// KnownFields only through a Decoder).
func strictNode(n *yaml.Node, v any) error {
	b, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	return dec.Decode(v)
}

var csvColumns = []string{"address", "name", "role", "manager", "groups", "title", "send_as"}

func parseCSV(data []byte) ([]entry, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("header row: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(csvColumns, h) {
			return nil, fmt.Errorf("line 1: unknown column %q (want %s)", h, strings.Join(csvColumns, ","))
		}
		col[h] = i
	}
	for _, need := range []string{"address", "role"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("line 1: column %q is required", need)
		}
	}
	var out []entry
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := r.FieldPos(0)
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		p := Person{Address: get("address"), Name: get("name"), Role: get("role"), Manager: get("manager"), Title: get("title")}
		p.Groups = splitList(get("groups"))
		p.SendAs = splitList(get("send_as"))
		out = append(out, entry{Person: p, line: line})
	}
	return out, nil
}

// splitList splits a CSV cell of items separated by ';' or '|'.
func splitList(s string) []string {
	var out []string
	for _, g := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' }) {
		if g = strings.TrimSpace(g); g != "" {
			out = append(out, g)
		}
	}
	return out
}

func plainAddress(a string) bool {
	at := strings.LastIndexByte(a, '@')
	return at > 0 && at < len(a)-1 && !strings.ContainsAny(a, "<>,;\"\\ \t\r\n")
}
