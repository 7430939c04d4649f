"""A local SMTP server for the tests (Debian's aiosmtpd): saves each message it takes to a
folder, one file per message, and answers as a mode file there says.

Usage: /usr/bin/python3 tests/mail/sink.py DIR
Listens on 127.0.0.1 on a free port and writes the port to DIR/port once it listens.
DIR/mode, when present, holds how to answer the next DATA: "ok" (the default), "4xx"
(451 Try again later), "5xx" (554 Rejected) or "drop" (close the connection).
Each message taken is DIR/msg-N.eml (written to a temporary name, then renamed).
"""
import asyncio
import os
import sys

from aiosmtpd.smtp import SMTP


class Saver:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    def mode(self):
        try:
            with open(os.path.join(self.folder, "mode"), encoding="ascii") as f:
                return f.read().strip() or "ok"
        except FileNotFoundError:
            return "ok"

    async def handle_DATA(self, server, session, envelope):
        mode = self.mode()
        if mode == "4xx":
            return "451 Try again later"
        if mode == "5xx":
            return "554 Rejected"
        if mode == "drop":
            server.transport.abort()
            return "421 Closing"
        self.count += 1
        name = os.path.join(self.folder, "msg-%d.eml" % self.count)
        with open(name + ".tmp", "wb") as f:
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content)
        os.rename(name + ".tmp", name)
        return "250 OK"


def main():
    folder = sys.argv[1]
    saver = Saver(folder)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(saver, hostname="sink.test"), "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    with open(os.path.join(folder, "port.tmp"), "w", encoding="ascii") as f:
        f.write(str(port))
    os.rename(os.path.join(folder, "port.tmp"), os.path.join(folder, "port"))
    loop.run_forever()


if __name__ == "__main__":
    main()
