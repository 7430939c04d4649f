"""A local SMTP server for the tests (Debian's aiosmtpd): saves each message it takes to a
folder, one file per message, and answers as a mode file there says.

Usage: /usr/bin/python3 tests/mail/sink.py DIR [--starttls | --smtps] [--auth USER]
Listens on 127.0.0.1 on a free port and writes the port to DIR/port once it listens.
DIR/mode, when present, holds how to answer the next DATA: "ok" (the default), "4xx"
(451 Try again later), "5xx" (554 Rejected) or "drop" (close the connection).
Each message taken is DIR/msg-N.eml (written to a temporary name, then renamed), headed
by what the server saw: X-Envelope-To, X-Sink-TLS (the TLS version, or "none") and
X-Sink-Auth (the user who logged in, or "-").

--starttls offers STARTTLS and requires it before MAIL; --smtps speaks TLS from the first
byte (implicit TLS). Both use DIR/cert.pem and DIR/key.pem. --auth USER requires AUTH
(LOGIN or PLAIN, offered only over TLS) as USER with the password in DIR/password;
other credentials are answered 535.
"""
import asyncio
import logging
import os
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def tls_version(server):
    """The TLS version of the server's connection, or None in the clear."""
    obj = server.transport.get_extra_info("ssl_object") if server.transport else None
    return obj.version() if obj else None


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
        user = "-"
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            user = session.auth_data.login.decode("utf-8", "replace")
        with open(name + ".tmp", "wb") as f:
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(b"X-Sink-TLS: " + (tls_version(server) or "none").encode() + b"\r\n")
            f.write(b"X-Sink-Auth: " + user.encode() + b"\r\n")
            f.write(envelope.original_content)
        os.rename(name + ".tmp", name)
        return "250 OK"


class Authenticator:
    """Takes USER with the password of DIR/password, and only over TLS."""

    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and tls_version(server) is not None
              and auth_data.login == self.user and auth_data.password == self.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def main():
    folder = sys.argv[1]
    args = sys.argv[2:]
    saver = Saver(folder)
    options = {"hostname": "sink.test"}
    context = None
    if "--starttls" in args or "--smtps" in args:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(os.path.join(folder, "cert.pem"),
                                os.path.join(folder, "key.pem"))
    if "--starttls" in args:
        options.update(tls_context=context, require_starttls=True)
    if "--auth" in args:
        with open(os.path.join(folder, "password"), encoding="utf-8") as f:
            password = f.read().strip()
        user = args[args.index("--auth") + 1]
        # Over implicit TLS aiosmtpd sees no STARTTLS and would refuse AUTH as in the
        # clear; the authenticator checks the connection's TLS itself (and aiosmtpd's
        # warning about AUTH without TLS does not apply).
        warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
        options.update(authenticator=Authenticator(user, password), auth_required=True,
                       auth_require_tls="--smtps" not in args)
    # A client that refuses the certificate is what some tests expect: aiosmtpd's report
    # of each session that ends so stays out of the tests' output.
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(saver, **options), "127.0.0.1", 0,
                           ssl=context if "--smtps" in args else None))
    port = server.sockets[0].getsockname()[1]
    with open(os.path.join(folder, "port.tmp"), "w", encoding="ascii") as f:
        f.write(str(port))
    os.rename(os.path.join(folder, "port.tmp"), os.path.join(folder, "port"))
    loop.run_forever()


if __name__ == "__main__":
    main()
