"""Benchmark of patient messages (run by bench/run.sh, Debian's /usr/bin/python3):

1. booking with and without outbox rows: the same bookings for patients with an e-mail
   address (each booking writes its confirmation and reminder rows in its transaction)
   and for patients without one (no rows), from CLIENTS threads;
2. queueing a month of a 40-practitioner chain: N bookings (8,000 in the full run), each
   with its rows, on a server without --smtp-url (they stay queued);
3. re-planning that month: the clinic changes its e-mail reminder offset (48 to 24 hours)
   with one PATCH /settings, which moves every queued reminder in its transaction; the
   request is timed and the rows it re-planned counted;
4. the sender: that server restarted with --smtp-url pointing at the local SMTP server
   (tests/mail/sink.py), timed until every confirmation has arrived.

Usage: bench/messages.py COLLAGENDA OUTDIR N
Prints "key value" lines for the report.
"""
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time

BIN, OUT, N = sys.argv[1], sys.argv[2], int(sys.argv[3])
CLIENTS = 4
PRACTITIONERS = 40


def run(*args, stdin=None):
    subprocess.run([BIN, *args], input=stdin, check=True, capture_output=True, text=True)


class Server:
    def __init__(self, db, extra=()):
        self.log = open(os.path.join(OUT, "messages-server.log"), "a")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--db", db, "--bind", "127.0.0.1", "--port", "0", "--quiet",
             "--tz", "UTC", *extra], stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if not m:
            raise SystemExit("bench: messages: the server did not start")
        self.port = int(m.group(1))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


class Client:
    def __init__(self, port, token=None):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.token = token

    def call(self, method, path, body=None):
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        self.c.request(method, "/api/v1" + path, json.dumps(body) if body is not None else None,
                       headers)
        r = self.c.getresponse()
        data = r.read()
        return r.status, json.loads(data) if data else None


def must(answer, want=(200, 201)):
    status, body = answer
    if status not in want:
        raise SystemExit("bench: messages: %d %s" % (status, body))
    return body


def clinic(port):
    c = Client(port)
    tok = must(c.call("POST", "/login", {"username": "admin", "password": "bench-admin-pw"}))["token"]
    c.token = tok
    pracs, rooms = [], []
    for i in range(PRACTITIONERS):
        u = must(c.call("POST", "/users", {"username": "prac%d" % i, "password": "bench-prac-pw",
                                            "role": "practitioner", "display_name": "Dr %d" % i}))
        must(c.call("PUT", "/practitioners/%d/availability" % u["id"],
                    {"hours": [{"weekday": d, "start": "00:00", "end": "24:00"}
                                for d in range(1, 8)]}))
        pracs.append(u["id"])
        rooms.append(must(c.call("POST", "/rooms", {"name": "Room %d" % i}))["id"])
    return tok, pracs, rooms


def patients(port, tok, n, email):
    c = Client(port, tok)
    out = []
    for i in range(n):
        body = {"first_name": "Bench", "last_name": "P%s%d" % ("m" if email else "n", i),
                "date_of_birth": "1980-01-01", "confirm_new": True}
        if email:
            body["email"] = "p%d@example.org" % i
            body["contact_email"] = True
        out.append(must(c.call("POST", "/patients", body))["id"])
    return out


def book(port, tok, pracs, rooms, pats, count, day0):
    """count bookings from CLIENTS threads: 15-minute consultations, a practitioner's
    day after another; answers (seconds, booked)."""
    lock = threading.Lock()
    nxt = [0]
    booked = [0]

    def worker():
        c = Client(port, tok)
        while True:
            with lock:
                k = nxt[0]
                nxt[0] += 1
            if k >= count:
                return
            p = k % len(pracs)
            slot = k // len(pracs)
            start = day0 + (slot // 32) * 86400 + 8 * 3600 + (slot % 32) * 900
            s, _ = c.call("POST", "/appointments", {
                "patient_id": pats[k % len(pats)], "kind": "consultation",
                "practitioner_id": pracs[p], "room_id": rooms[p],
                "start": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start)),
                "end": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 900))})
            if s == 201:
                with lock:
                    booked[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - t0, booked[0]


def fresh_db(name):
    db = os.path.join(OUT, name)
    for suffix in ("", "-wal", "-shm", ".audit-head"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)
    run("init", "--db", db)
    run("user", "add", "--db", db, "--username", "admin", "--role", "admin", stdin="bench-admin-pw\n")
    return db


def main():
    os.makedirs(OUT, exist_ok=True)
    day0 = (int(time.time()) // 86400 + 3) * 86400
    # 1. booking with and without outbox rows, alternating, on one server.
    db = fresh_db("messages-rate.db")
    srv = Server(db)
    tok, pracs, rooms = clinic(srv.port)
    with_mail = patients(srv.port, tok, 200, True)
    without = patients(srv.port, tok, 200, False)
    per = max(N // 4, 200)
    rates = {"with": [], "without": []}
    for r in range(3):
        for kind, pats in (("without", without), ("with", with_mail)):
            secs, n = book(srv.port, tok, pracs, rooms, pats, per,
                           day0 + (2 * r + (kind == "with")) * 30 * 86400)
            rates[kind].append(n / secs)
    srv.stop()
    # The median of three rounds each, alternating, on a machine that others share.
    rw, ro = sorted(rates["with"])[1], sorted(rates["without"])[1]
    print("book_with_outbox %.0f" % rw)
    print("book_without_outbox %.0f" % ro)
    print("book_outbox_ratio %.3f" % (rw / ro))

    # 2. a month of a 40-practitioner chain, queued.
    db = fresh_db("messages-month.db")
    srv = Server(db)
    tok, pracs, rooms = clinic(srv.port)
    pats = patients(srv.port, tok, 400, True)
    secs, n = book(srv.port, tok, pracs, rooms, pats, N, day0)
    print("month_bookings %d" % n)
    print("month_seconds %.2f" % secs)

    # 3. re-planning the month's reminders for a new offset.
    c = Client(srv.port, tok)
    t0 = time.monotonic()
    answer = must(c.call("PATCH", "/settings", {"reminder_email_hours": 24}))
    secs = time.monotonic() - t0
    srv.stop()
    if answer.get("reminders_replanned") != n:
        raise SystemExit("bench: messages: re-planned %s reminders of %d"
                         % (answer.get("reminders_replanned"), n))
    print("replan_reminders %d" % answer["reminders_replanned"])
    print("replan_seconds %.3f" % secs)

    # 4. the sender.
    sink_dir = os.path.join(OUT, "messages-smtp")
    subprocess.run(["rm", "-rf", sink_dir], check=True)
    os.makedirs(sink_dir)
    sink = subprocess.Popen(["/usr/bin/python3", "tests/mail/sink.py", sink_dir])
    try:
        port_file = os.path.join(sink_dir, "port")
        for _ in range(3000):
            if os.path.exists(port_file):
                break
            time.sleep(0.01)
        port = int(open(port_file).read())
        t0 = time.monotonic()
        srv = Server(db, ("--smtp-url", "smtp://127.0.0.1:%d" % port, "--smtp-insecure",
                          "--mail-from", "desk@clinic.example"))
        deadline = t0 + 600
        while time.monotonic() < deadline:
            if os.path.exists(os.path.join(sink_dir, "msg-%d.eml" % n)):
                break
            time.sleep(0.01)
        secs = time.monotonic() - t0
        srv.stop()
        got = len([f for f in os.listdir(sink_dir) if f.endswith(".eml")])
    finally:
        sink.terminate()
        sink.wait()
    print("sender_messages %d" % got)
    print("sender_seconds %.2f" % secs)
    print("sender_rate %.0f" % (got / secs))


if __name__ == "__main__":
    main()
