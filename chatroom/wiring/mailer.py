"""Sending mail: the SMTP sender behind :mod:`chatroom.core.services.mailbox`.

This module hands one letter to the SMTP server ``--smtp`` names
(:mod:`chatroom.wiring.smtp`) with Twisted's ESMTP client
(:class:`twisted.mail.smtp.ESMTPSenderFactory`), on the reactor, never
blocking it. A letter goes as ``multipart/alternative`` (its text, then
its HTML). At most :data:`IN_FLIGHT` are sent at once (the others wait
their turn), each given :data:`TIMEOUT` seconds on the injected clock,
with no retry: a failure (refused connection, TLS or sign-in refused, a
recipient or the letter refused) is one
:class:`~chatroom.core.services.mailbox.MailUnsentError` saying why in one line,
which the core logs and tells its user. Nothing here logs an address, a
code or the password.

A letter the server said it sent (``RESET_SENT``, ``EMAIL_PENDING``) is
not cut off by a shutdown: :class:`MailerService` holds the stop until
the letters handed over are sent or given up, for at most
:data:`TIMEOUT` seconds.

``twistd chatroom`` imports it only where ``--smtp`` is given.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid, parseaddr
from io import BytesIO
from typing import Any

from twisted.application.service import Service
from twisted.internet import ssl
from twisted.internet.defer import Deferred, DeferredSemaphore
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.mail.smtp import ESMTPSenderFactory
from twisted.python.failure import Failure

from chatroom.core.model.letters import Letter, MailUnsentError
from chatroom.wiring.smtp import SMTPServer

#: Letters in flight at once, for the whole node.
IN_FLIGHT = 4
#: Seconds an SMTP server has to take a letter (connect, TLS, AUTH, DATA).
TIMEOUT = 30.0


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
    :class:`~chatroom.core.services.mailbox.Mailer`."""

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
        #: A letter's turn. Its semaphore starts the next waiting letter
        #: inside the end of the one before, which never nests deep: a
        #: letter never ends in the call that starts it (its connection is
        #: made in a later reactor turn), but when it fails at once (the
        #: server's host name refused by TLS), and that fails every letter
        #: so, each gives its turn back before the next asks, none waiting.
        self.turns = DeferredSemaphore(IN_FLIGHT)
        #: Letters sent and not sent, since the start.
        self.sent = 0
        self.unsent = 0
        #: Letters handed over, not yet sent or given up.
        self.pending = 0
        self._drained: list[Deferred[None]] = []

    def send(self, letter: Letter) -> Deferred[None]:
        """Send ``letter`` in its turn; fails with ``MailUnsentError``."""
        self.pending += 1
        sending: Deferred[None] = self.turns.run(self._send, letter)
        sending.addCallbacks(self._sent, self._unsent)
        return sending.addBoth(self._settled)

    def drained(self, bound: float) -> Deferred[None]:
        """Fires once no letter handed over is pending, or after ``bound``
        seconds on the injected clock, whichever comes first."""
        waiter: Deferred[None] = Deferred()
        if not self.pending:
            waiter.callback(None)
            return waiter
        self._drained.append(waiter)
        late = self.clock.callLater(bound, self._give_up, waiter)
        return waiter.addBoth(_cancelled, late)

    def _settled(self, result: object) -> object:
        self.pending -= 1
        if not self.pending:
            waiters, self._drained = self._drained, []
            for waiter in waiters:
                waiter.callback(None)
        return result

    def _give_up(self, waiter: Deferred[None]) -> None:
        if waiter in self._drained:
            self._drained.remove(waiter)
            waiter.callback(None)

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


class MailerService(Service):
    """The mailer for the life of the process: its stop waits for the
    letters handed over (at most :data:`TIMEOUT` seconds), so that a mail
    the server said it sent is not cut off by a shutdown."""

    log = Logger()

    def __init__(self, mailer: SMTPMailer) -> None:
        self.mailer = mailer

    def stopService(self) -> Deferred[None]:
        super().stopService()
        mailer = self.mailer
        if mailer.pending:
            self.log.info(
                "shutting down: {count} letters still being sent", count=mailer.pending
            )
        return mailer.drained(mailer.timeout).addCallback(self._stopped)

    def _stopped(self, _: None) -> None:
        if self.mailer.pending:
            self.log.warn(
                "{count} letters not sent: the server stopped",
                count=self.mailer.pending,
            )


def _cancelled(result: object, call: Any) -> object:
    """``call`` (a pending delayed call) cancelled, ``result`` passed on."""
    if call.active():
        call.cancel()
    return result


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
