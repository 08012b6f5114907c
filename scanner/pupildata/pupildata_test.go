package pupildata

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

// upnFor builds a valid UPN for LA 886, establishment 4021, serial n.
func upnFor(n int) string {
	body := fmt.Sprintf("886402115%03d", n%1000)
	sum := 0
	for k := 2; k <= 13; k++ {
		sum += k * int(body[k-2]-'0')
	}
	return string(upnLetters[sum%23]) + body
}

// exportRows is a small MIS export: UPN, names, DOB, year, SEN.
func exportRows(n int) [][]string {
	rows := [][]string{{"UPN", "Legal Surname", "Legal Forename", "DOB", "Year", "SEN Status"}}
	for i := 0; i < n; i++ {
		rows = append(rows, []string{upnFor(i), "Smith", "Jack", fmt.Sprintf("%02d/03/2014", 1+i%28), "7", "K"})
	}
	return rows
}

// exportMessage is a message whose attachment 2 (xlsx) holds an export.
func exportMessage(env scanner.Envelope, n int) *scanner.Message {
	a1 := &scanner.Attachment{Index: 1, FileName: "logo.png", SniffedType: "image/png"}
	a2 := &scanner.Attachment{Index: 2, FileName: "J Smith EHCP list.xlsx",
		SniffedType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
	return &scanner.Message{
		Envelope:    env,
		Header:      textproto.MIMEHeader{},
		Texts:       []scanner.Text{{Where: "body", Kind: scanner.KindPlain, Content: "Here is the list.\n"}},
		Attachments: []*scanner.Attachment{a1, a2},
		Tables:      []scanner.Table{{Where: "2", Attachment: a2, Name: "Sheet1", Rows: exportRows(n)}},
	}
}

func outbound(to ...string) scanner.Envelope {
	return scanner.Envelope{Direction: scanner.Outbound, From: "staff@oakfield.sch.uk", To: to}
}

func scan(t *testing.T, cfg config.PupilData, m *scanner.Message) []scanner.Finding {
	t.Helper()
	fs, err := newTestDetector(cfg).Scan(context.Background(), m)
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return fs
}

func TestSummaryCountsAndPlace(t *testing.T) {
	fs := scan(t, config.PupilData{}, exportMessage(outbound("a@gmail.com"), 31))
	if len(fs) != 1 {
		t.Fatalf("findings = %+v, want one", fs)
	}
	f := fs[0]
	want := "31 UPNs, 31 DOBs, 31 names, pupil table of 31 rows with SEN columns in attachment 2 (xlsx)"
	if f.Summary != want || f.Where != "2" || f.Category != scanner.PupilData || f.Scanner != Name {
		t.Errorf("finding = %+v, want summary %q where 2", f, want)
	}
	if f.Score < 0.95 || f.Score > 1 {
		t.Errorf("score %.2f, want 0.95..1 for a full MIS export", f.Score)
	}
	if strings.Contains(f.Summary, "Smith") || strings.Contains(f.Summary, "EHCP") {
		t.Errorf("summary %q leaks the file name or data", f.Summary)
	}
}

func TestDirectionAndDestinations(t *testing.T) {
	parse := func(y string) config.PupilData {
		c, err := config.Parse([]byte("pupil_data:\n" + y))
		if err != nil {
			t.Fatalf("config: %v", err)
		}
		return c.PupilData
	}
	allow := "  allowed_destinations: [mash@kent.gov.uk, nhs.net, \"*.police.uk\"]\n"
	tests := []struct {
		name string
		cfg  string
		env  scanner.Envelope
		want bool
	}{
		{"outbound to a personal mailbox", "", outbound("a@gmail.com"), true},
		{"unknown direction fails safe", "", scanner.Envelope{To: []string{"a@gmail.com"}}, true},
		{"internal is not a finding by default", "", scanner.Envelope{Direction: scanner.Internal, To: []string{"head@oakfield.sch.uk"}}, false},
		{"internal when configured", "  directions: [outbound, internal]\n", scanner.Envelope{Direction: scanner.Internal, To: []string{"head@oakfield.sch.uk"}}, true},
		{"inbound is not a finding by default", "", scanner.Envelope{Direction: scanner.Inbound, To: []string{"head@oakfield.sch.uk"}}, false},
		{"allowed address", allow, outbound("mash@kent.gov.uk"), false},
		{"allowed address any case", allow, outbound("MASH@Kent.GOV.uk"), false},
		{"allowed address in angle brackets", allow, outbound("<mash@kent.gov.uk>"), false},
		{"other address at an allowed address's domain", allow, outbound("someone@kent.gov.uk"), true},
		{"allowed domain", allow, outbound("school.nurse@nhs.net"), false},
		{"subdomain of a plain domain is not allowed", allow, outbound("a@mail.nhs.net"), true},
		{"suffix is not a match", allow, outbound("a@fakenhs.net"), true},
		{"domain as prefix is not a match", allow, outbound("a@nhs.net.evil.example"), true},
		{"wildcard subdomain", allow, outbound("referrals@kent.police.uk"), false},
		{"wildcard does not match the bare domain", allow, outbound("a@police.uk"), true},
		{"one recipient not allowed", allow, outbound("mash@kent.gov.uk", "a@gmail.com"), true},
		{"require_tls without verified TLS", allow + "  require_tls: true\n", outbound("mash@kent.gov.uk"), true},
		{"require_tls with verified TLS", allow + "  require_tls: true\n",
			scanner.Envelope{Direction: scanner.Outbound, To: []string{"mash@kent.gov.uk"}, NextHopTLS: true}, false},
		{"disabled", "  enabled: false\n", outbound("a@gmail.com"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := parse(tc.cfg)
			got := len(scan(t, cfg, exportMessage(tc.env, 10))) > 0
			if got != tc.want {
				t.Errorf("finding = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEncryption(t *testing.T) {
	t.Run("encrypted attachment is skipped", func(t *testing.T) {
		m := exportMessage(outbound("a@gmail.com"), 20)
		m.Attachments[1].Encrypted = true
		if fs := scan(t, config.PupilData{}, m); len(fs) != 0 {
			t.Errorf("findings %+v, want none", fs)
		}
		if got := EncryptedItems(m); len(got) != 1 || got[0] != "attachment 2 (xlsx)" {
			t.Errorf("EncryptedItems = %q, want [attachment 2 (xlsx)]", got)
		}
	})
	t.Run("plain entry beside an encrypted one in a zip is read", func(t *testing.T) {
		m := exportMessage(outbound("a@gmail.com"), 20)
		zip := &scanner.Attachment{Index: 2, FileName: "files.zip", SniffedType: "application/zip", Encrypted: true}
		inner := m.Attachments[1]
		inner.Depth, inner.Parent, inner.Path = 1, zip, "files.zip/list.xlsx"
		m.Attachments = []*scanner.Attachment{m.Attachments[0], zip, inner}
		fs := scan(t, config.PupilData{}, m)
		if len(fs) != 1 || !strings.HasSuffix(fs[0].Summary, "in attachment 2 (xlsx in zip)") {
			t.Errorf("findings %+v, want one in attachment 2 (xlsx in zip)", fs)
		}
	})
	for _, ct := range []string{
		`application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"`,
		`application/x-pkcs7-mime; name=smime.p7m`,
		`multipart/encrypted; protocol="application/pgp-encrypted"; boundary=x`,
	} {
		t.Run(ct, func(t *testing.T) {
			m := exportMessage(outbound("a@gmail.com"), 20)
			m.Header.Set("Content-Type", ct)
			if fs := scan(t, config.PupilData{}, m); len(fs) != 0 {
				t.Errorf("findings %+v, want none", fs)
			}
			if ok, how := SentEncrypted(m); !ok || how == "" {
				t.Errorf("SentEncrypted = %v %q", ok, how)
			}
		})
	}
	t.Run("S/MIME signed only is not encryption", func(t *testing.T) {
		m := exportMessage(outbound("a@gmail.com"), 20)
		m.Header.Set("Content-Type", "application/pkcs7-mime; smime-type=signed-data")
		if len(scan(t, config.PupilData{}, m)) != 1 {
			t.Error("want a finding: signed-data is readable")
		}
	})
	t.Run("PGP attachment by type", func(t *testing.T) {
		m := exportMessage(outbound("a@gmail.com"), 20)
		m.Attachments[1].DeclaredType = "application/pgp-encrypted"
		if fs := scan(t, config.PupilData{}, m); len(fs) != 0 {
			t.Errorf("findings %+v, want none", fs)
		}
	})
}

func TestThresholds(t *testing.T) {
	body := func(s string) *scanner.Message {
		return &scanner.Message{Envelope: outbound("a@gmail.com"), Header: textproto.MIMEHeader{},
			Texts: []scanner.Text{{Where: "body", Kind: scanner.KindPlain, Content: s}}}
	}
	two := "UPNs: " + upnFor(1) + " and " + upnFor(2)
	three := two + " and " + upnFor(3)
	if fs := scan(t, config.PupilData{}, body(two)); len(fs) != 0 {
		t.Errorf("two UPNs: %+v, want no finding (min_identifiers 3)", fs)
	}
	if fs := scan(t, config.PupilData{}, body(three)); len(fs) != 1 || fs[0].Summary != "3 UPNs in the body" {
		t.Errorf("three UPNs: %+v, want one finding", fs)
	}
	if fs := scan(t, config.PupilData{MinIdentifiers: 2}, body(two)); len(fs) != 1 {
		t.Errorf("two UPNs with min_identifiers 2: %+v, want one finding", fs)
	}
	if fs := scan(t, config.PupilData{MinScore: 0.995}, body(three)); len(fs) != 0 {
		t.Errorf("min_score 0.995: %+v, want none", fs)
	}
	small := exportMessage(outbound("a@gmail.com"), 2)
	small.Tables[0].Rows[1][0], small.Tables[0].Rows[2][0] = "", "" // two pupils, no UPNs
	if fs := scan(t, config.PupilData{}, small); len(fs) != 0 {
		t.Errorf("two-row table: %+v, want none (min_table_rows 3)", fs)
	}
	// One child's UPN and DOB: to a parent normal business, elsewhere a finding.
	one := "UPN " + upnFor(1) + ", DOB 12/03/2014."
	if fs := scan(t, config.PupilData{}, body("Dear Mrs Smith,\nyour son's record: "+one)); len(fs) != 0 {
		t.Errorf("one child's UPN and DOB to a parent: %+v, want none", fs)
	}
	if fs := scan(t, config.PupilData{}, body("Transfer record: Jack Smith, "+one)); len(fs) != 1 {
		t.Errorf("one child's UPN and DOB to another address: %+v, want a finding", fs)
	}
	// One child and special-category detail in a letter to the parent.
	letter := "Dear Mrs Smith,\n\nJack Smith (Year 7) has his EHCP review next week; please bring his medication and the diagnosis letter.\n"
	if fs := scan(t, config.PupilData{}, body(letter)); len(fs) != 0 {
		t.Errorf("letter to a parent: %+v, want none", fs)
	}
	note := "Jack Smith (Year 7) has his EHCP review next week; his medication was changed after the diagnosis.\n"
	if fs := scan(t, config.PupilData{}, body(note)); len(fs) != 1 {
		t.Errorf("the same note not to a parent: %+v, want a finding", fs)
	}
}

func TestSubjectNamesTheChild(t *testing.T) {
	m := &scanner.Message{Envelope: outbound("a@gmail.com"), Header: textproto.MIMEHeader{}, Texts: []scanner.Text{
		{Where: "subject", Kind: scanner.KindSubject, Content: "Chloe Patel 7B"},
		{Where: "body", Kind: scanner.KindPlain, Content: "Hi,\n\nShe disclosed at break that she is scared to go home; social worker informed, strategy meeting tomorrow.\n"},
		{Where: "body", Kind: scanner.KindHTML, Content: "Hi, She disclosed at break ..."},
	}}
	fs := scan(t, config.PupilData{}, m)
	if len(fs) != 1 || fs[0].Where != "body" {
		t.Errorf("findings %+v, want one in the body", fs)
	}
}

func TestContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newTestDetector(config.PupilData{}).Scan(ctx, exportMessage(outbound("a@gmail.com"), 5))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestCSVFallbackWithoutTables(t *testing.T) {
	// A CSV attachment the extraction did not turn into a table is read here.
	var b strings.Builder
	for _, r := range exportRows(12) {
		b.WriteString(strings.Join(r, ",") + "\r\n")
	}
	a := &scanner.Attachment{Index: 1, FileName: "export.csv", DeclaredType: "text/csv", Data: []byte(b.String())}
	m := &scanner.Message{Envelope: outbound("a@gmail.com"), Header: textproto.MIMEHeader{}, Attachments: []*scanner.Attachment{a}}
	fs := scan(t, config.PupilData{}, m)
	if len(fs) != 1 || !strings.HasPrefix(fs[0].Summary, "12 UPNs, 12 DOBs") || fs[0].Where != "1" {
		t.Errorf("findings %+v, want 12 UPNs in attachment 1", fs)
	}
}

func TestParseDelimited(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		rows, cols int
	}{
		{"comma with BOM", "\xef\xbb\xbfUPN,Surname\r\nA,B\r\n", 2, 2},
		{"semicolon (European Excel)", "UPN;Surname;DOB\nA;B;C\n", 2, 3},
		{"tab", "UPN\tSurname\nA\tB\n", 2, 2},
		{"quoted comma", "Name,DOB\n\"Smith, Jack\",01/02/2014\n", 2, 2},
		{"broken quote keeps earlier rows", "Name,DOB\nJack,1\n\"Amy,2\nBen,3\n", 2, 2},
		{"no separator", "just text\nmore text\n", 0, 0},
	}
	for _, tc := range tests {
		rows, _ := parseDelimited([]byte(tc.in))
		if len(rows) < tc.rows || tc.rows == 0 && len(rows) != 0 || (len(rows) > 0 && len(rows[0]) != tc.cols) {
			t.Errorf("%s: rows %q, want at least %d rows of %d cells", tc.name, rows, tc.rows, tc.cols)
		}
	}
}
