"""Reads the messages the test SMTP server saved and prints what the API tests check, as
one JSON object: {"messages": [...]} in the order they arrived.

Usage: /usr/bin/python3 tests/mail/check.py DIR

Each message is parsed with Python's email package and its calendar part with Debian's
python3-icalendar; "problems" lists what breaks the formats (a line over 75 octets or
without CRLF in the .ics, a part missing, a header that does not decode).
"""
import email
import email.header
import email.policy
import json
import os
import re
import sys

import icalendar


def decode(value):
    if value is None:
        return None
    return str(email.header.make_header(email.header.decode_header(value)))


def ics_problems(raw):
    problems = []
    if not raw.endswith(b"\r\n"):
        problems.append("ics does not end with CRLF")
    for line in raw.split(b"\r\n"):
        if b"\n" in line or b"\r" in line:
            problems.append("ics line without CRLF")
        if len(line) > 75:
            problems.append("ics line over 75 octets: %d" % len(line))
    return problems


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    out = {
        "file": os.path.basename(path),
        "envelope_to": msg.get("X-Envelope-To"),
        "tls": msg.get("X-Sink-TLS"),
        "auth_user": msg.get("X-Sink-Auth"),
        "message_id": msg.get("Message-ID"),
        "from": decode(msg.get("From")),
        "from_raw": msg.get("From"),
        "to": decode(msg.get("To")),
        "subject": decode(msg.get("Subject")),
        "date": msg.get("Date"),
        "content_type": msg.get_content_type(),
        "parts": [],
        "problems": [],
    }
    if email.utils.parsedate_tz(out["date"] or "") is None:
        out["problems"].append("Date does not parse")
    for part in msg.walk():
        ctype = part.get_content_type()
        out["parts"].append(ctype)
        if ctype == "text/plain":
            out["text"] = part.get_payload(decode=True).decode("utf-8")
        elif ctype == "text/html":
            out["html"] = part.get_payload(decode=True).decode("utf-8")
        elif ctype == "text/calendar":
            raw = part.get_payload(decode=True)
            out["ics_method_param"] = part.get_param("method")
            out["problems"] += ics_problems(raw)
            cal = icalendar.Calendar.from_ical(raw)
            ev = [c for c in cal.walk("VEVENT")][0]
            tz = [c for c in cal.walk("VTIMEZONE")]
            out["ics"] = {
                "method": str(cal.get("METHOD")),
                "uid": str(ev.get("UID")),
                "sequence": int(ev.get("SEQUENCE")),
                "status": str(ev.get("STATUS")),
                "dtstart": ev.decoded("DTSTART").isoformat(),
                "dtstart_tzid": ev["DTSTART"].params.get("TZID"),
                "dtend": ev.decoded("DTEND").isoformat(),
                "summary": str(ev.get("SUMMARY")),
                "vtimezone": [str(t.get("TZID")) for t in tz],
                "observances": sum(len(t.subcomponents) for t in tz),
            }
    link = re.search(r"(https?://\S+/p/link\?t=[A-Za-z0-9_-]+)", out.get("text", ""))
    out["link"] = link.group(1) if link else None
    return out


def main():
    folder = sys.argv[1]
    names = sorted((n for n in os.listdir(folder) if re.fullmatch(r"msg-\d+\.eml", n)),
                   key=lambda n: int(n[4:-4]))
    print(json.dumps({"messages": [read(os.path.join(folder, n)) for n in names]}))


if __name__ == "__main__":
    main()
