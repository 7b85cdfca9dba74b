"""A tiny SMTP responder on 127.0.0.1 for tests (Python 3.12 dropped smtpd; no dependency).

It speaks just enough of RFC 5321 for ``smtplib``: EHLO/HELO, AUTH PLAIN, MAIL FROM, RCPT TO,
DATA (with dot-unstuffing), RSET, NOOP, QUIT. It never offers STARTTLS, so a client that
requires TLS must refuse to send to it.
"""

from __future__ import annotations

import base64
import email
import email.policy
import re
import socketserver
import threading
from dataclasses import dataclass
from email.message import EmailMessage

ADDRESS = re.compile(r"<([^>]*)>")


@dataclass(frozen=True)
class Received:
    """One accepted message: the envelope and the parsed message."""

    mail_from: str
    rcpt_to: tuple[str, ...]
    message: EmailMessage


class SmtpServer:
    """Accepts every message and keeps it in ``received``; ``logins`` holds (user, password)
    of AUTH PLAIN. Use as a context manager; ``port`` may name a port to listen on."""

    def __init__(self, port: int = 0) -> None:
        self.received: list[Received] = []
        self.logins: list[tuple[str, str]] = []
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def __enter__(self) -> SmtpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[socketserver.StreamRequestHandler]:
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.reply("220 localhost tiny SMTP ready")
                mail_from, rcpt_to = "", []
                while line := self.rfile.readline():
                    command = line.decode("utf-8").rstrip("\r\n")
                    verb = command.upper()
                    if verb.startswith("EHLO"):
                        self.reply("250-localhost", "250 AUTH PLAIN")
                    elif verb.startswith("HELO"):
                        self.reply("250 localhost")
                    elif verb.startswith("AUTH PLAIN "):
                        _, user, password = base64.b64decode(command[11:]).decode().split("\0")
                        server.logins.append((user, password))
                        self.reply("235 2.7.0 authenticated")
                    elif verb.startswith("MAIL FROM:"):
                        mail_from, rcpt_to = _address(command), []
                        self.reply("250 2.1.0 ok")
                    elif verb.startswith("RCPT TO:"):
                        rcpt_to.append(_address(command))
                        self.reply("250 2.1.5 ok")
                    elif verb == "DATA":
                        self.reply("354 end data with <CR><LF>.<CR><LF>")
                        server.received.append(Received(mail_from, tuple(rcpt_to), self.data()))
                        self.reply("250 2.0.0 queued")
                    elif verb in ("RSET", "NOOP"):
                        self.reply("250 2.0.0 ok")
                    elif verb == "QUIT":
                        self.reply("221 2.0.0 bye")
                        return
                    else:
                        self.reply("502 5.5.2 command not implemented")

            def data(self) -> EmailMessage:
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)
                # CRLF is the wire's line end; parse with the local one, as a mail reader does
                raw = b"".join(lines).replace(b"\r\n", b"\n")
                parsed = email.message_from_bytes(raw, policy=email.policy.default)
                assert isinstance(parsed, EmailMessage)
                return parsed

            def reply(self, *lines: str) -> None:
                self.wfile.write("".join(f"{line}\r\n" for line in lines).encode("utf-8"))

        return Handler


def _address(command: str) -> str:
    found = ADDRESS.search(command)
    return found.group(1) if found else command.split(":", 1)[1].strip()
