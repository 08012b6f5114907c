package pupildata

import (
	"fmt"
	"strings"
)

// misNames are school information systems whose export names betray an export.
var misNames = []string{"sims", "arbor", "bromcom", "scholarpack", "isams", "capita", "pupil asset", "engage"}

// tableEvidence is what one table said.
type tableEvidence struct {
	counts [numKinds]count
	// rows is the number of person rows: rows with a name or an
	// identifier (of any validity) in a person column.
	rows  int
	pupil bool
	// staff is set for a workforce table with sensitive columns (NI
	// numbers, ethnicity, disability, health): personal data of staff,
	// reported under pupil_data with a summary that says "staff".
	staff    bool
	special  []col
	dobCol   bool
	idCol    bool
	misName  bool
	pupilCol int
	// contacts is set for a list of pupils with their families' contact
	// details and nothing else.
	contacts bool
}

// score rates a table: a class list (names and form) 0.6, more with
// identifiers or dates of birth, more again with special-category columns;
// a staff table with sensitive columns 0.75.
func (t tableEvidence) score() float64 {
	if t.staff {
		return min(0.75+0.05*float64(len(t.special)), 0.9)
	}
	if !t.pupil {
		return 0
	}
	s := 0.6
	if t.dobCol || t.idCol {
		s += 0.15
	}
	if len(t.special) > 0 {
		s += 0.15
	}
	if t.pupilCol >= 3 {
		s += 0.05
	}
	if t.misName {
		s += 0.04
	}
	if t.contacts {
		s += 0.1
	}
	return min(s, 0.99)
}

// describe says what kind of table it is, for summaries.
func (t tableEvidence) describe() string {
	what := "pupil table"
	if t.staff {
		what = "staff table"
	}
	s := fmt.Sprintf("%s of %d rows", what, t.rows)
	if len(t.special) > 0 {
		var l []string
		for _, c := range t.special {
			l = append(l, colLabels[c])
		}
		s += " with " + joinAnd(l) + " columns"
	}
	return s
}

// evalTable finds a heading row in the first rows of a table and counts the
// personal data below it. Without a recognisable heading row, only cells
// that are UPNs by themselves count (their checksum is strong enough).
//
// Headings decide what a table is: identifiers that fail their check
// characters (synthetic or test exports) and dates of birth outside school
// age still make a pupil table when the headings say so; valid ones add
// to the identifier counts and so to the confidence.
func evalTable(rows [][]string, name string, o textOptions, minRows int) tableEvidence {
	var t tableEvidence
	hdr, cols := findHeading(rows)
	if hdr < 0 {
		for _, r := range rows {
			for _, c := range r {
				countUPNCell(&t.counts, strings.TrimSpace(c), false)
			}
		}
		return t
	}
	for _, s := range append([]string{name}, rows[hdr]...) {
		ls := " " + normHeading(s) + " "
		for _, m := range misNames {
			if strings.Contains(ls, " "+m+" ") {
				t.misName = true
			}
		}
	}
	var have [numCols]int               // valid cells per column kind
	names := 0                          // cells of name columns that read as names
	nameCells := make([]int, len(cols)) // cells that read as names, per column
	pupilNamed := false
	// childKey marks name columns headed by a word for a child alone
	// ("CHILD" in an SSDA903 file): their cells may be IDs.
	childKey := make([]bool, len(cols))
	for i, c := range cols {
		if c.identity() || c == colAdmission {
			h := " " + normHeading(rows[hdr][i]) + " "
			for _, w := range []string{" pupil ", " student ", " child ", " learner ", " pupils ", " students ", " candidate "} {
				pupilNamed = pupilNamed || strings.Contains(h, w)
			}
			switch strings.TrimSpace(h) {
			case "child", "pupil", "student", "learner", "candidate":
				childKey[i] = true
			}
		}
	}
	data := rows[hdr+1:]
	for _, r := range data {
		rowPerson := false
		for i, cell := range r {
			cell = strings.TrimSpace(cell)
			if cell == "" {
				continue
			}
			c := colNone
			if i < len(cols) {
				c = cols[i]
			}
			ok := false
			switch c {
			case colUPN:
				ok = countUPNCell(&t.counts, cell, true) || IsUPNPlaceholder(cell) || idLike(cell)
			case colULN:
				d := strings.ReplaceAll(cell, " ", "")
				if !placeholderDigits(d) && len(d) == 10 {
					t.counts[ULN].candidates++
					if ValidULN(d) {
						t.counts[ULN].valid++
						t.counts[ULN].conf += 0.85
					}
				}
				ok = idLike(d)
			case colNHS:
				d := digitsOnly.Replace(cell)
				if len(d) == 10 && !placeholderDigits(d) && plausibleNHS(d) {
					t.counts[NHS].candidates++
					if ValidNHS(d) {
						t.counts[NHS].valid++
						t.counts[NHS].conf += 0.85
					}
				}
				ok = idLike(d)
			case colNINO:
				t.counts[NINO].candidates++
				if ok = ValidNINO(strings.ToUpper(strings.ReplaceAll(cell, " ", ""))); ok {
					t.counts[NINO].valid++
					t.counts[NINO].conf += 0.85
				}
			case colDOB:
				if d, parsed := parseDateCell(cell, o.now, true); parsed {
					t.counts[DOB].candidates++
					ok = true
					if schoolAge(d, o) {
						t.counts[DOB].valid++
						t.counts[DOB].conf += 0.8
					}
				}
			case colSurname, colForename, colName:
				if nameLike(cell) {
					ok = true
					nameCells[i]++
				} else {
					// "CHILD" in an SSDA903 file holds the child's ID.
					ok = c == colName && childKey[i] && idLike(cell)
				}
				rowPerson = rowPerson || ok
			case colAdmission, colStaffID:
				ok = idLike(cell)
				rowPerson = rowPerson || ok
			case colPostcode:
				ok = ValidPostcode(cell)
			case colAddress:
				ok = hasPostcode(cell)
			case colPhone:
				ok = ValidPhone(cell)
			case colNone:
				countUPNCell(&t.counts, cell, false)
			default:
				ok = true
			}
			if ok {
				have[c]++
				if c == colUPN || c == colULN {
					rowPerson = true
				}
			}
		}
		if rowPerson {
			t.rows++
		}
	}
	// Names counted once per row: the fullest name column.
	for _, n := range nameCells {
		names = max(names, n)
	}
	// A column counts when at least half its rows hold valid content.
	enough := func(c col) bool { return have[c] > 0 && have[c]*2 >= t.rows }
	identity, staffID := false, false
	dobAny, dobSchool := false, false
	var sensitive []col // special or national-identifier columns
	for c := col(1); c < numCols; c++ {
		if !enough(c) {
			continue
		}
		switch {
		case c.identity() || c.idColumn():
			identity = true
		case c == colStaffID:
			staffID = true
		}
		if c.pupilSpecific() && c != colDOB {
			t.pupilCol++
		}
		if c.special() || c == colAttendance {
			// Attendance is not special category, but a list of pupils'
			// absences is as sensitive as one of their needs.
			t.special = append(t.special, c)
		}
		if c.special() || c == colNINO {
			sensitive = append(sensitive, c)
		}
		switch c {
		case colDOB:
			dobAny = true
			dobSchool = t.counts[DOB].valid*2 >= t.counts[DOB].candidates
		case colUPN, colULN, colNHS, colAdmission:
			t.idCol = true
		}
	}
	if dobSchool {
		t.pupilCol++
	}
	pupilish := t.pupilCol > 0 || pupilNamed
	// Dates of birth of adults in a table whose other headings say it is
	// about children (a synthetic export, a care leavers list) are still
	// dates of birth.
	t.dobCol = dobSchool || dobAny && (t.idCol || pupilNamed || len(t.special) > 0)
	// A list whose name column says "Pupil" or "Student" is a pupil list
	// even with only contact details beside it (a parents' contact list).
	t.pupil = identity && pupilish && t.rows >= minRows
	// A role or department column makes a staff list: a year group or form
	// beside it is what they teach. Identifiers, school-age dates of birth
	// or special-category columns still make it pupil data.
	staffish := have[colRole] > 0 || staffID
	if staffish && !(t.idCol || dobSchool || len(t.special) > 0 && !onlyAdultSpecial(t.special)) {
		t.pupil = false
	}
	if !t.pupil && staffish && (identity || staffID) && t.rows >= minRows && len(sensitive) > 0 && !pupilNamed {
		// A workforce export: staff names or teacher numbers with NI
		// numbers, ethnicity, disability or health.
		t.staff = true
		t.special = sensitive
	}
	if t.pupil && t.pupilCol == 0 && have[colPhone]+have[colEmail]+have[colPostcode]+have[colAddress] > 0 {
		t.contacts = true
	}
	if t.pupil || t.staff {
		t.counts[PupilName] = count{candidates: names, valid: names, conf: 0.6 * float64(names)}
		t.counts[Postcode] = count{valid: have[colPostcode] + have[colAddress]}
		t.counts[Phone] = count{valid: have[colPhone]}
	}
	return t
}

// onlyAdultSpecial reports sensitive columns a workforce table also has
// (ethnicity, religion, disability, health, absence): beside a role column
// they do not make the rows pupils.
func onlyAdultSpecial(cs []col) bool {
	for _, c := range cs {
		switch c {
		case colEthnicity, colReligion, colDisability, colMedical, colAttendance:
		default:
			return false
		}
	}
	return true
}

// idLike reports a cell that reads as an identifier: 3 to 24 letters,
// digits, hyphens or slashes, at least one of them a digit.
func idLike(s string) bool {
	if len(s) < 3 || len(s) > 24 {
		return false
	}
	digit := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			digit = true
		case isAlnum(c), c == '-', c == '/', c == '_':
		default:
			return false
		}
	}
	return digit
}

var digitsOnly = strings.NewReplacer(" ", "", "-", "")

// countUPNCell counts a cell that is a UPN candidate.
func countUPNCell(c *[numKinds]count, cell string, labelled bool) bool {
	if len(cell) != 13 || !upnShape(cell) {
		return false
	}
	c[UPN].candidates++
	u := CheckUPN(cell)
	if u.Checksum {
		c[UPN].valid++
		c[UPN].conf += upnConfidence(u, labelled)
	}
	return u.Checksum
}

// headingRows is how far down a sheet its heading row is looked for:
// report exports put a title, the school, filters and the date above it.
const headingRows = 25

// findHeading returns the heading row among the first headingRows (the one
// naming most known columns, at least two, one of them a name or
// identifier) and the column kinds, or -1.
func findHeading(rows [][]string) (int, []col) {
	best, bestN := -1, 1
	var bestCols []col
	for i := 0; i < len(rows) && i < headingRows; i++ {
		cols := make([]col, len(rows[i]))
		n, ident, childCols, generic := 0, false, 0, -1
		for j, h := range rows[i] {
			cols[j] = classifyHeading(h)
			if cols[j] != colNone {
				n++
			}
			if cols[j].identity() || cols[j].idColumn() || cols[j] == colStaffID {
				ident = true
			}
			switch cols[j] {
			case colCP, colSEN, colFSM, colExclusion, colAccess:
				childCols++
			case colNone:
				if generic < 0 && genericID[normHeading(h)] {
					generic = j
				}
			}
		}
		// A bare "ID" or "Ref" column beside columns only children have
		// (referral source, category of abuse, SEN, exclusions) is the
		// child's identifier: local authority extracts label it so.
		if !ident && generic >= 0 && childCols > 0 {
			cols[generic] = colAdmission
			ident = true
			n++
		}
		if ident && n > bestN {
			best, bestN, bestCols = i, n, cols
		}
	}
	return best, bestCols
}

// genericID are headings of an identifier column that say nothing of whose.
var genericID = map[string]bool{"id": true, "ref": true, "reference": true, "case id": true, "case ref": true,
	"case number": true, "client id": true, "person ref": true, "person reference": true, "record id": true,
	"unique id": true, "id number": true, "ref no": true}

// textTables finds tables pasted into text: a heading line that findHeading
// accepts, split on tabs, '|', ',' , ';' or runs of two or more spaces, and
// the lines below it split the same way, up to a blank line.
func textTables(text string, hints []int) [][][]string {
	var out [][][]string
	if len(hints) == 0 {
		return nil
	}
	lines := strings.Split(text, "\n")
	off, h := 0, 0
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		start := off
		off += len(l) + 1
		for h < len(hints) && hints[h] < start {
			h++
		}
		if len(l) > 600 || h == len(hints) || hints[h] >= start+len(l) {
			continue // no heading word on this line
		}
		if rows, next := verticalTable(lines, i); rows != nil {
			out = append(out, rows)
			for k := i + 1; k < next; k++ {
				off += len(lines[k]) + 1
			}
			i = next - 1
			continue
		}
		for _, split := range splitters {
			h := split(l)
			if len(h) < 2 {
				continue
			}
			if k, _ := findHeading([][]string{h}); k < 0 {
				continue
			}
			tbl := [][]string{h}
			j := i + 1
			for ; j < len(lines); j++ {
				r := split(lines[j])
				if strings.TrimSpace(lines[j]) == "" {
					if len(tbl) == 1 { // a blank line under the heading
						continue
					}
					break
				}
				if isRule(lines[j]) {
					continue
				}
				if len(r) < 2 {
					break
				}
				tbl = append(tbl, r)
			}
			out = append(out, tbl)
			for k := i + 1; k < j; k++ {
				off += len(lines[k]) + 1
			}
			i = j - 1
			break
		}
	}
	return out
}

// verticalTable reads a table flattened to one cell per line, as HTML
// tables come out of text conversion: three or more heading lines in a row
// (one of them a name or identifier), then the cells in groups of as many
// lines, up to a blank line. It returns the rows and the line after them.
func verticalTable(lines []string, i int) ([][]string, int) {
	var hdr []string
	j := i
	for ; j < len(lines) && len(hdr) < 40; j++ {
		h := strings.TrimSpace(lines[j])
		if h == "" || classifyHeading(h) == colNone {
			break
		}
		hdr = append(hdr, h)
	}
	if len(hdr) < 3 {
		return nil, 0
	}
	if k, _ := findHeading([][]string{hdr}); k < 0 {
		return nil, 0
	}
	rows := [][]string{hdr}
	for j+len(hdr) <= len(lines) {
		row := make([]string, len(hdr))
		blank := false
		for c := range row {
			row[c] = strings.TrimSpace(lines[j+c])
			if row[c] == "" {
				blank = true
				break
			}
		}
		if blank {
			break
		}
		rows = append(rows, row)
		j += len(hdr)
	}
	return rows, j
}

var splitters = []func(string) []string{
	func(s string) []string { return splitOn(s, "\t") },
	splitPipes,
	func(s string) []string { return splitOn(s, ",") },
	func(s string) []string { return splitOn(s, ";") },
	splitSpaces,
}

func splitOn(s, sep string) []string {
	if !strings.Contains(s, sep) {
		return nil
	}
	f := strings.Split(strings.TrimRight(s, "\r"), sep)
	for i := range f {
		f[i] = strings.Trim(strings.TrimSpace(f[i]), `"`)
	}
	return f
}

func splitPipes(s string) []string {
	f := splitOn(strings.Trim(strings.TrimSpace(s), "|"), "|")
	return f
}

// splitSpaces splits on runs of two or more spaces (columns aligned by hand).
func splitSpaces(s string) []string {
	var f []string
	s = strings.TrimSpace(s)
	for s != "" {
		k := strings.Index(s, "  ")
		if k < 0 {
			f = append(f, s)
			break
		}
		f = append(f, s[:k])
		s = strings.TrimLeft(s[k:], " ")
	}
	if len(f) < 2 {
		return nil
	}
	return f
}

func isRule(l string) bool {
	l = strings.TrimSpace(l)
	return l != "" && strings.Trim(l, "-|+=: \t") == ""
}

// headingHints are words one of which a heading line holds, found as
// parts of words too ("surname" holds "name").
var headingHints = []string{"name", "upn", "uln", "dob", "birth", "forename", "surname", "pupil", "student", "nhs",
	"unique id", "child id", "childid", "candidate n", "cand no"}
