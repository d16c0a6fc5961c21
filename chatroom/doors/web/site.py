"""The ``--http`` site: the web client, ``/ws``, ``/irc``, ``/metrics``, ``/healthz``,
``/hooks`` (webhooks' posts), ``/api/v1/`` (the REST API for bots), and
with ``--files``, ``/upload`` and ``/files/``
(:mod:`~chatroom.doors.web.uploads`); with ``--admin-token-file`` the admin
API, ``/admin/``.

``/`` and its files are the one-page client in ``static/``, read once
at start-up from the installed package, with ``/wire.js``, the line
protocol's grammar and commands made from :mod:`chatroom.wire` at its
first request (:mod:`~chatroom.doors.web.wirescript`), all served with a strict
Content-Security-Policy (the page talks only to this server).

Every connection is wrapped (:class:`LimitedChannel`): it passes the same
admission as the other doors' (``--max-clients``, ``--max-per-ip``; a
refused one is answered ``503`` and closed), and a WebSocket message cannot
grow without bound before wsproto hands it over. Under the wrapper, each
connection is a :class:`~chatroom.doors.web.channel.BoundedChannel`: request
bodies, pipelining, output and timeouts bounded.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import Any, cast

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IProtocol, ITransport
from twisted.internet.protocol import Protocol, connectionDone
from twisted.logger import Logger
from twisted.protocols.policies import ProtocolWrapper, WrappingFactory
from twisted.python.failure import Failure
from twisted.web.pages import notFound
from twisted.web.resource import IResource, Resource
from twisted.web.server import NOT_DONE_YET, Request

from chatroom.core.model.hooks import HOOK_PATH
from chatroom.doors.base.hub import DoorHub
from chatroom.doors.irc.protocol import IRCFactory
from chatroom.doors.web.admin import AdminAPI
from chatroom.doors.web.api import BotAPIResource, TokenCheck
from chatroom.doors.web.channel import BoundedSite
from chatroom.doors.web.emojitable import emoji_table
from chatroom.doors.web.exports import Exports
from chatroom.doors.web.hooks import HooksResource
from chatroom.doors.web.ircsocket import IRCWebSocketResource
from chatroom.doors.web.limits import HTTPLimits
from chatroom.doors.web.mailbox import mail_links
from chatroom.doors.web.metrics import scrape
from chatroom.doors.web.oidc import oidc_pages
from chatroom.doors.web.socket import (
    LineWebSocketResource,
    Unterminated,
)
from chatroom.doors.web.uploads import FilesResource, UploadDoor, UploadResource
from chatroom.doors.web.wirescript import wire_script

_SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; connect-src 'self' ws: wss:; "
        # http(s) images: link previews' (docs/web.md, "Link previews").
        "img-src 'self' data: http: https:; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
}

#: The content type of the client's scripts.
_SCRIPT = "text/javascript; charset=utf-8"

#: The client's files: path → (file in static/, content type). Its grammar,
#: ``/wire.js``, is made from the server's (:func:`wire_script`), as is
#: its emoji list, ``/emoji.json`` (:func:`emoji_table`), each at its first
#: request (:class:`BuiltOnFirstUse`).
STATIC_FILES = {
    b"": ("index.html", "text/html; charset=utf-8"),
    **{
        name.encode(): (name, _SCRIPT)
        for name in (
            "app.js",
            "words.js",
            # markdown-it, vendored (static/VENDORED.md), and its use.
            "markdown-it.min.js",
            "format.js",
            "view.js",
            "scroll.js",
            "rooms.js",
            "rich.js",
            "threads.js",
            "compose.js",
            "reactions.js",
            "emoji.js",
            "typing.js",
            "profiles.js",
            "panel.js",
            "private.js",
            "attention.js",
            "files.js",
            "voice.js",
            "push.js",
            "sw.js",
            "session.js",
            "links.js",
            "card.js",
            "secret.js",
            "outbox.js",
            "calls.js",
            "input.js",
            "events.js",
        )
    },
    b"style.css": ("style.css", "text/css; charset=utf-8"),
    # The installable app (docs/web.md, "Notifications"): its manifest and icons.
    b"manifest.webmanifest": ("manifest.webmanifest", "application/manifest+json"),
    b"icon-192.png": ("icon-192.png", "image/png"),
    b"icon-512.png": ("icon-512.png", "image/png"),
}


class StaticFile(Resource):
    """One file of the client, kept in memory."""

    isLeaf = True

    def __init__(self, body: bytes, content_type: str) -> None:
        super().__init__()
        self.body = body
        self.content_type = content_type

    def render_GET(self, request: Request) -> bytes:
        request.setHeader("content-type", self.content_type)
        for name, value in _SECURITY_HEADERS.items():
            request.setHeader(name, value)
        return self.body


class BuiltOnFirstUse(StaticFile):
    """A file of the client made by ``build`` when it is first asked for,
    then kept: what nobody fetches costs a server nothing (``/emoji.json``,
    some megabytes of tables while it is made, which most visitors never
    fetch; ``/wire.js``, on a node no browser opens the page on)."""

    def __init__(self, build: Callable[[], bytes], content_type: str) -> None:
        super().__init__(b"", content_type)
        self.build: Callable[[], bytes] | None = build

    def render_GET(self, request: Request) -> bytes:
        if self.build is not None:
            self.body, self.build = self.build(), None
        return super().render_GET(request)


class Health(Resource):
    """``/healthz``: 200 while this server can serve its users.

    In cluster mode a node that cannot reach Redis answers ``503``, so a
    load balancer stops sending newcomers to it.
    """

    isLeaf = True

    def __init__(self, server: DoorHub) -> None:
        super().__init__()
        self.chat = server

    def render_GET(self, request: Request) -> bytes:
        request.setHeader("content-type", "text/plain; charset=utf-8")
        if self.chat.shutting_down:
            request.setResponseCode(503)
            return b"shutting down\n"
        if not self.chat.registry.available:
            request.setResponseCode(503)
            return b"unavailable: this node cannot reach Redis\n"
        return b"ok\n"


class Metrics(Resource):
    """``/metrics``: Prometheus text (see :mod:`chatroom.doors.web.metrics`)."""

    isLeaf = True
    log = Logger()

    def __init__(self, server: DoorHub) -> None:
        super().__init__()
        self.chat = server

    def render_GET(self, request: Request) -> int:
        gone: list[Failure] = []
        request.notifyFinish().addErrback(gone.append)

        def write(body: bytes) -> None:
            if gone:
                return
            request.setHeader("content-type", "text/plain; version=0.0.4")
            request.write(body)
            request.finish()

        def failed(failure: Failure) -> None:
            self.log.failure("scraping /metrics failed", failure)
            if not gone:
                request.setResponseCode(500)
                request.finish()

        scraping = Deferred.fromCoroutine(scrape(self.chat))
        scraping.addCallback(write).addErrback(failed)
        return NOT_DONE_YET


class Root(Resource):
    """``/`` and the client's files; ``/ws``, ``/metrics``, ``/healthz`` and
    (with ``--irc``) ``/irc`` are its children. A WebSocket handshake at
    ``/`` itself is IRC's too, as IRC servers' WebSocket listeners answer
    at any path (clients given only ``ws://host:port`` ask there)."""

    def __init__(self, files: dict[bytes, StaticFile]) -> None:
        super().__init__()
        self.files = files
        self.irc: IResource | None = None

    def getChild(self, path: bytes, request: Request) -> IResource:
        if (
            path == b""
            and self.irc is not None
            and (request.getHeader("upgrade") or "").lower() == "websocket"
        ):
            return self.irc
        found = self.files.get(path)
        if found is not None and not request.postpath:
            return found
        return notFound()


def build_site(
    server: DoorHub,
    limits: HTTPLimits | None = None,
    irc: IRCFactory | None = None,
    admin_token: bytes = b"",
    bot_tokens: TokenCheck | None = None,
) -> WrappingFactory:
    """The listening factory for ``--http``.

    ``limits`` default to :class:`HTTPLimits`' own, with the server's
    ``--sendq`` and ``--shutdown-grace``. With ``irc`` (the ``--irc``
    door's factory), IRC over WebSocket is served at ``/irc``; with
    ``admin_token`` (``--admin-token-file``'s), the admin API at
    ``/admin/`` (:mod:`~chatroom.doors.web.admin`; else ``/admin/`` is
    ``404`` as any unknown path). The REST API for bots is at ``/api/``
    (:mod:`~chatroom.doors.web.api`), its tokens checked by ``bot_tokens``
    (by default, the bots' wing's).
    """
    if limits is None:
        limits = HTTPLimits(
            sendq=server.config.sendq, abort_after=server.config.shutdown_grace
        )
    package = resources.files("chatroom.doors.web") / "static"
    # Read now, so that a package upgraded in place serves nothing of the
    # new version before a restart.
    files = {
        path: StaticFile((package / name).read_bytes(), kind)
        for path, (name, kind) in STATIC_FILES.items()
    }
    # Made from this process's own code at its first request: half a
    # second of CPU and some megabytes while its tables are made, which a
    # node no browser opens the page on (most of a machine's nodes) never
    # spends.
    files[b"wire.js"] = BuiltOnFirstUse(wire_script, _SCRIPT)
    # Fetched by the page the first time it completes or searches emoji.
    files[b"emoji.json"] = BuiltOnFirstUse(emoji_table, "application/json")
    root = Root(files)
    root.putChild(b"ws", LineWebSocketResource(server))
    if irc is not None:
        root.irc = IRCWebSocketResource(irc)
        root.putChild(b"irc", root.irc)
    root.putChild(b"metrics", Metrics(server))
    root.putChild(b"healthz", Health(server))
    root.putChild(HOOK_PATH.strip("/").encode(), HooksResource(server))
    root.putChild(b"export", Exports(server))
    root.putChild(b"api", BotAPIResource(server, bot_tokens))
    root.putChild(b"email", mail_links(server))
    if server.oidc is not None:  # --oidc-issuer: sign in with the provider
        root.putChild(b"oidc", oidc_pages(server, server.oidc))
    if admin_token:
        root.putChild(b"admin", AdminAPI(server, admin_token))
    if server.matrix is not None:  # --matrix-registration: the homeserver's
        from chatroom.doors.web.appservice import AppServiceResource

        root.putChild(b"_matrix", AppServiceResource(server.matrix))
    site = BoundedSite(root, limits, server.clock)
    uploads = server.registry.files
    if uploads is not None:  # --files: POST /upload, /files/<id>/<name>
        site.uploads = UploadDoor(server, uploads)
        root.putChild(b"upload", UploadResource(site.uploads))
        root.putChild(b"files", FilesResource(site.uploads))
    factory = AdmittingFactory(site, server)
    factory.protocol = LimitedChannel
    factory.noisy = False
    return factory


class AdmittingFactory(WrappingFactory):
    """Wraps the site's connections in :class:`LimitedChannel` s for ``server``."""

    def __init__(self, site: BoundedSite, server: DoorHub) -> None:
        super().__init__(site)
        self.server = server

    def registerProtocol(self, p: Any) -> None:
        """Nothing kept: the server counts its connections itself (``admit``,
        ``forget``), and ``WrappingFactory``'s dict of every wrapper, read
        by nothing here, would be about 60 bytes per web connection."""

    def unregisterProtocol(self, p: Any) -> None:
        """Nothing was kept (:meth:`registerProtocol`)."""


class LimitedChannel(ProtocolWrapper):
    """An HTTP connection: admitted like any other, and with a bound on
    unfinished WebSocket messages.

    On connecting it asks the server to admit it (``--max-clients``,
    ``--max-per-ip``); refused, it answers ``503`` with the reason and
    closes without parsing anything. An admitted connection counts until
    it closes, or until it becomes a WebSocket session, which is admitted
    as a chat connection of its own (:meth:`hand_over`).

    Once a WebSocket session's door protocol :meth:`watch` es it, the bytes
    received since the session last got a whole message are counted; past
    the protocol's ``max_unterminated`` it is told (``unterminatedLine``:
    it closes), and nothing more is read.
    Ordinary HTTP requests are bounded by
    :class:`~chatroom.doors.web.channel.BoundedChannel`.
    """

    # In slots, not the instance dictionary ProtocolWrapper gives it: the
    # watch's two, set after the upgrade, would make that grow (464 bytes).
    # The watcher is kept, not its bound ``unterminatedLine`` and its limit:
    # a bound method is an object of 64 bytes per connection.
    __slots__ = ("host", "unframed", "watcher")
    refused = False
    factory: AdmittingFactory
    #: As every admitted connection: its door, and no user name (it has none).
    door = "http"
    name: str | None = None

    def __init__(self, factory: Any, wrapped: Protocol) -> None:
        super().__init__(factory, wrapped)
        self.host = ""
        self.unframed = 0
        self.watcher: Unterminated | None = None

    def makeConnection(self, transport: ITransport) -> None:
        self.host = getattr(transport.getPeer(), "host", "")
        server = self.factory.server
        refusal = server.admit(self, self.host)
        if refusal is None:
            super().makeConnection(transport)
            return
        self.refused = True
        Protocol.makeConnection(self, transport)
        self.factory.registerProtocol(self)
        body = f"{refusal}\n".encode()
        transport.write(
            b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        transport.loseConnection()

    def logPrefix(self) -> str:
        """Twisted's log context for this connection, asked for at every read
        of its socket: a constant, where ``ProtocolWrapper``'s asks
        zope.interface about the wrapped protocol and formats a string."""
        return "LimitedChannel"

    @property
    def direct_transport(self) -> ITransport | None:
        """The connection under this wrapper, which writes pass to unchanged
        (the WebSocket door writes its frames there directly)."""
        return self.transport

    def upgraded(self, protocol: IProtocol) -> None:
        """The HTTP connection became a WebSocket: from now on what arrives
        goes straight to ``protocol`` (twisted.web's WebSocket wire
        protocol), and the HTTP channel and its request are let go
        (:meth:`~chatroom.doors.web.channel.BoundedChannel._protocolUpgradeForWebsockets`)."""
        self.wrappedProtocol = protocol
        protocol.makeConnection(cast(ITransport, self))  # as a wrapper, it is one

    def hand_over(self) -> None:
        """This connection is now a WebSocket session, admitted on its own:
        stop counting it here (just before the session asks)."""
        self.factory.server.forget(self, self.host)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        if self.refused:
            self.factory.unregisterProtocol(self)
            return
        self.factory.server.forget(self, self.host)
        super().connectionLost(reason)

    def watch(self, watcher: Unterminated) -> None:
        """Bound the WebSocket's unfinished message by ``watcher``'s
        ``max_unterminated``, and tell it past that."""
        self.watcher, self.unframed = watcher, 0

    def received_message(self) -> None:
        self.unframed = 0

    def dataReceived(self, data: bytes) -> None:
        if self.refused:
            return
        if self._over():
            return  # over the limit and closing: read no more
        self.unframed += len(data)
        super().dataReceived(data)
        if self._over():
            assert self.watcher is not None
            self.watcher.unterminatedLine()

    def _over(self) -> bool:
        """Past the watcher's bound on an unfinished message (0: none)."""
        watcher = self.watcher
        limit = 0 if watcher is None else watcher.max_unterminated
        return bool(limit) and self.unframed > limit
