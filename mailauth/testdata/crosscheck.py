#!/usr/bin/python3
"""Checks mailauth's results with independent implementations (Debian's
python3-authres, python3-dkim and python3-authheaders), for
TestCrossCheck. Reads JSON on stdin:

  {"msg": message, "records": {"name": ["txt", ...]}, "ar": our
   Authentication-Results value, "authserv_id": ..., "spf": our SPF
   result, "mailfrom": envelope sender}

and prints JSON: our header as authres parses it, dkimpy's verdict on the
first DKIM signature, ARC as dkimpy sees it, and authheaders' own
DKIM and DMARC results given our SPF result.
"""
import json
import sys

import authheaders
import authres
import dkim

req = json.load(sys.stdin)
records = req["records"]


def lookup(name):
    name = name.rstrip(".")
    for k, v in records.items():
        if k.lower() == name.lower():
            return "".join(v[0]) if v else None
    return None


def dnsfunc(name, timeout=5):
    # dkimpy asks with bytes and wants bytes; authheaders uses str.
    if isinstance(name, bytes):
        v = lookup(name.decode())
        return v.encode() if v is not None else None
    return lookup(name)


def results(header):
    parsed = authres.AuthenticationResultsHeader.parse("Authentication-Results: " + header)
    out = {"authserv_id": parsed.authserv_id, "results": []}
    for r in parsed.results:
        props = {p.type + "." + p.name: p.value for p in r.properties}
        out["results"].append({"method": r.method, "result": r.result, "props": props})
    return out


msg = req["msg"].encode()
out = {"ours": results(req["ar"].replace("\r\n", ""))}
out["dkimpy"] = bool(dkim.verify(msg, dnsfunc=dnsfunc)) if b"DKIM-Signature:" in msg else None
if b"ARC-Seal:" in msg:
    cv, _, comment = dkim.arc_verify(msg, dnsfunc=dnsfunc)
    out["arc"] = cv.decode()
prev = "Authentication-Results: %s; spf=%s smtp.mailfrom=%s" % (req["authserv_id"], req["spf"], req["mailfrom"])
theirs = authheaders.authenticate_message(msg, req["authserv_id"], prev=prev, dkim=True, dmarc=True,
                                          dnsfunc=dnsfunc)
out["authheaders"] = results(theirs.split(":", 1)[1].strip())
json.dump(out, sys.stdout)
