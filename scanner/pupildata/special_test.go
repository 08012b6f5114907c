package pupildata

import (
	"testing"
)

func TestSpecialCategory(t *testing.T) {
	tests := []struct {
		name string
		text string
		want bool // score reaches 0.5
	}{
		{"SEN and medical about a named pupil",
			"Jack Thompson (Y8) has an EHCP and a diagnosis of ADHD; his medication ran out.", true},
		{"safeguarding, strong term",
			"Chloe Patel (7B) disclosed to her form tutor; she is on a CP plan.", true},
		{"three safeguarding terms, no year group",
			"I'm worried about Tom Jenkins. At lunch he disclosed that his dad hits him; bruises on his arms. Ring social care?", true},
		{"list of pupils with one area",
			"Amelia Brown, Year 3 - epilepsy\nHarry Wilson, Year 4 - epilepsy\nFreya Hall, Year 4 - diabetes\n", true},
		{"one term only",
			"Jack Thompson (Y8) has an EHCP.", false},
		{"no named child",
			"A pupil in Year 8 has an EHCP and a diagnosis of ADHD; medication ran out.", false},
		{"adult with a title",
			"Mrs Thompson (Year 8 lead) has a diagnosis of diabetes and takes medication; see the EHCP file.", false},
		{"adult by role after the name",
			"Sarah Turner (Year 4 teacher) is off after a diagnosis; the class has pupils with autism and ADHD.", false},
		{"letter to the parent",
			"Dear Mrs Smith,\nJack Smith (Year 7) has his EHCP review; please bring his medication and diagnosis letter.", false},
		{"terms in another paragraph than the name",
			"Well done to Oliver Hughes in 4B for the chess final!\n\nMental health week: free school meals applications are open.", false},
		{"news story without school context",
			"A 15-year-old boy, Jack Reynolds, was assaulted, police said. His mother said he had been groomed and that social services knew of the abuse.", false},
		{"bare form group",
			"Notes: Jack Thompson 8C - EHCP, diagnosis of ADHD, medication at lunch.", true},
		{"units are not form groups",
			"Jack Thompson bought a 5MB disk; EHCP and ADHD diagnosis and medication in the 3D lesson plan.", false},
		{"non-name capitalised pairs",
			"Social Care and Early Help (Year 7 pupils): EHCP and medication policy.", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := scanSpecial(tc.text, indexText(tc.text), 0)
			if got := ev.score() >= 0.5; got != tc.want {
				t.Errorf("score %.2f (%+v), want reported=%v", ev.score(), ev, tc.want)
			}
		})
	}
}

func TestClassifyHeading(t *testing.T) {
	tests := map[string]col{
		"UPN": colUPN, "Legal Surname": colSurname, "Preferred Forename": colForename, "Student Surname": colSurname,
		"Child First Name": colForename, "D.O.B.": colDOB, "Date Of Birth (dd/mm/yyyy)": colDOB, "Reg Group": colReg,
		"Year Group": colYear, "SEN Status": colSEN, "FSM Eligible": colFSM, "Pupil Premium": colFSM, "EAL": colEAL,
		"Ethnicity": colEthnicity, "Medical Conditions": colMedical, "CP/CIN/LAC": colCP, "NHS Number": colNHS,
		"Pupil Name": colName, "Name": colName, "Parent Name": colContact, "Teacher": colContact,
		"Emergency Contact Number": colContact, "Postcode": colPostcode, "Mobile": colPhone,
		"Period": colNone, "Monday": colNone, "Invoice number": colNone, "": colNone,
	}
	for h, want := range tests {
		if got := classifyHeading(h); got != want {
			t.Errorf("classifyHeading(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestTextTables(t *testing.T) {
	tests := []struct {
		name string
		text string
		rows int // rows of the first table, heading included; 0: none
	}{
		{"tabs", "Name\tDOB\tYear\nJack Smith\t01/02/2014\t7\nAmy Jones\t02/02/2014\t7\n\nThanks", 3},
		{"pipes with a rule", "| Surname | Forename | UPN |\n|---|---|---|\n| Smith | Jack | H801200001001 |\n", 2},
		{"two or more spaces", "Surname    Forename   Class\nSmith      Jack       1A\nJones      Amy        1B\n", 3},
		{"semicolons", "Surname;Forename;DOB\nSmith;Jack;01/02/2014\n", 2},
		{"one cell per line (HTML)", "UPN\nSurname\nForename\nH801200001001\nSmith\nJack\nB801200005001\nJones\nAmy\n", 3},
		{"no heading", "Period\tMonday\tTuesday\n1\tMaths\tEnglish\n", 0},
		{"a sentence with commas", "My name is Jack, my DOB is secret, and my year is 7.\n", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tt := textTables(tc.text, indexText(tc.text).hints)
			got := 0
			if len(tt) > 0 {
				got = len(tt[0])
			}
			if got != tc.rows {
				t.Errorf("tables %q: first has %d rows, want %d", tt, got, tc.rows)
			}
		})
	}
}

func TestEvalTable(t *testing.T) {
	o := testOptions()
	t.Run("staff list with adult DOBs is not a pupil list", func(t *testing.T) {
		rows := [][]string{{"Name", "Role", "DOB"}}
		for i := 0; i < 10; i++ {
			rows = append(rows, []string{"Sarah Turner", "Teacher", "01/02/1980"})
		}
		if tv := evalTable(rows, "", o, 3); tv.pupil {
			t.Errorf("pupil table: %+v", tv)
		}
	})
	t.Run("phone list is not a pupil list", func(t *testing.T) {
		rows := [][]string{{"Surname", "Forename", "Extension", "Mobile"}}
		for i := 0; i < 10; i++ {
			rows = append(rows, []string{"Turner", "Sarah", "201", "07700 900123"})
		}
		if tv := evalTable(rows, "", o, 3); tv.pupil {
			t.Errorf("pupil table: %+v", tv)
		}
	})
	t.Run("staff rota with year groups is not a pupil list", func(t *testing.T) {
		rows := [][]string{{"Name", "Year Group", "Role"}}
		for i := 0; i < 10; i++ {
			rows = append(rows, []string{"Sarah Turner", "Year 4", "Class teacher"})
		}
		if tv := evalTable(rows, "", o, 3); tv.pupil {
			t.Errorf("pupil table: %+v", tv)
		}
	})
	t.Run("class list", func(t *testing.T) {
		rows := [][]string{{"Oakfield Primary"}, {"Forename", "Surname", "Class"}}
		for i := 0; i < 5; i++ {
			rows = append(rows, []string{"Jack", "Smith", "3B"})
		}
		tv := evalTable(rows, "", o, 3)
		if !tv.pupil || tv.rows != 5 || tv.score() < 0.5 || tv.score() > 0.7 {
			t.Errorf("class list: pupil=%v rows=%d score=%.2f, want a 5-row pupil table scoring 0.5..0.7", tv.pupil, tv.rows, tv.score())
		}
	})
	t.Run("headerless UPN column", func(t *testing.T) {
		var rows [][]string
		for i := 0; i < 6; i++ {
			rows = append(rows, []string{upnFor(i), "Smith"})
		}
		if tv := evalTable(rows, "", o, 3); tv.counts[UPN].valid != 6 {
			t.Errorf("UPNs = %d, want 6", tv.counts[UPN].valid)
		}
	})
	t.Run("MIS name", func(t *testing.T) {
		rows := [][]string{{"UPN", "Surname", "Forename", "Reg"}}
		for i := 0; i < 5; i++ {
			rows = append(rows, []string{upnFor(i), "Smith", "Jack", "7A"})
		}
		if tv := evalTable(rows, "SIMS export", o, 3); !tv.misName {
			t.Error("SIMS in the sheet name not noticed")
		}
	})
}
