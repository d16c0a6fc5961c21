"""The OpenID provider's pages at the HTTP door: ``/oidc/...``.

- ``GET /oidc/provider``: ``{"name": "Example SSO"}``, what the page's
  "Sign in with …" button says (the path is absent without a provider).
- ``GET /oidc/start``: to the provider's sign-in page, the flow's
  ``state``, nonce and PKCE verifier kept meanwhile in a cookie the
  provider's side never sees (signed, ``HttpOnly``, ``SameSite=Lax``,
  ten minutes, ``/oidc/`` only).
- ``GET /oidc/callback?code=…&state=…``: the provider sends the browser
  back here; the code is exchanged, the ID token checked, and the page is
  opened again holding a ticket (``/#oidc=TICKET``: a fragment, which no
  request and so no log carries) that signs it in (``/oidc TICKET``).

The protocol is the wiring's (:mod:`chatroom.wiring.oidc`), the account
the core's (:class:`chatroom.core.accounts.oidc.OidcSignIn`). The callback's
``code`` and ``state`` are hidden in every log line
(:mod:`chatroom.core.urlsecrets`).
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from chatroom.core.accounts.oidc import OidcSignIn
from chatroom.core.model.errors import ChatError
from chatroom.doors.base.hub import DoorHub

#: The cookie that carries the flow from ``/oidc/start`` to the callback.
FLOW_COOKIE = b"chatroom_oidc"
CALLBACK_PATH = "/oidc/callback"


def _argument(request: Request, name: bytes) -> str:
    values = (request.args or {}).get(name) or [b""]
    return values[0].decode(errors="replace")


class _Step(Resource):
    isLeaf = True
    log = Logger()

    def __init__(self, server: DoorHub, oidc: OidcSignIn) -> None:
        super().__init__()
        self.hub = server
        self.oidc = oidc

    def redirect_uri(self) -> str:
        return self.hub.http_url.rstrip("/") + CALLBACK_PATH

    def cookie(self, request: Request, value: str, seconds: int) -> None:
        request.addCookie(
            FLOW_COOKIE,
            value.encode(),
            path=b"/oidc/",
            max_age=str(seconds).encode(),
            httpOnly=True,
            secure=self.hub.http_url.startswith("https:"),
            sameSite="lax",
        )

    def run(self, request: Request, work: Any) -> int:
        """Answer once ``work`` has (it redirects), or with its refusal on
        a small page; nothing if the request went meanwhile."""
        request.setHeader("cache-control", "no-store")
        request.setHeader("referrer-policy", "no-referrer")
        gone: list[Failure] = []
        request.notifyFinish().addErrback(gone.append)

        def done(location: str) -> None:
            if not gone:
                request.redirect(location.encode())
                request.finish()

        def refused(failure: Failure) -> None:
            if gone:
                return
            refusal = failure.value
            if isinstance(refusal, ChatError):
                request.setResponseCode(403)
                text = refusal.text
            else:
                self.log.failure("a sign-in with the provider failed", failure)
                request.setResponseCode(500)
                text = "the server failed; try again later"
            request.setHeader("content-type", "text/html; charset=utf-8")
            request.write(
                (
                    "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
                    f"<title>Sign-in refused</title></head><body>"
                    f"<h1>Sign-in refused</h1><p>{escape(text)}</p>"
                    '<p><a href="/">Back to the chat</a></p></body></html>'
                ).encode()
            )
            request.finish()

        Deferred.fromCoroutine(work).addCallbacks(done, refused)
        return NOT_DONE_YET


class Start(_Step):
    """``GET /oidc/start``."""

    def render_GET(self, request: Request) -> int:
        return self.run(request, self._started(request))

    async def _started(self, request: Request) -> str:
        location, kept = await self.oidc.provider.start(self.redirect_uri())
        self.cookie(request, kept, 600)
        return location


class Callback(_Step):
    """``GET /oidc/callback?code=…&state=…``."""

    def render_GET(self, request: Request) -> int:
        return self.run(request, self._finished(request))

    async def _finished(self, request: Request) -> str:
        kept = (request.getCookie(FLOW_COOKIE) or b"").decode(errors="replace")
        self.cookie(request, "", 0)  # the flow is used once
        problem = _argument(request, b"error")
        if problem:
            raise ChatError("BAD_TOKEN", f"the provider said {problem[:64]}")
        claims = await self.oidc.provider.finish(
            _argument(request, b"code"),
            _argument(request, b"state"),
            kept,
            self.redirect_uri(),
            _argument(request, b"iss"),
        )
        account = await self.oidc.signed_in(claims)
        return f"/#oidc={self.oidc.ticket(account)}"


class ProviderName(Resource):
    """``GET /oidc/provider``: the button's words."""

    isLeaf = True

    def __init__(self, name: str) -> None:
        super().__init__()
        self.body = json.dumps({"name": name}).encode()

    def render_GET(self, request: Request) -> bytes:
        request.setHeader("content-type", "application/json")
        request.setHeader("cache-control", "no-store")
        return self.body


def oidc_pages(server: DoorHub, oidc: OidcSignIn) -> Resource:
    """``/oidc/``'s pages."""
    pages = Resource()
    pages.putChild(b"provider", ProviderName(oidc.name))
    pages.putChild(b"start", Start(server, oidc))
    pages.putChild(b"callback", Callback(server, oidc))
    return pages
