"""The links the server mails: ``/email/verify`` and ``/email/reset``.

``GET /email/verify?account=NAME&code=CODE`` verifies the account's
pending address, as ``/verify CODE`` does, and says so on a small page
(``EMAIL_VERIFIED <address>``). Opening it is enough: a mail scanner that
follows the link proves what the code proves, that the address gets mail.

``GET /email/mailer`` answers ``{"mail": true}`` while the server sends
mail (``--smtp``), ``404`` otherwise: whether the page offers *Forgot
password?*.

``GET /email/reset?account=NAME&code=CODE`` is a form asking for the new
password; posting it (``POST /email/reset``: ``account``, ``code``,
``password``) is ``/reset NAME CODE NEWPASSWORD``: the password is
changed, the code spent, and every device of the account signed out.

The rules and the back-off on wrong codes are
:class:`chatroom.core.services.mailbox.MailboxService`'s. The code travels as
``code=``, which the logs never show (:mod:`chatroom.core.urlsecrets`).
No page here is cached, and none is framed.
"""

from __future__ import annotations

from collections.abc import Coroutine
from html import escape
from typing import Any
from urllib.parse import parse_qs

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from chatroom.core.model.errors import ChatError
from chatroom.doors.base.hub import DoorHub

#: The refusals' HTTP statuses (any other failure is 500).
STATUSES = {"BAD_CODE": 403, "BAD_NAME": 403, "BAD_ARGS": 400, "RATE_LIMITED": 429}


def _page(server: str, title: str, body: str) -> bytes:
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width">'
        f"<title>{escape(title)} - {escape(server)}</title></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    ).encode()


def _arguments(request: Request) -> dict[str, str]:
    """The query's, and a posted form's, first value of each name."""
    found = {
        key.decode(errors="replace"): values[0].decode(errors="replace")
        for key, values in (request.args or {}).items()
        if values
    }
    return found


class _Page(Resource):
    """One of the links' pages: answers when the service has."""

    isLeaf = True
    log = Logger()

    def __init__(self, server: DoorHub) -> None:
        super().__init__()
        self.chat = server

    def answer(
        self, request: Request, work: Coroutine[Any, Any, tuple[str, str]]
    ) -> int:
        """Render what ``work`` answers (a title, a body of HTML), or its
        refusal, once it has; nothing if the request went meanwhile."""
        request.setHeader("cache-control", "no-store")
        request.setHeader("x-frame-options", "DENY")
        request.setHeader("referrer-policy", "no-referrer")
        request.setHeader("content-type", "text/html; charset=utf-8")
        gone: list[Failure] = []
        request.notifyFinish().addErrback(gone.append)
        name = self.chat.config.name

        def done(page: tuple[str, str]) -> None:
            if not gone:
                request.write(_page(name, *page))
                request.finish()

        def refused(failure: Failure) -> None:
            refusal = failure.value
            if isinstance(refusal, ChatError):
                request.setResponseCode(STATUSES.get(refusal.code, 400))
                page = (refusal.code, f"<p>{escape(refusal.text)}</p>")
            else:
                self.log.failure("a mailed link failed", failure)
                request.setResponseCode(500)
                page = ("Failed", "<p>The server failed; try again later.</p>")
            done(page)

        Deferred.fromCoroutine(work).addCallbacks(done, refused)
        return NOT_DONE_YET


class VerifyPage(_Page):
    """``GET /email/verify?account=NAME&code=CODE``."""

    def render_GET(self, request: Request) -> int:
        given = _arguments(request)
        host = getattr(request.getClientAddress(), "host", "")
        return self.answer(
            request,
            self._verified(given.get("account", ""), given.get("code", ""), host),
        )

    async def _verified(self, name: str, code: str, host: str) -> tuple[str, str]:
        address = await self.chat.mailbox.verify(name, code, host)
        return (
            f"EMAIL_VERIFIED {address}",
            f"<p>{escape(address)} is verified for {escape(name)}.</p>",
        )


class ResetPage(_Page):
    """``GET /email/reset?account=NAME&code=CODE``: the form;
    ``POST /email/reset``: the new password."""

    def render_GET(self, request: Request) -> int:
        given = _arguments(request)
        name, code = given.get("account", ""), given.get("code", "")

        async def form() -> tuple[str, str]:
            return (
                "Choose a new password",
                # Relative: the door may be behind a proxy's path prefix.
                "<form method=post action=reset>"
                f'<input type=hidden name=account value="{escape(name)}">'
                f'<input type=hidden name=code value="{escape(code)}">'
                f"<p>A new password for {escape(name)} (8 to 128 characters, "
                "spaces allowed):</p>"
                "<p><input type=password name=password id=password required "
                "minlength=8 maxlength=128 autocomplete=new-password "
                'aria-label="New password"></p>'
                "<p><button type=submit>Change the password</button></p></form>",
            )

        return self.answer(request, form())

    def render_POST(self, request: Request) -> int:
        body = request.content.read() if request.content is not None else b""
        form = {
            key.decode(errors="replace"): values[0].decode(errors="replace")
            for key, values in parse_qs(body).items()
        }
        host = getattr(request.getClientAddress(), "host", "")
        return self.answer(
            request,
            self._reset(
                form.get("account", ""),
                form.get("code", ""),
                form.get("password", ""),
                host,
            ),
        )

    async def _reset(
        self, name: str, code: str, password: str, host: str
    ) -> tuple[str, str]:
        account = await self.chat.mailbox.reset(name, code, password, host)
        return (
            f"PASSWORD_CHANGED {account.name}",
            f"<p>The password of {escape(account.name)} is changed; "
            "sign in with it.</p>",
        )


class MailSent(Resource):
    """``GET /email/mailer``: ``{"mail": true}`` while the server can send
    mail (``--smtp``), ``404`` while it cannot. The page offers *Forgot
    password?* (``/reset NAME``, a link by mail) only then, as it offers
    *Sign in with …* only where ``/oidc/provider`` answers and *Attach*
    only where ``HEAD /upload`` does."""

    isLeaf = True

    def __init__(self, server: DoorHub) -> None:
        super().__init__()
        self.chat = server

    def render_GET(self, request: Request) -> bytes:
        request.setHeader("cache-control", "no-store")
        if not self.chat.sends_mail:
            request.setResponseCode(404)
            request.setHeader("content-type", "text/plain; charset=utf-8")
            return b"this server sends no mail (no --smtp)\n"
        request.setHeader("content-type", "application/json")
        return b'{"mail": true}'

    render_HEAD = render_GET


def mail_links(server: DoorHub) -> Resource:
    """``/email``: its two pages, and whether mail is sent at all."""
    email = Resource()
    email.putChild(b"verify", VerifyPage(server))
    email.putChild(b"reset", ResetPage(server))
    email.putChild(b"mailer", MailSent(server))
    return email
