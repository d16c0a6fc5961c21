"""Several processes listening on one port (``SO_REUSEPORT``).

A Python process uses one core. To use every core of a machine, and to hold
more connections than one process's descriptor limit allows, several
``twistd chatroom`` nodes of one cluster (``--redis``) listen on the same
ports with ``--reuse-port``, and the kernel spreads incoming connections
over them (Linux hashes each connection's addresses and ports to one of
the listening sockets). ``chatroom-cluster`` (:mod:`chatroom.wiring.cluster`)
starts such a set of nodes with one command.

Twisted's TCP endpoints do not set ``SO_REUSEPORT``, so
:class:`ReusePortEndpoint` makes the listening socket itself and hands it to
the reactor (``adoptStreamPort``), which serves it like any other port.
"""

from __future__ import annotations

import socket
from typing import Any, cast

from OpenSSL import SSL
from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.endpoints import (
    TCP4ServerEndpoint,
    TCP6ServerEndpoint,
    serverFromString,
)
from twisted.internet.error import CannotListenError
from twisted.internet.interfaces import (
    IListeningPort,
    IProtocolFactory,
    IReactorSocket,
    IStreamServerEndpoint,
)
from twisted.internet.protocol import ServerFactory
from zope.interface import implementer

from chatroom.wiring.proxyheader import ProxiedEndpoint, split_proxied
from chatroom.wiring.service import refuse_to_start


@implementer(IStreamServerEndpoint)
class ReusePortEndpoint:
    """A TCP server endpoint whose socket shares its port (``SO_REUSEPORT``)."""

    def __init__(
        self, reactor: IReactorSocket, port: int, interface: str = "", backlog: int = 50
    ) -> None:
        self._reactor = reactor
        self.port = port
        self.interface = interface
        self.backlog = backlog

    def __repr__(self) -> str:
        return f"<ReusePortEndpoint {self.interface or '*'}:{self.port}>"

    def listen(self, factory: IProtocolFactory) -> Deferred[IListeningPort]:
        """Bind with ``SO_REUSEPORT``, listen, and let the reactor serve it."""
        family = socket.AF_INET6 if ":" in self.interface else socket.AF_INET
        probe = socket.socket(family, socket.SOCK_STREAM)
        try:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            probe.bind((self.interface, self.port))
            probe.listen(self.backlog)
            probe.setblocking(False)
            port = self._reactor.adoptStreamPort(
                probe.fileno(), family, cast(ServerFactory, factory)
            )
        except OSError as error:
            return fail(CannotListenError(self.interface, self.port, error))
        finally:
            probe.close()  # the reactor holds its own duplicate
        return succeed(port)


#: What ``serverFromString`` raises for a description it cannot use: a
#: bad one, or an ``ssl:`` one whose key or certificate cannot be read.
ENDPOINT_ERRORS = (ValueError, KeyError, TypeError, OSError, SSL.Error)


def reuse_port(reactor: Any, description: str) -> ReusePortEndpoint:
    """The ``tcp:`` endpoint ``description`` describes, listening with
    ``SO_REUSEPORT``; ``ValueError`` for any other kind (TLS, UNIX)."""
    endpoint = serverFromString(reactor, description)
    if not isinstance(endpoint, TCP4ServerEndpoint | TCP6ServerEndpoint):
        raise ValueError("--reuse-port works with tcp: endpoints only")
    return ReusePortEndpoint(
        reactor, endpoint._port, endpoint._interface, endpoint._backlog
    )


def server_endpoint(
    reactor: Any, option: str, description: str, shared: bool = False
) -> IStreamServerEndpoint:
    """:func:`build_endpoint`, or one line and exit 1 for a bad description
    (``option`` names it)."""
    try:
        return build_endpoint(reactor, description, shared)
    except ENDPOINT_ERRORS as problem:
        refuse_to_start(f"--{option} {description}: {problem}")


def build_endpoint(
    reactor: Any, description: str, shared: bool = False
) -> IStreamServerEndpoint:
    """``serverFromString`` (with ``SO_REUSEPORT`` if ``shared``). A
    description written ``haproxy:...`` reads each connection's PROXY
    header before the door sees it (:mod:`chatroom.wiring.proxyheader`).

    Raises:
        ENDPOINT_ERRORS: a description that cannot be used (an ``ssl:``
            one's key or certificate unreadable included).
    """
    proxied, inner = split_proxied(description)
    endpoint: IStreamServerEndpoint = (
        reuse_port(reactor, inner) if shared else serverFromString(reactor, inner)
    )
    return ProxiedEndpoint(endpoint, reactor) if proxied else endpoint
