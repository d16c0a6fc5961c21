"""Fetching a link for its preview, safely.

A link in a chat message is anyone's choice, and the server fetches it from
inside the network it runs in: every connection of the fetch (the first
request and every redirect) goes through the server's one guard of such
requests, :class:`~chatroom.wiring.outbound.OutboundGuard`, which resolves
the host once, refuses loopback, private, link-local and the other
internal addresses (``--outbound-allow`` lists exceptions), and connects
to the very address it checked (no second resolution: DNS rebinding).

**Bounds** (:class:`PageFetcher`): :data:`TIME_LIMIT` seconds for the whole
fetch, redirects included (on the injected reactor's clock); at most
:data:`MOST_BYTES` of the body read; at most :data:`REDIRECTS` redirects;
only HTML (read and parsed: :mod:`chatroom.core.messages.pagecard`) or an image
(not read: its card is the image itself), by the response's Content-Type.
Anything else, any failure, and any refusal is "nothing to show" (None),
logged once at info level.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

from twisted.internet.defer import CancelledError, Deferred, TimeoutError
from twisted.internet.protocol import Protocol
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.http_headers import Headers
from twisted.web.iweb import IResponse

from chatroom.core.messages.pagecard import page_card
from chatroom.core.messages.previews import Card
from chatroom.wiring.outbound import OutboundGuard, guarded_agent

if TYPE_CHECKING:
    from twisted.web.client import BrowserLikeRedirectAgent

#: Seconds a whole fetch may take, redirects included.
TIME_LIMIT = 5.0
#: The most of a page's body read (what is past it is not read).
MOST_BYTES = 512 * 1024
#: The most redirects followed.
REDIRECTS = 3
#: Content types read as HTML.
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
USER_AGENT = b"chatroom link preview (+https://github.com/chatroom)"


class BoundedBody(Protocol):
    """Reads a response's body, at most ``most`` bytes (then stops the
    transfer), into ``done``."""

    def __init__(self, most: int) -> None:
        self.most = most
        self.parts: list[bytes] = []
        self.size = 0
        self.done: Deferred[bytes] = Deferred(lambda _: self._stop())

    def _stop(self) -> None:
        transport: Any = self.transport  # the response's: a producer
        if transport is not None:
            transport.stopProducing()

    def connectionMade(self) -> None:
        if self.most <= 0:  # the type was enough: nothing of the body is read
            self.done.callback(b"")
            self._stop()

    def dataReceived(self, data: bytes) -> None:
        if self.done.called:
            return
        room = self.most - self.size
        self.parts.append(data[:room])
        self.size += min(len(data), room)
        if self.size >= self.most:
            self.done.callback(b"".join(self.parts))
            self._stop()

    def connectionLost(self, reason: Failure | None = None) -> None:
        if not self.done.called:
            self.done.callback(b"".join(self.parts))


def request_url(url: str) -> bytes:
    """``url`` as the request names it: its host in IDNA, the rest
    percent-encoded where it is not ASCII."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = host.encode("idna").decode("ascii") if not host.isascii() else host
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if parts.port is not None:
        netloc += f":{parts.port}"
    safe = "/:?#[]@!$&'()*+,;=%~"
    path = quote(parts.path, safe=safe)
    query = quote(parts.query, safe=safe)
    return urlunsplit((parts.scheme, netloc, path or "/", query, "")).encode("ascii")


def _charset(content_type: str) -> str:
    for parameter in content_type.split(";")[1:]:
        key, _, value = parameter.strip().partition("=")
        if key.lower() == "charset":
            return value.strip("\"' ") or "utf-8"
    return "utf-8"


def _decoded(body: bytes, charset: str) -> str:
    try:
        return body.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        return body.decode("utf-8", errors="replace")


class PageFetcher:
    """The :data:`~chatroom.core.messages.previews.CardFetcher` of ``twistd
    chatroom``: a link's card, fetched within the bounds (see the module)."""

    log = Logger()

    def __init__(
        self,
        guard: OutboundGuard,
        time_limit: float = TIME_LIMIT,
        most_bytes: int = MOST_BYTES,
        redirects: int = REDIRECTS,
    ) -> None:
        """Args:
        guard: what every connection goes through, on whose reactor.
        """
        self.reactor = guard.reactor
        self.time_limit = time_limit
        self.most_bytes = most_bytes
        self.guard = guard
        self.redirects = redirects

    @cached_property
    def agent(self) -> BrowserLikeRedirectAgent:
        """What fetches, made at the first link: a server nobody has
        posted a link to holds no HTTP client."""
        from twisted.web.client import BrowserLikeRedirectAgent

        return BrowserLikeRedirectAgent(
            guarded_agent(self.guard), redirectLimit=self.redirects
        )

    def fetch(self, url: str) -> Deferred[Card | None]:
        """The card of ``url``; None if there is nothing to show."""
        fetching = Deferred.fromCoroutine(self._fetch(url))
        fetching.addTimeout(self.time_limit, self.reactor)
        return fetching.addErrback(self._nothing, url)

    async def _fetch(self, url: str) -> Card | None:
        headers = Headers(
            {
                b"User-Agent": [USER_AGENT],
                b"Accept": [b"text/html,application/xhtml+xml,image/*;q=0.8"],
            }
        )
        response: IResponse = await self.agent.request(
            b"GET", request_url(url), headers
        )
        final_url = response.request.absoluteURI.decode("ascii")
        content_type = (response.headers.getRawHeaders(b"content-type") or [b""])[0]
        kind = content_type.decode("latin-1")
        main = kind.partition(";")[0].strip().lower()
        html = response.code == 200 and main in HTML_TYPES
        reading = BoundedBody(self.most_bytes if html else 0)
        response.deliverBody(reading)
        body = await reading.done
        if html:
            return page_card(_decoded(body, _charset(kind)), final_url)
        if response.code == 200 and main.startswith("image/"):
            return Card(image=final_url)  # the image is the card
        return None

    def _nothing(self, failure: Failure, url: str) -> None:
        if failure.check(TimeoutError, CancelledError):
            why = f"over {self.time_limit:g} seconds"
        else:
            why = failure.getErrorMessage() or repr(failure.value)
        self.log.info("no preview of {url}: {why}", url=url, why=why)
        return None
