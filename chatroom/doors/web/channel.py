"""One HTTP connection, bounded like every other door's.

twisted.web's :class:`~twisted.web.http.HTTPChannel` parses requests and
answers them one at a time, but left alone it

- reads any request body it is announced into memory or an unlinked
  temporary file (``Content-Length: 1073741824`` fills the disk);
- answers every pipelined request it has read at once, however full the
  socket's send buffer already is (a client that pipelines thousands of
  ``GET`` and never reads grows the server by the size of every answer);
- waits twelve hours for a request's headers, and gives a keep-alive
  connection as long.

:class:`BoundedChannel` is that channel with the door's bounds
(:class:`HTTPLimits`), and :class:`BoundedSite` the
:class:`~twisted.web.server.Site` that makes them:

- **Bodies refused from the headers.** A request whose headers announce a
  body larger than ``max_body`` (or any body at all on ``GET``/``HEAD``,
  or a chunked body of unknown size) is answered ``413`` (``411`` for
  chunked) and closed before a byte of the body is read: only a webhook's
  ``POST`` (``/hooks/...``) takes one, of at most ``max_hook_body``.
- **Pipelining in step with the client.** Once the socket's buffer is full
  (the transport pauses its producer, the channel), the channel answers no
  further pipelined request and reads nothing more until the client has
  read; output written while it is paused (a slow ``/metrics`` answer)
  counts against ``--sendq``, and past it the connection is aborted, as a
  stalled reader is at the other doors. A client that never reads is
  closed after the idle timeout.
- **Uploads** (``--files``): ``POST /upload`` is bounded by
  ``--max-upload`` instead, refused from its headers when it is too
  large, of a refused type or without credentials, and its body goes to
  a temporary file in the files' directory, removed if the request
  fails or the connection is lost (:mod:`chatroom.doors.web.uploads`).
- **A header timeout** (``--http-header-timeout``): a request's line,
  headers and (small) body must all arrive within that many seconds of
  the connection opening, or of the first byte of a later request on a
  keep-alive connection; else ``408`` and close (slowloris).
- **An idle timeout** (``--http-idle-timeout``): twisted.web's own
  ``timeOut``, on the server's clock.

Every timer is on the clock the site is given (the server's). The access
log never shows a secret a URL carries, a webhook's or an export link's
(:func:`access_line`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from twisted.internet.interfaces import (
    IDelayedCall,
    IProtocol,
    IReactorTime,
    ITCPTransport,
)
from twisted.internet.protocol import connectionDone
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web import http
from twisted.web.http import HTTPChannel, combinedLogFormatter, datetimeToLogString
from twisted.web.resource import IResource
from twisted.web.server import Request, Site

from chatroom.core.infra.filedir import Spool
from chatroom.core.model.hooks import HOOK_PATH
from chatroom.core.urlsecrets import without_secrets
from chatroom.doors.web.limits import HTTPLimits

if TYPE_CHECKING:  # the site's uploads: uploads.py imports the server, not this
    from chatroom.doors.web.uploads import UploadDoor

#: Requests that never carry a body.
_BODILESS = frozenset({b"GET", b"HEAD"})
#: The path of a webhook's posts, its secret after it.
_HOOK_PATH = HOOK_PATH.encode()
#: Where a Matrix homeserver pushes (chatroom.doors.web.appservice).
_APPSERVICE_PATH = b"/_matrix/app/"
#: The REST API's paths (:mod:`chatroom.doors.web.api`).
_API_PATH = b"/api/"


#: Paths machines ask over and over: a load balancer's health check (every
#: few seconds, each node), Prometheus's scrape. Their good answers are not
#: written to the access log, where they would be most of its lines; an
#: answer that is not ``200`` (a node that cannot reach Redis, a failed
#: scrape) is.
QUIET_PATHS = frozenset({b"/healthz", b"/metrics"})


def access_line(timestamp: str, request: Request) -> str:
    """twisted.web's access log line (the combined log format), with every
    secret a URL in it carries hidden (its path, a referrer):
    ``/hooks/<secret>`` reads ``/hooks/-``
    (:func:`~chatroom.core.urlsecrets.without_secrets`)."""
    return without_secrets(combinedLogFormatter(timestamp, request))


def _status(
    code: int,
    reason: str,
    text: str,
    headers: Sequence[tuple[str, str]] = (),
    api: bool = False,
) -> bytes:
    """A whole response that ends the connection; to the REST API
    (``api``), as its JSON refusal ``{"error": CODE, "message": TEXT}``
    (``TOO_LARGE``, ``BAD_ARGS``)."""
    kind = "text/plain; charset=utf-8"
    body = text.encode() + b"\n"
    if api:
        kind = "application/json; charset=utf-8"
        code_word = "TOO_LARGE" if code == 413 else "BAD_ARGS"
        body = json.dumps({"error": code_word, "message": text}).encode() + b"\n"
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers)
    return (
        f"HTTP/1.1 {code} {reason}\r\n"
        "Connection: close\r\n"
        f"{extra}"
        f"Content-Type: {kind}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


class BoundedRequest(Request):
    """A request whose body, if it is an upload the channel let through,
    goes to its :class:`~chatroom.core.infra.filedir.Spool` (which twisted.web
    closes, so removes, when the request ends or its connection is lost;
    an upload kept has been renamed by then)."""

    spool: Spool | None = None

    def gotLength(self, length: int | None) -> None:
        if self.spool is None:
            super().gotLength(length)
        else:
            self.content = self.spool

    def handleContentChunk(self, data: bytes) -> None:
        """Past what the upload announced (which the channel bounded), the
        connection is dropped and the spool removed: never more on disk."""
        spool, channel = self.spool, cast(BoundedChannel, self.channel)
        if spool is not None and spool.size + len(data) > channel.length_bound:
            spool.discard()
            cast(ITCPTransport, channel.transport).abortConnection()
            return
        super().handleContentChunk(data)


class BoundedChannel(HTTPChannel):
    """An :class:`~twisted.web.http.HTTPChannel` with :class:`HTTPLimits`."""

    _log = Logger()
    limits = HTTPLimits()
    #: The site's clock and the site, set by :meth:`BoundedSite.buildProtocol`
    #: (the site as twisted.web's ``Site`` sets it on its channels).
    clock: IReactorTime
    site: BoundedSite
    _refused = False
    _header_call: IDelayedCall | None = None
    #: The request answered while the socket was full, whose successor waits.
    _held: Request | None = None
    #: Bytes written while the transport said "pause".
    _queued = 0
    #: The body an upload announced: more is never written.
    length_bound = 0

    def connectionMade(self) -> None:
        # Seconds, as Twisted's callLater takes them; Twisted's own default
        # (15) has its attribute typed int.
        self.abortTimeout = self.limits.abort_after  # type: ignore[assignment]
        super().connectionMade()
        self._await_headers()

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self._cancel_header_timer()
        self._held = None
        super().connectionLost(reason)

    # -- the header timeout ------------------------------------------------------

    def _await_headers(self) -> None:
        self._cancel_header_timer()
        self._header_call = self.clock.callLater(
            self.limits.header_timeout, self._headers_too_slow
        )

    def _cancel_header_timer(self) -> None:
        call, self._header_call = self._header_call, None
        if call is not None and call.active():
            call.cancel()

    def _headers_too_slow(self) -> None:
        self._header_call = None
        self._refuse(408, "Request Timeout", "request headers took too long")

    def dataReceived(self, data: bytes) -> None:
        """A keep-alive connection's next request starts its header timer."""
        if self._refused:
            return
        if self._header_call is None and not self._handlingRequest:
            self._await_headers()
        super().dataReceived(data)

    # -- request bodies ------------------------------------------------------------

    def allHeadersReceived(self) -> None:
        """Refuse a body before reading it; otherwise carry on as twisted.web does.

        An upload (``POST /upload`` while ``--files`` is on) is bounded by
        ``--max-upload`` instead, and checked from its headers by the
        site's :class:`~chatroom.doors.web.uploads.UploadDoor` first."""
        self._cancel_header_timer()
        announced = self.length  # None: chunked, of unknown size
        uploads = self.site.uploads
        if uploads is not None and uploads.wants(self._command, self._path):
            self._upload_headers(uploads, announced)
            return
        if announced == 0:
            pass
        elif self._command in _BODILESS:
            self._refuse(413, "Content Too Large", "this request takes no body")
            return
        elif announced is None:
            self._refuse(411, "Length Required", "say the body's Content-Length")
            return
        elif announced > self._body_limit():
            limit = self._body_limit()
            self._refuse(413, "Content Too Large", f"bodies are limited to {limit}")
            return
        super().allHeadersReceived()

    def _body_limit(self) -> int:
        """The largest body the request being read may have."""
        if self._command == b"POST" and self._path.startswith(_HOOK_PATH):
            return self.limits.max_hook_body
        if self._path.startswith(_APPSERVICE_PATH):
            return self.limits.max_transaction_body
        if self._command == b"POST" and self._path.startswith(_API_PATH):
            return self.limits.max_api_body
        return self.limits.max_body

    def _upload_headers(self, uploads: UploadDoor, announced: int | None) -> None:
        if announced is None:
            self._refuse(411, "Length Required", "say the upload's Content-Length")
            return
        request = self.requests[-1]
        refusal = uploads.refusal(request, announced)
        if refusal is not None:
            self._refuse(*refusal)
            return
        self.length_bound = announced
        request.spool = uploads.spool()
        super().allHeadersReceived()

    def allContentReceived(self) -> None:
        """The request is whole (its small body too): no timer while it is answered."""
        self._cancel_header_timer()
        super().allContentReceived()

    def rawDataReceived(self, data: bytes) -> None:
        if self._refused:
            return
        super().rawDataReceived(data)
        # twisted.web stops reading past its eager-read size only while the
        # socket can take output; while it cannot, stop reading as well.
        if self._handlingRequest and self._waitingForTransport:
            self._networkProducer.pauseProducing()

    def _refuse(
        self,
        code: int,
        reason: str,
        text: str,
        headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        """Answer ``code`` and close, reading nothing more."""
        if self._refused:
            return
        self._refused = True
        self._cancel_header_timer()
        peer = getattr(self.transport, "getPeer", lambda: None)()
        self._log.info("HTTP {code} to {peer}: {text}", code=code, peer=peer, text=text)
        assert self.transport is not None
        api = bool(getattr(self, "_path", b"").startswith(_API_PATH))
        self.transport.write(_status(code, reason, text, headers, api))
        self.transport.loseConnection()
        self._abortingCall = self.callLater(self.abortTimeout, self.forceAbortClient)

    # -- the WebSocket upgrade ------------------------------------------------------

    def _protocolUpgradeForWebsockets(self, protocol: IProtocol) -> None:
        """The connection is a WebSocket from now on: hand it to ``protocol``.

        twisted.web keeps this channel in the middle for the life of the
        connection, its ``dataReceived`` pointed at ``protocol``, and with it
        the upgrade's request (headers and all): about 5 KiB of every
        WebSocket client's memory, for nothing. Where the connection is
        wrapped (:class:`~chatroom.doors.web.site.LimitedChannel`, which
        takes over with ``upgraded``), the channel and its request are
        dropped instead; the WebSocket protocol reads from the wrapper.
        (A private twisted.web name, as the ``/irc`` handshake's: its tests
        break first if a Twisted release changes it.)
        """
        upgraded = getattr(self.transport, "upgraded", None)
        if upgraded is None:
            super()._protocolUpgradeForWebsockets(protocol)
            return
        self._cancel_header_timer()
        self.setTimeout(None)
        self.requests = []  # no cycle with the request: both go at once
        upgraded(protocol)

    # -- pipelining and output -----------------------------------------------------

    def requestDone(self, request: Request) -> None:
        """While the socket is full, the next pipelined request waits.

        twisted.web would parse and answer it at once; here it stays unread
        until the transport resumes the channel (the client has read), and
        the idle timeout runs meanwhile, so a client that never reads is
        closed.
        """
        if self._waitingForTransport and self.persistent:
            self._held = request
            self._networkProducer.pauseProducing()
            self.setTimeout(self._savedTimeOut)
            return
        super().requestDone(request)

    def resumeProducing(self) -> None:
        self._queued = 0
        super().resumeProducing()
        held, self._held = self._held, None
        if held is not None and self.transport is not None:
            self.setTimeout(None)
            self.requestDone(held)

    def write(self, data: bytes) -> None:
        self._count(len(data))
        super().write(data)

    def writeSequence(self, iovec: list[bytes]) -> None:
        self._count(sum(map(len, iovec)))
        super().writeSequence(iovec)

    def _count(self, size: int) -> None:
        """Past ``--sendq`` behind: abort, as the other doors drop a stalled reader."""
        if not self._waitingForTransport:
            return
        self._queued += size
        if self._queued > self.limits.sendq and self.transport is not None:
            self._log.info("dropping an HTTP client: send queue exceeded")
            cast(ITCPTransport, self.transport).abortConnection()


class BoundedSite(Site):
    """A :class:`~twisted.web.server.Site` whose connections are
    :class:`BoundedChannel` s with ``limits``, timed on ``clock``."""

    # A BoundedChannel itself, not Twisted's wrapper that may turn to HTTP/2,
    # which HTTPFactory's type (ServerFactory[_GenericHTTPChannelProtocol])
    # holds every Site to.
    protocol = BoundedChannel  # type: ignore[assignment]
    requestFactory = BoundedRequest
    #: Uploads, while ``--files`` is on.
    uploads: UploadDoor | None = None

    def __init__(
        self, resource: IResource, limits: HTTPLimits, clock: IReactorTime
    ) -> None:
        super().__init__(
            resource,
            timeout=limits.idle_timeout,
            logFormatter=access_line,
            reactor=clock,
        )
        self.limits = limits
        self.clock = clock
        self.noisy = False
        #: The second the access log's timestamp was last written for.
        self._logged_second = -1

    def _updateLogDateTime(self) -> None:
        """Twisted's ``HTTPFactory`` keeps the access log's timestamp ready
        by a timer every second from ``startFactory``, which wakes an idle
        node's reactor for it once a second (on a machine whose cores 56
        nodes share, each wake about 165 µs:
        benchmarks/results/performance-notebook.md, "A server nobody is
        connected to"). Here it is set by :meth:`log`, for
        the line being written, so no timer is made."""

    def log(self, request: http.Request) -> None:
        """The access log's line, but for a good answer to a probe or a
        scrape (:data:`QUIET_PATHS`); its timestamp reckoned once a
        second at most, when a line is written."""
        if request.code == 200 and request.path in QUIET_PATHS:
            return
        now = self.clock.seconds()
        if int(now) != self._logged_second:
            self._logged_second = int(now)
            self._logDateTime = datetimeToLogString(now)
        super().log(request)

    def buildProtocol(self, addr: Any) -> Any:
        channel = super().buildProtocol(addr)
        channel.limits = self.limits
        channel.clock = self.clock
        return channel
