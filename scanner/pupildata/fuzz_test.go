package pupildata

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

// TestMain fails the run when the parser recovered a panic during the
// corpus, ham or fuzz tests: a recovered panic is still a bug.
func TestMain(m *testing.M) {
	code := m.Run()
	if n, last := scanner.Panics(); n > 0 {
		fmt.Fprintf(os.Stderr, "%d recovered panics, last: %s\n", n, last)
		code = 1
	}
	os.Exit(code)
}

var textSeeds = []string{
	"UPN: H801200001001, B801200005001, G80120000101A",
	"NHS number 943 476 5870 and 943-476-5870; ULN 1000000043",
	"NI number AB 12 34 56 C, national insurance AB123456C",
	"DOB: 12/03/2014 date of birth 2015-07-01 born 3rd March 2012 12-Mar-2014",
	"Name\tDOB\tYear\tSEN\nJack Smith\t01/02/2014\t7\tK\n",
	"| Surname | Forename | ULN |\n|---|---|---|\n| Smith | Jack | 1000000043 |\n",
	"UPN\nSurname\nForename\nDOB\nH801200001001\nSmith\nJack\n01/02/2014\n",
	"Jack Thompson (Y8) - EHCP, ADHD diagnosis, medication; social worker aware; CP plan.",
	"(8B) year 10 yr 3 y7 Year 13 (",
	"NHS 123 456 78901 12 943 476 5870 1",
	"AB 12 34 56",
}

// FuzzScanText: the identifier, date and table scanners on any text never
// panic and never count more valid items than candidates.
func FuzzScanText(f *testing.F) {
	for _, s := range textSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := scanText(s, indexText(s), testOptions())
		for k := Kind(0); k <= DOB; k++ {
			if c[k].valid > c[k].candidates || c[k].valid < 0 {
				t.Fatalf("%v: valid %d > candidates %d", k, c[k].valid, c[k].candidates)
			}
		}
		for _, rows := range textTables(s, indexText(s).hints) {
			tv := evalTable(rows, "", testOptions(), 3)
			if tv.rows > len(rows) {
				t.Fatalf("rows %d > %d", tv.rows, len(rows))
			}
		}
		sp := scanSpecial(s, indexText(s), 0)
		if sc := sp.score(); sc < 0 || sc > 1 {
			t.Fatalf("special score %v", sc)
		}
	})
}

// FuzzValidators: the validators agree with each other and with the shapes
// they promise.
func FuzzValidators(f *testing.F) {
	for _, s := range []string{"H801200001001", "G80120000101A", "R900400001001", "1000000043", "9434765870",
		"AB123456C", "AB 12 34 56 C", "SW1A 1AA", "+44 (0)20 7946 0958", "12/03/2014", "41710", "Smith, Jack"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u := CheckUPN(s)
		if ValidUPN(s) && !u.Checksum {
			t.Fatal("ValidUPN without checksum")
		}
		if u.Checksum && (len(s) != 13 || !upnShape(s)) {
			t.Fatalf("checksum on bad shape %q", s)
		}
		if (ValidULN(s) || ValidNHS(s)) && (len(s) != 10 || !isDigits(s)) {
			t.Fatalf("ten-digit check on %q", s)
		}
		if ValidNINO(s) {
			compact := strings.ReplaceAll(s, " ", "")
			if len(compact) != 8 && len(compact) != 9 {
				t.Fatalf("NINO %q", s)
			}
		}
		ValidPostcode(s)
		ValidPhone(s)
		nameLike(s)
		IsUPNPlaceholder(s)
		if d, ok := parseDateCell(s, testNow, true); ok && d.IsZero() {
			t.Fatalf("zero date from %q", s)
		}
	})
}

// FuzzDetector: whole messages, seeded from the labelled corpus, through
// the real parser and the detector: no panic, no error.
func FuzzDetector(f *testing.F) {
	files, _ := filepath.Glob("testdata/corpus/*.eml")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) < 20000 {
			f.Add(b)
		}
	}
	d := newTestDetector(config.PupilData{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := scanner.Parse(normalizeCRLF(raw), outbound("a@gmail.com"))
		if err != nil {
			return
		}
		fs, err := d.Scan(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range fs {
			if x.Score < 0.5 || x.Score > 1 || x.Summary == "" {
				t.Fatalf("bad finding %+v", x)
			}
		}
	})
}
