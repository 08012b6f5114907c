package pupildata

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

// postcodeRe is the UK postcode format (Royal Mail / BS 7666), the
// reference ValidPostcode is checked against.
var postcodeRe = regexp.MustCompile(`^(GIR ?0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY]) ?[0-9][ABD-HJLNP-UW-Z]{2})$`)

func refPostcode(s string) bool {
	s = strings.ToUpper(strings.TrimSpace(s))
	return len(s) >= 5 && len(s) <= 8 && postcodeRe.MatchString(s)
}

// TestValidPostcodeMatchesRegexp compares the hand-written validator with
// the regular expression on real shapes and on random strings built from
// the characters postcodes use.
func TestValidPostcodeMatchesRegexp(t *testing.T) {
	for _, s := range []string{"ME14 1XX", "me15 6qa", "TN9 1AB", "EC1A 1BB", "W1A 0AX", "M1 1AE", "B33 8TH",
		"CR2 6XH", "DN55 1PT", "GIR 0AA", "GIR0AA", "QA1 1AA", "ME14 1CX", "ME141XX", "ME14  1XX", "A1 1AA", "AA1 1AA"} {
		if got, want := ValidPostcode(s), refPostcode(s); got != want {
			t.Errorf("ValidPostcode(%q) = %v, regexp says %v", s, got, want)
		}
	}
	rng := rand.New(rand.NewSource(7))
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 abz"
	agree := 0
	for i := 0; i < 200000; i++ {
		n := 4 + rng.Intn(6)
		b := make([]byte, n)
		for j := range b {
			if rng.Intn(3) == 0 {
				b[j] = byte('0' + rng.Intn(10))
			} else {
				b[j] = chars[rng.Intn(len(chars))]
			}
		}
		s := string(b)
		if ValidPostcode(s) != refPostcode(s) {
			t.Fatalf("ValidPostcode(%q) = %v, regexp says %v", s, ValidPostcode(s), refPostcode(s))
		}
		if refPostcode(s) {
			agree++
		}
	}
	if agree == 0 {
		t.Fatal("no random string was a postcode: the comparison tested nothing")
	}
}

// TestClassifyHeadingByMeaning reads headings as the published formats
// spell them.
func TestClassifyHeadingByMeaning(t *testing.T) {
	cases := map[string]col{
		"PersonBirthDate": colDOB, "FSMeligible": colFSM, "NCyearActual": colYear, "SENProvision": colSEN,
		"SENprovision": colSEN, "LAchildID": colAdmission, "GenderCurrent": colGender, "UPNunknown": colUPN,
		"HOME_POST": colPostcode, "PL_POST": colPostcode, "CHILD": colName, "ETHNIC": colEthnicity,
		"Child Unique ID": colAdmission, "Referral Source": colCP, "Allocated Worker": colCP,
		"Initial Category of Abuse": colCP, "Disability": colDisability, "NINumber": colNINO,
		"TeacherNumber": colStaffID, "FamilyName": colSurname, "GivenNames": colForename, "QTStatus": colRole,
		"Candidate Number": colAdmission, "Access Arrangement": colAccess, "Photo Consent": colConsent,
		"Exclusion Reason": colExclusion, "Religion": colReligion, "Date of Birth": colDOB, "DoB": colDOB,
		"Job Title": colRole, "Extension": colRole, "Room": colNone, "Period": colNone, "Place": colNone,
		"Position": colRole, "Time": colNone, "School": colNone, "Estab": colNone, "LEA": colNone,
		"MC_DOB": colDOB, "PLACE_PROVIDER": colCP, "CIN": colCP, "Country of birth": colEthnicity,
		"Child Protection Training": colRole, "DBS Number": colRole, "Student discount code": colNone,
		"Placement": colNone, "Health": colNone, "Foster Placement Type": colCP, "Placement Type": colCP,
	}
	for h, want := range cases {
		if got := classifyHeading(h); got != want {
			t.Errorf("classifyHeading(%q) = %d, want %d", h, got, want)
		}
	}
}

func TestSplitCamel(t *testing.T) {
	for _, tc := range []struct {
		in           string
		acronymFirst bool
		want         string
	}{
		{"PersonBirthDate", false, "Person Birth Date"},
		{"NINumber", false, "NI Number"},
		{"FSMeligible", true, "FSM eligible"},
		{"LAchildID", true, "LA child ID"},
		{"NCyearActual", true, "NC year Actual"},
	} {
		if got := splitCamel(tc.in, tc.acronymFirst); got != tc.want {
			t.Errorf("splitCamel(%q, %v) = %q, want %q", tc.in, tc.acronymFirst, got, tc.want)
		}
	}
}

// TestTableHeadingsDecide: identifiers that fail their check characters
// and adult dates of birth still make a pupil table when the headings say
// so; the same columns without a child heading (staff with DOBs) do not;
// a workforce table counts only with sensitive columns.
func TestTableHeadingsDecide(t *testing.T) {
	o := testOptions()
	rows := func(hdr []string, row func(i int) []string, n int) [][]string {
		out := [][]string{hdr}
		for i := 0; i < n; i++ {
			out = append(out, row(i))
		}
		return out
	}
	badUPN := func(i int) string { // the right shape, a wrong check letter
		u := upnFor(i)
		l := "A"
		if u[0] == 'A' {
			l = "B"
		}
		return l + u[1:]
	}
	census := rows([]string{"LEA", "Estab", "UPN", "Surname", "Forename", "DOB", "FSMeligible", "SENProvision"},
		func(i int) []string {
			return []string{"886", "4021", badUPN(i), "Smith", "Jack", "03/04/2002", "true", "K"}
		}, 10)
	if tv := evalTable(census, "", o, 3); !tv.pupil || tv.counts[UPN].valid != 0 || tv.score() < 0.9 {
		t.Errorf("census with failing UPNs and adult DOBs: pupil=%v valid UPNs=%d score %.2f", tv.pupil, tv.counts[UPN].valid, tv.score())
	}
	staff := rows([]string{"Name", "Job Title", "DOB"}, func(int) []string { return []string{"Sarah Hill", "Teacher", "12/05/1980"} }, 8)
	if tv := evalTable(staff, "", o, 3); tv.pupil || tv.staff {
		t.Errorf("staff list with adult DOBs: pupil=%v staff=%v", tv.pupil, tv.staff)
	}
	phone := rows([]string{"Name", "Role", "Email", "Extension"}, func(i int) []string {
		return []string{"Sarah Hill", "Teacher", "s.hill@oakfield.sch.uk", "201"}
	}, 8)
	if tv := evalTable(phone, "", o, 3); tv.pupil || tv.staff || tv.score() != 0 {
		t.Errorf("staff phone list: pupil=%v staff=%v", tv.pupil, tv.staff)
	}
	swf := rows([]string{"TeacherNumber", "FamilyName", "GivenNames", "NINumber", "Ethnicity", "Disability", "Post"},
		func(i int) []string { return []string{"1234567", "Hill", "Sarah", "AB123456C", "WBRI", "NO", "TCH"} }, 8)
	if tv := evalTable(swf, "", o, 3); tv.pupil || !tv.staff || !strings.HasPrefix(tv.describe(), "staff table of 8 rows with") {
		t.Errorf("workforce table: pupil=%v staff=%v %q", tv.pupil, tv.staff, tv.describe())
	}
	lac := rows([]string{"CHILD", "DECOM", "CIN", "PLACE_PROVIDER", "HOME_POST", "PL_POST"},
		func(i int) []string {
			return []string{"12345" + string(rune('0'+i)), "01/02/2025", "N1", "PR1", "ME14 1XX", "TN9 1AB"}
		}, 6)
	if tv := evalTable(lac, "", o, 3); !tv.pupil || tv.rows != 6 {
		t.Errorf("SSDA903 episodes: pupil=%v rows=%d", tv.pupil, tv.rows)
	}
	matrix := rows([]string{"Name", "Role", "Child Protection Training", "First Aid Certificate", "DBS Number"},
		func(i int) []string {
			return []string{"Sarah Hill", "Teaching Assistant", "03/09/2026", "Yes", "001234567890"}
		}, 6)
	if tv := evalTable(matrix, "", o, 3); tv.pupil || tv.staff {
		t.Errorf("staff training matrix: pupil=%v staff=%v", tv.pupil, tv.staff)
	}
	referrals := rows([]string{"ID", "Gender", "Ethnicity", "Referral Source", "Category of Abuse"},
		func(i int) []string {
			return []string{"CH0012" + string(rune('0'+i)), "F", "WBRI", "Police", "Neglect"}
		}, 5)
	if tv := evalTable(referrals, "", o, 3); !tv.pupil {
		t.Errorf("referrals keyed by a bare ID: pupil=%v", tv.pupil)
	}
	orders := rows([]string{"ID", "Item", "Qty", "Price"},
		func(i int) []string { return []string{"PO1234" + string(rune('0'+i)), "Pens", "10", "4.50"} }, 5)
	if tv := evalTable(orders, "", o, 3); tv.pupil || tv.staff {
		t.Errorf("order lines keyed by ID: pupil=%v staff=%v", tv.pupil, tv.staff)
	}
	servers := rows([]string{"Name", "Health", "Status", "Placement"},
		func(i int) []string { return []string{"web0" + string(rune('1'+i)), "OK", "Running", "Rack 2"} }, 5)
	if tv := evalTable(servers, "", o, 3); tv.pupil || tv.staff {
		t.Errorf("server list: pupil=%v staff=%v", tv.pupil, tv.staff)
	}
	absence := rows([]string{"Name", "Job Title", "Absences"},
		func(i int) []string { return []string{"Sarah Hill", "Teacher", "3"} }, 5)
	if tv := evalTable(absence, "", o, 3); tv.pupil {
		t.Errorf("staff absence list read as pupils")
	}
	results := rows([]string{"Position", "Name", "School", "Time"},
		func(i int) []string { return []string{string(rune('1' + i)), "Ruby Evans", "Oakfield", "11:02"} }, 5)
	if tv := evalTable(results, "", o, 3); tv.pupil || tv.staff {
		t.Errorf("race results: pupil=%v staff=%v", tv.pupil, tv.staff)
	}
}
