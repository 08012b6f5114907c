# Regenerates the labelled evaluation set in testdata/eval (issue 12): one
# .eml per case and labels.tsv ("<file>\t<label>[\t<direction>]"; label
# "clean" for negatives). Field names follow the published specifications
# (DfE school census and CTF, CIN census, SSDA903, Ofsted Annex A, school
# workforce census) and the column names of SIMS, Arbor, Bromcom and
# ScholarPack exports; every value is synthetic. Identifiers mostly fail
# their check characters and many dates of birth are now outside school
# age, as in the public synthetic samples. Written from the formats, not
# from the detector. Needs python3 and go.
# Run: python3 scanner/pupildata/testdata/eval/gen/gen.py
import base64, datetime, io, json, os, random, subprocess, tempfile, zipfile

rng = random.Random(20261206)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..")
MODROOT = os.path.join(HERE, "..", "..", "..", "..", "..")
for f in os.listdir(OUT):
    if f.endswith(".eml") or f == "labels.tsv":
        os.remove(os.path.join(OUT, f))
labels = []

FORE = ["Oliver","Amelia","Jack","Isla","Harry","Ava","George","Mia","Noah","Ivy","Leo","Freya","Oscar","Lily",
        "Arthur","Florence","Muhammad","Aisha","Alfie","Grace","Charlie","Sophia","Theo","Evie","Jacob","Poppy",
        "Freddie","Rosie","Archie","Zara","Logan","Maya","Ethan","Ruby","Reuben","Hannah","Kacper","Zuzanna",
        "Ibrahim","Fatima","Tyler","Chloe","Mason","Amira","Dylan","Nadia","Kai","Jessica"]
SUR = ["Smith","Jones","Taylor","Brown","Williams","Wilson","Johnson","Davies","Patel","Robinson","Wright",
       "Thompson","Evans","Walker","White","Roberts","Green","Hall","Khan","Lewis","Clarke","Jackson","Wood",
       "Harris","Edwards","Turner","Martin","Cooper","Hill","Ward","Hughes","Moore","Begum","Kowalski",
       "O'Brien","Nowak","Ahmed","Okafor","Mensah","Hussain"]
ETH = ["WBRI","WOTH","AIND","APKN","BCRB","BAFR","MWBC","WIRT","CHNE","ABAN","WROM","MOTH"]
PCS = ["ME14 1XX","ME15 6QA","TN9 1AB","CT1 2EH","DA1 1DX","ME4 4TR","LS6 2QB","B12 9LP","M14 5TN","NE4 7AA"]
L = "ABCDEFGHJKLMNPQRTUVWXYZ"

def upn(la, est, yr, serial, valid):
    body = f"{la:03d}{est:04d}{yr:02d}{serial:03d}"
    s = sum(k * int(body[k - 2]) for k in range(2, 14))
    good = L[s % 23]
    if valid:
        return good + body
    return rng.choice([c for c in L if c != good]) + body

def nino(valid=True):
    first = "ABCEGHJKLMNPRSTWXYZ"
    second = "ABCEGHJKLMNPRSTWXYZ"
    p = rng.choice(first) + rng.choice(second)
    while p in ("BG","GB","NK","KN","TN","NT","ZZ"):
        p = rng.choice(first) + rng.choice(second)
    return p + "%06d" % rng.randint(0, 999999) + rng.choice("ABCD")

def dob(lo, hi):
    a = datetime.date(lo, 1, 1).toordinal()
    b = datetime.date(hi, 12, 31).toordinal()
    return datetime.date.fromordinal(rng.randint(a, b))

def people(n, lo, hi, valid_upn=False):
    out = []
    for i in range(n):
        d = dob(lo, hi)
        out.append(dict(fore=rng.choice(FORE), sur=rng.choice(SUR), dob=d, sex=rng.choice("MF"),
                        upn=upn(rng.choice([886, 330, 202, 936]), rng.randint(2000, 4999), d.year % 100,
                                rng.randint(1, 999), valid_upn),
                        eth=rng.choice(ETH), pc=rng.choice(PCS), id="%d" % rng.randint(100000, 999999),
                        year=rng.randint(1, 11), fsm=rng.choice(["true", "false", "false"]),
                        sen=rng.choice(["N", "N", "K", "E"]), form=rng.choice("ABCDEFG")))
    return out

def b64(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))

def xlsx(sheets):
    path = os.path.join(tempfile.mkdtemp(), "out.xlsx")
    subprocess.run(["go", "run", os.path.join(HERE, "xlsx", "main.go"), path], input=json.dumps(sheets).encode(),
                   check=True, cwd=MODROOT)
    return open(path, "rb").read()

def csv(rows, sep=","):
    def q(c):
        c = str(c)
        return '"' + c.replace('"', '""') + '"' if (sep in c or '"' in c) else c
    return ("\r\n".join(sep.join(q(c) for c in r) for r in rows) + "\r\n").encode()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

def eml(name, label, subject, body, to, attachments=(), sender="j.bloggs@oakfield.sch.uk", cc=None,
        html=None, direction=None):
    h = [f"From: {sender}", f"To: {to}", f"Subject: {subject}", "Date: Fri, 04 Dec 2026 15:10:00 +0000",
         f"Message-ID: <{name}@oakfield.sch.uk>", "MIME-Version: 1.0"]
    if cc:
        h.insert(2, f"Cc: {cc}")
    if not attachments and html is None:
        h += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
        msg = "\r\n".join(h) + "\r\n\r\n" + body.replace("\n", "\r\n")
    else:
        bnd = "=_eval_" + name
        h.append(f'Content-Type: multipart/mixed; boundary="{bnd}"')
        parts = []
        if html is not None:
            alt = "=_alt_" + name
            parts.append(f'Content-Type: multipart/alternative; boundary="{alt}"\r\n\r\n'
                         f"--{alt}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
                         f"--{alt}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--{alt}--")
        else:
            parts.append("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body)
        for fname, ctype, data in attachments:
            parts.append(f'Content-Type: {ctype}; name="{fname}"\r\nContent-Disposition: attachment; filename="{fname}"\r\n'
                         f"Content-Transfer-Encoding: base64\r\n\r\n{b64(data)}")
        msg = "\r\n".join(h) + "\r\n\r\n" + "".join(f"--{bnd}\r\n{p}\r\n" for p in parts) + f"--{bnd}--\r\n"
    with open(os.path.join(OUT, name + ".eml"), "w", newline="") as f:
        f.write(msg.replace("\r\n", "\n").replace("\n", "\r\n"))
    labels.append(f"{name}.eml\t{label}" + (f"\t{direction}" if direction else ""))

def iso(d): return d.isoformat()
def uk(d): return d.strftime("%d/%m/%Y")

# ---------------------------------------------------------------- census CSV
def census_rows(ps, fmt=uk):
    rows = [["LEA","Estab","UPN","Surname","Forename","DOB","Gender","NCyearActual","EnrolStatus","FSMeligible",
             "SENProvision","PrimarySENtype","Ethnicity","Language","Attendance"]]
    for p in ps:
        rows.append(["886","4021",p["upn"],p["sur"],p["fore"],fmt(p["dob"]),p["sex"],str(p["year"]),"C",
                     p["fsm"],p["sen"],rng.choice(["","SPLD","ASD","SEMH","MLD"]),p["eth"],
                     rng.choice(["ENG","ENG","POL","URD"]),"%d" % rng.randint(80, 100)])
    return rows

eml("census-csv-synthetic", "census_csv", "census extract", "Hi, census file attached as discussed.\n\nJo\n",
    "jo.bloggs.home@gmail.com", [("census.csv", "text/csv", csv(census_rows(people(40, 2001, 2006))))])
eml("census-csv-valid-upn", "census_csv", "Spring census check", "Can you check this before Thursday?\n",
    "census.help@edu-data-services.co.uk", [("spring.csv", "text/csv", csv(census_rows(people(25, 2012, 2019, True), iso)))])
rows = census_rows(people(18, 2003, 2007))
eml("census-csv-title-rows", "census_csv", "returns", "Attached.\n", "mark.t@outlook.com",
    [("return.csv", "text/csv", csv([["School Census Autumn 2026 - pupil level extract"], ["Generated 04/12/2026"], []] + rows))])
eml("census-csv-semicolon", "census_csv", "export", "see attached\n", "data.person@yahoo.co.uk",
    [("export.csv", "text/csv", csv(census_rows(people(12, 2000, 2005)), ";"))])

# ---------------------------------------------------------------- census XML
def census_xml(ps, ns=True):
    x = ['<?xml version="1.0" encoding="UTF-8"?>']
    x.append('<Message xmlns="http://www.govtalk.gov.uk/schools/census" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' if ns else "<Message>")
    x.append("<Header><CollectionDetails><Collection>SC</Collection><Term>AUT</Term><Year>2026</Year>"
             "<ReferenceDate>2026-10-01</ReferenceDate></CollectionDetails><Source><SourceLevel>S</SourceLevel>"
             "<LEA>886</LEA><Estab>4021</Estab><SchoolName>Oakfield Academy</SchoolName><Software>MIS</Software>"
             "</Source></Header><SchoolInformation><LEA>886</LEA><Estab>4021</Estab><Phase>SS</Phase></SchoolInformation>")
    x.append("<Pupils>")
    for p in ps:
        x.append(f"<PupilOnRoll><PupilIdentifiers><UPN>{p['upn']}</UPN><Surname>{p['sur'].replace(chr(39), '&apos;')}</Surname>"
                 f"<Forename>{p['fore']}</Forename><DOB>{iso(p['dob'])}</DOB><Gender>{p['sex']}</Gender></PupilIdentifiers>"
                 f"<PupilCharacteristics><Ethnicity>{p['eth']}</Ethnicity><FSMeligible>{p['fsm']}</FSMeligible>"
                 f"<NCyearActual>{p['year']}</NCyearActual><EnrolStatus>C</EnrolStatus></PupilCharacteristics>"
                 f"<SpecialEducationalNeeds><SENprovision>{p['sen']}</SENprovision><SENneeds><SENneed><SENtypeRank>1</SENtypeRank>"
                 f"<SENtype>{rng.choice(['SPLD','ASD','SLCN'])}</SENtype></SENneed></SENneeds></SpecialEducationalNeeds>"
                 f"<HomeInformation><Address><BS7666Address><PostCode>{p['pc']}</PostCode></BS7666Address></Address></HomeInformation>"
                 "</PupilOnRoll>")
    x.append("</Pupils></Message>")
    return "\n".join(x).encode()

eml("census-xml-namespaced", "census_xml", "census", "XML as requested\n", "consultant@school-data-help.co.uk",
    [("SC_886_4021.xml", "application/xml", census_xml(people(30, 2003, 2008)))])
eml("census-xml-plain", "census_xml", "census file", "here\n", "j.b.1977@hotmail.co.uk",
    [("census.xml", "text/xml", census_xml(people(8, 2012, 2018, True), ns=False))])

# ---------------------------------------------------------------- CTF
def ctf(ps):
    x = ['<?xml version="1.0" encoding="UTF-8"?>', '<CTfile xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
         "<Header><Version>1.0</Version><DocumentName>Common Transfer File</DocumentName><CTFversion>25.0</CTFversion>"
         "<DateTime>2026-07-14T10:00:00</DateTime><DocumentQualifier>full</DocumentQualifier><SupplierID>MIS</SupplierID>"
         "<SourceSchool><LEA>886</LEA><Estab>2134</Estab><SchoolName>Oakfield Primary</SchoolName><AcademicYear>2025</AcademicYear></SourceSchool>"
         "<DestSchool><LEA>886</LEA><Estab>4021</Estab></DestSchool></Header>", "<CTFpupilData>"]
    for p in ps:
        x.append(f"<Pupil><UPN>{p['upn']}</UPN><UniqueLearnerNumber></UniqueLearnerNumber><Surname>{p['sur'].replace(chr(39), '&apos;')}</Surname>"
                 f"<Forename>{p['fore']}</Forename><DOB>{iso(p['dob'])}</DOB><Sex>{p['sex']}</Sex>"
                 f"<BasicDetails><MedicalFlag>{rng.choice(['true','false'])}</MedicalFlag><NCyearActual>6</NCyearActual>"
                 f"<Ethnicity>{p['eth']}</Ethnicity><EthnicitySource>P</EthnicitySource><Languages><Type><LanguageType>F</LanguageType><Language>ENG</Language></Type></Languages>"
                 f"<FSMhistory><FSMreviewDate>2026-06-01</FSMreviewDate><FSMinstance><FSMstartDate>2024-09-01</FSMstartDate></FSMinstance></FSMhistory></BasicDetails>"
                 f"<SENhistory><SEN><StartDate>2023-09-01</StartDate><SENprovision>{p['sen']}</SENprovision></SEN></SENhistory>"
                 f"<Address><BS7666Address><PostCode>{p['pc']}</PostCode></BS7666Address></Address>"
                 f"<Contacts><Contact><Order>1</Order><Title>Mrs</Title><Surname>{rng.choice(SUR)}</Surname><Forename>{rng.choice(['Sarah','Claire','Anna'])}</Forename>"
                 f"<Relationship>PAM</Relationship><Responsibility>true</Responsibility><Phones><Phone><TelephoneType>M</TelephoneType><PhoneNo>07700 900{rng.randint(100,999)}</PhoneNo></Phone></Phones></Contact></Contacts>"
                 "</Pupil>")
    x.append("</CTFpupilData></CTfile>")
    return "\n".join(x).encode()

eml("ctf-transfer", "ctf_xml", "CTF for September", "Please find the CTF for our Year 6 leavers.\n",
    "admissions.helper@gmail.com", [("886_2134_886_4021_001.xml", "application/xml", ctf(people(28, 2014, 2015)))])
eml("ctf-synthetic-old-dobs", "ctf_xml", "test ctf", "Test CTF from the training environment.\n", "trainer@mis-training.example.com",
    [("ctf_test.xml", "application/xml", ctf(people(10, 1999, 2004)))])

def zipped(name, data):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo(name, date_time=(2026, 7, 14, 10, 0, 0)), data)
    return buf.getvalue()

eml("ctf-in-zip", "ctf_xml", "CTF (zipped)", "Zipped CTF attached, the portal was down.\n", "y6.teacher.home@gmail.com",
    [("ctf.zip", "application/zip", zipped("886_2134_886_4021_002.xml", ctf(people(15, 2014, 2015))))])

# ---------------------------------------------------------------- CIN XML
def cin_xml(n, ns):
    x = ['<?xml version="1.0" encoding="UTF-8"?>',
         '<Message xmlns="http://www.dfe.gov.uk/CIN">' if ns else "<Message>",
         "<Header><Collection><CollectionName>CIN</CollectionName><Year>2026</Year><ReferenceDate>2026-03-31</ReferenceDate></Collection>"
         "<Source><SourceLevel>L</SourceLevel><LEA>886</LEA><SoftwareCode>LCS</SoftwareCode><Release>ver 3.1</Release>"
         "<SerialNo>001</SerialNo><DateTime>2026-05-10T09:00:00</DateTime></Source></Header>", "<Children>"]
    for i in range(n):
        d = dob(2003, 2012)
        x.append(f"<Child><ChildIdentifiers><LAchildID>DDS{rng.randint(10000,99999)}</LAchildID>"
                 f"<UPN>{upn(886, 2000+i, 10, i+1, False)}</UPN><FormerUPN></FormerUPN><UPNunknown></UPNunknown>"
                 f"<PersonBirthDate>{iso(d)}</PersonBirthDate><ExpectedPersonBirthDate></ExpectedPersonBirthDate>"
                 f"<GenderCurrent>{rng.choice('12')}</GenderCurrent><PersonDeathDate></PersonDeathDate></ChildIdentifiers>"
                 f"<ChildCharacteristics><Ethnicity>{rng.choice(ETH)}</Ethnicity><Disabilities><Disability>{rng.choice(['NONE','HAND','LD','AUT'])}</Disability></Disabilities></ChildCharacteristics>"
                 f"<CINdetails><CINreferralDate>2025-0{rng.randint(1,9)}-1{rng.randint(0,9)}</CINreferralDate><ReferralSource>{rng.choice(['1A','2B','3C','5A'])}</ReferralSource>"
                 f"<PrimaryNeedCode>N{rng.randint(1,9)}</PrimaryNeedCode><CINclosureDate></CINclosureDate><ReasonForClosure></ReasonForClosure>"
                 f"<DateOfInitialCPC></DateOfInitialCPC><ReferralNFA>false</ReferralNFA>"
                 f"<ChildProtectionPlans><CPPstartDate>2025-10-02</CPPstartDate><InitialCategoryOfAbuse>{rng.choice(['NEG','PHY','EMO'])}</InitialCategoryOfAbuse>"
                 f"<LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse><NumberOfPreviousCPP>0</NumberOfPreviousCPP></ChildProtectionPlans></CINdetails></Child>")
    x.append("</Children></Message>")
    return "\n".join(x).encode()

eml("cin-census-namespaced", "cin_xml", "CIN return", "CIN census file for validation.\n", "validator.contractor@gmail.com",
    [("cin_2026.xml", "application/xml", cin_xml(24, True))])
eml("cin-census-prefixed", "cin_xml", "CIN test", "Prefixed namespace version.\n", "cin.helpdesk.contractor@outlook.com",
    [("cin_prefixed.xml", "application/xml", cin_xml(9, False).replace(b"<Message>", b'<cin:Message xmlns:cin="http://www.dfe.gov.uk/CIN">')
      .replace(b"</Message>", b"</cin:Message>"))])
eml("cin-census-plain", "cin_xml", "cin", "sample\n", "s.worker.home@icloud.com", [("CIN.xml", "text/xml", cin_xml(6, False))])

# ---------------------------------------------------------------- SSDA903
def ssda_episodes(n, with_dob):
    hdr = ["CHILD"] + (["DOB"] if with_dob else []) + ["DECOM","RNE","LS","CIN","PLACE","PLACE_PROVIDER","DEC","REC",
           "REASON_PLACE_CHANGE","HOME_POST","PL_POST","URN"]
    rows = [hdr]
    for i in range(n):
        child = str(rng.randint(100000, 999999))
        d = dob(2004, 2012)
        for e in range(rng.randint(1, 3)):
            rows.append([child] + ([uk(d)] if with_dob else []) + [f"0{rng.randint(1,9)}/0{rng.randint(1,9)}/2025",
                         rng.choice("LPBTSU"), rng.choice(["C2","V2","E1"]), "N%d" % rng.randint(1, 8),
                         rng.choice(["U1","U4","R1","K2","P1"]), rng.choice(["PR1","PR2","PR4"]), "", "",
                         "", rng.choice(PCS), rng.choice(PCS), "SC%06d" % rng.randint(0, 999999)])
    return rows

def ssda_header(n):
    rows = [["CHILD","SEX","DOB","ETHNIC","UPN","MOTHER","MC_DOB"]]
    for i in range(n):
        rows.append([str(rng.randint(100000, 999999)), rng.choice("12"), uk(dob(2003, 2011)), rng.choice(ETH),
                     upn(886, 3000, 10, i + 1, False), "", ""])
    return rows

eml("ssda903-episodes-dob", "ssda903_csv", "903 episodes", "Episodes file attached.\n", "lac.analyst@gmail.com",
    [("episodes.csv", "text/csv", csv(ssda_episodes(20, True)))])
eml("ssda903-episodes-header", "ssda903_csv", "903 files", "Both files for the return.\n", "consult.903@protonmail.com",
    [("header.csv", "text/csv", csv(ssda_header(15))), ("episodes.csv", "text/csv", csv(ssda_episodes(15, False)))])
eml("ssda903-episodes-only", "ssda903_csv", "placements", "episodes only this time\n", "d.smith.la@outlook.com",
    [("episodes_2026.csv", "text/csv", csv(ssda_episodes(9, False)))])

# ---------------------------------------------------------------- Annex A
def annex_sheet(title, hdr, gen, n):
    rows = [[title] + [""] * (len(hdr) - 1), [""] * len(hdr), hdr]
    for i in range(n):
        rows.append(gen(i))
    last = chr(ord("A") + len(hdr) - 1)
    return {"name": title.split(":")[0], "rows": rows, "merge": [f"A1:{last}1"]}

def aid(): return "%s%05d" % (rng.choice(["CH", "LCS", ""]), rng.randint(0, 99999))
def annexa(n):
    l1 = annex_sheet("List 1: Contacts", ["Child Unique ID","Gender","Ethnicity","Date of Birth","Age","Date of Contact","Contact Source"],
                     lambda i: [aid(), rng.choice(["Male","Female"]), rng.choice(ETH), iso(dob(2006, 2020)), "", "2026-0%d-12" % rng.randint(1, 9), rng.choice(["Police","School","Health"])], n)
    l1["dates"] = ["D"]
    l3 = annex_sheet("List 3: Referrals", ["Child Unique ID","Gender","Ethnicity","Disability","Date of Birth","Referral Date","Referral Source","Referral NFA","Allocated Team","Allocated Worker"],
                     lambda i: [aid(), rng.choice(["M","F"]), rng.choice(ETH), rng.choice(["Yes","No"]), iso(dob(2006, 2020)), "2026-03-0%d" % rng.randint(1, 9), rng.choice(["Police","School","Anonymous"]), "No", "Assessment Team 2", rng.choice(["J Hart","K Amin"])], n)
    l3["dates"] = ["E"]
    l7 = annex_sheet("List 7: Child Protection", ["Child Unique ID","Gender","Ethnicity","Disability","Age","Child Protection Plan Start Date","Initial Category of Abuse","Latest Category of Abuse","Number of Previous CP Plans"],
                     lambda i: [aid(), rng.choice(["M","F"]), rng.choice(ETH), "No", str(rng.randint(1, 17)), "2025-11-0%d" % rng.randint(1, 9), rng.choice(["Neglect","Emotional abuse"]), "Neglect", "0"], n // 2)
    return [l1, l3, l7]

eml("annexa-workbook", "annexa_xlsx", "Annex A draft", "Draft Annex A lists for the inspection prep.\n", "inspection.consultant@gmail.com",
    [("AnnexA_draft.xlsx", XLSX, xlsx(annexa(22)))])
def annexa_notes(n):
    sheets = annexa(n)
    for sh in sheets:
        hdr = sh["rows"][2]
        notes = [["Notes: one row per child; dates dd/mm/yyyy; leave blank if unknown"] + [""] * (len(hdr) - 1)] * 3
        sh["rows"] = sh["rows"][:2] + notes + sh["rows"][2:]
        sh["dates"] = [chr(ord(c) + 0) for c in sh.get("dates", [])]
    return sheets

eml("annexa-workbook-notes", "annexa_xlsx", "annex A for checking", "With the guidance notes above each list.\n", "ofsted.prep.consultant@outlook.com",
    [("AnnexA_v2.xlsx", XLSX, xlsx(annexa_notes(10)))])
eml("annexa-workbook-small", "annexa_xlsx", "annex a", "lists 1 3 7\n", "h.morgan.home@btinternet.com",
    [("annex.xlsx", XLSX, xlsx(annexa(6)))])

# ---------------------------------------------------------------- MIS exports
def sims(ps):
    rows = [["Adno","UPN","Legal Surname","Legal Forename","DOB","Gender","Year","Reg","SEN Status","FSM Eligible","Ethnicity","Home Language"]]
    for p in ps:
        rows.append(["%06d" % rng.randint(1, 99999), p["upn"], p["sur"].upper(), p["fore"], uk(p["dob"]), p["sex"],
                     "Year %d" % p["year"], "%d%s" % (p["year"], p["form"]), p["sen"], rng.choice(["Yes","No"]), p["eth"], "English"])
    return rows

def arbor(ps):
    rows = [["Arbor - Student List (custom report)"], ["Oakfield Academy", "", "Printed 04/12/2026"], [],
            ["Student ID","First Name","Last Name","Date of Birth","Year Group","Registration Form","SEN Status","Pupil Premium","EAL","Attendance %"]]
    for p in ps:
        rows.append(["S%05d" % rng.randint(1, 99999), p["fore"], p["sur"], iso(p["dob"]), "Year %d" % p["year"],
                     "%d%s" % (p["year"], p["form"]), rng.choice(["No SEN","SEN Support","EHCP"]), rng.choice(["Yes","No"]),
                     rng.choice(["Yes","No"]), "%.1f" % rng.uniform(75, 100)])
    return rows

def bromcom(ps):
    rows = [["Student Name","Admission No","DOB","Gender","Tutor Group","SEN Need","Medical Conditions","Dietary Needs"]]
    for p in ps:
        rows.append([f"{p['sur']}, {p['fore']}", "%d" % rng.randint(10000, 99999), uk(p["dob"]), p["sex"],
                     "%d%s" % (p["year"], p["form"]), rng.choice(["","SpLD","ASD",""]), rng.choice(["","Asthma","Epilepsy","Nut allergy",""]), rng.choice(["","Halal","Vegetarian",""])])
    return rows

def scholarpack(ps):
    rows = [["Surname","Forename","Class","DOB","UPN","FSM","Pupil Premium","SEN Stage","Ethnicity","Religion","Doctor"]]
    for p in ps:
        rows.append([p["sur"], p["fore"], rng.choice(["Oak","Ash","Willow"]), uk(p["dob"]), p["upn"], rng.choice(["Y","N"]),
                     rng.choice(["Y","N"]), rng.choice(["N","K"]), p["eth"], rng.choice(["Christian","Muslim","None","Sikh"]), "Dr Shah, Oak Surgery"])
    return rows

eml("mis-sims-csv", "mis_export", "Y9 list", "Full Y9 list from SIMS.\n", "k.smith.home@outlook.com",
    [("Y9.csv", "text/csv", csv(sims(people(35, 2011, 2012))))])
eml("mis-arbor-xlsx", "mis_export", "students", "Export from Arbor as requested.\n", "tutor@brightsparks-tuition.co.uk",
    [("students.xlsx", XLSX, xlsx([{"name": "Students", "rows": arbor(people(20, 2009, 2013)), "merge": ["A1:J1"], "dates": ["D"]}]))])
eml("mis-bromcom-xlsx-sheets", "mis_export", "trip lists", "Lists for the residential, one sheet per group.\n", "bookings@adventure-centre.co.uk",
    [("residential.xlsx", XLSX, xlsx([{"name": "Group A", "rows": bromcom(people(12, 2014, 2015))},
                                     {"name": "Group B", "rows": bromcom(people(11, 2014, 2015))}]))])
eml("mis-scholarpack-csv", "mis_export", "class data", "ScholarPack export\n", "office.temp2@gmail.com",
    [("pupils.csv", "text/csv", csv(scholarpack(people(16, 2004, 2008))))])
def report_xml(ps):
    x = ['<?xml version="1.0" encoding="utf-8"?>', '<SuperStarReport xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">']
    for p in ps:
        sur = p["sur"].replace("'", "&apos;")
        x.append(f'<Record Adno="{rng.randint(1000, 9999)}" Legal_x0020_Surname="{sur}" Legal_x0020_Forename="{p["fore"]}" '
                 f'DOB="{uk(p["dob"])}" Reg="{p["year"]}{p["form"]}" SEN_x0020_Status="{p["sen"]}" FSM="{rng.choice(["T","F"])}"/>')
    x.append("</SuperStarReport>")
    return "\n".join(x).encode()

def two_level(ps):
    rows = [["Pupil", "", "", "Needs", "", ""], ["Surname", "Forename", "DOB", "SEN", "Medical", "FSM"]]
    for p in ps:
        rows.append([p["sur"], p["fore"], iso(p["dob"]), p["sen"], rng.choice(["", "Asthma", "Diabetes"]), rng.choice(["Y", "N"])])
    return rows

eml("mis-report-xml-attributes", "mis_export", "report", "Report output as XML.\n", "mis.contractor@gmail.com",
    [("report.xml", "application/xml", report_xml(people(13, 2008, 2012)))])
eml("mis-two-level-header", "mis_export", "needs list", "Needs list, grouped headings.\n", "ta.personal.account@gmail.com",
    [("needs.xlsx", XLSX, xlsx([{"name": "Needs", "rows": two_level(people(9, 2015, 2016)), "merge": ["A1:C1", "D1:F1"], "dates": ["C"]}]))])
def excel2003(rows, sheet):
    def cell(v):
        v = str(v).replace("&", "&amp;").replace("<", "&lt;").replace("'", "&apos;")
        return f'<Cell><Data ss:Type="String">{v}</Data></Cell>'
    x = ['<?xml version="1.0"?>', '<?mso-application progid="Excel.Sheet"?>',
         '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:o="urn:schemas-microsoft-com:office:office" '
         'xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">',
         f'<Worksheet ss:Name="{sheet}"><Table>']
    for r in rows:
        x.append("<Row>" + "".join(cell(c) for c in r) + "</Row>")
    x.append("</Table></Worksheet></Workbook>")
    return "\n".join(x).encode()

eml("mis-excel2003-xml", "mis_export", "list (xml spreadsheet)", "Saved as XML Spreadsheet 2003 from the MIS.\n",
    "kitchen.manager.home@gmail.com", [("dietary.xml", "application/xml", excel2003(bromcom(people(10, 2013, 2016)), "Dietary"))])
eml("mis-mixed-recipients", "mis_export", "Y9 list", "List for the trip.\n", "head@oakfield.sch.uk",
    [("Y9.csv", "text/csv", csv(sims(people(14, 2011, 2012))))], cc="trips.organiser@gmail.com", direction="outbound")

# ---------------------------------------------------------------- exam entries and access arrangements
def access(ps):
    rows = [["Centre 12345 - Access Arrangements Summer 2027"], [],
            ["Candidate Number","Surname","Forename","Access Arrangement","Reason","Evidence"]]
    for p in ps:
        rows.append(["%04d" % rng.randint(1, 9999), p["sur"], p["fore"], rng.choice(["25% extra time","Reader","Scribe","Rest breaks","Word processor"]),
                     rng.choice(["Dyslexia","Type 1 diabetes","Anxiety disorder","ADHD","Visual impairment"]), "Form 8"])
    return rows

eml("exam-access-xlsx", "exam_access", "AA list", "Access arrangements for the invigilators.\n", "invigilation.team@exam-staff.example.com",
    [("AA.xlsx", XLSX, xlsx([{"name": "AA", "rows": access(people(18, 2010, 2011)), "merge": ["A1:F1"]}]))])
eml("exam-entries-csv", "exam_access", "entries", "Entries with arrangements.\n", "exams.officer.home@gmail.com",
    [("entries.csv", "text/csv", csv([["Candidate No","UCI","Surname","Forename","DOB","Qualification","Extra Time","Reader"]] +
        [["%04d" % rng.randint(1, 9999), "12345%d%07dX" % (rng.randint(0, 9), rng.randint(0, 9999999)), p["sur"], p["fore"], uk(p["dob"]), "GCSE Maths", rng.choice(["25%","","50%"]), rng.choice(["Y","N"])] for p in people(15, 2010, 2011)]))])
ps = people(6, 2010, 2011)
lines = "\n".join(f"{p['fore']} {p['sur']} ({10 + p['year'] % 2}{p['form']}) - {a} - {r}" for p, a, r in zip(ps,
    ["25% extra time and a reader", "scribe", "rest breaks, separate room", "word processor", "25% extra time", "reader"],
    ["dyslexia, diagnosed Year 8", "broken wrist (temporary)", "anxiety, CAMHS letter on file", "dyspraxia", "ADHD, on medication", "visual impairment"]))
eml("exam-access-prose", "exam_access", "mocks - arrangements",
    "Hi Sam,\n\nFor the mocks next week, these students have access arrangements:\n\n" + lines +
    "\n\nCan you set up the rooms? Thanks\nPriya\n", "sam.invigilator@gmail.com")

# ---------------------------------------------------------------- class lists
def class_list(ps):
    rows = [["Name","Class","Photo Consent","Medical","Allergies","Collected By"]]
    for p in ps:
        rows.append([f"{p['fore']} {p['sur']}", "Rowan", rng.choice(["Yes","No"]), rng.choice(["","Asthma - inhaler","Epilepsy",""]),
                     rng.choice(["","Nuts","Dairy",""]), rng.choice(["Mum","Dad","Nan"])])
    return rows

eml("class-list-xlsx", "class_list", "Rowan class", "Class list for the photographer and the trip.\n", "bookings@smilephoto.co.uk",
    [("rowan.xlsx", XLSX, xlsx([{"name": "Rowan", "rows": class_list(people(27, 2019, 2020))}]))])
ps = people(8, 2018, 2019)
html = "<table><tr><th>Pupil</th><th>Class</th><th>Photo consent</th><th>Medical</th></tr>" + "".join(
    f"<tr><td>{p['fore']} {p['sur']}</td><td>Beech</td><td>{rng.choice(['Y','N'])}</td><td>{rng.choice(['Asthma','None','Diabetic'])}</td></tr>" for p in ps) + "</table>"
text = "Pupil\tClass\tPhoto consent\tMedical\n" + "\n".join(f"{p['fore']} {p['sur']}\tBeech\tY\tAsthma" for p in ps)
eml("class-list-html", "class_list", "beech list", text, "coach.driver.mike@gmail.com", html=html)

# ---------------------------------------------------------------- workforce XML
def workforce(n):
    x = ['<?xml version="1.0" encoding="UTF-8"?>', '<Message xmlns="http://www.govtalk.gov.uk/schools/swf">',
         "<Header><CollectionDetails><Collection>SWF</Collection><Year>2026</Year><ReferenceDate>2026-11-05</ReferenceDate></CollectionDetails>"
         "<Source><LEA>886</LEA><Estab>4021</Estab></Source></Header>", "<SchoolWorkforceMembers>"]
    for i in range(n):
        d = dob(1960, 1998)
        x.append(f"<SchoolWorkforceMember><StaffDetails><TeacherNumber>{rng.randint(1000000, 9999999)}</TeacherNumber>"
                 f"<FamilyName>{rng.choice(SUR)}</FamilyName><GivenNames>{rng.choice(FORE)}</GivenNames><FormerFamilyNames></FormerFamilyNames>"
                 f"<NINumber>{nino()}</NINumber><Gender>{rng.choice('12')}</Gender><DOB>{iso(d)}</DOB><Ethnicity>{rng.choice(ETH)}</Ethnicity>"
                 f"<Disability>{rng.choice(['YES','NO','REF'])}</Disability><QTStatus>{rng.choice(['true','false'])}</QTStatus></StaffDetails>"
                 f"<Contracts><ContractOrServiceAgreement><ContractType>PRM</ContractType><ContractStart>2019-09-01</ContractStart>"
                 f"<Post>TCH</Post><Roles><Role><RoleIdentifier>TCH</RoleIdentifier></Role></Roles></ContractOrServiceAgreement></Contracts>"
                 f"<Absences><Absence><FirstDayOfAbsence>2026-02-0{rng.randint(1,9)}</FirstDayOfAbsence><AbsenceCategory>SIC</AbsenceCategory></Absence></Absences>"
                 "</SchoolWorkforceMember>")
    x.append("</SchoolWorkforceMembers></Message>")
    return "\n".join(x).encode()

eml("workforce-census-xml", "workforce_xml", "SWF", "Workforce census file.\n", "hr.consultant.jane@gmail.com",
    [("SWF_886_4021.xml", "application/xml", workforce(26))])
eml("workforce-census-zip", "workforce_xml", "SWF zipped", "zipped\n", "hr.advisor.temp@gmail.com",
    [("swf.zip", "application/zip", zipped("SWF_886_4021.xml", workforce(12)))])
eml("workforce-census-xml-small", "workforce_xml", "swf test", "test file\n", "payroll.bureau@payroll-services.example.com",
    [("swf.xml", "text/xml", workforce(5))])

# ---------------------------------------------------------------- narratives
N = [
 ("narr-disclosure-personal", "Tonight",
  "Hi hun,\n\nSorry to offload but I need to tell someone. Ellie Marsh in my tutor group stayed behind today and told me "
  "her mum's boyfriend has been hitting her and that she is scared to go home. She had marks on her wrist. I logged it "
  "on CPOMS and the DSL has rung children's social care, but I can't stop thinking about it.\n\nSee you Saturday x\n",
  "beckyh1988@gmail.com"),
 ("narr-diagnosis-sen-fsm", "re: Tyler",
  "Just so you know before Monday - Tyler Dawson (9C) has now been diagnosed with ADHD and the paediatrician has started him on "
  "medication. He's on the SEN register at SEN support and he's eligible for free school meals, so he gets breakfast club too. "
  "Mum is struggling a bit.\n\nCheers\nDan\n", "dan.r.coaching@hotmail.com"),
 ("narr-single-forename", "Kacper",
  "Kacper in Year 5 has been diagnosed with autism and the EHCP application went in last week. He's also on free school meals. "
  "Please don't mention the diagnosis to the other parents.\n\nThanks, Ms Evans\n", "football.club.secretary@gmail.com"),
 ("narr-family-religion", "background for the mentoring",
  "For the mentoring scheme: Amira Hussain, Year 10. Her father is in prison and her mother has mental health difficulties; "
  "the family are Muslim and recently came to the UK as asylum seekers. She is known to early help.\n\nRegards\n",
  "mentor.volunteer@yahoo.com"),
 ("narr-health-selfharm", "concern",
  "Hello,\n\nI wanted to let you know that Jessica Brown in 11B has been self-harming and is now on the CAMHS waiting list. "
  "Her attendance has dropped to 71%. Can you keep an eye on her in your lessons?\n\nThanks\n", "supply.teacher.rob@gmail.com"),
 ("narr-cp-plan", "update",
  "Logan Price (Year 3) is now on a child protection plan under the category of neglect. The social worker is visiting school on "
  "Thursday. Dad is not allowed to collect him.\n", "after.school.club.staff@outlook.com"),
 ("narr-lac-placement", "new starter",
  "We have a new starter on Monday, Mia Kowalski, Year 8. She is a looked after child placed with foster carers in Maidstone after "
  "a placement breakdown; her birth mother must not be given any information.\n", "tutor.agency.placements@gmail.com"),
 ("narr-ethnicity-eal", "notes",
  "Ibrahim Ahmed in Reception is a refugee from Sudan, speaks Arabic at home, and the family are being supported by the "
  "local mosque. He has a speech and language delay and an educational psychologist referral.\n", "nursery.friend@gmail.com"),
 ("narr-freddie-cp", "Freddie 4B",
  "Hi Steph,\n\nFreddie in 4B - his dad was arrested at the weekend and he's back on a child protection plan. Social care "
  "want us to log anything he says. Please keep this to yourself.\n\nM\n", "steph.lunchtime.staff@gmail.com"),
 ("narr-care-plan", "Poppy - care plan",
  "Poppy Ward, Year 2, has type 1 diabetes and needs her blood sugar checked before lunch; she also has an EHCP for "
  "global developmental delay. Her care plan is attached to her file.\n", "holiday.club.leader@outlook.com"),
 ("narr-vulnerable-list", "vulnerable list for the Christmas hampers",
  "Hi,\n\nThese are the ones I mentioned:\n\n- Jacob Hill (7A): CIN plan, young carer for mum\n"
  "- Maya Cooper (7C): looked after child, foster placement since October\n- Kai Turner (8B): eligible for free school meals, "
  "family in temporary accommodation\n- Nadia Hussain (8D): EHCP, autism\n\nThanks, Jo\n", "church.hamper.volunteers@gmail.com"),
 ("narr-cpoms-forward", "Fwd: CPOMS incident",
  "---------- Forwarded message ---------\nCPOMS incident logged 03/12/2026\nStudent: Oscar Hughes\nYear group: 10\n"
  "Category: Self-harm; Mental health\nIncident: Oscar showed his tutor cuts on his arm and said he had thought about "
  "suicide. Parents informed. Referred to CAMHS.\n", "tutor.10h.personal@gmail.com"),
 ("narr-exclusion-sen", "re: Logan",
  "Logan Price (9F) was given a 5 day suspension today for assaulting another student. He has ADHD and is on the SEN "
  "register; mum says he has stopped taking his medication.\n", "youth.worker.sam@hotmail.com"),
]
for name, subj, body, to in N:
    eml(name, "narrative", subj, body, to)

# ---------------------------------------------------------------- negatives
def neg(name, subj, body, to, attachments=(), direction=None, **kw):
    eml(name, "clean", subj, body, to, attachments, direction=direction, **kw)

neg("clean-trip-reminder", "Year 6 trip reminder",
    "Dear Parents and Carers,\n\nA reminder that the Year 6 trip to the Science Museum is on Thursday. Children need a packed "
    "lunch, a coat and a water bottle. Pupils eligible for free school meals will be given a packed lunch by the kitchen.\n\n"
    "Kind regards\nMrs Clarke\nYear 6 Team\n", "parents@oakfield-pta.org.uk")
neg("clean-newsletter", "Oakfield News - December",
    "OAKFIELD NEWS\n\nCongratulations to Ruby Evans in Year 4 who won the county chess final, and to our Year 10 netball team.\n\n"
    "SEND: our SENCo Mrs Okafor runs a drop-in for parents every Tuesday. The SEND information report is on the website.\n\n"
    "Free school meals: if your circumstances have changed, you may be eligible. Apply online via the council.\n\n"
    "Mental health: Children's Mental Health Week is in February; there will be an assembly about talking to someone.\n\n"
    "Dates: Christmas lunch 16 December, term ends 18 December.\n", "newsletter@oakfield-community.org.uk")
neg("clean-timetable-csv", "Timetable for cover", "Cover timetable attached.\n", "supply@teachers-agency.co.uk",
    [("timetable.csv", "text/csv", csv([["Day","Period","Class","Subject","Room","Teacher"]] +
      [[d, str(p), f"{rng.randint(7,11)}{rng.choice('ABCD')}", rng.choice(["Maths","English","Science","PE"]), "R%d" % rng.randint(1, 30), rng.choice(["JBL","KOK","SMA"])]
       for d in ["Mon","Tue","Wed"] for p in range(1, 6)]))])
neg("clean-timetable-pasted", "exam timetable",
    "Date        Session  Subject          Room\n08/06/2027  AM       English Lang 1   Hall\n09/06/2027  PM       Maths 1          Hall\n"
    "10/06/2027  AM       Biology 1        Sports Hall\n", "parents@oakfield-pta.org.uk")
neg("clean-staff-list", "Staff contacts", "Updated staff list for the new phone system.\n", "it.support@msp.example.com",
    [("staff.xlsx", XLSX, xlsx([{"name": "Staff", "rows": [["Staff List 2026/27"], [], ["Name","Job Title","Department","Email","Extension"]] +
      [[f"{rng.choice(FORE)} {rng.choice(SUR)}", rng.choice(["Teacher","Teaching Assistant","Admin Officer"]), rng.choice(["Maths","English","Office"]),
        f"staff{i}@oakfield.sch.uk", "2%02d" % i] for i in range(20)], "merge": ["A1:E1"]}]))])
neg("clean-letter-one-parent", "Aisha's EHCP review",
    "Dear Mrs Patel,\n\nThank you for meeting me yesterday. As discussed, Aisha Patel's annual EHCP review will be on 12 January at "
    "3.30pm. We will look at her speech and language targets and the support for her dyslexia, and the educational psychologist "
    "will join us. Please let me know if the time does not suit.\n\nKind regards\nMrs Okafor\nSENCo\n", "patel.family@gmail.com")
neg("clean-letter-parent-medical", "Oliver's inhaler",
    "Dear Mr Jones,\n\nOliver's inhaler in the school office has expired. Could you send a new one in with him, together with the "
    "updated care plan from the asthma nurse? Your son's medication is kept in the Year 2 classroom.\n\nThanks\nSchool Office\n",
    "d.jones1979@hotmail.co.uk")
neg("clean-governors-minutes", "Minutes",
    "Minutes of the Full Governing Body, 2 December 2026\n\n4. Safeguarding report: the DSL reported 14 referrals to children's social "
    "care this term and 3 children on child protection plans. No names were shared. Training on county lines and FGM is complete.\n\n"
    "5. SEND: 42 pupils on the SEN register, 9 with an EHCP. Pupil premium strategy reviewed.\n", "clerk@governor-services.example.com")
neg("clean-fixtures", "Fixtures", "Fixtures below.\n\nDate\tTeam\tOpponent\tVenue\n14/01/2027\tU12 Boys\tHilltop\tHome\n"
    "21/01/2027\tU14 Girls\tSt Mary's\tAway\n28/01/2027\tU13 Boys\tWestfield\tHome\n", "fixtures@district-sport.example.org")
neg("clean-census-guidance", "Census prep",
    "Hi all,\n\nThe autumn census is due on 5 October. Please make sure UPN, date of birth, ethnicity, FSM eligibility and SEN provision "
    "are complete for every pupil on roll before we run the validation. Child ID and legal status fields only apply to the CIN return, "
    "which the local authority sends.\n\nThanks\nData Manager\n", "mis.support@edu-data-services.co.uk")
neg("clean-census-template", "blank template", "Blank census template (headings only).\n", "mis.support@edu-data-services.co.uk",
    [("template.csv", "text/csv", csv([["LEA","Estab","UPN","Surname","Forename","DOB","Gender","NCyearActual","FSMeligible","SENProvision"]]))])
neg("clean-xml-config", "printer config", "Config export for the copier.\n", "copier.support@print-co.example.com",
    [("config.xml", "application/xml", ("<?xml version=\"1.0\"?>\n<Config><Printers>" + "".join(
        f"<Printer><Name>Room {i}</Name><IP>10.0.0.{i}</IP><Model>MX-{i}00</Model><Location>Block {rng.choice('ABC')}</Location></Printer>" for i in range(1, 9)) +
        "</Printers></Config>").encode())])
neg("clean-invoice", "Invoice 4500012345", "Please find invoice 4500012345 attached for 30 revision guides.\n\nAccounts\n",
    "accounts@stationery-direct.co.uk", [("invoice.csv", "text/csv", csv([["Item","Qty","Unit","Total"],["GCSE Maths guide","30","4.50","135.00"],["Postage","1","6.00","6.00"]]))])
neg("clean-internal-export", "Y9 list", "Full list for you.\n", "head@oakfield.sch.uk",
    [("Y9.csv", "text/csv", csv(sims(people(20, 2011, 2012))))], direction="internal")
neg("clean-staff-training-dob", "First aid course", "Names for the first aid course.\n", "bookings@firstaid-training.example.com",
    [("names.csv", "text/csv", csv([["Name","Job Title","DOB"]] + [[f"{rng.choice(FORE)} {rng.choice(SUR)}", "Teaching Assistant", uk(dob(1965, 1995))] for _ in range(8)]))])
neg("clean-sports-results", "Cross country results",
    "Results from Saturday:\n\nPosition | Name | School | Time\n1 | Ruby Evans | Oakfield | 11:02\n2 | Mia Hall | Hilltop | 11:15\n"
    "3 | Leo Green | Oakfield | 11:20\n4 | Ava Cooper | Westfield | 11:31\n\nWell done all!\n", "results@district-sport.example.org")
neg("clean-safeguarding-training", "Safeguarding update",
    "All staff,\n\nReminder: if a child discloses abuse, listen, do not promise confidentiality, record it on CPOMS the same day and "
    "tell the DSL. Signs of neglect include poor hygiene and hunger. Children on a child protection plan or looked after by the local "
    "authority need particular attention in the run-up to Christmas.\n\nDSL\n", "staff.training@safeguarding-training.example.com")

neg("clean-pupil-praise", "Well done",
    "Hi all,\n\nJust to say Ruby Evans in 8C did brilliantly in her maths assessment and Leo Green (8A) has been picked for "
    "the county squad. Please pass on congratulations in lessons.\n\nHead of Year 8\n", "coach@county-football.example.org")
neg("clean-internal-sen-note", "Tyler",
    "Tyler Dawson (9C) has been diagnosed with ADHD and is now on SEN support; please read his pupil passport before Monday.\n",
    "senco@oakfield.sch.uk", direction="internal")
neg("clean-staff-sickness", "Cover",
    "Sarah Hill (Year 5 teacher) has been signed off with depression for two weeks following her diagnosis. Please arrange "
    "cover for Year 5 lessons; the class teacher's plans are on the shared drive.\n", "supply@teachers-agency.co.uk")
neg("clean-senco-advert", "Vacancy: SENCo",
    "Oakfield Academy seeks a SENCo from April. You will lead provision for pupils with autism, ADHD, dyslexia and social, "
    "emotional and mental health needs, manage EHCP reviews and work with CAMHS and the educational psychologist. "
    "Experience of safeguarding and child protection is essential.\n", "jobs@education-vacancies.example.com")
neg("clean-parent-reply-own-child", "Re: Noah",
    "Dear Mr Khan,\n\nThank you for letting us know that Noah has been diagnosed with asthma. We will add his inhaler to "
    "his care plan and make sure his class teacher in Year 3 knows. Your son's medication will be kept in the office.\n\n"
    "Kind regards\nSchool Office\n", "khan.family.home@gmail.com")
neg("clean-trust-report", "Termly data report",
    "Trust summary: attendance 94.2%, persistent absence 18%. Pupils eligible for FSM: 31%. SEN support 14%, EHCP 3.1%. "
    "Children looked after on roll: 12. Exclusions: 4 suspensions this term. No pupil-level data is included.\n",
    "governors@oakfield-gov.example.com")

# ---------------------------------------------------------------- hold-out batch (written after the detector
# was tuned on the cases above; its first-run result is recorded in the commit that added it)
H = [
 ("hold-narr-neglect", "narrative", "worried about Sophie",
  "Sophie Turner in Year 2 came in again today in the same clothes, hungry and with head lice. Mum has not answered "
  "calls all week. I think it is neglect and I've put it on MyConcern but nobody has got back to me.\n", "ta.k.jones@gmail.com"),
 ("hold-narr-eating", "narrative", "Zara", "Zara Ahmed (10G) has been referred to CAMHS for an eating disorder; she fainted in PE. "
  "Her mum asked that only her form tutor knows.\n", "pe.coach.freelance@gmail.com"),
 ("hold-narr-young-carer", "narrative", "support for Kai",
  "Kai Robinson, Year 7, is a young carer for his dad who has MS, and he is eligible for the pupil premium. He has been "
  "late most days and fell asleep in lessons.\n", "mentor.charity@hotmail.co.uk"),
 ("hold-narr-fgm-risk", "narrative", "urgent",
  "Please be aware that Fatima Osman in Year 6 may be at risk of FGM over the summer; the family are travelling. "
  "The DSL has made a referral to children's social care.\n", "sister.personal@gmail.com"),
 ("hold-narr-sen-list", "narrative", "TA deployment",
  "Set 3 this term:\nOscar Hall (8C) - autism, EHCP, needs a movement break\nLily Wood (8B) - dyslexia, reader in tests\n"
  "Theo Martin (8D) - ADHD, medication at lunch\n", "ta.agency.staff@outlook.com"),
 ("hold-clean-parent-trip", "clean", "Residential - Charlie",
  "Dear Mrs Green,\n\nThank you for the medical form. We have noted that Charlie has asthma and will carry his inhaler "
  "on the residential, and that he is vegetarian.\n\nBest wishes\nYear 6 team\n", "green.family.home@gmail.com"),
 ("hold-clean-inset", "clean", "INSET agenda",
  "INSET day agenda: 9.00 safeguarding update (signs of neglect, FGM, county lines); 10.30 SEND: supporting pupils with "
  "autism and ADHD in class; 13.00 mental health first aid. Lunch provided.\n", "trainer@inset-providers.example.com"),
 ("hold-clean-sports-report", "clean", "Match report",
  "Great win for the Year 9 girls! Lily Wood (9B) scored twice and Mia Hall (9A) was player of the match. Thanks to "
  "the parents who drove.\n", "editor@local-sports-news.example.co.uk"),
 ("hold-clean-policy", "clean", "Draft policy for comment",
  "Supporting pupils with medical conditions policy (draft). Pupils with diabetes, epilepsy or anaphylaxis will have an "
  "individual healthcare plan agreed with parents and the school nurse. Medication is stored in the office.\n",
  "policy.consultant@hr-for-schools.example.com"),
 ("hold-clean-staff-reference", "clean", "Reference",
  "Reference for Ms Jane Cooper, Teaching Assistant 2019-2026. Jane supported pupils with SEN, including autism and "
  "dyslexia, and led our breakfast club for pupils eligible for free school meals. Attendance excellent.\n",
  "hr@another-academy.example.org"),
]
for name, label, subj, body, to in H:
    eml(name, label, subj, body, to)

# hold-out tables (same rule as H)
ps = people(14, 2009, 2014)
eml("hold-tbl-isams", "mis_export", "boarders", "iSAMS export of the boarders.\n", "house.parent.personal@gmail.com",
    [("boarders.csv", "text/csv", csv([["Pupil ID","Surname","Forename","Preferred Name","Date of Birth","NC Year","Form","Boarding House","SEN","Medical Notes"]] +
      [["%d" % rng.randint(100000, 999999), p["sur"], p["fore"], p["fore"][:3], uk(p["dob"]), str(p["year"]), "%d%s" % (p["year"], p["form"]), "Windsor", rng.choice(["","SpLD"]), rng.choice(["","Asthma"])] for p in ps]))])
ps = people(11, 2015, 2019)
eml("hold-tbl-pupil-asset", "mis_export", "pp list", "Pupil Asset extract.\n", "pp.consultant@school-improvement.example.com",
    [("pp.xlsx", XLSX, xlsx([{"name": "Extract", "rows": [["UPN","Last Name","First Name","DOB","Gender","Year Group","Pupil Premium","SEN Status","EAL","Looked After"]] +
      [[p["upn"], p["sur"], p["fore"], iso(p["dob"]), p["sex"], str(p["year"]), rng.choice(["Y","N"]), p["sen"], rng.choice(["Y","N"]), rng.choice(["N","N","Y"])] for p in ps], "dates": ["D"]}]))])
ps = people(9, 2010, 2013)
eml("hold-tbl-attendance", "mis_export", "PA list", "Persistent absence list for the EWO.\n", "ewo.freelance@gmail.com",
    [("pa.csv", "text/csv", csv([["Student","Year","Registration Form","Attendance %","Unauthorised Absences","Persistent Absentee"]] +
      [[f"{p['fore']} {p['sur']}", str(p["year"]), "%d%s" % (p["year"], p["form"]), "%.1f" % rng.uniform(60, 89), str(rng.randint(5, 40)), "Y"] for p in ps]))])
ps = people(6, 2009, 2012)
eml("hold-tbl-exclusions", "mis_export", "exclusions log", "Exclusions this year.\n", "behaviour.consultant@outlook.com",
    [("excl.csv", "text/csv", csv([["Pupil","Year","Date","Type","Days","Reason"]] +
      [[f"{p['sur']}, {p['fore']}", str(p["year"]), "0%d/11/2026" % rng.randint(1, 9), rng.choice(["FTE","PEX"]), str(rng.randint(1, 5)), rng.choice(["Physical assault against a pupil","Persistent disruptive behaviour","Drug and alcohol related"])] for p in ps]))])
eml("hold-tbl-clean-cover", "clean", "cover", "Cover for tomorrow.\n", "supply@teachers-agency.co.uk",
    [("cover.csv", "text/csv", csv([["Teacher","Room","Period","Subject","Class"]] + [[rng.choice(["JBL","KOK"]), "R%d" % i, str(i), "Maths", "9%s" % rng.choice("ABC")] for i in range(1, 7)]))])
eml("hold-tbl-clean-applicants", "clean", "shortlist", "Interview shortlist.\n", "panel.member@governor-services.example.com",
    [("shortlist.xlsx", XLSX, xlsx([{"name": "Shortlist", "rows": [["Applicant Name","Post Applied For","Interview Date","Panel"]] +
      [[f"{rng.choice(FORE)} {rng.choice(SUR)}", "Teacher of Science", "12/01/2027", "HT, CoG"] for _ in range(5)]}]))])
eml("hold-tbl-clean-governors", "clean", "governors", "Membership list for the website.\n", "web.designer@school-websites.example.com",
    [("gov.csv", "text/csv", csv([["Name","Category","Appointed By","Term of Office Ends"]] +
      [[f"{rng.choice(FORE)} {rng.choice(SUR)}", rng.choice(["Parent","Staff","Co-opted"]), "Board", "31/08/2029"] for _ in range(7)]))])
eml("hold-tbl-clean-volunteers", "clean", "DBS renewals", "Volunteers due a DBS renewal.\n", "dbs.umbrella@checks.example.com",
    [("dbs.csv", "text/csv", csv([["Volunteer Name","DBS Issue Date","Role","Email"]] +
      [[f"{rng.choice(FORE)} {rng.choice(SUR)}", "03/02/2024", "Reading volunteer", f"vol{i}@gmail.com"] for i in range(6)]))])

with open(os.path.join(OUT, "labels.tsv"), "w") as f:
    f.write("\n".join(labels) + "\n")
print(len(labels), "cases")
