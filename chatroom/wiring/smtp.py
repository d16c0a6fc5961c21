"""Sending mail: the SMTP sender behind :mod:`chatroom.core.mailbox`.

The core decides what is mailed to whom (:mod:`chatroom.core.letters`);
this module hands one letter to the operator's SMTP server with Twisted's
ESMTP client (:class:`twisted.mail.smtp.ESMTPSenderFactory`), on the
reactor, never blocking it:

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

A letter goes as ``multipart/alternative`` (its text, then its HTML). At
most :data:`IN_FLIGHT` are sent at once (the others wait their turn), each
given :data:`TIMEOUT` seconds on the injected clock, with no retry: a
failure (refused connection, TLS or sign-in refused, a recipient or the
letter refused) is one :class:`~chatroom.core.mailbox.MailUnsentError`
saying why in one line, which the core logs and tells its user. Nothing
here logs an address, a code or the password.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid, parseaddr
from io import BytesIO
from typing import Any
from urllib.parse import unquote, urlsplit

from twisted.internet import ssl
from twisted.internet.defer import Deferred, DeferredSemaphore
from twisted.internet.interfaces import IReactorTime
from twisted.mail.smtp import ESMTPSenderFactory
from twisted.python import usage
from twisted.python.failure import Failure

from chatroom.core.config import ServerConfig
from chatroom.core.letters import Letter
from chatroom.core.mailbox import MailUnsentError
from chatroom.wiring.cli import number

#: Letters in flight at once, for the whole node.
IN_FLIGHT = 4
#: Seconds an SMTP server has to take a letter (connect, TLS, AUTH, DATA).
TIMEOUT = 30.0
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


def message_of(letter: Letter, sender: str, server_name: str) -> bytes:
    """``letter`` as the bytes handed to the ESMTP client: headers, then
    its text and its HTML as ``multipart/alternative``."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = letter.to
    message["Subject"] = letter.subject
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(server_name, domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(letter.text)
    message.add_alternative(letter.html, subtype="html")
    # Lines end in "\n": the ESMTP client ends each in CRLF as it sends.
    return message.as_bytes(policy=SMTP.clone(linesep="\n"))


class SMTPMailer:
    """Sends letters through one SMTP server (see the module); the core's
    :class:`~chatroom.core.mailbox.Mailer`."""

    def __init__(
        self,
        reactor: Any,
        server: SMTPServer,
        sender: str,
        server_name: str,
        clock: IReactorTime | None = None,
        timeout: float = TIMEOUT,
    ) -> None:
        self.reactor = reactor
        self.server = server
        self.sender = sender
        self.envelope_from = parseaddr(sender)[1]
        self.server_name = server_name
        self.clock: IReactorTime = clock or reactor
        self.timeout = timeout
        self.turns = DeferredSemaphore(IN_FLIGHT)
        #: Letters sent and not sent, since the start.
        self.sent = 0
        self.unsent = 0

    def send(self, letter: Letter) -> Deferred[None]:
        """Send ``letter`` in its turn; fails with ``MailUnsentError``."""
        sending: Deferred[None] = self.turns.run(self._send, letter)
        return sending.addCallbacks(self._sent, self._unsent)

    def _send(self, letter: Letter) -> Deferred[None]:
        """One letter over one connection: fires once the connection is
        closed, with the letter's fate; the connection is dropped if it
        is not done within :attr:`timeout` (on the injected clock)."""
        server = self.server
        done: Deferred[None] = Deferred()
        closed: Deferred[None] = Deferred()
        tls = ssl.optionsForClientTLS(server.host)
        factory = _LetterFactory(
            closed,
            server.user.encode() or None,
            server.password.encode() or None,
            self.envelope_from,
            letter.to,
            BytesIO(message_of(letter, self.sender, self.server_name)),
            done,
            retries=0,
            contextFactory=None if server.tls else tls,
            requireAuthentication=bool(server.user),
            requireTransportSecurity=server.require_tls or server.tls,
            hostname=self.server_name,
        )
        factory.noisy = False
        connector: Any
        if server.tls:
            connector = self.reactor.connectSSL(
                server.host, server.port, factory, tls, timeout=self.timeout
            )
        else:
            connector = self.reactor.connectTCP(
                server.host, server.port, factory, timeout=self.timeout
            )
        overdue = self.clock.callLater(self.timeout, connector.disconnect)

        def settled(result: object) -> Deferred[Any]:
            if overdue.active():
                overdue.cancel()
            return closed.addBoth(lambda _: result)

        return done.addBoth(settled)

    def _sent(self, _: object) -> None:
        self.sent += 1

    def _unsent(self, failure: Failure) -> Failure:
        self.unsent += 1
        why = (
            failure.getErrorMessage().splitlines()[0]
            if failure.getErrorMessage()
            else ""
        )
        raise MailUnsentError(
            f"the mail server at {self.server.host}:{self.server.port} "
            f"did not take the mail ({_short(why) or type(failure.value).__name__})"
        )


class _LetterFactory(ESMTPSenderFactory):
    """Twisted's ESMTP sender, telling ``closed`` once its connection is
    closed (or never made): a letter's turn lasts until then."""

    def __init__(self, closed: Deferred[None], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.closed = closed

    def clientConnectionFailed(self, connector: Any, err: Failure) -> None:
        super().clientConnectionFailed(connector, err)
        self._closed()

    def clientConnectionLost(self, connector: Any, err: Failure) -> None:
        super().clientConnectionLost(connector, err)
        self._closed()

    def _closed(self) -> None:
        if not self.closed.called:
            self.closed.callback(None)


def _short(why: str) -> str:
    """A reason in one short line (an SMTP reply can run long)."""
    return " ".join(why.split())[:160]
