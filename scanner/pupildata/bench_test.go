package pupildata

import (
	"context"
	"fmt"
	"math/rand"
	"net/textproto"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

// benchRows builds an MIS export of about size bytes.
func benchRows(size int) ([][]string, int) {
	rows := [][]string{{"UPN", "Legal Surname", "Legal Forename", "DOB", "Gender", "Year", "Reg", "SEN Status", "FSM", "EAL", "Ethnicity", "Postcode", "Contact phone"}}
	n := 0
	for i := 0; n < size; i++ {
		r := []string{upnFor(i), "Robinson-Smith", "Alexander", fmt.Sprintf("%02d/%02d/2013", 1+i%28, 1+i%12), "M", "8", "8B", "N", "Y", "N", "WBRI", "ME14 1XX", "07700 900123"}
		for _, c := range r {
			n += len(c) + 1
		}
		rows = append(rows, r)
	}
	return rows, n
}

// benchProse is size bytes of ordinary prose with numbers, dates, names and
// the odd keyword, as staff mail is.
func benchProse(size int) string {
	rng := rand.New(rand.NewSource(1))
	words := strings.Fields(`the school trip to the museum will leave at 9am on Monday and return by 4pm please
		make sure your child brings a packed lunch invoice 4500012345 order reference 1000000043 Year 7 football
		Mr Walker said the NHS advice is clear Dear Parent Carer the governors met on 12/03/2026 and agreed the
		budget of £12,400 for the new library books ISBN 0306406152 Oliver Hughes won the chess final in 4B
		please call 01622 123456 or email office@oakfield.sch.uk data protection policy review SEN report`)
	var b strings.Builder
	for b.Len() < size {
		b.WriteString(words[rng.Intn(len(words))])
		if rng.Intn(12) == 0 {
			b.WriteString(".\n")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// BenchmarkSpreadsheet5MB: a 5 MB MIS export as extraction hands it over
// (Message.Tables), outbound to a personal mailbox.
func BenchmarkSpreadsheet5MB(b *testing.B) {
	rows, n := benchRows(5 << 20)
	a := &scanner.Attachment{Index: 1, FileName: "export.xlsx"}
	m := &scanner.Message{Envelope: outbound("a@gmail.com"), Header: textproto.MIMEHeader{},
		Attachments: []*scanner.Attachment{a}, Tables: []scanner.Table{{Where: "1", Attachment: a, Rows: rows}}}
	benchScan(b, m, n)
}

// BenchmarkCSVFallback5MB: the same export as a CSV attachment without a
// table, read by the detector's own CSV fallback.
func BenchmarkCSVFallback5MB(b *testing.B) {
	rows, _ := benchRows(5 << 20)
	var sb strings.Builder
	for _, r := range rows {
		sb.WriteString(strings.Join(r, ",") + "\r\n")
	}
	a := &scanner.Attachment{Index: 1, FileName: "export.csv", DeclaredType: "text/csv", Data: []byte(sb.String())}
	m := &scanner.Message{Envelope: outbound("a@gmail.com"), Header: textproto.MIMEHeader{}, Attachments: []*scanner.Attachment{a}}
	benchScan(b, m, sb.Len())
}

// BenchmarkPlainText5MB: 5 MB of prose in the body.
func BenchmarkPlainText5MB(b *testing.B) {
	s := benchProse(5 << 20)
	m := &scanner.Message{Envelope: outbound("a@gmail.com"), Header: textproto.MIMEHeader{},
		Texts: []scanner.Text{{Where: "body", Kind: scanner.KindPlain, Content: s}}}
	benchScan(b, m, len(s))
}

// BenchmarkTypicalMessage: a short body, the common case.
func BenchmarkTypicalMessage(b *testing.B) {
	s := benchProse(4 << 10)
	m := &scanner.Message{Envelope: outbound("a@gmail.com"), Header: textproto.MIMEHeader{},
		Texts: []scanner.Text{{Where: "subject", Kind: scanner.KindSubject, Content: "Year 7 trip"}, {Where: "body", Kind: scanner.KindPlain, Content: s}}}
	benchScan(b, m, len(s))
}

func benchScan(b *testing.B, m *scanner.Message, n int) {
	d := newTestDetector(config.PupilData{})
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := d.Scan(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
}
