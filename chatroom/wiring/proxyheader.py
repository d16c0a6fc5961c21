"""Doors behind a proxy: the PROXY protocol's header names the client.

A TLS-terminating proxy in front of the nodes (``compose.yaml``'s nginx,
HAProxy, a cloud load balancer) makes every connection come from the
proxy's address: ``--max-per-ip`` would count every user as one, IP bans
would ban the proxy, and the log and IRC's host names would show it. Such
a proxy can start each connection with a PROXY protocol header (v1 text or
v2 binary) naming the client's address; a door whose endpoint is written
``haproxy:tcp:8080`` (Twisted's own prefix) reads it.

Twisted's ``haproxy:`` endpoint starts the door's protocol as soon as the
socket opens, before the header has arrived, so the door reads the proxy's
address in ``connectionMade`` (twisted/twisted#12501, open). Here the
door's protocol is started only once the header is complete: its
``getPeer()`` is the client's from its first moment, at every door. The
header is parsed by Twisted's own parsers. A connection that sends no valid
header within :data:`HEADER_WAIT` seconds is closed without the door ever
seeing it. Once the header is read, bytes pass through unchanged, so the
door still writes straight to the socket
(:mod:`chatroom.net.tcpdirect`, through ``direct_transport``).

Only plain TCP (and UNIX) endpoints: the header comes before TLS, and an
``ssl:`` endpoint would put TLS in front of it. Terminate TLS at the
proxy.
"""

from __future__ import annotations

from typing import Any, cast

from twisted.internet import interfaces
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import (
    IAddress,
    IDelayedCall,
    IListeningPort,
    IProtocolFactory,
    IReactorTime,
    IStreamServerEndpoint,
)
from twisted.internet.protocol import Protocol
from twisted.protocols.haproxy._exceptions import InvalidProxyHeader
from twisted.protocols.haproxy._info import ProxyInfo
from twisted.protocols.haproxy._v1parser import V1Parser
from twisted.protocols.haproxy._v2parser import V2Parser
from twisted.protocols.policies import ProtocolWrapper, WrappingFactory
from zope.interface import directlyProvides, implementer, providedBy

#: The endpoint prefix that puts a door behind a PROXY-protocol proxy.
PREFIX = "haproxy:"
#: Seconds a connection has to send its header (a proxy sends it at once).
HEADER_WAIT = 10.0
#: Enough bytes to tell a v1 header (``PROXY ``) from a v2 one (its
#: 12-byte signature and 4 more bytes giving the header's length).
_SIGNATURE_BYTES = 16


class HeaderFirst(ProtocolWrapper):
    """One connection from the proxy: its header, then the door's protocol."""

    factory: ProxiedFactory

    def __init__(self, factory: ProxiedFactory, wrapped: interfaces.IProtocol) -> None:
        super().__init__(factory, wrapped)
        self._head = b""
        self._parser: V1Parser | V2Parser | None = None
        self._info: ProxyInfo | None = None
        self._deadline: IDelayedCall | None = None

    @property
    def direct_transport(self) -> object:
        """The TCP connection under it: after the header, bytes pass unchanged."""
        return self.transport

    def makeConnection(self, transport: interfaces.ITransport) -> None:
        """As :class:`ProtocolWrapper`'s, but the door's protocol is not
        started: it waits for the header."""
        directlyProvides(self, providedBy(transport))
        Protocol.makeConnection(self, transport)
        self.factory.registerProtocol(self)
        self._deadline = self.factory.clock.callLater(HEADER_WAIT, self._no_header)

    def dataReceived(self, data: bytes) -> None:
        if self._info is not None:
            self.wrappedProtocol.dataReceived(data)
            return
        try:
            info, rest = self._feed(data)
        except InvalidProxyHeader:
            self._no_header()
            return
        if info is None:
            return
        self._info = info
        self._stop_waiting()
        self.wrappedProtocol.makeConnection(cast(interfaces.ITransport, self))
        if rest:
            self.wrappedProtocol.dataReceived(rest)

    def _feed(self, data: bytes) -> tuple[ProxyInfo, bytes] | tuple[None, None]:
        """The header, once complete, and what followed it; ``None`` before."""
        if self._parser is None:
            self._head += data
            if len(self._head) < _SIGNATURE_BYTES and b"\n" not in self._head:
                return None, None
            data, self._head = self._head, b""
            if data.startswith(V2Parser.PREFIX):
                self._parser = V2Parser()
            elif data.startswith(V1Parser.PROXYSTR + b" "):
                self._parser = V1Parser()
            else:
                raise InvalidProxyHeader()
        return self._parser.feed(data)

    def _no_header(self) -> None:
        """No valid header (in time): not a proxy's connection; closed unseen."""
        self._deadline = None
        cast(interfaces.ITCPTransport, self.transport).abortConnection()

    def _stop_waiting(self) -> None:
        if self._deadline is not None and self._deadline.active():
            self._deadline.cancel()
        self._deadline = None

    def connectionLost(self, reason: Any = None) -> None:
        self._stop_waiting()
        if self._info is not None:
            super().connectionLost(reason)
        else:  # the door never saw it
            self.factory.unregisterProtocol(self)

    def getPeer(self) -> IAddress:
        """The client's address, as the header gave it (a LOCAL or UNKNOWN
        header, the proxy's own connection, has none: the proxy's then)."""
        if self._info is not None and self._info.source is not None:
            return self._info.source
        assert self.transport is not None
        return self.transport.getPeer()

    def getHost(self) -> IAddress:
        if self._info is not None and self._info.destination is not None:
            return self._info.destination
        assert self.transport is not None
        return self.transport.getHost()


class ProxiedFactory(WrappingFactory[HeaderFirst]):
    """Wraps a door's factory so that each connection reads its header first."""

    protocol = HeaderFirst

    def __init__(self, wrapped: IProtocolFactory, clock: IReactorTime) -> None:
        super().__init__(wrapped)
        self.clock = clock

    def logPrefix(self) -> str:
        inner = self.wrappedFactory
        name = (
            inner.logPrefix() if hasattr(inner, "logPrefix") else type(inner).__name__
        )
        return f"{name} (PROXY)"


@implementer(IStreamServerEndpoint)
class ProxiedEndpoint:
    """An endpoint whose connections start with a PROXY header."""

    def __init__(self, inner: IStreamServerEndpoint, clock: IReactorTime) -> None:
        self.inner = inner
        self.clock = clock

    def __repr__(self) -> str:
        return f"<ProxiedEndpoint {self.inner!r}>"

    def listen(self, factory: IProtocolFactory) -> Deferred[IListeningPort]:
        return self.inner.listen(ProxiedFactory(factory, self.clock))


def split_proxied(description: str) -> tuple[bool, str]:
    """Whether ``description`` asks for the PROXY header, and the endpoint
    under it; ``ValueError`` for TLS under it (the header precedes TLS)."""
    if not description.startswith(PREFIX):
        return False, description
    inner = description[len(PREFIX) :]
    if inner.split(":", 1)[0] in {"ssl", "tls", "txtorcon"}:
        raise ValueError(
            f"{PREFIX} works over tcp: or unix: endpoints: the PROXY header"
            " comes before TLS, so terminate TLS at the proxy"
        )
    return True, inner
