package pupildata

import (
	"strings"
)

// Columns by meaning (issue 12): a table is personal data when it has
// person columns (names, or identifiers of any validity) together with
// personal or special-category columns. Headings are read as people write
// them and as exports spell them: "Date of birth", "DOB", "PersonBirthDate"
// (CIN census XML), "FSMeligible" and "NCyearActual" (school census),
// "HOME_POST" and "CHILD" (SSDA903), "Child Unique ID" (Ofsted Annex A),
// "NINumber" and "QTStatus" (school workforce census).

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
	// colAdmission is a pupil or child identifier of any validity: an
	// admission number, a local authority child ID, an exam candidate
	// number. A row holding one is a row about a child.
	colAdmission
	// pupil details
	colDOB
	colGender
	colYear
	colReg
	colAttendance
	colAssessment
	colEnrol
	colConsent
	// special category (and other sensitive columns named in summaries)
	colSEN
	colFSM
	colEAL
	colEthnicity
	colMedical
	colCP
	colDisability
	colReligion
	colExclusion
	colAccess
	// contact
	colPostcode
	colAddress
	colPhone
	colEmail
	colContact
	// staff: a role column makes a list of staff, not pupils
	colRole
	// colStaffID is a staff identifier (teacher reference number, payroll
	// number): an identity column of a workforce table.
	colStaffID
	numCols
)

// colLabels name the special-category columns in summaries (headings are
// not personal data; cells are).
var colLabels = map[col]string{
	colSEN: "SEN", colFSM: "FSM/PP", colEAL: "EAL", colEthnicity: "ethnicity",
	colMedical: "medical", colCP: "CP/CIN/LAC", colDisability: "disability", colReligion: "religion",
	colExclusion: "exclusions", colAccess: "access arrangements", colNINO: "NI number", colAttendance: "attendance",
}

func (c col) identity() bool { return c >= colSurname && c <= colName }

// idColumn reports a column of pupil or child identifiers.
func (c col) idColumn() bool { return c == colUPN || c == colULN || c == colAdmission }

// pupilSpecific columns say the rows are pupils, not staff or suppliers: a
// phone list has names and numbers; a pupil list has a year group, a UPN, a
// date of birth or SEN status too.
func (c col) pupilSpecific() bool {
	switch c {
	case colUPN, colULN, colNHS, colAdmission, colDOB, colYear, colReg, colAttendance, colAssessment,
		colEnrol, colConsent, colSEN, colFSM, colEAL, colMedical, colCP, colExclusion, colAccess:
		return true
	}
	return false
}

func (c col) special() bool { return c >= colSEN && c <= colAccess }

// personal columns are what make a table of people personal data beyond
// a directory: dates of birth, gender, special categories, home address.
func (c col) personal() bool {
	switch c {
	case colDOB, colGender, colPostcode, colAddress, colAttendance, colNINO, colNHS:
		return true
	}
	return c.special()
}

// exactHeadings maps a normalised heading to its column.
var exactHeadings = map[string]col{
	"upn": colUPN, "former upn": colUPN, "unique pupil number": colUPN, "pupil number": colUPN,
	"uln": colULN, "unique learner number": colULN, "learner number": colULN,
	"nhs": colNHS, "nhs number": colNHS, "nhs no": colNHS,
	"ni number": colNINO, "ni no": colNINO, "nino": colNINO, "national insurance number": colNINO,
	"national insurance": colNINO, "nat ins no": colNINO, "ni": colNINO,
	"adno": colAdmission, "adm no": colAdmission, "admission number": colAdmission, "admission no": colAdmission,
	"pupil id": colAdmission, "student id": colAdmission, "mis id": colAdmission, "learner id": colAdmission,
	"child id": colAdmission, "la child id": colAdmission, "child unique id": colAdmission, "uci": colAdmission,
	"candidate number": colAdmission, "candidate no": colAdmission, "cand no": colAdmission, "exam number": colAdmission,
	"unique candidate identifier": colAdmission, "person id": colAdmission, "child ref": colAdmission,
	"surname": colSurname, "legal surname": colSurname, "preferred surname": colSurname, "last name": colSurname,
	"family name": colSurname, "lastname": colSurname, "former surname": colSurname, "former family name": colSurname,
	"preferred family name": colSurname, "legal family name": colSurname,
	"forename": colForename, "forenames": colForename, "legal forename": colForename, "preferred forename": colForename,
	"first name": colForename, "firstname": colForename, "given name": colForename, "middle name": colForename,
	"middle names": colForename, "preferred name": colForename, "known as": colForename, "given names": colForename,
	"other names": colForename, "preferred given name": colForename,
	"name": colName, "full name": colName, "legal name": colName, "pupil": colName, "pupil name": colName,
	"student": colName, "student name": colName, "child": colName, "child name": colName, "child s name": colName,
	"learner": colName, "learner name": colName, "pupil s name": colName, "student s name": colName,
	"candidate": colName, "candidate name": colName,
	"dob": colDOB, "d o b": colDOB, "date of birth": colDOB, "birth date": colDOB, "birthdate": colDOB,
	"gender": colGender, "sex": colGender, "gender current": colGender,
	"year": colYear, "yr": colYear, "year group": colYear, "yr group": colYear, "year grp": colYear, "ncy": colYear,
	"nc year": colYear, "curriculum year": colYear, "national curriculum year": colYear, "nc year actual": colYear,
	"reg": colReg, "reg group": colReg, "registration group": colReg, "form": colReg, "form group": colReg,
	"tutor group": colReg, "class": colReg, "house": colReg, "reg grp": colReg, "tutor grp": colReg,
	"attendance": colAttendance, "attendance %": colAttendance, "attendance percentage": colAttendance,
	"sessions missed": colAttendance, "sessions possible": colAttendance, "persistent absentee": colAttendance,
	"ks2": colAssessment, "ks2 average": colAssessment, "target grade": colAssessment, "predicted grade": colAssessment,
	"cat4": colAssessment, "reading age": colAssessment, "sats": colAssessment,
	"enrol status": colEnrol, "enrolment status": colEnrol, "entry date": colEnrol, "date of entry": colEnrol,
	"admission date": colEnrol, "date of admission": colEnrol, "leaving date": colEnrol, "date of leaving": colEnrol,
	"photo consent": colConsent, "photograph consent": colConsent, "photo permission": colConsent,
	"consent": colConsent, "photos": colConsent, "media consent": colConsent, "images consent": colConsent,
	"sen": colSEN, "send": colSEN, "sen status": colSEN, "sen provision": colSEN, "sen need": colSEN, "ehcp": colSEN,
	"primary need": colSEN, "sen stage": colSEN, "sen support": colSEN, "senk": colSEN, "ehc plan": colSEN,
	"sen type": colSEN, "sen unit": colSEN, "resourced provision": colSEN,
	"fsm": colFSM, "fsm eligible": colFSM, "free school meals": colFSM, "pupil premium": colFSM, "pp": colFSM,
	"ever 6": colFSM, "fsm6": colFSM, "ever6": colFSM, "disadvantaged": colFSM, "fsm ever 6": colFSM,
	"uifsm": colFSM, "service child": colFSM, "eyppp": colFSM, "pp eligible": colFSM,
	"eal": colEAL, "first language": colEAL, "home language": colEAL,
	"ethnicity": colEthnicity, "ethnic group": colEthnicity, "ethnic origin": colEthnicity, "ethnic": colEthnicity,
	"nationality": colEthnicity, "country of birth": colEthnicity,
	"religion": colReligion, "faith": colReligion, "religious affiliation": colReligion,
	"medical": colMedical, "medical conditions": colMedical, "medical notes": colMedical, "allergies": colMedical,
	"medication": colMedical, "medical needs": colMedical, "dietary needs": colMedical,
	"health needs": colMedical, "medical condition": colMedical, "diagnosis": colMedical,
	"ihcp": colMedical, "health care plan": colMedical,
	"cp": colCP, "cin": colCP, "lac": colCP, "cla": colCP, "child protection": colCP, "looked after": colCP,
	"cp status": colCP, "in care": colCP, "safeguarding": colCP, "pla": colCP, "cp cin": colCP, "lac cla": colCP,
	"placement type": colCP, "place provider": colCP, "care placement": colCP, "placement provider": colCP,
	"legal status": colCP, "category of need": colCP, "category of abuse": colCP,
	"initial category of abuse": colCP, "latest category of abuse": colCP, "referral source": colCP,
	"source of referral": colCP, "contact source": colCP, "allocated worker": colCP, "allocated team": colCP,
	"social worker": colCP, "reason for new episode": colCP, "reason place change": colCP,
	"reason episode ceased": colCP, "primary need code": colCP, "referral nfa": colCP,
	"disability": colDisability, "disabilities": colDisability, "disabled": colDisability,
	"exclusion": colExclusion, "exclusions": colExclusion, "exclusion reason": colExclusion,
	"suspensions": colExclusion, "suspension": colExclusion, "exclusion category": colExclusion,
	"access arrangements": colAccess, "access arrangement": colAccess, "extra time": colAccess,
	"25% extra time": colAccess, "scribe": colAccess, "rest breaks": colAccess,
	"separate room": colAccess, "separate invigilation": colAccess, "word processor": colAccess,
	"prompter": colAccess, "modified paper": colAccess, "arrangements": colAccess, "exam arrangements": colAccess,
	"postcode": colPostcode, "post code": colPostcode, "home post": colPostcode, "pl post": colPostcode,
	"home postcode": colPostcode, "placement postcode": colPostcode,
	"address": colAddress, "home address": colAddress, "address 1": colAddress, "address line 1": colAddress,
	"phone": colPhone, "telephone": colPhone, "mobile": colPhone, "tel": colPhone, "home phone": colPhone,
	"phone number": colPhone, "mobile number": colPhone, "contact number": colPhone,
	"email": colEmail, "e mail": colEmail, "email address": colEmail,
	"parent": colContact, "carer": colContact, "contact": colContact, "primary contact": colContact,
	"parent name": colContact, "contact name": colContact, "teacher": colContact, "staff": colContact,
	"age": colYear, "age group": colYear, "dietary": colMedical, "dietary requirements": colMedical,
	"role": colRole, "job title": colRole, "position": colRole, "department": colRole, "dept": colRole,
	"subject": colRole, "subjects": colRole, "extension": colRole, "ext": colRole, "duty": colRole,
	"staff code": colRole, "initials": colRole, "job role": colRole, "post": colRole,
	"contract type": colRole, "qt status": colRole, "qts": colRole, "qts route": colRole, "hlta status": colRole,
	"contract": colRole, "salary": colRole, "spine point": colRole, "fte": colRole, "pay range": colRole,
	"teacher number": colStaffID, "teacher reference number": colStaffID, "trn": colStaffID,
	"payroll number": colStaffID, "employee number": colStaffID, "employee id": colStaffID,
	"staff id": colStaffID, "staff number": colStaffID,
}

// classifyHeading reads one heading cell. Headings written in camel case
// ("PersonBirthDate", "FSMeligible") are read as words when the plain
// reading finds nothing.
func classifyHeading(h string) col {
	if len(h) > 80 {
		return colNone
	}
	if c := classifyNorm(normHeading(h)); c != colNone {
		return c
	}
	if !hasCamel(h) {
		return colNone
	}
	if c := classifyNorm(normHeading(splitCamel(h, false))); c != colNone {
		return c
	}
	return classifyNorm(normHeading(splitCamel(h, true)))
}

// classifyNorm reads a normalised heading.
func classifyNorm(n string) col {
	if n == "" || len(n) > 40 {
		return colNone
	}
	if c, ok := exactHeadings[n]; ok {
		return c
	}
	w := " " + n + " "
	has := func(s string) bool { return strings.Contains(w, " "+s+" ") }
	idWord := has("id") || has("ref") || has("reference") || has("number") || has("no")
	switch {
	case has("training"), has("trained"), has("course"), has("certificate"), has("dbs"):
		// A staff training record ("Child Protection Training", "DBS
		// number") is about the staff member, not a child.
		return colRole
	case has("teacher") && idWord, has("staff") && idWord, has("payroll"), has("employee") && idWord:
		return colStaffID
	case has("teacher"), has("staff"), has("parent"), has("carer"), has("contact"), has("emergency"):
		return colContact
	case has("upn"):
		return colUPN
	case has("uln"):
		return colULN
	case has("nhs"):
		return colNHS
	case (has("child") || has("pupil") || has("student") || has("learner") || has("candidate")) && idWord:
		return colAdmission
	case has("surname"), has("lastname"), has("family name"):
		return colSurname
	case has("forename"), has("forenames"), has("firstname"), has("first name"), has("given name"), has("given names"):
		return colForename
	case has("dob"), has("birth") && !has("country"):
		return colDOB
	case has("gender"):
		return colGender
	case has("disability"), has("disabilities"), has("disabled"):
		return colDisability
	case has("sen"), has("ehcp"), has("send"):
		return colSEN
	case has("fsm"), has("free school meals"), has("free meals"), has("pupil premium"):
		return colFSM
	case strings.Contains(n, "ethnic"):
		return colEthnicity
	case has("religion"):
		return colReligion
	case strings.Contains(n, "medical"), strings.Contains(n, "allerg"), has("medication"):
		return colMedical
	case has("child protection"), has("looked after"), has("cp"), has("cin"), has("lac"), has("cla"),
		has("foster"), has("abuse"), has("referral"), has("social worker"), has("legal status"):
		return colCP
	case strings.Contains(n, "exclu"), has("suspension"), has("suspensions"):
		return colExclusion
	case has("access arrangements"), has("access arrangement"), has("extra time"):
		return colAccess
	case has("postcode"), has("post code"):
		return colPostcode
	case has("email"):
		return colEmail
	case has("phone"), has("mobile"), has("telephone"):
		return colPhone
	case has("address"):
		return colAddress
	case has("absence"), has("absences"), has("attendance"):
		return colAttendance
	case has("ks1"), has("ks2"), has("ks3"), has("ks4"), has("sats"), has("target"), has("predicted"), has("cat4"):
		return colAssessment
	case has("role"), has("job"), has("department"), has("contract"), has("qts"), has("salary"):
		return colRole
	case has("nc year"), has("year group"), has("reg group"), has("tutor group"), has("form group"):
		if has("year") {
			return colYear
		}
		return colReg
	case has("name") && (has("pupil") || has("student") || has("child") || has("learner") || has("legal")):
		return colName
	case has("consent"):
		return colConsent
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

// hasCamel reports a lower-case letter followed by an upper-case one, or
// two capitals followed by a lower-case letter: a heading written as one
// camel-case word.
func hasCamel(h string) bool {
	for i := 1; i < len(h); i++ {
		if isUpper(h[i]) && h[i-1] >= 'a' && h[i-1] <= 'z' {
			return true
		}
		if i >= 2 && h[i] >= 'a' && h[i] <= 'z' && isUpper(h[i-1]) && isUpper(h[i-2]) {
			return true
		}
	}
	return false
}

// splitCamel puts spaces between the words of a camel-case heading. A run
// of capitals before lower-case letters is split the usual way ("NINumber"
// is "NI Number") or, with acronymFirst, the DfE way, where the acronym
// keeps every capital ("FSMeligible" is "FSM eligible", "LAchildID" is "LA
// child ID").
func splitCamel(h string, acronymFirst bool) string {
	var b strings.Builder
	for i := 0; i < len(h); i++ {
		c := h[i]
		if i > 0 {
			p := h[i-1]
			lowerBefore := p >= 'a' && p <= 'z'
			switch {
			case isUpper(c) && lowerBefore:
				b.WriteByte(' ')
			case !acronymFirst && isUpper(c) && isUpper(p) && i+1 < len(h) && h[i+1] >= 'a' && h[i+1] <= 'z':
				b.WriteByte(' ')
			case acronymFirst && c >= 'a' && c <= 'z' && isUpper(p) && i >= 2 && isUpper(h[i-2]):
				b.WriteByte(' ')
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}
