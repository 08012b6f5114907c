#!/usr/bin/python3
"""Writes the ARC fixtures of mailauth's tests with dkimpy (python3-dkim), an
implementation independent of mailauth's: run it from this folder with
/usr/bin/python3 gen.py. The key is a test key, published only in the
tests' own DNS server.

arc-1.eml   example.org signs (DKIM), lists.example.net records dkim=pass
            dmarc=pass, adds a footer (breaking DKIM) and seals (i=1).
arc-2.eml   arc-1.eml passed through relay.example.com, which seals again (i=2).
arc-tampered.eml  arc-1.eml with its body changed after sealing.
"""
import dkim

KEY = open("key.pem", "rb").read()

ORIG = (b"From: Bursar <bursar@example.org>\r\n"
        b"To: staff-list@lists.example.net\r\n"
        b"Subject: Budget meeting\r\n"
        b"Date: Mon, 23 Nov 2026 08:00:00 +0000\r\n"
        b"Message-ID: <arc-1@example.org>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"\r\n"
        b"The budget meeting moves to Thursday.\r\n")


def seal(msg, domain, srv_id, results):
    ar = b"Authentication-Results: " + srv_id + b"; " + results + b"\r\n"
    sets = dkim.arc_sign(ar + msg, b"arc", domain, KEY, srv_id, timestamp=1795425600)
    return b"".join(sets) + msg


sig = dkim.sign(ORIG, b"sel", b"example.org", KEY, include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
                canonicalize=(b"relaxed", b"relaxed"))
signed = sig + ORIG
# The list adds a footer and its own List-Id, as mailing lists do.
listed = signed.replace(b"Subject: Budget meeting", b"List-Id: <staff.lists.example.net>\r\nSubject: [staff] Budget meeting") + b"--\r\nstaff list footer\r\n"
one = seal(listed, b"lists.example.net", b"lists.example.net",
           b"dkim=pass header.d=example.org; spf=pass smtp.mailfrom=example.org; dmarc=pass header.from=example.org; arc=none")
two = seal(one, b"relay.example.com", b"relay.example.com", b"arc=pass; dmarc=fail header.from=example.org")
open("arc-1.eml", "wb").write(one)
open("arc-2.eml", "wb").write(two)
open("arc-tampered.eml", "wb").write(one.replace(b"moves to Thursday", b"moves to Friday"))
