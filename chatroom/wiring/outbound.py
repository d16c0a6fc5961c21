"""The one guard of every request the server makes on a user's word.

A link in a chat message (its preview) and a Web Push endpoint (``/push
add``) are anyone's choice, and the server connects to them from inside
the network it runs in, so those connections must never reach what only
the server can reach (server-side request forgery): its own loopback, the
private networks around it, link-local addresses (cloud metadata services
at 169.254.169.254), carriers' shared space, multicast and the reserved
ranges. :class:`OutboundGuard` is that rule, once, for every such request:

- **Which addresses** (:func:`is_public`): none that is loopback, private,
  link-local, CGNAT (100.64.0.0/10), multicast, reserved, unspecified or
  otherwise not global, IPv4 or IPv6; an IPv6 address carrying an IPv4 one
  (mapped ``::ffff:127.0.0.1``, 6to4, NAT64's ``64:ff9b::/96``) is judged
  by that one too. ``--outbound-allow`` lists the exceptions
  (:class:`OutboundPolicy`).
- **The address checked is the address connected to.** The guard is an
  :class:`~twisted.web.client.IAgentEndpointFactory`: an
  :class:`~twisted.web.client.Agent` built on it (:func:`guarded_agent`)
  never resolves a name itself. Each connection (the first request and
  every redirect, which an agent follows by asking the same factory)
  resolves the host once, refuses it if *any* of its addresses is refused,
  and connects to that checked address as a literal IP (TLS over it
  verified against the host's name). Nothing resolves the name a second
  time, so a DNS answer that changes between the check and the connection
  (DNS rebinding) cannot send the request elsewhere.
- **Ahead of time** (:meth:`OutboundGuard.vet`): the same check without a
  connection, for a URL kept to be used later (``/push add``); it is
  checked again at each use, as its name may answer otherwise by then.

A refusal is a :class:`RefusedAddressError`, whose text names the host
and the address, for the log (not for the user who gave the URL: that
would describe the server's own network to them).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from twisted.internet import address as twisted_address
from twisted.internet.defer import Deferred
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
from twisted.web.iweb import IAgentEndpointFactory, IPolicyForHTTPS
from zope.interface import implementer

if TYPE_CHECKING:  # twisted.web's client: imported at the first request
    from twisted.web.client import URI, Agent

#: Seconds a connection may take to be made (each user bounds its whole
#: request more tightly).
CONNECT_TIMEOUT = 10.0

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: NAT64's well-known prefix (RFC 6052): its last 32 bits are the IPv4
#: address a NAT64 gateway connects to.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class RefusedAddressError(Exception):
    """A URL's host is, or resolves to, an address the server never
    connects to on a user's word (or it has no address)."""


def is_public(address: Address) -> bool:
    """Whether ``address`` may be connected to without an exception: not
    loopback, private, link-local, multicast, reserved or unspecified, and
    global (which also leaves out 100.64.0.0/10, the carriers' shared
    space). An IPv6 address carrying an IPv4 one (mapped, 6to4) is judged
    by that one too; a NAT64 one (``64:ff9b::/96``) by that one alone, as
    that is where it leads (an IPv6-only host's DNS64 gives every IPv4
    site such an address)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64:
            return is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
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
class OutboundPolicy:
    """Which addresses the server may connect to on a user's word: public
    ones, and the exceptions ``--outbound-allow`` lists (for tests and
    intranets): a network (``127.0.0.1/32``, ``10.0.0.0/8``,
    ``fd00::/8``), any port of it; or ``HOST:PORT`` (``[::1]:8080`` for
    IPv6), that port of that address, or of every address of that host
    name as the URL names it."""

    networks: tuple[Network, ...] = ()
    places: frozenset[tuple[str, int]] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, entries: Sequence[str]) -> OutboundPolicy:
        """The policy of ``--outbound-allow``'s entries (empty ones skipped).

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
        """Whether port ``port`` of ``address``, an address of ``host``
        (the URL's host name, or that address), may be connected to."""
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
class GuardedEndpoint:
    """One connection: the host resolved once, every address checked, the
    connection made to a checked literal address (and TLS over it for
    https, verified against the host's name)."""

    def __init__(self, guard: OutboundGuard, uri: URI) -> None:
        self.guard = guard
        self.scheme = uri.scheme
        self.host = uri.host.decode("ascii").strip("[]")
        self.port = uri.port

    def connect(self, factory: IProtocolFactory) -> Deferred[Any]:
        return Deferred.fromCoroutine(self._connect(factory))

    async def _connect(self, factory: IProtocolFactory) -> Any:
        guard, host, port = self.guard, self.host, self.port
        chosen = await guard.checked_address(host, port)
        kind = TCP4ClientEndpoint if chosen.version == 4 else TCP6ClientEndpoint
        endpoint: IStreamClientEndpoint = kind(
            guard.reactor, str(chosen), port, timeout=CONNECT_TIMEOUT
        )
        if self.scheme == b"https":
            creator = guard.tls.creatorForNetloc(host.encode("idna"), port)
            endpoint = wrapClientTLS(creator, endpoint)
        return await endpoint.connect(factory)


@implementer(IAgentEndpointFactory)
class OutboundGuard:
    """The guard (see the module): an agent's endpoint factory, a
    :class:`GuardedEndpoint` for every connection it makes (redirects
    too), and :meth:`vet` for a URL kept for later."""

    def __init__(
        self,
        reactor: Any,
        policy: OutboundPolicy,
        resolver: IHostnameResolver | None = None,
        tls: IPolicyForHTTPS | None = None,
    ) -> None:
        """Args:
        reactor: connects (and, without ``resolver``, resolves).
        policy: ``--outbound-allow``'s exceptions.
        resolver: resolves host names (default: the reactor's, the
            system's resolver).
        tls: the https connections' policy (default: a browser's).
        """
        self.reactor = reactor
        self.policy = policy
        self.resolver: IHostnameResolver = resolver or reactor.nameResolver
        self._tls = tls

    @property
    def tls(self) -> IPolicyForHTTPS:
        """The https connections' policy: a browser's unless one was given,
        made at the first https connection (twisted.web's HTTP client, about
        0.5 MiB, is imported where a request is first made, not by every
        server)."""
        if self._tls is None:
            from twisted.web.client import BrowserLikePolicyForHTTPS

            self._tls = BrowserLikePolicyForHTTPS()
        return self._tls

    def endpointForURI(self, uri: URI) -> GuardedEndpoint:
        if uri.scheme not in (b"http", b"https"):
            raise RefusedAddressError(f"{uri.scheme!r} is not fetched")
        return GuardedEndpoint(self, uri)

    async def checked_address(self, host: str, port: int) -> Address:
        """The address to connect to for port ``port`` of ``host`` (a name,
        resolved once, or a literal address), every one of its addresses
        allowed.

        Raises:
            RefusedAddressError: it has no address, or one refused.
        """
        try:
            addresses: list[Address] = [ipaddress.ip_address(host)]
        except ValueError:
            receiver = _Addresses()
            self.resolver.resolveHostName(receiver, host, port)
            addresses = await receiver.done
        if not addresses:
            raise RefusedAddressError(f"{host} has no address")
        for each in addresses:
            if not self.policy.allows(each, host, port):
                raise RefusedAddressError(f"{host} is {each}: not public")
        return addresses[0]

    async def vet(self, url: str) -> None:
        """Check ``url`` (http or https) as a connection to it would be,
        without connecting.

        Raises:
            RefusedAddressError: as :meth:`checked_address`, or ``url`` is
                no http(s) URL with a host.
        """
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise RefusedAddressError("not a URL") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RefusedAddressError("not an http(s) URL with a host")
        await self.checked_address(parts.hostname, port)


def guarded_agent(guard: OutboundGuard) -> Agent:
    """An HTTP client whose every connection goes through ``guard`` (one
    connection per request: nothing is kept open to a user's host)."""
    from twisted.web.client import Agent, HTTPConnectionPool

    pool = HTTPConnectionPool(guard.reactor, persistent=False)
    return Agent.usingEndpointFactory(guard.reactor, guard, pool=pool)
