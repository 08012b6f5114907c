package pupildata

import (
	"strings"
)

// col is what a table column holds, judged from its heading.
type col int

const (
	colNone col = iota
	// identity
	colSurname
	colForename
	colName
	// identifiers
	colUPN
	colULN
	colNHS
	colNINO
	colAdmission
	// pupil details
	colDOB
	colGender
	colYear
	colReg
	colAttendance
	colAssessment
	// special category
	colSEN
	colFSM
	colEAL
	colEthnicity
	colMedical
	colCP
	// contact
	colPostcode
	colAddress
	colPhone
	colEmail
	colContact
	// staff: a role column makes a list of staff, not pupils
	colRole
	numCols
)

// colLabels name the special-category columns in summaries (headings are
// not personal data; cells are).
var colLabels = map[col]string{
	colSEN: "SEN", colFSM: "FSM/PP", colEAL: "EAL", colEthnicity: "ethnicity",
	colMedical: "medical", colCP: "CP/CIN/LAC",
}

func (c col) identity() bool { return c >= colSurname && c <= colName }

// pupilSpecific columns say the rows are pupils, not staff or suppliers: a
// phone list has names and numbers; a pupil list has a year group, a UPN, a
// date of birth or SEN status too.
func (c col) pupilSpecific() bool {
	return c >= colUPN && c <= colCP && c != colGender && c != colNINO
}

func (c col) special() bool { return c >= colSEN && c <= colCP }

// exactHeadings maps a normalised heading to its column.
var exactHeadings = map[string]col{
	"upn": colUPN, "former upn": colUPN, "unique pupil number": colUPN, "pupil number": colUPN,
	"uln": colULN, "unique learner number": colULN, "learner number": colULN,
	"nhs": colNHS, "nhs number": colNHS, "nhs no": colNHS,
	"ni number": colNINO, "ni no": colNINO, "nino": colNINO, "national insurance number": colNINO,
	"national insurance": colNINO, "nat ins no": colNINO,
	"adno": colAdmission, "adm no": colAdmission, "admission number": colAdmission, "admission no": colAdmission,
	"pupil id": colAdmission, "student id": colAdmission, "mis id": colAdmission, "learner id": colAdmission,
	"surname": colSurname, "legal surname": colSurname, "preferred surname": colSurname, "last name": colSurname,
	"family name": colSurname, "lastname": colSurname,
	"forename": colForename, "forenames": colForename, "legal forename": colForename, "preferred forename": colForename,
	"first name": colForename, "firstname": colForename, "given name": colForename, "middle name": colForename,
	"middle names": colForename, "preferred name": colForename, "known as": colForename,
	"name": colName, "full name": colName, "legal name": colName, "pupil": colName, "pupil name": colName,
	"student": colName, "student name": colName, "child": colName, "child name": colName, "child s name": colName,
	"learner": colName, "learner name": colName, "pupil s name": colName, "student s name": colName,
	"dob": colDOB, "d o b": colDOB, "date of birth": colDOB, "birth date": colDOB, "birthdate": colDOB,
	"gender": colGender, "sex": colGender,
	"year": colYear, "yr": colYear, "year group": colYear, "yr group": colYear, "year grp": colYear, "ncy": colYear,
	"nc year": colYear, "curriculum year": colYear, "national curriculum year": colYear,
	"reg": colReg, "reg group": colReg, "registration group": colReg, "form": colReg, "form group": colReg,
	"tutor group": colReg, "class": colReg, "house": colReg, "reg grp": colReg, "tutor grp": colReg,
	"attendance": colAttendance, "attendance %": colAttendance, "attendance percentage": colAttendance,
	"ks2": colAssessment, "ks2 average": colAssessment, "target grade": colAssessment, "predicted grade": colAssessment,
	"cat4": colAssessment, "reading age": colAssessment, "sats": colAssessment,
	"sen": colSEN, "send": colSEN, "sen status": colSEN, "sen provision": colSEN, "sen need": colSEN, "ehcp": colSEN,
	"primary need": colSEN, "sen stage": colSEN, "sen support": colSEN, "senk": colSEN, "ehc plan": colSEN,
	"fsm": colFSM, "fsm eligible": colFSM, "free school meals": colFSM, "pupil premium": colFSM, "pp": colFSM,
	"ever 6": colFSM, "fsm6": colFSM, "ever6": colFSM, "disadvantaged": colFSM, "fsm ever 6": colFSM,
	"eal": colEAL, "first language": colEAL, "home language": colEAL,
	"ethnicity": colEthnicity, "ethnic group": colEthnicity, "ethnic origin": colEthnicity, "religion": colEthnicity,
	"medical": colMedical, "medical conditions": colMedical, "medical notes": colMedical, "allergies": colMedical,
	"medication": colMedical, "medical needs": colMedical, "dietary needs": colMedical,
	"cp": colCP, "cin": colCP, "lac": colCP, "cla": colCP, "child protection": colCP, "looked after": colCP,
	"cp status": colCP, "in care": colCP, "safeguarding": colCP, "pla": colCP, "cp cin": colCP, "lac cla": colCP,
	"postcode": colPostcode, "post code": colPostcode,
	"address": colAddress, "home address": colAddress, "address 1": colAddress,
	"phone": colPhone, "telephone": colPhone, "mobile": colPhone, "tel": colPhone, "home phone": colPhone,
	"phone number": colPhone, "mobile number": colPhone, "contact number": colPhone,
	"email": colEmail, "e mail": colEmail, "email address": colEmail,
	"parent": colContact, "carer": colContact, "contact": colContact, "primary contact": colContact,
	"parent name": colContact, "contact name": colContact, "teacher": colContact, "staff": colContact,
	"age": colYear, "age group": colYear, "dietary": colMedical, "dietary requirements": colMedical,
	"role": colRole, "job title": colRole, "position": colRole, "department": colRole, "dept": colRole,
	"subject": colRole, "subjects": colRole, "extension": colRole, "ext": colRole, "duty": colRole,
	"staff code": colRole, "initials": colRole, "job role": colRole, "post": colRole,
}

// classifyHeading reads one heading cell.
func classifyHeading(h string) col {
	n := normHeading(h)
	if n == "" || len(n) > 40 {
		return colNone
	}
	if c, ok := exactHeadings[n]; ok {
		return c
	}
	w := " " + n + " "
	has := func(s string) bool { return strings.Contains(w, " "+s+" ") }
	switch {
	case has("teacher"), has("staff"), has("parent"), has("carer"), has("contact"), has("emergency"):
		return colContact
	case has("upn"):
		return colUPN
	case has("uln"):
		return colULN
	case has("nhs"):
		return colNHS
	case has("surname"), has("lastname"):
		return colSurname
	case has("forename"), has("forenames"), has("firstname"), has("first name"):
		return colForename
	case has("dob"), has("birth"):
		return colDOB
	case has("sen"), has("ehcp"), has("send"):
		return colSEN
	case has("fsm"), has("free school meals"), has("pupil premium"):
		return colFSM
	case strings.Contains(n, "ethnic"):
		return colEthnicity
	case strings.Contains(n, "medical"), strings.Contains(n, "allerg"), has("medication"):
		return colMedical
	case has("child protection"), has("looked after"), has("cp"), has("cin"), has("lac"):
		return colCP
	case has("postcode"):
		return colPostcode
	case has("email"):
		return colEmail
	case has("phone"), has("mobile"), has("telephone"):
		return colPhone
	case has("address"):
		return colAddress
	case has("ks1"), has("ks2"), has("ks3"), has("ks4"), has("sats"), has("target"), has("predicted"), has("cat4"):
		return colAssessment
	case has("role"), has("job"), has("department"):
		return colRole
	case has("year group"), has("reg group"), has("tutor group"), has("form group"):
		if has("year") {
			return colYear
		}
		return colReg
	case has("name") && (has("pupil") || has("student") || has("child") || has("learner") || has("legal")):
		return colName
	}
	return colNone
}

func normHeading(h string) string {
	var b strings.Builder
	space := true
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '%' {
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}

// misNames are school information systems whose export names betray an export.
var misNames = []string{"sims", "arbor", "bromcom", "scholarpack", "isams", "capita", "pupil asset", "engage"}

// tableEvidence is what one table said.
type tableEvidence struct {
	counts [numKinds]count
	// rows is the number of pupil rows: rows of a pupil table with a name
	// or a valid identifier.
	rows     int
	pupil    bool
	special  []col
	dobCol   bool
	idCol    bool
	misName  bool
	pupilCol int
	// contacts is set for a list of pupils with their families' contact
	// details and nothing else.
	contacts bool
}

// score rates a pupil table: a class list (names and form) 0.6, more with
// identifiers or dates of birth, more again with special-category columns.
func (t tableEvidence) score() float64 {
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

// evalTable finds a heading row in the first rows of a table and counts the
// pupil data below it. Without a recognisable heading row, only cells that
// are UPNs by themselves count (their checksum is strong enough).
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
	var have [numCols]int // valid cells per column kind
	pupilNamed := false
	for i, c := range cols {
		if c.identity() {
			h := " " + normHeading(rows[hdr][i]) + " "
			for _, w := range []string{" pupil ", " student ", " child ", " learner ", " pupils ", " students "} {
				pupilNamed = pupilNamed || strings.Contains(h, w)
			}
		}
	}
	data := rows[hdr+1:]
	for _, r := range data {
		rowPupil := false
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
				ok = countUPNCell(&t.counts, cell, true)
				if IsUPNPlaceholder(cell) {
					ok = true
				}
			case colULN:
				d := strings.ReplaceAll(cell, " ", "")
				if !placeholderDigits(d) && len(d) == 10 {
					t.counts[ULN].candidates++
					if ok = ValidULN(d); ok {
						t.counts[ULN].valid++
						t.counts[ULN].conf += 0.85
					}
				}
			case colNHS:
				d := digitsOnly.Replace(cell)
				if len(d) == 10 && !placeholderDigits(d) && plausibleNHS(d) {
					t.counts[NHS].candidates++
					if ok = ValidNHS(d); ok {
						t.counts[NHS].valid++
						t.counts[NHS].conf += 0.85
					}
				}
			case colNINO:
				t.counts[NINO].candidates++
				if ok = ValidNINO(strings.ToUpper(cell)); ok {
					t.counts[NINO].valid++
					t.counts[NINO].conf += 0.85
				}
			case colDOB:
				if d, parsed := parseDateCell(cell, o.now, true); parsed {
					t.counts[DOB].candidates++
					if ok = schoolAge(d, o); ok {
						t.counts[DOB].valid++
						t.counts[DOB].conf += 0.8
					}
				}
			case colSurname, colForename, colName:
				ok = nameLike(cell)
				if ok {
					rowPupil = true
				}
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
					rowPupil = true
				}
			}
		}
		if rowPupil {
			t.rows++
		}
	}
	// A column counts when at least half its rows hold valid content.
	enough := func(c col) bool { return have[c] > 0 && have[c]*2 >= t.rows }
	identity := false
	for c := col(1); c < numCols; c++ {
		if !enough(c) {
			continue
		}
		switch {
		case c.identity() || c == colUPN || c == colULN:
			identity = true
		}
		if c.pupilSpecific() {
			if c == colDOB && t.counts[DOB].valid*2 < t.counts[DOB].candidates {
				continue // dates of birth of adults: a staff list
			}
			t.pupilCol++
		}
		if c.special() {
			t.special = append(t.special, c)
		}
		switch c {
		case colDOB:
			t.dobCol = t.counts[DOB].valid*2 >= t.counts[DOB].candidates
		case colUPN, colULN, colNHS:
			t.idCol = true
		}
	}
	// A list whose name column says "Pupil" or "Student" is a pupil list
	// even with only contact details beside it (a parents' contact list).
	t.pupil = identity && (t.pupilCol > 0 || pupilNamed) && t.rows >= minRows
	// A role or department column makes a staff list: a year group or form
	// beside it is what they teach. Identifiers, school-age dates of birth
	// or special-category columns still make it pupil data.
	if have[colRole] > 0 && !(t.idCol || t.dobCol || len(t.special) > 0) {
		t.pupil = false
	}
	if t.pupil && t.pupilCol == 0 && have[colPhone]+have[colEmail]+have[colPostcode]+have[colAddress] > 0 {
		t.contacts = true
	}
	if t.pupil {
		names := 0
		for c := colSurname; c <= colName; c++ {
			names = max(names, have[c])
		}
		t.counts[PupilName] = count{candidates: names, valid: names, conf: 0.6 * float64(names)}
		t.counts[Postcode] = count{valid: have[colPostcode] + have[colAddress]}
		t.counts[Phone] = count{valid: have[colPhone]}
	}
	return t
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

// findHeading returns the heading row among the first ten (the one naming
// most known columns, at least two, one of them a name or identifier) and
// the column kinds, or -1.
func findHeading(rows [][]string) (int, []col) {
	best, bestN := -1, 1
	var bestCols []col
	for i := 0; i < len(rows) && i < 10; i++ {
		cols := make([]col, len(rows[i]))
		n, ident := 0, false
		for j, h := range rows[i] {
			cols[j] = classifyHeading(h)
			if cols[j] != colNone {
				n++
			}
			if cols[j].identity() || cols[j] == colUPN || cols[j] == colULN || cols[j] == colAdmission {
				ident = true
			}
		}
		if ident && n > bestN {
			best, bestN, bestCols = i, n, cols
		}
	}
	return best, bestCols
}

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
var headingHints = []string{"name", "upn", "uln", "dob", "birth", "forename", "surname", "pupil", "student", "nhs"}
