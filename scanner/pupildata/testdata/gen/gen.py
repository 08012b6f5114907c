# Regenerates testdata/corpus (fixtures and manifest.tsv) for the pupildata
# detector's precision/recall test. Needs python3, go, zip, openssl and gpg.
# Seeded, so the output is stable except for the random bytes of the
# encrypted variants. Run: python3 scanner/pupildata/testdata/gen/gen.py
import random, base64, json, subprocess, os, datetime, tempfile
from email.utils import formatdate
from upn import upn, uln, nhs
rng = random.Random(20261123)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "corpus")
MODROOT = os.path.join(HERE, "..", "..", "..", "..")
os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT): os.remove(os.path.join(OUT, f))
manifest = []

FORE = ["Oliver","Amelia","Jack","Isla","Harry","Ava","George","Mia","Noah","Ivy","Leo","Freya","Oscar","Lily","Arthur","Florence","Muhammad","Aisha","Alfie","Grace","Charlie","Sophia","Theo","Evie","Jacob","Poppy","Freddie","Rosie","Archie","Zara","Logan","Maya","Ethan","Ruby","Reuben","Hannah"]
SUR = ["Smith","Jones","Taylor","Brown","Williams","Wilson","Johnson","Davies","Patel","Robinson","Wright","Thompson","Evans","Walker","White","Roberts","Green","Hall","Khan","Lewis","Clarke","Jackson","Wood","Harris","Edwards","Turner","Martin","Cooper","Hill","Ward","Hughes","Moore","Begum","Kowalski","O'Brien","Nowak"]
ETH = ["WBRI","WOTH","AIND","APKN","BCRB","BAFR","MWBC","WIRT","CHNE","ABAN"]

def dob(year_group):
    # academic year 2026/27: Year N pupils born Sep (2021-N) .. Aug (2022-N)
    start = datetime.date(2021 - year_group, 9, 1)
    return start + datetime.timedelta(days=rng.randint(0, 364))

def pupils(n, years, la=886, est=4021):
    out = []
    for i in range(n):
        y = rng.choice(years)
        d = dob(y)
        out.append(dict(fore=rng.choice(FORE), sur=rng.choice(SUR), y=y, dob=d,
            reg=f"{y}{rng.choice('ABCDEFGH')}", gender=rng.choice("MF"),
            upn=upn(la, est, (d.year + 4) % 100, rng.randint(1, 999)),
            sen=rng.choice(["N","N","N","K","E"]), fsm=rng.choice(["Y","N","N"]),
            eal=rng.choice(["Y","N","N","N"]), eth=rng.choice(ETH),
            pc=rng.choice(["ME14 1XX","ME15 6QA","TN9 1AB","CT1 2EH","DA1 1DX","ME4 4TR"]),
            phone="07700 9%05d" % rng.randint(0, 99999),
            uln=uln(rng), nhs=nhs(rng)))
    return out

def b64(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i+76] for i in range(0, len(s), 76))

def eml(name, label, direction, rcpt, subject, body, attachments=(), sender="j.bloggs@oakfield.sch.uk",
        html=None, note="", ctype=None, raw_body=None):
    msgid = f"<{name}@oakfield.sch.uk>"
    h = [f"From: {sender}", f"To: {rcpt.split(',')[0]}", f"Subject: {subject}",
         "Date: Mon, 23 Nov 2026 08:30:00 +0000", f"Message-ID: {msgid}", "MIME-Version: 1.0"]
    if raw_body is not None:
        h.append(f"Content-Type: {ctype}")
        msg = "\r\n".join(h) + "\r\n\r\n" + raw_body
    elif not attachments and html is None:
        h.append("Content-Type: text/plain; charset=utf-8")
        h.append("Content-Transfer-Encoding: 8bit")
        msg = "\r\n".join(h) + "\r\n\r\n" + body.replace("\n", "\r\n")
    else:
        bnd = "=_mw_" + name
        h.append(f'Content-Type: multipart/mixed; boundary="{bnd}"')
        parts = []
        if html is not None:
            parts.append(f"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{html}")
        else:
            parts.append("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body.replace("\n", "\r\n"))
        for fname, mtype, data in attachments:
            parts.append(f'Content-Type: {mtype}; name="{fname}"\r\nContent-Disposition: attachment; filename="{fname}"\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64(data)}')
        msg = "\r\n".join(h) + "\r\n\r\n" + "".join(f"--{bnd}\r\n{p}\r\n" for p in parts) + f"--{bnd}--\r\n"
    with open(os.path.join(OUT, name + ".eml"), "w", newline="") as f:
        f.write(msg)
    manifest.append((name + ".eml", label, direction, rcpt, note))

def csv(rows, sep=","):
    def q(c):
        c = str(c)
        return '"' + c.replace('"','""') + '"' if (sep in c or '"' in c) else c
    return ("\r\n".join(sep.join(q(c) for c in r) for r in rows) + "\r\n").encode()

def xlsx(sheets):
    path = os.path.join(tempfile.mkdtemp(), "out.xlsx")
    subprocess.run(["go", "run", os.path.join(HERE, "xlsx", "main.go"), path], input=json.dumps(sheets).encode(), check=True, cwd=MODROOT)
    return open(path, "rb").read()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
d = lambda p: p["dob"].strftime("%d/%m/%Y")
SEN = {"N": "No Special Educational Need", "K": "SEN Support", "E": "Education, Health and Care Plan"}

# ---------------- positives ----------------
P = pupils(31, [7, 8])
eml("pos-sims-export-csv", "pupil_data", "outbound", "jbloggs1975@gmail.com",
    "class lists for the weekend",
    "Hi,\n\nSending these to my home address so I can work on seating plans over the weekend.\n\nJoe\n",
    [("Year7-8 export.csv", "text/csv", csv([["UPN","Legal Surname","Legal Forename","DOB","Gender","Year","Reg","SEN Status","FSM Eligible","EAL","Ethnicity"]] +
        [[p["upn"],p["sur"],p["fore"],d(p),p["gender"],p["y"],p["reg"],p["sen"],p["fsm"],p["eal"],p["eth"]] for p in P]))],
    note="SIMS-style MIS export CSV to a personal mailbox")

P = pupils(24, [3])
eml("pos-arbor-export-csv", "pupil_data", "outbound", "tutor@brightsparks-tuition.co.uk",
    "Y3 group for the reading intervention",
    "Dear Sam,\n\nAs discussed, the group list from Arbor is attached.\n\nKind regards\nJoe Bloggs\n",
    [("Students.csv", "text/csv", csv([["Student ID","First Name","Last Name","Date of Birth","Year Group","Pupil Premium","SEND"]] +
        [[str(10000+i),p["fore"],p["sur"],p["dob"].strftime("%Y-%m-%d"),f"Year {p['y']}",p["fsm"],SEN[p["sen"]]] for i,p in enumerate(P)]))],
    note="Arbor-style export without UPNs, to a tutoring company")

P = pupils(40, [10, 11])
eml("pos-bromcom-tsv", "pupil_data", "outbound", "coach.bookings@hotmail.co.uk",
    "Trip list", "Attached as requested.\n",
    [("trip.tsv", "text/tab-separated-values", csv([["Surname","Forename","Tutor Group","Date of Birth","Medical Conditions","Emergency Contact Number"]] +
        [[p["sur"],p["fore"],p["reg"],d(p),rng.choice(["","","Asthma - inhaler","Nut allergy - EpiPen","Epilepsy"]),p["phone"]] for p in P], sep="\t"))],
    note="Bromcom-style TSV with medical column")

P = pupils(28, [9])
eml("pos-xlsx-mis-export", "pupil_data", "outbound", "k.smith.home@outlook.com",
    "data for census checking", "Here you go - the full list.\n",
    [("Y9.xlsx", XLSX, xlsx([{"name":"SIMS export","rows":[["UPN","Surname","Forename","DOB","Gender","Reg Group","SEN","FSM","Ethnicity"]] +
        [[p["upn"],p["sur"],p["fore"],d(p),p["gender"],p["reg"],p["sen"],p["fsm"],p["eth"]] for p in P]}]))],
    note="real .xlsx MIS export")

P = pupils(12, [5, 6])
eml("pos-xlsx-medical-title-rows", "pupil_data", "outbound", "admin@adventure-centre.co.uk",
    "Residential - medical info",
    "Please find the medical information for our residential next week.\n",
    [("Residential.xlsx", XLSX, xlsx([{"name":"Medical","rows":[["Oakfield Primary - Residential 2026"],["Medical and dietary information"],[],
        ["Pupil Name","Class","DOB","Medical Needs","Medication","NHS Number"]] +
        [[p["fore"]+" "+p["sur"],p["reg"],d(p),rng.choice(["Asthma","Type 1 diabetes","Coeliac","None"]),rng.choice(["Salbutamol","Insulin","None"]),p["nhs"][:3]+" "+p["nhs"][3:6]+" "+p["nhs"][6:]] for p in P]}]))],
    note="xlsx with title rows above the heading, NHS numbers, medical")

P = pupils(8, [4])
body = "Hi Mel,\n\nHere is the SEN list you asked for, pasted from SIMS:\n\nName\tDOB\tYear\tSEN need\tProvision\n" + "".join(
    f"{p['fore']} {p['sur']}\t{d(p)}\t{p['y']}\t{rng.choice(['SEMH','ASD','SLCN','MLD'])}\t{rng.choice(['1:1 TA','Small group','EHCP'])}\n" for p in P) + "\nThanks\nJo\n"
eml("pos-pasted-tab-table", "pupil_data", "outbound", "mel.jones1982@yahoo.co.uk", "SEN list", body,
    note="tab-separated table pasted into the body")

P = pupils(6, [12, 13])
body = "Results for the sixth form bursary panel:\n\n| Surname | Forename | ULN | DOB | Bursary |\n|---|---|---|---|---|\n" + "".join(
    f"| {p['sur']} | {p['fore']} | {p['uln']} | {d(p)} | {rng.choice(['Vulnerable','Discretionary'])} |\n" for p in P) + "\n"
eml("pos-pasted-pipe-table-uln", "pupil_data", "outbound", "panel.member@btinternet.com", "Bursary panel", body,
    note="markdown table with ULNs")

P = pupils(10, [1, 2])
body = "Class list for the photographer:\n\nSurname       Forename     Class   Date of birth\n" + "".join(
    f"{p['sur']:<14}{p['fore']:<13}{p['reg']:<8}{d(p)}\n" for p in P) + "\nThanks\n"
eml("pos-pasted-spaces-table", "pupil_data", "outbound", "bookings@smilephoto.co.uk", "KS1 list", body,
    note="hand-aligned table with two-space gaps")

P = pupils(12, [6])
body = "Could you check these UPNs against your records? They came back as mismatches on the CTF:\n\n" + "\n".join(p["upn"] for p in P) + "\n\nThanks\n"
eml("pos-upn-list", "pupil_data", "outbound", "data.help@mis-support.example.com", "CTF mismatch", body,
    note="bare list of UPNs")

body = """Hi,

Notes from today so I can write them up at home tonight.

Jack Thompson (Y8) - EHCP in place since Year 5, diagnosis of ADHD and ASD. Medication (methylphenidate) not taken this week,
mum says they ran out. Very unsettled in maths; hit another pupil at break. Social worker is aware. Need to chase CAMHS.

J
"""
eml("pos-sen-note-personal", "pupil_data", "outbound", "jbloggs1975@gmail.com", "notes", body,
    note="SEN note about a named child to a personal mailbox")

body = """Forwarding so I have it over half term.

---------- Forwarded message ---------
From: Designated Safeguarding Lead

Chloe Patel (7B) disclosed to her form tutor this morning that her mum's partner hit her. Bruising seen on her upper arm.
This is a child protection concern; she is already on a CP plan. I have spoken to her social worker and a strategy meeting
is being arranged. Logged on CPOMS.
"""
eml("pos-safeguarding-forward", "pupil_data", "outbound", "sarah.dsl.home@icloud.com", "Fwd: concern", body,
    note="safeguarding note forwarded to a personal mailbox")

body = """Hi Karen,

For the swimming gala on Friday, the children with medical needs are:

Amelia Brown, Year 3 - epilepsy, rescue medication in the office
Harry Wilson, Year 4 - anaphylaxis (peanut), two EpiPens
Freya Hall, Year 4 - type 1 diabetic, check levels before and after
Noah Khan, Year 3 - asthma, blue inhaler

Thanks
"""
eml("pos-medical-list-prose", "pupil_data", "outbound", "karen@swimclub-volunteers.org.uk", "medical needs", body,
    note="list of named children with medical conditions, not a table")

P = pupils(20, [9, 10])
eml("pos-nhs-numbers-csv", "pupil_data", "outbound", "immunisations@school-nursing.example.com",
    "HPV consent list", "List attached.\n",
    [("hpv.csv", "text/csv", csv([["Forename","Surname","Date of Birth","NHS Number","Postcode"]] +
        [[p["fore"],p["sur"],d(p),p["nhs"],p["pc"]] for p in P]))],
    note="immunisation list with NHS numbers to a provider not on the allowed list")

P = pupils(5, [7])
body = "Quick list of who still needs consent forms:\n\n" + "\n".join(
    f"{p['fore']} {p['sur']} DOB {d(p)} tutor group {p['reg']}" for p in P) + "\n"
eml("pos-dob-lines", "pupil_data", "outbound", "trips.organiser@gmail.com", "consent forms", body,
    note="free-text lines with DOBs")

P = pupils(15, [12, 13])
eml("pos-nino-bursary-csv", "pupil_data", "outbound", "finance.helper@gmail.com", "bursary payments",
    "Bank run list attached.\n",
    [("bursary.csv", "text/csv", csv([["Student Name","Year","NI Number","Bursary amount"]] +
        [[p["fore"]+" "+p["sur"],p["y"],rng.choice(["AB","CE","JG","KM","PR","SN","TW","WL"])+"%06d"%rng.randint(0,999999)+rng.choice("ABCD"),"£%d" % rng.choice([100,200,300])] for p in P]))],
    note="sixth-form bursary list with NI numbers")

P = pupils(9, [2])
html = "<html><body><p>Hi Tom, the list:</p><table><tr><th>UPN</th><th>Surname</th><th>Forename</th><th>DOB</th><th>FSM</th></tr>" + "".join(
    f"<tr><td>{p['upn']}</td><td>{p['sur']}</td><td>{p['fore']}</td><td>{d(p)}</td><td>{p['fsm']}</td></tr>" for p in P) + "</table></body></html>"
eml("pos-html-table", "pupil_data", "outbound", "tom.breakfastclub@gmail.com", "breakfast club", "", html=html,
    note="HTML table pasted from Excel into the body")

P = pupils(25, [7])
eml("pos-mixed-recipients", "pupil_data", "outbound", "mash@kent.gov.uk,jbloggs1975@gmail.com",
    "Y7 vulnerable list", "As requested.\n",
    [("vulnerable.csv", "text/csv", csv([["UPN","Surname","Forename","DOB","CP/CIN/LAC","SEN"]] +
        [[p["upn"],p["sur"],p["fore"],d(p),rng.choice(["CP","CIN","LAC",""]),p["sen"]] for p in P]))],
    note="one recipient allowed, one personal: still a finding")

# ---------------- negatives ----------------
eml("neg-letter-parent-trip", "none", "outbound", "mrs.smith1980@gmail.com", "Jack - football",
    """Dear Mrs Smith,

I am pleased to tell you that Jack has been selected for the Year 7 football team. Matches are on Wednesdays after school
until 4.30pm. Jack will need shin pads and a gum shield. Please complete the consent form on ParentPay by Friday 27 November.

Kind regards
Mr D Walker
Head of PE
""", note="one child's name in a letter to a parent")

eml("neg-letter-parent-sen-review", "none", "outbound", "imran.khan@btinternet.com", "Aisha's annual review",
    """Dear Mr Khan,

I am writing to invite you to Aisha's EHCP annual review on Tuesday 8 December at 2pm in the SENCo office. We will look at
her progress towards her outcomes and at how her speech and language support is going. Aisha Khan (Year 4) is very welcome
to attend for the first part of the meeting. If your child's diagnosis or medication has changed, please bring any letters.

Yours sincerely
Mrs P Green
SENCo
""", note="a parent told about their own child's SEN review")

eml("neg-newsletter", "none", "outbound", "parents-list@oakfield-pta.org.uk", "Oakfield newsletter 12",
    """Dear Parents and Carers,

Free school meals: if your circumstances have changed you may be eligible for free school meals, which also brings pupil
premium funding to the school. Apply online at kent.gov.uk.

SEND: Our SENCo, Mrs Green, holds drop-in sessions on Thursday mornings for any parent with concerns about special
educational needs, autism or ADHD assessments. Our mental health lead, Mr Ali, can also help.

Well done to Year 5 for their assembly about the Romans, and to Oliver Hughes in 4B for winning the county chess final!

Dates: INSET day 4 January 2027; spring term starts 5 January 2027.
""", note="newsletter mentioning FSM, SEN, a named child's prize")

eml("neg-timetable", "none", "outbound", "supply@teachers-agency.co.uk", "timetable for cover",
    "Timetable for next week:\n\nPeriod\tMonday\tTuesday\tWednesday\tThursday\tFriday\n" + "".join(
        f"{i}\t7A Maths R12\t8C Maths R12\t9B Maths R14\t10X1 Maths R12\tFree\n" for i in range(1, 7)) +
    "\nForm group 7A registration 8.40 in R12. Year 7 assembly Thursday.\n", note="timetable with year groups")

eml("neg-invoice", "none", "outbound", "accounts@stationery-direct.co.uk", "Remittance advice",
    """Remittance advice

Invoice 4500012345   £1,240.00
Invoice 4500012352   £86.40
Invoice 1000000043   £12.00
Order number 2000000019, account 8814001234
Sort code 20-00-00  Account 12345678
Company reg 0306406152 VAT GB 123 4567 89

Paid by BACS on 20/11/2026.
""", note="invoice numbers that pass the ULN/NHS checksums")

eml("neg-staff-phone-list", "none", "outbound", "it.support@msp.example.com", "staff extensions",
    "Updated list attached.\n",
    [("extensions.csv", "text/csv", csv([["Surname","Forename","Role","Extension","Mobile","Email"]] +
        [[rng.choice(SUR), rng.choice(FORE), rng.choice(["Teacher","TA","Admin","Site"]), str(200+i), "07700 9%05d" % rng.randint(0,99999), "staff%d@oakfield.sch.uk" % i] for i in range(30)]))],
    note="staff phone list")

eml("neg-book-order", "none", "outbound", "orders@schoolbooks.example.co.uk", "book order",
    "Please supply:\n\n" + "\n".join(f"ISBN {i}  qty 30" for i in ["0306406152","0140449132","0571084834","0099549484","0141439513","0007136587"]) +
    "\n\nDelivery to the school office. NHS leaflets not required this time.\n", note="ISBN-10s pass the NHS checksum")

eml("neg-product-codes", "none", "outbound", "sales@lab-supplies.example.com", "science order",
    "Order:\n" + "\n".join(f"A{rng.randint(10**11, 10**12-1)}  beaker set" for _ in range(25)) + "\n",
    note="13-character product codes of UPN shape")

eml("neg-exam-timetable-csv", "none", "outbound", "invigilators@exam-staffing.example.com", "exam dates",
    "Attached.\n",
    [("exams.csv", "text/csv", csv([["Board","Subject","Paper","Date","Start","Duration","Room"]] +
        [["AQA", s, "Paper %d" % k, "%02d/05/2027" % (10+k+j), "09:00", "1h 45m", "Sports Hall"] for j, s in enumerate(["Biology","Chemistry","Physics","English Language","Maths"]) for k in (1,2)]))],
    note="exam timetable CSV with dates")

eml("neg-supplier-contacts", "none", "outbound", "procurement@trust-partner.example.com", "suppliers",
    "List attached.\n",
    [("suppliers.csv", "text/csv", csv([["Company","Contact Name","Phone","Address","Postcode"]] +
        [["Supplier %d Ltd" % i, rng.choice(FORE)+" "+rng.choice(SUR), "01622 %06d" % rng.randint(0,999999), "Unit %d, Park Way" % i, "ME14 1XX"] for i in range(15)]))],
    note="supplier contact list with names, phones and postcodes")

eml("neg-staff-training", "none", "outbound", "hr@trust-hr.example.com", "training records",
    "Attached.\n",
    [("training.csv", "text/csv", csv([["Name","Role","Date of birth","Safeguarding training date","Prevent"]] +
        [[rng.choice(FORE)+" "+rng.choice(SUR), "Teacher", "%02d/%02d/%d" % (rng.randint(1,28), rng.randint(1,12), rng.randint(1960,1998)), "01/09/2026", "Y"] for _ in range(20)]))],
    note="staff list with adult dates of birth")

eml("neg-nhs-prose", "none", "outbound", "governors@oakfield-gov.example.com", "first aid",
    """Governors,

The NHS advice for schools on asthma and anaphylaxis has been updated. Staff should call NHS 111 or 999. Our first aid
policy review is on the agenda. NHS number fields in the new medical form will be optional.

Thanks
Mrs Hall
""", note="NHS and medical words without a child or data")

eml("neg-single-dob-parent", "none", "outbound", "mrs.jones@gmail.com", "admissions form",
    "Dear Mrs Jones,\n\nWe have your son's date of birth as 12/03/2014 - please let us know if that is wrong.\n\nThank you\nSchool Office\n",
    note="one DOB in a letter to a parent")

eml("neg-safeguarding-minutes", "none", "outbound", "clerk@governor-services.example.com", "minutes",
    """Minutes of the safeguarding committee

Present: Mrs Patel (DSL), Mr Ali, Ms Turner

1. Child protection policy reviewed and approved. Designated safeguarding lead training booked for all staff.
2. Mental health first aid: two more staff trained.
3. CPOMS usage: 140 concerns logged this term (last term 122). No names in these minutes.
4. Early help offer to be publicised in the newsletter.
""", note="safeguarding minutes without a named child")

eml("neg-fixtures", "none", "outbound", "fixtures@district-sport.example.org", "fixtures",
    "Team\tOpponent\tDate\tVenue\nYear 7 boys\tHillview\t02/12/2026\tHome\nYear 8 girls\tSt Mary's\t03/12/2026\tAway\nYear 9 boys\tKingsgate\t09/12/2026\tHome\n",
    note="sports fixtures table")

eml("neg-vendor-marketing-reply", "none", "outbound", "sales@edtech.example.com", "Re: demo",
    """Thanks - yes please, Thursday works.

> Our tool imports your SIMS, Arbor or Bromcom export (UPN, Surname, Forename, DOB, SEN, FSM, EAL columns) and builds
> seating plans in seconds. Ask Sarah Jones in our team for a demo.
""", note="prose naming MIS export columns, no data")

# ---------------- direction, destinations, encryption (no finding) ----------------
P = pupils(30, [7])
sims = csv([["UPN","Legal Surname","Legal Forename","DOB","Year","Reg","SEN Status"]] + [[p["upn"],p["sur"],p["fore"],d(p),p["y"],p["reg"],p["sen"]] for p in P])
eml("neg-internal-export", "none", "internal", "head@oakfield.sch.uk", "export", "For you.\n",
    [("export.csv", "text/csv", sims)], note="MIS export between trust mailboxes")
eml("neg-allowed-mash", "none", "outbound", "mash@kent.gov.uk", "Referral: Chloe Patel",
    """Referral to the Kent Front Door / MASH.

Chloe Patel (7B), DOB 04/05/2014, disclosed that her mum's partner hit her. Bruising seen. She is on a CP plan; her social
worker is aware. UPN """ + P[0]["upn"] + "\n", note="safeguarding referral to an allowed destination")
eml("neg-allowed-nhs-domain", "none", "outbound", "school.nurses@nhs.net", "HPV list", "List.\n",
    [("hpv.csv", "text/csv", sims)], note="list to an allowed domain")

smime_body = b64(os.urandom(3000))
eml("neg-smime-encrypted", "none", "outbound", "jbloggs1975@gmail.com", "class list (encrypted)", "",
    ctype='application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"',
    raw_body="Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"smime.p7m\"\r\n\r\n" + smime_body + "\r\n",
    note="S/MIME enveloped message")
# The S/MIME raw_body above starts with part headers, which is wrong for a single-part message: rewrite it properly.
with open(os.path.join(OUT, "neg-smime-encrypted.eml"), "w", newline="") as f:
    f.write("\r\n".join(["From: j.bloggs@oakfield.sch.uk", "To: jbloggs1975@gmail.com", "Subject: class list (encrypted)",
        "Date: Mon, 23 Nov 2026 08:30:00 +0000", "Message-ID: <neg-smime-encrypted@oakfield.sch.uk>", "MIME-Version: 1.0",
        'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"',
        "Content-Transfer-Encoding: base64", 'Content-Disposition: attachment; filename="smime.p7m"', "", smime_body, ""]))

pgp_armor = "-----BEGIN PGP MESSAGE-----\r\n\r\n" + b64(os.urandom(1500)) + "\r\n-----END PGP MESSAGE-----\r\n"
with open(os.path.join(OUT, "neg-pgp-mime.eml"), "w", newline="") as f:
    f.write("\r\n".join(["From: j.bloggs@oakfield.sch.uk", "To: jbloggs1975@gmail.com", "Subject: list",
        "Date: Mon, 23 Nov 2026 08:30:00 +0000", "Message-ID: <neg-pgp-mime@oakfield.sch.uk>", "MIME-Version: 1.0",
        'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="pgpb"', "",
        "--pgpb", "Content-Type: application/pgp-encrypted", "", "Version: 1", "",
        "--pgpb", 'Content-Type: application/octet-stream; name="encrypted.asc"', "", pgp_armor, "--pgpb--", ""]))
manifest.append(("neg-pgp-mime.eml", "none", "outbound", "jbloggs1975@gmail.com", "PGP/MIME message"))
eml("neg-inline-pgp", "none", "outbound", "jbloggs1975@gmail.com", "list", pgp_armor.replace("\r\n", "\n"), note="inline PGP body")

with open(os.path.join(OUT, "manifest.tsv"), "w") as f:
    f.write("# file\tlabel\tdirection\trecipients\tnote\n")
    for m in manifest:
        f.write("\t".join(m) + "\n")
print(len(manifest), "messages")

# ================= round 2: real containers and harder negatives =================
import zipfile, io, tempfile
from xml.sax.saxutils import escape as xesc

def docx(paragraphs, table=None):
    W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{xesc(p)}</w:t></w:r></w:p>' for p in paragraphs)
    if table:
        body += "<w:tbl>" + "".join("<w:tr>" + "".join(f"<w:tc><w:p><w:r><w:t>{xesc(str(c))}</w:t></w:r></w:p></w:tc>" for c in r) + "</w:tr>" for r in table) + "</w:tbl>"
    doc = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>{body}</w:body></w:document>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", doc)
    return buf.getvalue()

def ods(rows):
    cells = "".join("<table:table-row>" + "".join(f'<table:table-cell office:value-type="string"><text:p>{xesc(str(c))}</text:p></table:table-cell>' for c in r) + "</table:table-row>" for r in rows)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Pupils">{cells}</table:table></office:spreadsheet></office:body></office:document-content>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
        z.writestr("content.xml", content)
    return buf.getvalue()

def zipit(name, data, password=None):
    d = tempfile.mkdtemp()
    with open(os.path.join(d, name), "wb") as f: f.write(data)
    out = os.path.join(d, "out.zip")
    cmd = ["zip", "-q", "-j"] + (["-P", password] if password else []) + [out, os.path.join(d, name)]
    subprocess.run(cmd, check=True)
    return open(out, "rb").read()

P = pupils(26, [8])
export_csv = csv([["UPN","Surname","Forename","DOB","Reg","SEN","FSM"]] + [[p["upn"],p["sur"],p["fore"],d(p),p["reg"],p["sen"],p["fsm"]] for p in P])
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

eml("neg-zip-password", "none", "outbound", "jbloggs1975@gmail.com", "list (password sent separately)",
    "The list is in the zip; I will text you the password.\n", [("list.zip", "application/zip", zipit("list.csv", export_csv, "Oakfield!2026"))],
    note="MIS export inside a password-protected (ZipCrypto) zip")
eml("pos-zip-plain", "pupil_data", "outbound", "jbloggs1975@gmail.com", "list",
    "Zipped to make it smaller.\n", [("list.zip", "application/zip", zipit("list.csv", export_csv))],
    note="the same export in a plain zip")

# real S/MIME enveloped data with openssl
d0 = tempfile.mkdtemp()
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d0 + "/k.pem", "-out", d0 + "/c.pem", "-days", "3650", "-subj", "/CN=dpo@kent.gov.uk"], check=True, capture_output=True)
inner = ("Content-Type: text/csv; name=\"list.csv\"\r\nContent-Disposition: attachment; filename=\"list.csv\"\r\n\r\n" + export_csv.decode()).encode()
with open(d0 + "/in.txt", "wb") as f: f.write(inner)
subprocess.run(["openssl", "smime", "-encrypt", "-aes256", "-in", d0 + "/in.txt", "-out", d0 + "/out.txt", "-from", "j.bloggs@oakfield.sch.uk", "-to", "jbloggs1975@gmail.com", "-subject", "class list", d0 + "/c.pem"], check=True)
smime = open(d0 + "/out.txt", "rb").read().decode().replace("\r\n", "\n").replace("\n", "\r\n")
with open(os.path.join(OUT, "neg-smime-openssl.eml"), "w", newline="") as f:
    f.write("Date: Mon, 23 Nov 2026 08:30:00 +0000\r\nMessage-ID: <neg-smime-openssl@oakfield.sch.uk>\r\nMIME-Version: 1.0\r\n" + smime)
manifest.append(("neg-smime-openssl.eml", "none", "outbound", "jbloggs1975@gmail.com", "real S/MIME (openssl smime -encrypt) of the export"))

# real inline PGP (symmetric) with gpg
gh = tempfile.mkdtemp()
r = subprocess.run(["gpg", "--homedir", gh, "--batch", "--yes", "--passphrase", "pw", "--symmetric", "--armor", "--output", "-"], input=export_csv, capture_output=True, check=True)
eml("neg-pgp-inline-gpg", "none", "outbound", "jbloggs1975@gmail.com", "list", r.stdout.decode(), note="real inline PGP message (gpg --symmetric --armor)")

eml("pos-docx-table", "pupil_data", "outbound", "volunteer.reader@gmail.com", "reading volunteers list",
    "Attached is the list of children you will hear read.\n",
    [("Reading list.docx", DOCX, docx(["Reading volunteers - Autumn 2", "Please keep this list confidential."],
        [["Pupil name","Class","Reading age","SEN"]] + [[p["fore"]+" "+p["sur"], p["reg"], "%d.%d" % (rng.randint(5,9), rng.randint(0,11)), SEN[p["sen"]]] for p in P[:10]]))],
    note="DOCX with a pupil table")
eml("pos-docx-sen-note", "pupil_data", "outbound", "mrs.t.clarke@hotmail.com", "one page profile",
    "Here it is, can you finish it at home?\n",
    [("Profile.docx", DOCX, docx(["One page profile - CONFIDENTIAL",
        "Reuben Walker (Year 6, 6H) has an EHCP for autism and speech and language needs. He takes medication for ADHD at lunchtime, given by the office.",
        "He is known to early help and has a social worker; please read the CP file before his transition meeting."]))],
    note="DOCX SEN profile of a named child to a personal mailbox")
eml("neg-docx-letter", "none", "outbound", "parents@oakfield-pta.org.uk", "letter home",
    "Letter for the PTA to forward.\n",
    [("Letter.docx", DOCX, docx(["Dear Parents and Carers,",
        "Year 6 will visit the Science Museum on Friday 4 December. Please send a packed lunch. If your child has medication, such as an inhaler, please hand it to the class teacher.",
        "Free school meal packed lunches will be provided by the kitchen.", "Mrs P Green, Year 6 lead"]))],
    note="DOCX trip letter to parents")
eml("pos-ods-export", "pupil_data", "outbound", "jbloggs1975@gmail.com", "ods export",
    "From LibreOffice at home.\n",
    [("export.ods", "application/vnd.oasis.opendocument.spreadsheet", ods([["UPN","Surname","Forename","DOB","Ethnicity","EAL"]] + [[p["upn"],p["sur"],p["fore"],d(p),p["eth"],p["eal"]] for p in P]))],
    note="ODS export")

eml("neg-community-newsletter", "none", "outbound", "news@village-community.example.org", "school news for the parish magazine",
    """Oakfield Primary news

Congratulations to Amelia Brown (Year 3), Harry Wilson (Year 4) and Freya Hall (Year 4), who won the county chess
tournament, and to Noah Khan (Year 3) for his poem in the library competition.

Mental health awareness week starts on 1 February with a talk by the school nurse. Families who may be eligible for free
school meals can apply through the county council website.
""", note="pupils named for prizes; FSM and mental health in other paragraphs")

eml("neg-staff-absence", "none", "outbound", "supply@teachers-agency.co.uk", "cover needed",
    """Hi,

Sarah Turner (Year 4 teacher, 4B) is off for two weeks after an operation; her diagnosis is private but she is fine. Please
send a supply teacher who can manage a class with several pupils with autism and ADHD.

Thanks
School Office
""", note="staff absence: a named adult near a class, SEN words about the class")

eml("neg-it-ticket", "none", "outbound", "servicedesk@msp.example.com", "SIMS export broken",
    """Hi,

The SIMS report "Student List (UPN, DOB, SEN)" errors when exporting to CSV. Error code 0x80004005 at 10:42. Reports for
Year 7 and Year 8 fail; the Arbor sync job ran at 02:00. Ticket ref 1000000043.
""", note="IT ticket naming MIS report columns")

eml("neg-isbn-reading-list", "none", "outbound", "library@bookshop.example.co.uk", "Year 9 reading list",
    "Year 9 reading list (NHS number of copies: ask the librarian)\n\n" + "\n".join(f"{t} - {i}" for t, i in [("Of Mice and Men","0140177396"),("Animal Farm","0141036133"),("Holes","0747544573"),("Wonder","0552565970"),("Skellig","0340944927")]) + "\n",
    note="ISBN-10s (NHS checksum) beside the word NHS, no 'ISBN' label")

with open(os.path.join(OUT, "manifest.tsv"), "w") as f:
    f.write("# file\tlabel\tdirection\trecipients\tnote\n")
    for m in manifest:
        f.write("\t".join(m) + "\n")
print(len(manifest), "messages")

# ================= round 3 =================
eml("pos-safeguarding-no-form", "pupil_data", "outbound", "kate.ta.1990@gmail.com", "worried",
    """Hi Kate,

I'm worried about Tom Jenkins. At lunch he disclosed that his dad hits him when he drinks; there are bruises on both
arms. Should I ring social care myself or wait for the DSL on Monday?

Jo
""", note="safeguarding disclosure about a named child without a year group")
P = pupils(18, [1, 2])
eml("pos-parent-contacts", "pupil_data", "outbound", "oakfield.pta@gmail.com", "contacts for the Christmas fair",
    "Here are the parent contacts for the fair rota.\n",
    [("contacts.csv", "text/csv", csv([["Pupil Name","Parent/Carer","Mobile","Email"]] +
        [[p["fore"]+" "+p["sur"], rng.choice(["Mrs ","Mr ","Ms "])+p["sur"], p["phone"], p["sur"].lower().replace("'", "")+"%d@gmail.com" % i] for i, p in enumerate(P)]))],
    note="pupil names with parents' phone numbers and emails")
eml("neg-parent-reply-hi", "none", "outbound", "r.khan@gmail.com", "Re: Aisha's medication",
    """Hi Mrs Khan,

Thank you for letting me know about Aisha's new medication and the diagnosis letter from the paediatrician; I have passed
a copy to the office so that Aisha Khan (4B) can take it at lunchtime.

Best wishes
Miss Hall
""", note="reply to a parent about her own child's medication")
eml("neg-news-forward", "none", "outbound", "friend@example.com", "Fwd: did you see this",
    """Saw this in the paper, terrible.

A 15-year-old boy, Jack Reynolds, was assaulted near the station on Saturday, police said. His mother told reporters he had
been groomed online and that social services had been warned about the abuse months ago.
""", note="forwarded news article naming a teenager")
eml("neg-training-scenario", "none", "outbound", "trainer@safeguarding-training.example.com", "scenario feedback",
    """Thanks for the training. For the record, the case study we used ("Child A, aged 9, discloses neglect and bruising to a
lunchtime supervisor; the DSL makes a MASH referral") worked well with the staff.
""", note="training case study with no named child")

with open(os.path.join(OUT, "manifest.tsv"), "w") as f:
    f.write("# file\tlabel\tdirection\trecipients\tnote\n")
    for m in manifest:
        f.write("\t".join(m) + "\n")
print(len(manifest), "messages")
