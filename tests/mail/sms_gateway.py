"""A local SMS gateway for the tests: takes the documented JSON POST (msg/sms.h,
SMS_PRESET_JSON), saves each text message it accepts, and answers as a mode file says.

Usage: /usr/bin/python3 tests/mail/sms_gateway.py DIR
Listens on 127.0.0.1 on a free port and writes the port to DIR/port once it listens.
DIR/mode, when present, holds how to answer: "ok" (the default: 201 with an id), "fail"
(500 with a JSON error) or "hang" (read the request, never answer, until the mode
changes or the client gives up). Each accepted message is DIR/sms-N.json, holding the
request's JSON body and its Authorization header (written to a temporary name, then
renamed); every request, whatever the answer, counts in DIR/tries-N (an empty file).
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
COUNTS = {"sms": 0, "tries": 0}


def mode(folder):
    try:
        with open(os.path.join(folder, "mode"), encoding="ascii") as f:
            return f.read().strip() or "ok"
    except FileNotFoundError:
        return "ok"


def save(folder, name, data):
    path = os.path.join(folder, name)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(data)
    os.rename(path + ".tmp", path)


class Gateway(BaseHTTPRequestHandler):
    folder = "."

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        with LOCK:
            COUNTS["tries"] += 1
            save(self.folder, "tries-%d" % COUNTS["tries"], "")
        how = mode(self.folder)
        if how == "hang":
            # Holds the connection until the mode changes (or a minute passes); the
            # client's own timeout ends the exchange first.
            for _ in range(600):
                if mode(self.folder) != "hang":
                    break
                time.sleep(0.1)
            self.close_connection = True
            return
        if how == "fail":
            self.answer(500, {"error": "gateway down"})
            return
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            self.answer(400, {"error": "not JSON"})
            return
        with LOCK:
            COUNTS["sms"] += 1
            n = COUNTS["sms"]
            save(self.folder, "sms-%d.json" % n,
                 json.dumps({"body": body,
                             "authorization": self.headers.get("Authorization", "")}))
        self.answer(201, {"id": "SM%d" % n})


def main():
    folder = sys.argv[1]
    Gateway.folder = folder
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    server.daemon_threads = True
    port = server.server_address[1]
    save(folder, "port", str(port))
    server.serve_forever()


if __name__ == "__main__":
    main()
