"""Fetching a link for its preview, safely: the server's one outgoing HTTP client.

A link in a chat message is anyone's choice, and the server fetches it from
inside the network it runs in, so the fetch must never reach what only the
server can reach (server-side request forgery): its own loopback, the
private networks around it, link-local addresses (cloud metadata services
at 169.254.169.254), multicast and the reserved ranges.

**The check is made on the address connected to.** The
:class:`twisted.web.client.Agent` is built with
:meth:`~twisted.web.client.Agent.usingEndpointFactory` and
:class:`CheckedEndpoints`, so it never resolves a name itself: each
connection (the first request and every redirect, which the agent follows
by asking the same factory) resolves the host once, refuses it if *any* of
its addresses is not public (:func:`is_public`; ``--preview-allow`` lists
exceptions, :class:`AddressPolicy`), and connects to that checked address
as a literal IP. Nothing resolves the name a second time, so a DNS answer
that changes between a check and the connection (DNS rebinding) cannot
send the fetch elsewhere: the address checked is the address used.

**Bounds** (:class:`PageFetcher`): :data:`TIME_LIMIT` seconds for the whole
fetch, redirects included (on the injected reactor's clock); at most
:data:`MOST_BYTES` of the body read; at most :data:`REDIRECTS` redirects;
only HTML (read and parsed: :mod:`chatroom.core.pagecard`) or an image
(not read: its card is the image itself), by the response's Content-Type.
Anything else, any failure, and any refusal is "nothing to show" (None),
logged once at info level.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from twisted.internet import address as twisted_address
from twisted.internet.defer import CancelledError, Deferred, TimeoutError
from twisted.internet.endpoints import (
    TCP4ClientEndpoint,
    TCP6ClientEndpoint,
    wrapClientTLS,
)
from twisted.internet.interfaces import (
    IHostnameResolver,
    IProtocolFactory,
    IResolutionReceiver,
    IStreamClientEndpoint,
)
from twisted.internet.protocol import Protocol
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.client import (
    URI,
    Agent,
    BrowserLikePolicyForHTTPS,
    BrowserLikeRedirectAgent,
    HTTPConnectionPool,
    IAgentEndpointFactory,
)
from twisted.web.http_headers import Headers
from twisted.web.iweb import IPolicyForHTTPS, IResponse
from zope.interface import implementer

from chatroom.core.pagecard import page_card
from chatroom.core.previews import Card

#: Seconds a whole fetch may take, redirects included.
TIME_LIMIT = 5.0
#: The most of a page's body read (what is past it is not read).
MOST_BYTES = 512 * 1024
#: The most redirects followed.
REDIRECTS = 3
#: Content types read as HTML.
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
USER_AGENT = b"chatroom link preview (+https://github.com/chatroom)"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_TWISTED_ADDRESSES = (twisted_address.IPv4Address, twisted_address.IPv6Address)


class RefusedAddressError(Exception):
    """The link's host is, or resolves to, an address previews never fetch."""


def is_public(address: Address) -> bool:
    """Whether ``address`` may be fetched without an exception: not
    loopback, private, link-local, multicast, reserved or unspecified (an
    IPv6 address carrying an IPv4 one, mapped or 6to4, is judged by that
    one too), and global (which also leaves out 100.64.0.0/10, the
    carriers' shared space)."""
    if isinstance(address, ipaddress.IPv6Address):
        for inner in (address.ipv4_mapped, address.sixtofour):
            if inner is not None and not is_public(inner):
                return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses previews may connect to: public ones, and the
    exceptions ``--preview-allow`` lists (for tests and intranets): a
    network (``127.0.0.1/32``, ``10.0.0.0/8``, ``fd00::/8``), any port of
    it; or ``HOST:PORT`` (``[::1]:8080`` for IPv6), that port of that
    address, or of every address of that host name as the link names it."""

    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    places: frozenset[tuple[str, int]] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, entries: Sequence[str]) -> AddressPolicy:
        """The policy of ``--preview-allow``'s entries.

        Raises:
            ValueError: an entry that is neither a network nor HOST:PORT.
        """
        networks, places = [], set()
        for entry in entries:
            entry = entry.strip()
            if not entry:
                continue
            host, colon, port = entry.rpartition(":")
            if colon and port.isdigit() and "/" not in entry and host:
                host = host.strip("[]").lower()
                if not 0 < int(port) < 65536:
                    raise ValueError(f"{entry!r}: no such port")
                places.add((host, int(port)))
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(
                    f"{entry!r} is neither a network (127.0.0.1/32) nor HOST:PORT"
                ) from None
        return cls(tuple(networks), frozenset(places))

    def allows(self, address: Address, host: str, port: int) -> bool:
        """Whether the fetch may connect to port ``port`` of ``address``,
        an address of ``host`` (the link's host name, or that address)."""
        if any(address in network for network in self.networks):
            return True
        if (str(address), port) in self.places or (host.lower(), port) in self.places:
            return True
        return is_public(address)


@implementer(IResolutionReceiver)
class _Addresses:
    """Collects a resolution's addresses into a Deferred."""

    def __init__(self) -> None:
        self.found: list[Address] = []
        self.done: Deferred[list[Address]] = Deferred()

    def resolutionBegan(self, resolution: Any) -> None:
        pass

    def addressResolved(self, address: Any) -> None:
        if isinstance(
            address, twisted_address.IPv4Address | twisted_address.IPv6Address
        ):
            self.found.append(ipaddress.ip_address(address.host.partition("%")[0]))

    def resolutionComplete(self) -> None:
        self.done.callback(self.found)


@implementer(IStreamClientEndpoint)
class CheckedEndpoint:
    """One connection of the preview agent: the host resolved once, every
    address checked, the connection made to a checked literal address (and
    TLS over it for https, verified against the host's name)."""

    def __init__(self, endpoints: CheckedEndpoints, uri: URI) -> None:
        self.endpoints = endpoints
        self.scheme = uri.scheme
        self.host = uri.host.decode("ascii").strip("[]")
        self.port = uri.port

    def connect(self, factory: IProtocolFactory) -> Deferred[Any]:
        return Deferred.fromCoroutine(self._connect(factory))

    async def _connect(self, factory: IProtocolFactory) -> Any:
        endpoints, host, port = self.endpoints, self.host, self.port
        try:
            addresses: list[Address] = [ipaddress.ip_address(host)]
        except ValueError:
            receiver = _Addresses()
            endpoints.resolver.resolveHostName(receiver, host, port)
            addresses = await receiver.done
        if not addresses:
            raise RefusedAddressError(f"{host} has no address")
        for each in addresses:
            if not endpoints.policy.allows(each, host, port):
                raise RefusedAddressError(f"{host} is {each}: not fetched")
        chosen = addresses[0]
        kind = TCP4ClientEndpoint if chosen.version == 4 else TCP6ClientEndpoint
        endpoint: IStreamClientEndpoint = kind(
            endpoints.reactor, str(chosen), port, timeout=TIME_LIMIT
        )
        if self.scheme == b"https":
            creator = endpoints.tls.creatorForNetloc(host.encode("idna"), port)
            endpoint = wrapClientTLS(creator, endpoint)
        return await endpoint.connect(factory)


@implementer(IAgentEndpointFactory)
class CheckedEndpoints:
    """The preview agent's endpoint factory: a :class:`CheckedEndpoint`
    for every connection it makes (redirects too)."""

    def __init__(
        self,
        reactor: Any,
        policy: AddressPolicy,
        resolver: IHostnameResolver | None = None,
        tls: IPolicyForHTTPS | None = None,
    ) -> None:
        self.reactor = reactor
        self.policy = policy
        self.resolver: IHostnameResolver = resolver or reactor.nameResolver
        self.tls: IPolicyForHTTPS = tls or BrowserLikePolicyForHTTPS()

    def endpointForURI(self, uri: URI) -> CheckedEndpoint:
        if uri.scheme not in (b"http", b"https"):
            raise RefusedAddressError(f"{uri.scheme!r} is not fetched")
        return CheckedEndpoint(self, uri)


class _BoundedBody(Protocol):
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
    """The :data:`~chatroom.core.previews.CardFetcher` of ``twistd
    chatroom``: a link's card, fetched within the bounds (see the module)."""

    log = Logger()

    def __init__(
        self,
        endpoints: CheckedEndpoints,
        time_limit: float = TIME_LIMIT,
        most_bytes: int = MOST_BYTES,
        redirects: int = REDIRECTS,
    ) -> None:
        """Args:
        endpoints: where its connections go (checked), on whose reactor.
        """
        reactor = self.reactor = endpoints.reactor
        self.time_limit = time_limit
        self.most_bytes = most_bytes
        pool = HTTPConnectionPool(reactor, persistent=False)
        agent = Agent.usingEndpointFactory(reactor, endpoints, pool=pool)
        self.agent = BrowserLikeRedirectAgent(agent, redirectLimit=redirects)

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
        reading = _BoundedBody(self.most_bytes if html else 0)
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
