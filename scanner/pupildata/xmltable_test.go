package pupildata

import (
	"context"
	"net/textproto"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

const ctfSample = `<?xml version="1.0" encoding="UTF-8"?>
<ns:CTfile xmlns:ns="urn:example:ctf" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="x">
 <ns:Header><ns:DocumentName>Common Transfer File</ns:DocumentName><ns:SourceSchool><ns:LEA>886</ns:LEA></ns:SourceSchool></ns:Header>
 <ns:CTFpupilData>
  <ns:Pupil id="p1"><ns:UPN>A886402125001</ns:UPN><ns:Surname>Smith</ns:Surname><ns:Forename>Jack</ns:Forename><ns:DOB>2001-03-04</ns:DOB>
   <ns:Contacts><ns:Contact><ns:Surname>Jones</ns:Surname><ns:Forename>Sarah</ns:Forename></ns:Contact></ns:Contacts>
   <ns:SENhistory><ns:SEN><ns:SENprovision>K</ns:SENprovision></ns:SEN><ns:SEN><ns:SENprovision>E</ns:SENprovision></ns:SEN></ns:SENhistory></ns:Pupil>
  <ns:Pupil id="p2"><ns:UPN>B886402125002</ns:UPN><ns:Surname>Patel</ns:Surname><ns:Forename>Aisha</ns:Forename><ns:DOB>2002-05-06</ns:DOB>
   <ns:Contacts><ns:Contact><ns:Surname>Patel</ns:Surname><ns:Forename>Ravi</ns:Forename></ns:Contact></ns:Contacts></ns:Pupil>
 </ns:CTFpupilData>
</ns:CTfile>`

// TestXMLTables: repeated records become rows, leaf names headings,
// namespaces and schema attributes are ignored, a contact's surname is
// told apart from the pupil's, repeated values are joined.
func TestXMLTables(t *testing.T) {
	tbs, unread := xmlTables([]byte(ctfSample))
	if unread != "" {
		t.Errorf("a whole export reported unread: %s", unread)
	}
	if len(tbs) != 1 {
		t.Fatalf("%d tables, want 1: %+v", len(tbs), tbs)
	}
	rows := tbs[0].Rows
	if tbs[0].Name != "Pupil" || len(rows) != 3 {
		t.Fatalf("table %q with %d rows, want Pupil with a heading and 2 rows", tbs[0].Name, len(rows))
	}
	want := []string{"id", "UPN", "Surname", "Forename", "DOB", "Contact Surname", "Contact Forename", "SENprovision"}
	if strings.Join(rows[0], "|") != strings.Join(want, "|") {
		t.Errorf("heading %q, want %q", rows[0], want)
	}
	if rows[1][2] != "Smith" || rows[1][5] != "Jones" || rows[1][7] != "K; E" || rows[2][3] != "Aisha" {
		t.Errorf("rows %q", rows[1:])
	}
	for _, bad := range []string{"", "<", "not xml", "<a><b><c>1</c></b><b><c>2</c></b>", strings.Repeat("<a>", 10000)} {
		xmlTables([]byte(bad)) // must not panic, whatever it returns
	}
}

// TestSpreadsheetML: an Excel 2003 XML workbook is read by its rows, cells
// placed by ss:Index.
func TestSpreadsheetML(t *testing.T) {
	doc := `<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="Pupils"><Table>
  <Row><Cell><Data ss:Type="String">Pupil list</Data></Cell></Row>
  <Row><Cell><Data ss:Type="String">Surname</Data></Cell><Cell><Data ss:Type="String">Forename</Data></Cell><Cell><Data ss:Type="String">DOB</Data></Cell><Cell><Data ss:Type="String">SEN</Data></Cell></Row>
  <Row><Cell><Data ss:Type="String">Smith</Data></Cell><Cell><Data ss:Type="String">Jack</Data></Cell><Cell ss:Index="4"><Data ss:Type="String">K</Data></Cell></Row>
 </Table></Worksheet></Workbook>`
	tbs, _ := xmlTables([]byte(doc))
	if len(tbs) != 1 || tbs[0].Name != "Pupils" || len(tbs[0].Rows) != 3 {
		t.Fatalf("tables %+v", tbs)
	}
	if got := strings.Join(tbs[0].Rows[2], "|"); got != "Smith|Jack||K" {
		t.Errorf("row %q, want Smith|Jack||K", got)
	}
}

// TestXMLAttachmentScanned: an XML export attachment (declared as
// application/xml) is judged as a table, and an XML file with no person
// columns raises nothing.
func TestXMLAttachmentScanned(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<Message xmlns="urn:cin"><Children>`)
	for i := 0; i < 5; i++ {
		b.WriteString(`<Child><ChildIdentifiers><LAchildID>DDS1234` + string(rune('0'+i)) + `</LAchildID><PersonBirthDate>2004-01-02</PersonBirthDate>` +
			`<GenderCurrent>1</GenderCurrent></ChildIdentifiers><ChildCharacteristics><Ethnicity>WBRI</Ethnicity>` +
			`<Disabilities><Disability>NONE</Disability></Disabilities></ChildCharacteristics></Child>`)
	}
	b.WriteString(`</Children></Message>`)
	msg := func(data string) *scanner.Message {
		a := &scanner.Attachment{Index: 1, FileName: "cin.xml", DeclaredType: "application/xml", Data: []byte(data)}
		return &scanner.Message{Envelope: outbound("a@gmail.com"), Header: textproto.MIMEHeader{}, Attachments: []*scanner.Attachment{a},
			Texts: []scanner.Text{{Where: "1", Kind: scanner.KindAttachment, Attachment: a, Content: data}}}
	}
	fs, err := newTestDetector(config.PupilData{}).Scan(context.Background(), msg(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || !strings.Contains(fs[0].Summary, "pupil table of 5 rows") || !strings.HasSuffix(fs[0].Summary, "in attachment 1 (xml)") {
		t.Errorf("CIN XML: %+v", fs)
	}
	printers := `<Config><Printer><Name>Room 1</Name><IP>10.0.0.1</IP></Printer><Printer><Name>Room 2</Name><IP>10.0.0.2</IP></Printer>` +
		`<Printer><Name>Room 3</Name><IP>10.0.0.3</IP></Printer></Config>`
	if fs, _ := newTestDetector(config.PupilData{}).Scan(context.Background(), msg(printers)); len(fs) != 0 {
		t.Errorf("printer config: %+v", fs)
	}
}

// FuzzXMLTables: any bytes are read without panic and within the bounds.
func FuzzXMLTables(f *testing.F) {
	f.Add([]byte(ctfSample))
	f.Add([]byte(`<a><b x="1"><c>2</c></b><b><c>3</c><d><e>4</e></d></b></a>`))
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tbs, _ := xmlTables(data)
		for _, tb := range tbs {
			if len(tb.Rows) == 0 || len(tb.Rows) > maxXMLRows+1 || len(tb.Rows[0]) > maxXMLFields {
				t.Fatalf("table out of bounds: %d rows, %d headings", len(tb.Rows), len(tb.Rows[0]))
			}
		}
	})
}

// TestTableReadersReportUnread: records past the XML and CSV readers'
// bounds, or after a parse error, are reported as not read, and the
// scanner turns that into an unscannable finding for the attachment
// rather than judging only what came before.
func TestTableReadersReportUnread(t *testing.T) {
	pupils := "<Pupil><UPN>A123</UPN><Surname>Smith</Surname><Forename>Jack</Forename><DOB>2015-03-01</DOB><SENProvision>K</SENProvision></Pupil>"
	for _, c := range []struct {
		name, doc string
		unread    string // a word the reason holds, "" for none
	}{
		{"whole", "<Return><Pupils>" + strings.Repeat(pupils, 3) + "</Pupils></Return>", ""},
		{"behind filler elements", "<Return><Filler>" + strings.Repeat("<x/>", maxXMLElements) + "</Filler><Pupils>" + strings.Repeat(pupils, 3) + "</Pupils></Return>", "elements"},
		{"nested too deep", strings.Repeat("<d>", maxXMLDepth+1) + "<Pupils>" + strings.Repeat(pupils, 3) + "</Pupils>" + strings.Repeat("</d>", maxXMLDepth+1), "deeper"},
		{"after a parse error", "<Return><Pupils>" + pupils + "</Pupils><<<>" + strings.Repeat(pupils, 3) + "</Return>", "parse error"},
		{"a second root", "<Return/><Return><Pupils>" + strings.Repeat(pupils, 3) + "</Pupils></Return>", "root"},
	} {
		_, unread := xmlTables([]byte(c.doc))
		if c.unread == "" && unread != "" || c.unread != "" && !strings.Contains(unread, c.unread) {
			t.Errorf("%s: unread %q, want it to name %q", c.name, unread, c.unread)
		}
	}
	csv := "Surname,Forename,DOB\n" + strings.Repeat("Smith,Jack,2015-03-01\n", maxDelimitedRows+1)
	if rows, unread := parseDelimited([]byte(csv)); len(rows) != maxDelimitedRows || !strings.Contains(unread, "beyond") {
		t.Errorf("csv past the row bound: %d rows, unread %q", len(rows), unread)
	}
	if _, unread := parseDelimited([]byte("a,b\n1,2\n")); unread != "" {
		t.Errorf("a whole csv reported unread: %q", unread)
	}

	// Through the scanner: an outbound XML attachment whose records lie past
	// the element bound is unscannable, not clean.
	doc := "<Return><Filler>" + strings.Repeat("<x/>", maxXMLElements) + "</Filler><Pupils>" + strings.Repeat(pupils, 30) + "</Pupils></Return>"
	d := newTestDetector(config.PupilData{})
	m := &scanner.Message{Envelope: scanner.Envelope{Direction: scanner.Outbound, To: []string{"x@gmail.example"}},
		Attachments: []*scanner.Attachment{{Index: 2, FileName: "return.xml", DeclaredType: "text/xml", Data: []byte(doc)}}}
	fs, err := d.Scan(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) == 0 || fs[0].Category != scanner.Unscannable || fs[0].Where != "2" {
		t.Fatalf("findings %+v, want an unscannable finding for attachment 2", fs)
	}
	if strings.Contains(fs[0].Summary, "return.xml") {
		t.Errorf("summary names the file: %s", fs[0].Summary)
	}
}
