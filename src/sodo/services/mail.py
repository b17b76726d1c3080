"""Sending e-mail: over SMTP with the standard library (``SODO_SMTP_URL``), and/or as ``.eml``
files in a folder (``[mail] folder``, for demos and for reading what was sent).

``smtp://host:port`` (plain, e.g. a local catcher), ``smtp://user:password@host:587?starttls=1``
(STARTTLS, then login), ``smtps://user:password@host:465`` (TLS from the start). A login is
made whenever a user is given; user and password may be percent-encoded.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from sodo.domain.problems import InputError

TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    tls: bool = False  # smtps: TLS from the first byte
    starttls: bool = False
    user: str = ""
    password: str = ""


def parse_smtp_url(url: str) -> SmtpTarget:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise InputError(f"SODO_SMTP_URL '{url}' is not smtp://host:port or smtps://host:port")
    query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
    return SmtpTarget(
        host=parts.hostname, port=parts.port or (465 if parts.scheme == "smtps" else 25),
        tls=parts.scheme == "smtps",
        starttls=query.get("starttls", "") in ("1", "true", "yes", "on"),
        user=unquote(parts.username or ""), password=unquote(parts.password or ""))


def build_message(sender: str, to: str, subject: str, text: str, html: str,
                  lang: str = "vi") -> EmailMessage:
    """A multipart/alternative message: the plain text first, the HTML second (UTF-8)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["Content-Language"] = lang
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


class Transport:
    """Where e-mail goes: an SMTP server, a folder, or both (the SMTP result decides)."""

    def __init__(self, smtp_url: str = "", folder: Path | None = None) -> None:
        self.smtp = parse_smtp_url(smtp_url) if smtp_url else None
        self.folder = folder

    @property
    def configured(self) -> bool:
        return self.smtp is not None or self.folder is not None

    def send(self, msg: EmailMessage, name: str) -> None:
        """Deliver ``msg``; raises ``OSError`` / ``smtplib.SMTPException`` on failure."""
        if self.smtp is not None:
            _send_smtp(self.smtp, msg)
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"{name}.eml").write_bytes(bytes(msg))


def _send_smtp(target: SmtpTarget, msg: EmailMessage) -> None:
    context = ssl.create_default_context()
    if target.tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(target.host, target.port,
                                                timeout=TIMEOUT_SECONDS, context=context)
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=TIMEOUT_SECONDS)
    with client:
        client.ehlo()
        if target.starttls:
            client.starttls(context=context)
            client.ehlo()
        if target.user:
            client.login(target.user, target.password)
        client.send_message(msg)
