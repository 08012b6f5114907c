package credentials

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

func message(t *testing.T, dir scanner.Direction, body string, attachments ...string) *scanner.Message {
	t.Helper()
	var b strings.Builder
	b.WriteString("From: Jo Bloggs <j.bloggs@oakfield.sch.uk>\r\nTo: someone@example.com\r\nSubject: hello\r\n" +
		"Date: Mon, 23 Nov 2026 08:00:00 +0000\r\nMessage-ID: <c@oakfield.sch.uk>\r\nMIME-Version: 1.0\r\n")
	body = strings.ReplaceAll(body, "\n", "\r\n")
	if len(attachments) == 0 {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n")
	} else {
		b.WriteString("Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n")
		for _, a := range attachments {
			b.WriteString("--XX\r\n" + a + "\r\n")
		}
		b.WriteString("--XX--\r\n")
	}
	m, err := scanner.Parse([]byte(b.String()), scanner.Envelope{Direction: dir, From: "j.bloggs@oakfield.sch.uk", To: []string{"someone@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The secrets of the positive cases: no summary may contain any of them.
var secrets = []string{"Welcome2024!", "tiger42x", "Sunflower7", "Xk29!fpQ", "sunshine", "4821", "Bl4ckb1rd#", "Gr33nT3a!", "Summer2025", "Oakfield123", "p@ssW0rd99", "Kettle#88x", "Zebra-Crossing-9"}

func TestFind(t *testing.T) {
	for _, c := range []struct {
		name string
		body string
		tier string // "" for no finding
	}{
		// Shared passwords.
		{"my password is", "Hi Sue, can you print my register? My password is Welcome2024! thanks", TierPassword},
		{"login pair on two lines", "Here are the SIMS details for the supply teacher:\nUsername: jsmith\nPassword: tiger42x\n", TierLogin},
		{"login pair on one line", "login: j.smith@oakfield.sch.uk / password: Sunflower7", TierLogin},
		{"pw colon", "laptop pw: Xk29!fpQ", TierPassword},
		{"one word after my password is", "don't tell anyone but my password is sunshine.", TierPassword},
		{"wifi key", "The staff wifi password is Bl4ckb1rd# until Friday", TierPassword},
		{"password for system", "The password for my Arbor account is Gr33nT3a!", TierPassword},
		{"passcode digits", "Door passcode: 4821", TierPassword},
		{"user name and strong string", "Office 365 login jsmith / Summer2025!x", TierLogin},
		{"user id and password no separators", "My user id is jbloggs and password Oakfield123", TierLogin},
		{"user name without separator", "Hi, use my SIMS login: username jbloggs, password Oakfield2026!", TierLogin},
		{"pwd equals", "pwd = p@ssW0rd99 (it's case sensitive)", TierPassword},
		{"set to", "I've reset the Google Classroom password to Kettle#88x for you", TierPassword},
		{"one capitalised word", "The guest wifi password is Oakfield.", TierPassword},
		{"quoted", `Use the password "Zebra-Crossing-9" to get in`, TierPassword},

		// Not shared passwords.
		{"reset notice", "Your password has been reset. If this wasn't you, click here to reset your password.", ""},
		{"expiry notice", "Your password expires in 5 days. Please change your password at https://portal.example.com/", ""},
		{"advice", "Never share your password with anyone, not even IT. We will never ask for your password.", ""},
		{"policy", "Passwords should contain at least 6 alphanumeric characters and be changed every 30 days.", ""},
		{"policy 2", "Do not disclose your login username and password to anyone (unless directed to do so by a senior manager).", ""},
		{"the word alone", "Password\nRe: password problem\nI forgot my password again!", ""},
		{"no value", "Username: jsmith\nPassword:\n", ""},
		{"masked", "Username: jsmith\nPassword: ********", ""},
		{"placeholder", "Password: <your network password>\nLogin: [your username]", ""},
		{"see below", "The password is below.\nThe password is the same as before.\nPassword: see previous email", ""},
		{"is correct", "The password is correct, it's the username that's wrong.", ""},
		{"meeting invitation, password", "Microsoft Teams meeting\nJoin on your computer\nMeeting ID: 845 1234 5678\nPassword: Xk29fpQ7", ""},
		{"meeting invitation", "Join Zoom Meeting https://zoom.us/j/123\nMeeting ID: 845 1234 5678\nPasscode: 482913", ""},
		{"document password, no attachment", "The password to open the attachment is Sunflower7", ""},
		{"config example", "set $password = 'hunter2x9'; and user.password=abc12345", ""},
		{"command line", "spamd --username=nobody --allowed-ips=127.0.0.1", ""},
		{"password protected", "The file is password protected. Passwords must be 8 characters long.", ""},
		{"pass the ball", "Pass the ball to Year 6: 2024 fixtures", ""},
		{"email signature", "Jo Bloggs\nEmail: j.bloggs@oakfield.sch.uk\nTel: 01234 567890", ""},
		{"reset link", "Password reset: https://accounts.example.com/reset?token=Ab12Cd34Ef", ""},
		{"example in advice", "Choose a strong password, for example: Tr0ub4dor&3 (but not that one!)", ""},
		{"example in advice 3", "Make it long and mixed, e.g. the password is Tr0ub4dor&3 (but not that one!)", ""},
		{"example in advice 2", "A good password is like Horse-Battery-9 - long and mixed.", ""},
		{"induction", "Your username will be your initial and surname. Your password will be given to you by IT on your first day.", ""},
		{"date of birth rule", "Your password will be your date of birth in the format DDMMYYYY until you change it.", ""},
		{"where to find it", "The wifi password is on the staffroom noticeboard, and on the back of the router.", ""},
		{"change to something", "Please change your password to something only you know as soon as you log in.", ""},
		{"phishing warning", "IT will never email you asking for your username and password. Report it to it-support@oakfield.sch.uk.", ""},
		{"username prose", "The username field is case sensitive; the password is the same as your email one.", ""},
		{"username only", "Your username is jsmith. Your password will be sent separately.", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := New(config.Default().Credentials)
			fs, err := d.Scan(context.Background(), message(t, scanner.Outbound, c.body))
			if err != nil {
				t.Fatal(err)
			}
			if c.tier == "" {
				if len(fs) != 0 {
					t.Fatalf("findings %+v, want none", fs)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("findings %+v, want one", fs)
			}
			f := fs[0]
			if f.Category != scanner.Credentials || f.Tiers[0] != c.tier || f.Where != "body" || f.Score < 0.5 {
				t.Errorf("finding %+v, want tier %s in body", f, c.tier)
			}
			if !strings.HasPrefix(f.Summary, "a password") || !strings.HasSuffix(f.Summary, " in body") {
				t.Errorf("summary %q", f.Summary)
			}
			for _, s := range secrets {
				if strings.Contains(f.Summary, s) || strings.Contains(f.Where, s) || strings.Contains(strings.Join(f.Tiers, ","), s) {
					t.Errorf("finding shows the secret: %+v", f)
				}
			}
		})
	}
}

// TestDirectionsAndPlaces: inbound mail is not scanned by default; a
// password in an attachment is named by the attachment's index; a
// document password counts only beside an encrypted attachment; plain and
// HTML forms of one password count once.
func TestDirectionsAndPlaces(t *testing.T) {
	d := New(config.Default().Credentials)
	ctx := context.Background()
	body := "Username: jsmith\nPassword: tiger42x\n"
	if fs, _ := d.Scan(ctx, message(t, scanner.Inbound, body)); len(fs) != 0 {
		t.Errorf("inbound: %+v", fs)
	}
	if fs, _ := d.Scan(ctx, message(t, scanner.Internal, body)); len(fs) != 1 {
		t.Errorf("internal: %+v", fs)
	}
	att := "Content-Type: text/plain\r\nContent-Disposition: attachment; filename=logins.txt\r\n\r\nUser name: abc1\r\nPassword: Gr33nT3a!\r\nUser name: abc2\r\nPassword: Kettle#88x\r\n"
	fs, err := d.Scan(ctx, message(t, scanner.Outbound, "see attached", att))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Where != "1" || fs[0].Summary != "2 passwords with a user name in attachment 1" {
		t.Errorf("attachment: %+v", fs)
	}
	// An encrypted zip (traditional PKWARE encryption, flag bit 0) and its
	// password in the body.
	zip := "UEsDBBQAAQAAAAAAIQAAAAAAAAAAAAwAAAAIAAAAYS50eHRhYmNkZWZnaGlqa2xQSwECFAAUAAEAAAAAACEAAAAAAAAAAAAMAAAACAAAAAAAAAAAAAAAAAAAAAAAYS50eHRQSwUGAAAAAAEAAQA2AAAAMgAAAAAA"
	if _, err := base64.StdEncoding.DecodeString(zip); err != nil {
		t.Fatal(err)
	}
	zipPart := "Content-Type: application/zip\r\nContent-Disposition: attachment; filename=pupils.zip\r\nContent-Transfer-Encoding: base64\r\n\r\n" + zip
	m := message(t, scanner.Outbound, "The password to open the attachment is Sunflower7", zipPart)
	enc := false
	for _, a := range m.Attachments {
		enc = enc || a.Encrypted
	}
	fs, _ = d.Scan(ctx, m)
	if !enc {
		t.Logf("the test zip was not seen as encrypted; document case not checked")
	} else if len(fs) != 1 || fs[0].Tiers[0] != TierDocument || fs[0].Summary != "a password beside an encrypted attachment in body" {
		t.Errorf("document password beside encrypted zip: %+v", fs)
	}
	html := "Content-Type: multipart/alternative; boundary=YY\r\n\r\n--YY\r\nContent-Type: text/plain\r\n\r\nmy password is Welcome2024!\r\n--YY\r\nContent-Type: text/html\r\n\r\n<p>my password is <b>Welcome2024!</b></p>\r\n--YY--"
	raw := "From: a@oakfield.sch.uk\r\nTo: b@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n" + html + "\r\n"
	m2, err := scanner.Parse([]byte(raw), scanner.Envelope{Direction: scanner.Outbound})
	if err != nil {
		t.Fatal(err)
	}
	if fs, _ := d.Scan(ctx, m2); len(fs) != 1 || fs[0].Summary != "a password in body" {
		t.Errorf("plain and HTML: %+v", fs)
	}
}

// TestConfig: directions, extra systems and min_score from the config.
func TestConfig(t *testing.T) {
	c := config.Default().Credentials
	c.Directions = []string{"inbound"}
	c.MinScore = 0.9
	c.Systems = []string{"Bramble"}
	d := New(c)
	ctx := context.Background()
	if fs, _ := d.Scan(ctx, message(t, scanner.Outbound, "Username: jsmith\nPassword: tiger42x")); len(fs) != 0 {
		t.Errorf("outbound scanned: %+v", fs)
	}
	// 0.7 for the value, 0.2 for the user name: 0.9 reaches min_score.
	if fs, _ := d.Scan(ctx, message(t, scanner.Inbound, "Username: jsmith\nPassword: tiger42x")); len(fs) != 1 {
		t.Errorf("inbound pair: %+v", fs)
	}
	// A password alone scores 0.7, plus 0.1 for a system named nearby.
	if fs, _ := d.Scan(ctx, message(t, scanner.Inbound, "the password is tiger42x")); len(fs) != 0 {
		t.Errorf("weak evidence over min_score: %+v", fs)
	}
	if fs, _ := d.Scan(ctx, message(t, scanner.Inbound, "my Bramble password is tiger42x")); len(fs) != 1 {
		t.Errorf("configured system not counted: %+v", fs)
	}
}

// TestTables: a list of logins in a spreadsheet or CSV is read by its
// headings.
func TestTables(t *testing.T) {
	csv := func(body string) string {
		return "Content-Type: text/csv\r\nContent-Disposition: attachment; filename=logins.csv\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n")
	}
	for _, c := range []struct {
		name, table, want string
	}{
		{"logins", "Sparx logins for 7B\nUsername,Initial password\njsmith7,Tiger42x\nakhan7,Blue7Sky\n", "2 passwords with a user name in attachment 1"},
		{"passwords without user names", "Room,Wifi password\nStaffroom,Bl4ckb1rd#\n", "a password in attachment 1"},
		{"masked", "Username,Password\njsmith,********\nakhan,xxxxxxxx\n", ""},
		{"other heading", "Username,Password reset date\njsmith,2026-09-01\n", ""},
		{"prose in the column", "Name,Password\nJo,changed on Monday by IT\n", ""},
	} {
		d := New(config.Default().Credentials)
		fs, err := d.Scan(context.Background(), message(t, scanner.Outbound, "see attached", csv(c.table)))
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if len(fs) > 0 {
			got = fs[0].Summary
		}
		if got != c.want || len(fs) > 1 {
			t.Errorf("%s: %+v, want %q", c.name, fs, c.want)
		}
	}
}
