// Package pupildata finds unencrypted pupil personal data leaving the trust
// (issues 4 and 12): MIS and statutory exports sent to the wrong address,
// pasted pupil tables, safeguarding or SEN notes sent to a personal mailbox.
//
// Tables are judged by the meaning of their headings: person columns
// (names, or pupil and child identifiers of any validity) beside personal
// or special-category columns (date of birth, gender, ethnicity, SEN,
// FSM/PP, disability, medical, CP/CIN/LAC, attendance, exclusions, home
// postcode) make a pupil table, whatever the sheet or file calls itself.
// Headings are read as exports spell them ("FSMeligible", "PersonBirthDate",
// "HOME_POST", "Child Unique ID"), below title rows and across sheets.
// XML exports (CTF, school census, CIN census, workforce census) are read
// as tables of their repeated records (xmltable.go). Identifiers validated
// by their check characters (UPN, ULN, NHS and NI numbers, see
// ../shared/ID-CHECKS.md) and dates of birth of school age raise
// confidence; identifiers that fail their checks and adult dates of birth
// (synthetic and test exports, care leavers) do not drop a table whose
// headings say what it is. In free text, where headings are absent, a
// checksum failure still kills a candidate identifier.
//
// A workforce export (staff names or teacher numbers with NI numbers,
// ethnicity, disability or health) is personal data of the same gravity:
// it is reported in the same pupil_data category, so that the same
// outbound hold and the same immediate notice to the data protection
// officer apply, with a summary that says "staff table". A staff list of
// names, roles and extensions is not reported.
//
// Special-category content about a named child (health, SEN, safeguarding,
// FSM, family, religion, ethnicity) counts in a text about school life
// when a child is named (a forename and surname, or a known given name
// followed by a class: "Kacper in Year 5") in the same paragraph as terms
// of two areas, or one strong term with another.
//
// Direction and recipients decide whether any of it matters: only outbound
// mail by default, never mail to pupil_data.allowed_destinations, never
// data that travels encrypted. One child's details in a letter written to
// a parent are normal school business and score under the threshold.
//
// Findings name counts and places ("31 UPNs, 31 DOBs in attachment 2
// (xlsx)"), never the data and never a file name. Every pupil_data finding
// is for the data protection officer at once; the category alone says so.
package pupildata

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

// Name is the scanner's name in findings.
const Name = "pupildata"

// Detector is the pupil data scanner. It is safe for concurrent use.
type Detector struct {
	cfg   config.PupilData
	dirs  map[scanner.Direction]bool
	allow []config.Destination
	// Now is the clock that decides who is of school age; tests set it.
	Now func() time.Time
}

var _ scanner.Scanner = (*Detector)(nil)

// New returns a detector for a validated pupil_data section. Zero fields
// take the documented defaults, so config.PupilData{} works too.
func New(cfg config.PupilData) *Detector {
	def := config.Default().PupilData
	if cfg.Directions == nil {
		cfg.Directions = def.Directions
	}
	if cfg.MinScore <= 0 {
		cfg.MinScore = def.MinScore
	}
	if cfg.MinIdentifiers <= 0 {
		cfg.MinIdentifiers = def.MinIdentifiers
	}
	if cfg.MinTableRows <= 0 {
		cfg.MinTableRows = def.MinTableRows
	}
	if cfg.KeywordWindow <= 0 {
		cfg.KeywordWindow = def.KeywordWindow
	}
	if cfg.DOBMaxAge <= 0 {
		cfg.DOBMinAge, cfg.DOBMaxAge = def.DOBMinAge, def.DOBMaxAge
	}
	d := &Detector{cfg: cfg, dirs: map[scanner.Direction]bool{}, Now: time.Now}
	for _, s := range cfg.Directions {
		d.dirs[scanner.Direction(s)] = true
	}
	for _, s := range cfg.AllowedDestinations {
		if dst, err := config.ParseDestination(s); err == nil {
			d.allow = append(d.allow, dst)
		}
	}
	return d
}

// Name implements scanner.Scanner.
func (d *Detector) Name() string { return Name }

// place gathers the evidence of one place: the body (with the subject), or
// one top-level attachment with everything unpacked from it.
type place struct {
	where   string
	label   string
	counts  [numKinds]count
	tables  []tableEvidence
	special specialEvidence
	// parent is set when a text of the place is written to a parent
	// ("Dear Mrs Smith", "your child"): one child's details are then normal
	// school business.
	parent bool
}

// Scan implements scanner.Scanner. It returns at most one finding per place
// whose score reaches pupil_data.min_score.
func (d *Detector) Scan(ctx context.Context, m *scanner.Message) ([]scanner.Finding, error) {
	if !d.cfg.IsEnabled() || !d.applies(m.Envelope) {
		return nil, nil
	}
	if enc, _ := SentEncrypted(m); enc {
		return nil, nil
	}
	o := textOptions{window: d.cfg.KeywordWindow, now: d.Now(), minAge: d.cfg.DOBMinAge, maxAge: d.cfg.DOBMaxAge}

	places := map[string]*place{}
	get := func(a *scanner.Attachment) *place {
		key := "body"
		if a != nil {
			key = strconv.Itoa(a.Index)
		}
		p := places[key]
		if p == nil {
			p = &place{where: key, label: "the body"}
			if a != nil {
				p.label = fmt.Sprintf("attachment %d (%s)", a.Index, typeLabel(m, a))
			}
			places[key] = p
		}
		return p
	}
	skip := func(a *scanner.Attachment) bool { return a != nil && encryptedItem(a) }
	// Records a table reader's bounds left unread are unscannable: a
	// pupil list must not hide behind filler records.
	var out []scanner.Finding
	unread := func(a *scanner.Attachment, why string) {
		f := scanner.UnscannableFinding(Name, fmt.Sprintf("attachment %d (%s): %s not read", a.Index, typeLabel(m, a), why))
		f.Where = strconv.Itoa(a.Index)
		out = append(out, f)
	}

	// Tables first: an attachment read as a table is not read again as text
	// for identifiers, so nothing counts twice.
	tabled := map[*scanner.Attachment]bool{}
	for _, t := range m.Tables {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("pupildata: %w", err)
		}
		if skip(t.Attachment) {
			continue
		}
		tabled[t.Attachment] = true
		p := get(t.Attachment)
		p.addTable(evalTable(t.Rows, t.Name, o, d.cfg.MinTableRows))
	}
	for _, a := range m.Attachments {
		if tabled[a] || skip(a) || !delimitedText(a) {
			continue
		}
		// Extraction normally fills Message.Tables for CSV/TSV; a CSV it
		// left without a table (a limit, an odd type) is read here.
		rows, why := parseDelimited(a.Data)
		if why != "" {
			unread(a, why)
		}
		if len(rows) == 0 {
			continue
		}
		tabled[a] = true
		get(a).addTable(evalTable(rows, "", o, d.cfg.MinTableRows))
	}

	for _, a := range m.Attachments {
		if tabled[a] || skip(a) || !xmlAttachment(a) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("pupildata: %w", err)
		}
		// XML exports (CTF, census, CIN, workforce): records as tables.
		tables, why := xmlTables(a.Data)
		if why != "" {
			unread(a, why)
		}
		for _, tb := range tables {
			tabled[a] = true
			get(a).addTable(evalTable(tb.Rows, tb.Name, o, d.cfg.MinTableRows))
		}
	}

	// The body is the plain part, or the HTML part when there is none (the
	// HTML alternative repeats it). The subject is read with the body, as
	// its heading: "Jack Smith 8B" there and "he disclosed" below.
	plainBody := false
	for _, t := range m.Texts {
		plainBody = plainBody || t.Kind == scanner.KindPlain && t.Attachment == nil
	}
	subject, bodyAt := "", -1
	for i, t := range m.Texts {
		switch {
		case t.Attachment != nil:
		case t.Kind == scanner.KindSubject:
			subject = t.Content
		case bodyAt < 0 && (t.Kind == scanner.KindPlain || t.Kind == scanner.KindHTML && !plainBody):
			bodyAt = i
		}
	}
	for i, t := range m.Texts {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("pupildata: %w", err)
		}
		if skip(t.Attachment) || t.Attachment == nil && (t.Kind == scanner.KindHTML && plainBody || t.Kind == scanner.KindSubject && bodyAt >= 0) {
			continue
		}
		p := get(t.Attachment)
		if t.Attachment != nil && tabled[t.Attachment] {
			// Read as a table already; a document's prose (a DOCX with a
			// table) is still read for special-category content.
			if !spreadsheet(t.Attachment) && !xmlAttachment(t.Attachment) {
				p.special.merge(scanSpecial(t.Content, indexText(t.Content), 0))
			}
			continue
		}
		content, head := t.Content, 0
		if i == bodyAt && subject != "" {
			content, head = subject+"\n"+t.Content, len(subject)
		}
		ix := indexText(content)
		p.parent = p.parent || ix.parent
		p.special.merge(scanSpecial(content, ix, head))
		c := scanText(content, ix, o)
		for _, rows := range textTables(content, ix.hints) {
			tv := evalTable(rows, "", o, d.cfg.MinTableRows)
			// A pasted table's identifiers and dates were also seen by the
			// text scan (those near their keyword): keep the larger count.
			for k := UPN; k <= DOB; k++ {
				if (tv.pupil || tv.staff || k <= NINO) && tv.counts[k].valid > c[k].valid {
					c[k] = tv.counts[k]
				}
				tv.counts[k] = count{}
			}
			p.addTable(tv)
		}
		for k := range c {
			p.counts[k].add(c[k])
		}
	}

	keys := make([]string, 0, len(places))
	for k := range places {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return placeOrder(keys[i]) < placeOrder(keys[j]) })
	for _, k := range keys {
		p := places[k]
		score, summary := d.judge(p)
		if score < d.cfg.MinScore {
			continue
		}
		out = append(out, scanner.Finding{
			Category: scanner.PupilData,
			Scanner:  Name,
			Score:    round2(score),
			Summary:  summary,
			Where:    p.where,
		})
	}
	return out, nil
}

func (p *place) addTable(t tableEvidence) {
	for k := range t.counts {
		if t.pupil || t.staff || Kind(k) <= NINO {
			p.counts[k].add(t.counts[k])
		}
	}
	if t.pupil || t.staff {
		p.tables = append(p.tables, t)
	}
}

// applies reports whether the envelope is one the detector judges: a
// configured direction (an unknown direction counts as outbound, failing
// safe) and at least one recipient outside pupil_data.allowed_destinations.
func (d *Detector) applies(env scanner.Envelope) bool {
	dir := env.Direction
	if dir == "" {
		dir = scanner.Outbound
	}
	if !d.dirs[dir] {
		return false
	}
	if len(env.To) == 0 || len(d.allow) == 0 {
		return true
	}
	if d.cfg.RequireTLS && !env.NextHopTLS {
		return true
	}
	for _, rcpt := range env.To {
		if !d.allowed(rcpt) {
			return true
		}
	}
	return false
}

// allowed matches one recipient against pupil_data.allowed_destinations:
// exact address, exact domain, or "*." for subdomains; never a suffix match.
func (d *Detector) allowed(rcpt string) bool {
	rcpt = strings.Trim(strings.TrimSpace(rcpt), "<>")
	at := strings.LastIndexByte(rcpt, '@')
	if at <= 0 {
		return false
	}
	dom, err := config.NormalizeDomain(rcpt[at+1:])
	if err != nil {
		return false
	}
	addr := strings.ToLower(rcpt[:at]) + "@" + dom
	for _, a := range d.allow {
		switch {
		case a.Address != "":
			if a.Address == addr {
				return true
			}
		case a.Wildcard:
			if strings.HasSuffix(dom, "."+a.Domain) {
				return true
			}
		case a.Domain == dom:
			return true
		}
	}
	return false
}

// judge scores one place and writes its summary.
//
// Components: identifiers in bulk (at least min_identifiers validated
// UPN/ULN/NHS/NI numbers: their mean confidence plus a little per
// identifier); fewer identifiers beside a pupil table, special-category
// content or dates of birth (not in a letter to a parent); dates of birth in bulk; a pupil table; and
// special-category content about a named child. The score is the strongest
// component plus 0.04 for each other one present, at most 0.99.
func (d *Detector) judge(p *place) (float64, string) {
	c := p.counts
	for _, k := range []Kind{UPN, ULN, NHS, NINO, DOB} {
		if c[k].killed() {
			c[k] = count{}
		}
	}
	strong := c[UPN].valid + c[ULN].valid + c[NHS].valid + c[NINO].valid
	conf := c[UPN].conf + c[ULN].conf + c[NHS].conf + c[NINO].conf
	var comps []float64
	if strong > 0 {
		mean := conf / float64(strong)
		switch {
		case strong >= d.cfg.MinIdentifiers:
			comps = append(comps, mean+min(0.14, 0.01*float64(strong)))
		case len(p.tables) > 0 || p.special.ngroups() > 0 || c[DOB].valid > 0 && !p.parent:
			comps = append(comps, mean)
		}
	}
	if c[DOB].valid >= d.cfg.MinIdentifiers {
		comps = append(comps, 0.65+min(0.2, 0.01*float64(c[DOB].valid)))
	}
	best := 0.0
	var tbl tableEvidence
	for _, t := range p.tables {
		if s := t.score(); s > best {
			best, tbl = s, t
		}
	}
	if best > 0 {
		comps = append(comps, best)
	}
	sp := p.special.score()
	if sp > 0 {
		comps = append(comps, sp)
	}
	if len(comps) == 0 {
		return 0, ""
	}
	sort.Float64s(comps)
	score := comps[len(comps)-1] + 0.04*float64(len(comps)-1)
	score = min(score, 0.99)

	var parts []string
	for k := Kind(0); k < numKinds; k++ {
		if n := c[k].valid; n > 0 {
			w := kindWords[k][0]
			if n > 1 {
				w = kindWords[k][1]
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, w))
		}
	}
	if best > 0 {
		parts = append(parts, tbl.describe())
	}
	if sp > 0 {
		parts = append(parts, p.special.describe())
	}
	return score, strings.Join(parts, ", ") + " in " + p.label
}

func joinAnd(l []string) string {
	if len(l) <= 1 {
		return strings.Join(l, "")
	}
	return strings.Join(l[:len(l)-1], ", ") + " and " + l[len(l)-1]
}

func placeOrder(k string) int {
	if k == "body" {
		return 0
	}
	n, _ := strconv.Atoi(k)
	return n
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }
