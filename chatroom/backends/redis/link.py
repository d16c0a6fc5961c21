"""Reconnecting connections to Redis, built on txredisapi's protocols.

txredisapi's own connection handlers queue commands while disconnected and
wait for the connection to come back; a chat server must instead answer at
once (``ERR UNAVAILABLE``) and know exactly when it lost Redis, because
anything published meanwhile may have been missed. So each
:class:`RedisLink` runs one txredisapi protocol under Twisted's
``ClientService`` (reconnect with exponential backoff) and reports every
connect and disconnect to its owner.

Behind Sentinel (``sentinel://``) every attempt first asks the Sentinels,
in turn, where the primary is (``SENTINEL get-master-addr-by-name``), and a
connection counts only once that Redis says it is the primary (``ROLE``):
a failover drops the links (the dead primary's, or Sentinel's ``CLIENT
KILL`` on the demoted one), and the next attempt finds the promoted one.
txredisapi's own ``Sentinel`` is built on the queueing handlers above, on
the global reactor, so it is not used; its protocol's commands are.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import txredisapi
from twisted.application.internet import ClientService, backoffPolicy
from twisted.application.service import Service
from twisted.internet import defer
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import (
    TCP4ClientEndpoint,
    connectProtocol,
    wrapClientTLS,
)
from twisted.internet.error import ConnectError
from twisted.internet.interfaces import (
    IProtocol,
    IProtocolFactory,
    IStreamClientEndpoint,
)
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

from chatroom.core.config import RedisAddress, SentinelAddress

#: Seconds a Sentinel has to answer where the primary is (it answers from
#: memory: a slower one is skipped for the next).
SENTINEL_TIMEOUT = 1.0


def _endpoint(
    address: RedisAddress | SentinelAddress, reactor: Any
) -> IStreamClientEndpoint:
    """A client endpoint for ``address`` (with TLS for ``rediss://``)."""
    if isinstance(address, SentinelAddress):
        return SentinelEndpoint(address, reactor)
    endpoint: IStreamClientEndpoint = TCP4ClientEndpoint(
        reactor, address.host, address.port, timeout=5
    )
    if address.tls:
        from twisted.internet.ssl import Certificate, optionsForClientTLS

        trust = None
        if address.ca is not None:
            with open(address.ca, "rb") as pem:
                trust = Certificate.loadPEM(pem.read())
        endpoint = wrapClientTLS(
            optionsForClientTLS(address.host, trustRoot=trust), endpoint
        )
    return endpoint


@implementer(IStreamClientEndpoint)
class SentinelEndpoint:
    """Connects to the primary the Sentinels name at the time of asking."""

    log = Logger()

    def __init__(self, address: SentinelAddress, reactor: Any) -> None:
        self.address = address
        self._reactor = reactor
        #: Where the last connection went (the primary as last told).
        self.primary: tuple[str, int] | None = None

    def connect(self, protocolFactory: IProtocolFactory) -> Deferred[IProtocol]:
        return defer.ensureDeferred(self._connect(protocolFactory))

    async def _connect(self, protocolFactory: IProtocolFactory) -> IProtocol:
        host, port = await self.ask()
        if self.primary != (host, port):
            self.log.info(
                "Sentinel: {service}'s primary is {host}:{port}",
                service=self.address.service,
                host=host,
                port=port,
            )
        self.primary = (host, port)
        endpoint = _endpoint(self.address.primary(host, port), self._reactor)
        return await endpoint.connect(protocolFactory)

    async def ask(self) -> tuple[str, int]:
        """The primary's address, from the first Sentinel that knows it."""
        problems = []
        for host, port in self.address.sentinels:
            try:
                reply = await self._ask_one(host, port)
            except Exception as problem:  # down, slow or not a Sentinel: next
                problems.append(f"{host}:{port}: {problem}")
                continue
            if isinstance(reply, list) and len(reply) == 2:
                return reply[0].decode(), int(reply[1])
            problems.append(f"{host}:{port}: no primary named {self.address.service}")
        why = "; ".join(problems)
        raise ConnectError(string=f"no Sentinel named a primary ({why})")

    async def _ask_one(self, host: str, port: int) -> Any:
        endpoint = TCP4ClientEndpoint(
            self._reactor, host, port, timeout=SENTINEL_TIMEOUT
        )
        sentinel = txredisapi.RedisProtocol(charset=None, convertNumbers=False)
        await connectProtocol(endpoint, sentinel)
        try:
            asking = sentinel.sentinel_get_master_addr_by_name(self.address.service)
            asking.addTimeout(SENTINEL_TIMEOUT, self._reactor)
            return await asking
        finally:
            sentinel.transport.abortConnection()


@implementer(IStreamClientEndpoint)
class _ReportingEndpoint:
    """An endpoint that tells its link about every failed attempt to connect."""

    def __init__(self, endpoint: IStreamClientEndpoint, link: RedisLink) -> None:
        self._endpoint = endpoint
        self._link = link

    def __repr__(self) -> str:  # ClientService logs each retry with it
        return str(self._link.address)

    def connect(self, protocolFactory: IProtocolFactory) -> Deferred[IProtocol]:
        connecting = self._endpoint.connect(protocolFactory)
        connecting.addErrback(self._failed)
        return connecting

    def _failed(self, failure: Failure) -> Failure:
        self._link.on_connect_failed(failure)
        return failure


class SubscriberProtocol(txredisapi.SubscriberProtocol):
    """A subscriber connection that hands every message to its link's owner."""

    link: RedisLink

    def messageReceived(self, pattern: Any, channel: bytes, message: bytes) -> None:
        self.link.on_message(channel, message)


class _LinkFactory(Factory):
    """Builds txredisapi protocols for one link (bytes in, bytes out)."""

    # What txredisapi's protocols consult on their factory when AUTH or
    # SELECT fails: keep retrying (ClientService decides), and log it.
    isLazy = True
    noisy = False  # ClientService logs each attempt already

    def __init__(self, link: RedisLink) -> None:
        self.link = link

    def buildProtocol(self, addr: object) -> txredisapi.BaseRedisProtocol:
        address = self.link.address
        protocol = self.link.protocol_class(
            charset=None,  # replies stay bytes: chat lines go out as they came
            password=address.password,
            dbid=address.db or None,
            convertNumbers=False,  # a user called "42" stays b"42"
        )
        protocol.factory = self
        protocol.link = self.link
        protocol.whenConnected().addCallback(self.link._connected)
        return protocol

    def stopTrying(self) -> None:
        pass

    def connectionError(self, why: str) -> None:
        self.link.log.error("{link}: {why}", link=self.link.name, why=why)


class RedisLink(Service):
    """One connection to Redis, re-established with backoff whenever it drops.

    ``connection`` is the live txredisapi protocol, or ``None`` while there
    is none; ``on_up`` and ``on_down`` are called on each change.
    """

    log = Logger()

    def __init__(
        self,
        reactor: Any,
        address: RedisAddress | SentinelAddress,
        name: str,
        subscriber: bool = False,
    ) -> None:
        self.address = address
        self.name = name
        self.protocol_class = (
            SubscriberProtocol if subscriber else txredisapi.RedisProtocol
        )
        self.connection: Any = None
        self.on_up: Callable[[], None] = lambda: None
        self.on_down: Callable[[], None] = lambda: None
        self.on_message: Callable[[bytes, bytes], None] = lambda channel, data: None
        self.on_connect_failed: Callable[[Failure], None] = lambda failure: None
        self._reactor = reactor
        #: Behind Sentinel a connection must reach the primary (``ROLE``).
        self._to_primary = isinstance(address, SentinelAddress)
        self._client = ClientService(
            _ReportingEndpoint(_endpoint(address, reactor), self),
            _LinkFactory(self),
            # 0.1 s, doubling to 5 s (1 s behind Sentinel, where a failover
            # moves the primary within seconds and asking is cheap), plus up
            # to 0.1 s so nodes don't retry in lockstep.
            retryPolicy=backoffPolicy(
                initialDelay=0.1,
                maxDelay=1.0 if self._to_primary else 5.0,
                factor=2.0,
                jitter=lambda: random.random() / 10,
            ),
            clock=reactor,
        )

    def startService(self) -> None:
        super().startService()
        self._client.startService()

    def stopService(self) -> Any:
        super().stopService()
        return self._client.stopService()

    def drop(self) -> None:
        """Abandon the current connection (it stopped answering); reconnect."""
        if self.connection is not None:
            self.connection.transport.abortConnection()

    def leave_unless(self, host: str, port: int) -> None:
        """Drop the connection unless it goes to ``host:port`` (the primary
        the Sentinels name now)."""
        if self.connection is None:
            return
        peer = self.connection.transport.getPeer()
        if (peer.host, peer.port) != (host, port):
            self.log.warn(
                "{link}: {host}:{port} is no longer the primary; leaving it",
                link=self.name,
                host=peer.host,
                port=peer.port,
            )
            self.drop()

    def _connected(self, protocol: Any) -> None:
        # txredisapi says "ready" from inside connectionMade; let the reactor
        # finish setting the connection up before anyone uses it.
        self._reactor.callLater(0, self._up, protocol)

    def _up(self, protocol: Any) -> None:
        if not protocol.connected:
            return
        if self._to_primary:
            checking = protocol.role()
            checking.addTimeout(SENTINEL_TIMEOUT, self._reactor)
            checking.addCallbacks(
                lambda role: self._checked(protocol, role),
                lambda failure: protocol.transport.abortConnection(),
            )
            return
        self._serve(protocol)

    def _checked(self, protocol: Any, role: Any) -> None:
        """Serve on ``protocol`` if its Redis is the primary; a replica (a
        demoted primary the Sentinels have not yet stopped naming) is left,
        and the next attempt asks them again."""
        if role and role[0] == b"master":
            self._serve(protocol)
            return
        peer = protocol.transport.getPeer()
        self.log.warn(
            "{link}: {host}:{port} is not the primary; asking the Sentinels again",
            link=self.name,
            host=peer.host,
            port=peer.port,
        )
        protocol.transport.abortConnection()

    def _serve(self, protocol: Any) -> None:
        if not protocol.connected:
            return
        self.connection = protocol
        protocol.whenDisconnected().addCallback(self._down)
        self.log.info(
            "{link} connected to {address}", link=self.name, address=self.address
        )
        self.on_up()

    def _down(self, protocol: Any) -> None:
        if self.connection is not protocol:
            return
        self.connection = None
        self.log.warn("{link} lost its connection to Redis", link=self.name)
        self.on_down()
