"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, port 0.

aiosmtpd runs on asyncio, so :class:`MailServer` gives it a loop in a
thread of its own (asking for a user and password, with ``login``); what
it receives is parsed and kept in :attr:`MailServer.mails`, which the
tests read from the reactor's thread as it grows
(:meth:`MailServer.received` waits for a count, by condition). Refusing
every recipient (``refuse=True``) is a server that is up and says no.
With a certificate it offers ``STARTTLS`` and requires it, or speaks TLS
from the start (``smtps://``).
"""

from __future__ import annotations

import asyncio
import re
import ssl
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from importlib.util import find_spec
from typing import Any

from twisted.internet import defer

from tests.support import require, until


class _Keeper:
    """aiosmtpd's handler: keeps each mail, or refuses its recipients."""

    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.server.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.server.taking.is_set():  # a test holds the letter here
            self.server.held += 1
            await asyncio.get_running_loop().run_in_executor(
                None, self.server.taking.wait
            )
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        secured = server.transport.get_extra_info("ssl_object")
        self.server.over_tls.append(secured is not None)
        self.server.mails.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


class MailServer:
    """aiosmtpd in a thread, listening on 127.0.0.1 at :attr:`port`."""

    def __init__(
        self,
        refuse: bool = False,
        login: tuple[str, str] | None = None,
        tls: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
    ) -> None:
        """``tls``: the server's certificate, offered with ``STARTTLS``
        (and required before a mail), or from the first byte with
        ``implicit_tls`` (``smtps://``)."""
        found = find_spec("aiosmtpd") is not None
        require("aiosmtpd" if found else None, "aiosmtpd", "the e-mail tests")
        self.refuse = refuse
        #: The user and password the server asks for (SMTP AUTH), if any.
        self.login = login
        self.tls = tls
        self.implicit_tls = implicit_tls
        #: (envelope sender, recipients, the mail), in the order received.
        self.mails: list[tuple[str, list[str], EmailMessage]] = []
        #: Whether each mail came over TLS, in the same order.
        self.over_tls: list[bool] = []
        #: Cleared, a letter's DATA waits for it before it is taken (a
        #: slow mail server); :attr:`held` counts those that waited.
        self.taking = threading.Event()
        self.taking.set()
        self.held = 0
        self.loop = asyncio.new_event_loop()
        self.port = 0
        started = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self.thread.start()
        started.wait(10)

    def _run(self, started: threading.Event) -> None:
        from aiosmtpd.smtp import SMTP  # checked by require()

        asyncio.set_event_loop(self.loop)
        keeper = _Keeper(self)
        starttls: dict[str, Any] = (
            {"tls_context": self.tls, "require_starttls": True}
            if self.tls is not None and not self.implicit_tls
            else {}
        )
        server = self.loop.run_until_complete(
            self.loop.create_server(
                lambda: SMTP(keeper, hostname="mail.test", **self._auth(), **starttls),
                "127.0.0.1",
                0,
                ssl=self.tls if self.implicit_tls else None,
            )
        )
        self.port = server.sockets[0].getsockname()[1]
        started.set()
        self.loop.run_forever()
        server.close()
        self.loop.run_until_complete(server.wait_closed())
        self.loop.close()

    def _auth(self) -> dict[str, Any]:
        """aiosmtpd's AUTH settings: required, over a plain connection too
        (the tests have no certificate), checking :attr:`login`."""
        if self.login is None:
            return {}
        from aiosmtpd.smtp import AuthResult, LoginPassword

        def check(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> Any:
            given = (
                (data.login.decode(), data.password.decode())
                if isinstance(data, LoginPassword)
                else None
            )
            # not handled: aiosmtpd answers 535 itself to a wrong password
            return AuthResult(success=given == self.login, handled=False)

        return {
            "authenticator": check,
            "auth_required": True,
            "auth_require_tls": False,
        }

    def stop(self) -> None:
        self.taking.set()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def received(self, count: int, bound: float = 10.0) -> defer.Deferred[Any]:
        """Fires with the mails once at least ``count`` have arrived."""
        return until(
            lambda: defer.succeed(
                list(self.mails) if len(self.mails) >= count else None
            ),
            bound,
            f"{count} mail(s) at the SMTP server",
        )


def text_of(mail: EmailMessage) -> str:
    """The plain text part of a mail."""
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def code_in(mail: EmailMessage) -> str:
    """The code a mail holds (after ``/verify`` or ``/reset NAME``)."""
    found = re.search(r"/(?:verify|reset \S+) (\S+)", text_of(mail))
    assert found is not None, text_of(mail)
    return found.group(1)


def link_in(mail: EmailMessage) -> str:
    """The link a mail's text holds."""
    found = re.search(r"https?://\S+", text_of(mail))
    assert found is not None, text_of(mail)
    return found.group(0)
