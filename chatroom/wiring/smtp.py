"""Where mail is sent: ``--smtp`` and its companions, checked at start.

The core decides what is mailed to whom (:mod:`chatroom.core.model.letters`);
:mod:`chatroom.wiring.mailer` hands one letter to the operator's SMTP
server, as these options say:

- ``--smtp smtp://[user@]host[:port]`` (port 587 by default) connects in
  the clear and upgrades with STARTTLS whenever the server offers it;
  ``--smtp-require-tls`` refuses to send over a connection that did not.
  ``smtps://[user@]host[:port]`` (port 465) is TLS from the first byte.
  The server's certificate is verified against the system's trust roots
  for its host name, whichever way TLS starts.
- With a user in the URL the sender signs in (SMTP AUTH) with the password
  read from ``--smtp-password-file`` (its first line), and refuses to send
  without signing in.
- ``--mail-from "chatroom <noreply@example.org>"`` is the letters' From,
  and its address the envelope's sender.

The sending itself is :mod:`chatroom.wiring.mailer`'s, loaded only where
``--smtp`` is given: Twisted Mail and the ``email`` package's policies are
about 1 MiB of every node's memory that a server without mail never uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any
from urllib.parse import unquote, urlsplit

from twisted.python import usage

from chatroom.core.model.config import ServerConfig
from chatroom.wiring.cli import number

#: Each scheme's port when the URL names none.
DEFAULT_PORTS = {"smtp": 587, "smtps": 465}

#: ``twistd chatroom``'s options for mail.
SMTP_OPTIONS: list[list[Any]] = [
    [
        "smtp",
        None,
        None,
        "The SMTP server mail is sent through: smtp://[user@]host[:port] "
        "(STARTTLS when it offers it; port 587 by default) or "
        "smtps://[user@]host[:port] (TLS; port 465). Without it /email and "
        "/reset send nothing.",
    ],
    [
        "smtp-password-file",
        None,
        None,
        "A file whose first line is the password of --smtp's user.",
    ],
    [
        "mail-from",
        None,
        "chatroom <noreply@localhost>",
        'The From of the mail the server sends, e.g. "chatroom <noreply@example.org>".',
    ],
    [
        "verify-window",
        None,
        ServerConfig.verify_window,
        "Seconds a code mailed to verify an address is good for, and in which "
        "a new account must verify one with --require-email (else it is removed).",
        number(float, 60, "--verify-window"),
    ],
    [
        "mail-idle",
        None,
        ServerConfig.mail_idle,
        "Minutes without any active device after which an account with a "
        "verified address is mailed its mentions and private messages (in one "
        "digest; /set mail off stops them).",
        number(float, 1, "--mail-idle"),
    ],
]

#: ``twistd chatroom``'s flags for mail.
SMTP_FLAGS: list[list[Any]] = [
    [
        "smtp-require-tls",
        None,
        "Send mail only over TLS: refuse an smtp:// server that offers no STARTTLS.",
    ],
    [
        "require-email",
        None,
        "A new account counts only once it verified an e-mail address "
        "(/email, /verify) within --verify-window: until then it signs in "
        "nowhere else, and then it is removed.",
    ],
]


@dataclass(frozen=True)
class SMTPServer:
    """Where mail goes, as ``--smtp`` says, and how to sign in there."""

    host: str
    port: int
    tls: bool
    user: str = ""
    password: str = ""
    require_tls: bool = False


def smtp_server(url: str, password: str = "", require_tls: bool = False) -> SMTPServer:
    """``--smtp``'s URL, or ``ValueError`` saying what is wrong with it."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError("must start with smtp:// or smtps://")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise ValueError("its port is no number from 1 to 65535") from None
    if not parts.hostname:
        raise ValueError("names no host")
    if parts.path not in ("", "/") or parts.query or parts.password:
        raise ValueError(
            "is smtp://[user@]host[:port] (the password goes in --smtp-password-file)"
        )
    return SMTPServer(
        parts.hostname,
        port,
        parts.scheme == "smtps",
        unquote(parts.username or ""),
        password,
        require_tls,
    )


def check_smtp(options: Any) -> None:
    """``--smtp`` and its companions, checked at start (one line each)."""
    if "@" not in parseaddr(options["mail-from"])[1]:
        raise usage.UsageError(
            "--mail-from: names no address (chatroom <noreply@example.org>)"
        )
    password = ""
    if options["smtp-password-file"] is not None:
        try:
            with open(options["smtp-password-file"], encoding="utf-8") as file:
                password = file.readline().rstrip("\r\n")
        except OSError as problem:
            raise usage.UsageError(
                f"--smtp-password-file: {problem.strerror}"
            ) from None
    if options["smtp"] is None:
        if options["smtp-password-file"] is not None or options["smtp-require-tls"]:
            raise usage.UsageError(
                "--smtp-password-file, --smtp-require-tls: need --smtp"
            )
        if options["require-email"]:  # no account could ever verify one
            raise usage.UsageError("--require-email: needs --smtp")
        options.smtp_server = None
        return
    try:
        found = smtp_server(
            options["smtp"], password, bool(options["smtp-require-tls"])
        )
    except ValueError as problem:
        raise usage.UsageError(f"--smtp: {problem}") from None
    if found.user and not password:
        raise usage.UsageError("--smtp: a user needs --smtp-password-file")
    options.smtp_server = found
