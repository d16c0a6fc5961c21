"""Reconnecting connections to Redis, built on txredisapi's protocols.

txredisapi's own connection handlers queue commands while disconnected and
wait for the connection to come back; a server built on Redis must instead
answer its own clients at once and know exactly when it lost Redis, because
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

On a Redis Cluster (``cluster://``) every attempt asks the nodes given, in
turn, which primary serves the slot of the link's ``cluster_key`` (``CLUSTER
KEYSLOT``, then ``CLUSTER SLOTS``), and connects to it, checked with
``ROLE`` as behind Sentinel: a link serves one slot's primary, enough for
keys that share a hash tag. txredisapi has no cluster client; for keys
spread over the slots, :mod:`.shards` keeps a link per primary and routes
each command by its key's slot. A primary the cluster replaced answers
``MOVED`` (its owner then drops the link), and a dead one drops it by
dying: the next attempt asks again.
"""

from __future__ import annotations

import fcntl
import math
import random
import termios
from abc import ABC, abstractmethod
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
    IDelayedCall,
    IProtocol,
    IProtocolFactory,
    IStreamClientEndpoint,
)
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

from chatroom.net.tcpdirect import TurnWriter, direct_connection
from chatroom.redisclient.addresses import (
    RedisClusterAddress,
    RedisLocation,
    SentinelAddress,
)
from chatroom.redisclient.deadlines import Hearing, within
from chatroom.redisclient.resp import LeanProtocol

#: Seconds a Sentinel has to answer where the primary is (it answers from
#: memory: a slower one is skipped for the next). A Redis Cluster's node
#: answers its slots from memory too, in as long.
SENTINEL_TIMEOUT = 1.0


def _endpoint(
    address: RedisLocation, reactor: Any, cluster_key: str | None = None
) -> IStreamClientEndpoint:
    """A client endpoint for ``address`` (with TLS for ``rediss://``); on a
    Redis Cluster, to the primary serving ``cluster_key``'s slot."""
    if isinstance(address, SentinelAddress):
        return SentinelEndpoint(address, reactor)
    if isinstance(address, RedisClusterAddress):
        if cluster_key is None:
            raise ValueError(f"a link to {address} needs the key whose slot it serves")
        return ClusterEndpoint(address, reactor, cluster_key)
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
class _AskingEndpoint(ABC):
    """Connects to the primary that :meth:`ask` names at the time of asking."""

    log = Logger()

    def __init__(
        self, address: SentinelAddress | RedisClusterAddress, reactor: Any
    ) -> None:
        self.address = address
        self._reactor = reactor
        #: Where the last connection went (the primary as last told).
        self.primary: tuple[str, int] | None = None

    def connect(self, protocolFactory: IProtocolFactory) -> Deferred[IProtocol]:
        return defer.ensureDeferred(self._connect(protocolFactory))

    async def _connect(self, protocolFactory: IProtocolFactory) -> IProtocol:
        host, port = await self.ask()
        if self.primary != (host, port):
            self.log.info("{told}", told=self.told(host, port))
        self.primary = (host, port)
        endpoint = _endpoint(self.address.primary(host, port), self._reactor)
        return await endpoint.connect(protocolFactory)

    @abstractmethod
    async def ask(self) -> tuple[str, int]:
        """Where the primary is now (raises ConnectError if nobody says)."""

    @abstractmethod
    def told(self, host: str, port: int) -> str:
        """What the log says of a primary newly named."""


class SentinelEndpoint(_AskingEndpoint):
    """Connects to the primary the Sentinels name at the time of asking."""

    address: SentinelAddress

    def told(self, host: str, port: int) -> str:
        return f"Sentinel: {self.address.service}'s primary is {host}:{port}"

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
        (reply,) = await _ask_redis(
            self._reactor,
            host,
            port,
            None,
            ("SENTINEL", "get-master-addr-by-name", self.address.service),
        )
        return reply


async def _ask_redis(
    reactor: Any, host: str, port: int, password: str | None, *commands: tuple[Any, ...]
) -> list[Any]:
    """The replies of one short connection to ``host:port`` (a Sentinel or
    a node of a cluster) to ``commands``: the connection, then each reply,
    within the time a Sentinel is given, counted in the time the client
    listened (:func:`~.deadlines.within`)."""
    endpoint = TCP4ClientEndpoint(reactor, host, port)
    connection = txredisapi.RedisProtocol(
        charset=None, convertNumbers=False, password=password
    )
    await within(connectProtocol(endpoint, connection), SENTINEL_TIMEOUT, reactor)
    try:
        replies = []
        for command in commands:
            asking = connection.execute_command(*command)
            replies.append(await within(asking, SENTINEL_TIMEOUT, reactor))
        return replies
    finally:
        connection.transport.abortConnection()


class ClusterEndpoint(_AskingEndpoint):
    """Connects to the primary that serves the slot of ``key`` in a Redis
    Cluster, as a node of it says at the time of asking."""

    address: RedisClusterAddress

    def __init__(self, address: RedisClusterAddress, reactor: Any, key: str) -> None:
        super().__init__(address, reactor)
        self.key = key

    def told(self, host: str, port: int) -> str:
        return f"Redis Cluster: {self.key}'s slot is served by {host}:{port}"

    async def ask(self) -> tuple[str, int]:
        """The slot's primary, from the first node of the URL that answers."""
        problems = []
        for host, port in self.address.nodes:
            try:
                slot, slots = await _ask_redis(
                    self._reactor,
                    host,
                    port,
                    self.address.password,
                    ("CLUSTER", "KEYSLOT", self.key),
                    ("CLUSTER", "SLOTS"),
                )
            except Exception as problem:  # down, slow or not in a cluster: next
                problems.append(f"{host}:{port}: {problem}")
                continue
            served = serving(int(slot), slots, host)
            if served is not None:
                return served
            problems.append(f"{host}:{port}: no primary serves slot {slot}")
        why = "; ".join(problems)
        raise ConnectError(string=f"no node of the cluster named a primary ({why})")


def serving(slot: int, slots: list[Any], asked: str) -> tuple[str, int] | None:
    """The primary serving ``slot`` in a ``CLUSTER SLOTS`` reply (ranges of
    slots, each with its primary's address first); a primary announced
    without a host (an empty one) is on the node that was ``asked``."""
    for first, last, primary, *_replicas in slots:
        if int(first) <= slot <= int(last):
            host = primary[0].decode() if primary[0] else asked
            return host, int(primary[1])
    return None


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


class LinkProtocol(LeanProtocol):
    """A txredisapi protocol of a link (:class:`RedisLink`), which it is
    built with: the commands and scripts' :class:`CommandsProtocol` and the
    subscribers' :class:`SubscriberProtocol` are both one.

    Over plain TCP, the commands of one reactor turn go in one ``send()`` at
    its end (:class:`~chatroom.net.tcpdirect.TurnWriter`, on the link's
    reactor), not through Twisted's wait for the socket to be writable.
    Under TLS the transport is Twisted's as it is. Either way Nagle's
    algorithm is off (``TCP_NODELAY``, as hiredis and Redis itself set it):
    with it on, a turn's commands wait in the node's kernel while the last
    turn's are unacknowledged, that is until Redis answers them, so a node
    whose turns come quicker than Redis's replies had each turn's ``SAY``
    reach Redis only after the previous one's reply (docs/performance.md).
    The commands of a turn are already one ``send()``: Nagle has nothing to
    join.

    Each read from Redis counts on the link's :class:`~.deadlines.Hearing`,
    which tells a call waiting past its deadline whether Redis still
    answers (:meth:`counted_read`)."""

    #: hiredis's reader (txredisapi's ``HiredisProtocol`` makes one);
    #: None without hiredis.
    _reader: Any = None

    def __init__(self, link: RedisLink, **options: Any) -> None:
        """``options``: txredisapi's (``charset``, ``password``...)."""
        super().__init__(**options)
        self.link = link

    def makeConnection(self, transport: Any) -> None:
        set_no_delay = getattr(transport, "setTcpNoDelay", None)
        if set_no_delay is not None:
            set_no_delay(True)
        direct = direct_connection(transport)
        if direct is not None and direct is transport:
            transport = TurnWriter(direct, self.link.reactor)
        super().makeConnection(transport)

    def counted_read(self, data: bytes) -> None:
        """A read handed to txredisapi's own parser (without hiredis, as on
        PyPy, or inside a transaction), counted on the link's hearing as
        the subclasses' own reads are."""
        self.link.hearing.reads += 1
        super().dataReceived(data)


class CommandsProtocol(LinkProtocol):
    """A connection for commands and scripts: each command is one
    :class:`Reply`, waiting in txredisapi's queue of replies and fired by
    its reply. txredisapi's own ``execute_command`` makes two Deferreds per
    command (one waiting in the queue, one handed out) and passes the reply
    through two callbacks from one to the other, about a dozen Python calls
    more for each of the node's commands, a message's ``SAY`` among them.

    The commands and what their Deferreds give are txredisapi's: the same
    bytes written at once, the replies in order, a Redis error failed as
    its ``ResponseError``, the connection's loss as ``ConnectionError``
    (txredisapi's ``connectionLost`` hands one to every waiter), a command
    while unconnected refused at once. A Deferred cancelled (its deadline,
    :mod:`.deadlines`) keeps its place in the queue, so the reply Redis
    still owes it is not taken for the next command's. What the direct path
    does not cover (options such as ``apply_timeout`` or ``post_proc``,
    pipelining, ``MULTI``) goes through txredisapi's own; its waiters are
    told as txredisapi tells them."""

    def dataReceived(self, data: bytes, unpause: bool = False) -> None:
        """Replies as hiredis reads them, each to its waiter
        (:meth:`replyReceived`): txredisapi's steps per reply (its
        conversion, which these options make change nothing, a
        transaction's check, ``QUEUED`` looked for) only inside a
        transaction, which the node never opens. The read counts on the
        link's hearing. Without hiredis (PyPy) txredisapi's own parser
        reads as it does."""
        reader = self._reader
        if reader is None or self.inTransaction:
            self.counted_read(data)
            return
        self.link.hearing.reads += 1
        if data:
            reader.feed(data)
        reply = reader.gets()
        while reply is not False:
            self.replyReceived(reply)
            reply = reader.gets()

    def execute_command(self, *args: Any, **kwargs: Any) -> Deferred[Any]:
        if kwargs or self.pipelining or self.inMulti:
            return super().execute_command(*args, **kwargs)
        if not self.connected:
            raise txredisapi.ConnectionError("Not connected")
        self.transport.write(self._build_command(*args))
        reply = Reply()
        queue = self.replyQueue
        if queue.pending:  # a reply nobody waited for: txredisapi's get() hands it on
            _fire(reply, queue.pending.pop(0))
        else:
            queue.waiting.append(reply)
        return reply

    def replyReceived(self, reply: Any) -> None:
        """The oldest waiter's reply (one cancelled meanwhile takes it, and
        nobody hears it); with nobody waiting, kept as txredisapi keeps it."""
        queue = self.replyQueue
        if not queue.waiting:
            queue.put(reply)
            return
        waiter = queue.waiting.pop(0)
        if type(waiter) is not Reply:  # txredisapi's: its callbacks raise an error
            waiter.callback(reply)
        elif waiter.called:  # cancelled: past its deadline
            return
        elif isinstance(reply, Exception):
            waiter.errback(reply)
        else:
            waiter.callback(reply)


class Reply(Deferred[Any]):
    """A command's reply as :class:`CommandsProtocol` hands it on: a Redis
    error (or the connection's loss) fails it, anything else fires it."""


def _fire(waiter: Reply, reply: Any) -> None:
    """``waiter`` told ``reply``: failed with it if it is an error."""
    if isinstance(reply, Exception):
        waiter.errback(reply)
    else:
        waiter.callback(reply)


class SubscriberProtocol(LinkProtocol, txredisapi.SubscriberProtocol):
    """A subscriber connection that hands every message to its link's owner
    (txredisapi's subscriber, on a link)."""

    def dataReceived(self, data: bytes, unpause: bool = False) -> None:
        """Replies as hiredis reads them: a channel's message (``message``,
        the channel, the data) goes straight to the link's owner. Every
        node with members in a room reads each of its events here, so
        txredisapi's steps per reply (its conversion, a transaction's
        check, the reply's kind looked for from its end, the message
        unpacked into a call) were paid once per event by every node;
        any other reply (a subscription's answer) takes them as before.
        Without hiredis (PyPy) txredisapi's own parser reads as it does.
        Either way the read counts on the link's hearing: a room's messages
        say its Redis answers; and with the link's ``hold``, a read soon
        after another holds the next (:meth:`_hold_reads`)."""
        reader = self._reader
        if reader is None:
            self.counted_read(data)
        else:
            self.link.hearing.reads += 1
            if data:
                reader.feed(data)
            reply = reader.gets()
            while reply is not False:
                if type(reply) is list and len(reply) == 3 and reply[0] == b"message":
                    self.link.on_message(reply[1], reply[2])
                else:
                    self.replyReceived(self.handleTransactionData(reply))
                reply = reader.gets()
        if self.link.hold:
            self._hold_reads(self.link.hold)

    #: When the link last read, or resumed reading (its clock's seconds).
    _read_at = -math.inf
    #: The resumption of reads held, while they are.
    _resuming: IDelayedCall | None = None

    def _hold_reads(self, hold: float) -> None:
        """With the link's ``hold`` (``--subscriber-hold``): a read that
        comes less than ``hold`` after the last one (or after reading
        resumed) stops the socket being read for the rest of ``hold``, so
        that a busy node reads its events at most once per ``hold``, many
        at a time, rather than waking once for each: its wakes, not its
        events, were most of a node's CPU in a crowd's fill of many nodes
        on one machine (docs/scaling.md, "Many nodes on one machine's
        cores"). A read after a quiet spell is not held: a quiet node
        reads each event at once. What waits meanwhile waits in the
        socket, then in Redis's output buffer for the link, a few ms of
        the node's events."""
        clock = self.link.reactor
        now = clock.seconds()
        since = now - self._read_at
        self._read_at = now
        if (
            since >= hold
            or self._resuming is not None
            or getattr(self.transport, "disconnecting", False)
        ):
            return
        self.transport.pauseProducing()
        self._resuming = clock.callLater(hold - since, self._resume)

    def _resume(self) -> None:
        """The hold has passed: read what came meanwhile now, in this call
        (the socket's ``doRead``, as the reactor would: waiting for the
        reactor to say the socket is readable would be a second wake per
        hold, after the timer's), and hold the next read again; if nothing
        came, read again as the socket is ready (the node is quiet). A
        read takes what the socket holds up to Twisted's buffer (64 KiB,
        hundreds of events): more waits for the next hold."""
        self._resuming = None
        self._read_at = self.link.reactor.seconds()
        transport = self.transport
        if getattr(transport, "disconnecting", False):
            return
        read = getattr(transport, "doRead", None)
        if read is not None:
            try:
                why = read()
            except Exception:  # as the reactor does with a read that raises
                self.link.log.failure("{link}: reading", link=self.link.name)
                transport.abortConnection()
                return
            if why is None and self._resuming is not None:
                return  # read, and held again
        # Nothing came (or the connection ended: the reactor finds out).
        transport.resumeProducing()

    def connectionLost(self, reason: Failure) -> None:
        """A link lost while its reads are held leaves no resumption due."""
        if self._resuming is not None:
            self._resuming.cancel()
            self._resuming = None
        super().connectionLost(reason)

    def messageReceived(self, pattern: Any, channel: bytes, message: bytes) -> None:
        self.link.on_message(channel, message)

    def broadcast_subscribe(self, channels: list[bytes]) -> Deferred[Any]:
        """Subscribe to channels published with a plain ``PUBLISH`` (one
        that any script may send, whatever its slot: the lobby's changes)."""
        return txredisapi.SubscriberProtocol.subscribe(self, channels)

    def broadcast_unsubscribe(self, channels: list[bytes]) -> Deferred[Any]:
        return txredisapi.SubscriberProtocol.unsubscribe(self, channels)


class ShardedSubscriberProtocol(SubscriberProtocol):
    """The subscriber connection on a Redis Cluster, where what is published
    goes by sharded pub/sub (``SPUBLISH``): it subscribes with
    ``SSUBSCRIBE`` (to the primary serving the link's slot, as every link
    connects) and reads ``smessage``, which txredisapi does not know.

    When the cluster moves the slot elsewhere, Redis ends those
    subscriptions itself with a ``sunsubscribe`` nobody asked for: the link
    is dropped, and its owner subscribes again on the slot's new primary
    and catches up, as after any lost connection, without waiting for one
    of its commands to be refused there.
    """

    #: ``sunsubscribe`` replies still due to our own ``SUNSUBSCRIBE``s.
    _unsubscribing = 0

    def replyReceived(self, reply: Any) -> None:
        if isinstance(reply, list) and len(reply) == 3:
            kind = reply[0]
            if kind == b"smessage":
                self.link.on_message(reply[1], reply[2])
                return
            if kind == b"ssubscribe" and not self.replyQueue.waiting:
                return  # the confirmation of a channel after the first
            if kind == b"sunsubscribe":
                if not self._unsubscribing:  # the slot moved
                    self.link.log.info(
                        "{link}: the slot moved; subscribing again",
                        link=self.link.name,
                    )
                    self.link.drop()
                    return
                self._unsubscribing -= 1
        super().replyReceived(reply)

    def subscribe(self, channels: list[bytes]) -> Deferred[Any]:
        return self.execute_command("SSUBSCRIBE", *channels, apply_timeout=False)

    def unsubscribe(self, channels: list[bytes]) -> Deferred[Any]:
        self._unsubscribing += len(channels)
        return self.execute_command("SUNSUBSCRIBE", *channels)


class _LinkFactory(Factory):
    """Builds txredisapi protocols for one link (bytes in, bytes out)."""

    # What txredisapi's protocols consult on their factory when AUTH or
    # SELECT fails: keep retrying (ClientService decides), and log it.
    isLazy = True
    noisy = False  # ClientService logs each attempt already

    def __init__(self, link: RedisLink) -> None:
        self.link = link

    def buildProtocol(self, addr: object) -> LinkProtocol:
        address = self.link.address
        protocol = self.link.protocol_class(
            self.link,
            charset=None,  # replies stay bytes, as they came
            password=address.password,
            dbid=address.db or None,
            convertNumbers=False,  # a value b"42" stays b"42"
        )
        protocol.factory = self
        # txredisapi's own timers (a paused read resumed, a reply timeout)
        # on the link's clock, not the global reactor its class keeps.
        protocol.callLater = self.link.reactor.callLater
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
        address: RedisLocation,
        name: str,
        subscriber: bool = False,
        to_primary: bool = False,
        sharded: bool = False,
        cluster_key: str | None = None,
        hold: float = 0.0,
    ) -> None:
        """``to_primary``: serve only on a Redis that says it is a primary
        (``ROLE``), as behind Sentinel or on a Redis Cluster's URL, for a
        plain address a cluster named (:mod:`.shards`); ``sharded``: a
        subscriber by sharded pub/sub there (``SSUBSCRIBE``), as on a
        cluster's URL (:mod:`.shard_subscribers`); ``cluster_key``: on a
        cluster's URL, the key whose slot's primary the link connects to."""
        self.address = address
        self.name = name
        self.protocol_class: type[LinkProtocol] = (
            CommandsProtocol
            if not subscriber
            else ShardedSubscriberProtocol
            if sharded or isinstance(address, RedisClusterAddress)
            else SubscriberProtocol
        )
        self.connection: Any = None
        self.on_up: Callable[[], None] = lambda: None
        self.on_down: Callable[[], None] = lambda: None
        self.on_message: Callable[[bytes, bytes], object] = lambda channel, data: None
        self.on_connect_failed: Callable[[Failure], None] = lambda failure: None
        #: A Redis reached says it is not the primary (its next attempt is
        #: to the same address: a link to one node of a cluster's map must
        #: have the map asked again, :mod:`.shards`).
        self.on_not_primary: Callable[[], None] = lambda: None
        #: Its clock, and where a connection's commands of a turn are sent
        #: from (:class:`LinkProtocol`).
        self.reactor = reactor
        #: A subscriber's reads held: seconds (0: none) within which a
        #: read after another stops the socket being read until they have
        #: passed (:meth:`SubscriberProtocol._hold_reads`;
        #: ``--subscriber-hold``).
        self.hold = hold
        #: The reads from its Redis (:class:`LinkProtocol`): its own, or
        #: shared with the other links to the same Redis, by their owner.
        self.hearing = Hearing()
        #: The name each connection gives itself (``CLIENT SETNAME``)
        #: before it serves, if any: a chat node's, so that the other
        #: nodes can tell from Redis's ``CLIENT LIST`` whether its process
        #: still holds a connection (:mod:`chatroom.backends.redis.liveness`).
        self.client_name: str | None = None
        #: Behind Sentinel, or in a Redis Cluster, a connection must reach
        #: the primary (``ROLE``).
        self._to_primary = to_primary or isinstance(
            address, SentinelAddress | RedisClusterAddress
        )
        self._client = ClientService(
            _ReportingEndpoint(_endpoint(address, reactor, cluster_key), self),
            _LinkFactory(self),
            # 0.1 s, doubling to 5 s (1 s behind Sentinel, where a failover
            # moves the primary within seconds and asking is cheap), plus up
            # to 0.1 s so many clients don't retry in lockstep.
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

    def unread(self) -> bool:
        """Whether bytes from Redis wait in the connection's socket, not yet
        read (a node that read only part of its replies in a busy turn):
        ``FIONREAD`` on the socket; False without one (no connection, or a
        transport with no socket of its own)."""
        connection = self.connection
        sock = getattr(getattr(connection, "transport", None), "socket", None)
        if sock is None:
            return False
        try:
            waiting = fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0")
        except (OSError, ValueError):  # closed meanwhile
            return False
        return waiting != b"\0\0\0\0"

    def peer(self) -> tuple[str, int] | None:
        """Where the connection goes (None: there is none)."""
        if self.connection is None:
            return None
        address = self.connection.transport.getPeer()
        return address.host, address.port

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
        self.reactor.callLater(0, self._up, protocol)

    def _up(self, protocol: Any) -> None:
        if not protocol.connected:
            return
        if self._to_primary:
            checking = within(protocol.role(), SENTINEL_TIMEOUT, self.reactor)
            checking.addCallbacks(
                lambda role: self._checked(protocol, role),
                lambda failure: protocol.transport.abortConnection(),
            )
            return
        self._serve(protocol)

    def _checked(self, protocol: Any, role: Any) -> None:
        """Serve on ``protocol`` if its Redis is the primary; a replica (a
        demoted primary the Sentinels, or the cluster, have not yet stopped
        naming) is left, and the next attempt asks them again."""
        if role and role[0] == b"master":
            self._serve(protocol)
            return
        peer = protocol.transport.getPeer()
        self.log.warn(
            "{link}: {host}:{port} is not the primary; asking {whom} again",
            link=self.name,
            host=peer.host,
            port=peer.port,
            whom="the Sentinels"
            if isinstance(self.address, SentinelAddress)
            else "the cluster",
        )
        protocol.transport.abortConnection()
        self.on_not_primary()

    def _serve(self, protocol: Any) -> None:
        if not protocol.connected:
            return
        if self.client_name is not None:
            # Sent first, so that Redis has the name before any of the
            # connection's commands; not waited for (a Redis that refuses
            # it still serves: the node then looks unconnected to the
            # others, as every node did before names).
            naming = protocol.execute_command("CLIENT", "SETNAME", self.client_name)
            naming.addErrback(self._not_named)
        self.connection = protocol
        protocol.whenDisconnected().addCallback(self._down)
        self.log.info(
            "{link} connected to {address}", link=self.name, address=self.address
        )
        self.on_up()

    def _not_named(self, failure: Failure) -> None:
        if failure.check(txredisapi.ConnectionError):
            return  # lost meanwhile: the next connection names itself
        self.log.warn(
            "{link}: Redis refused CLIENT SETNAME: {why}",
            link=self.name,
            why=failure.getErrorMessage(),
        )

    def _down(self, protocol: Any) -> None:
        if self.connection is not protocol:
            return
        self.connection = None
        self.log.warn("{link} lost its connection to Redis", link=self.name)
        self.on_down()


class Written:
    """Where a write went: the link, and the connection it had then.

    ``WAIT`` counts the replicas that have every write *of the connection
    it is sent on*, so confirming a write means sending ``WAIT`` on the
    very connection that ran it: on one Redis the link's, on a Redis
    Cluster the link to the primary that answered the command (after a
    ``MOVED`` or an ``ASK``, another than the map first named). Filled in
    by whoever sends the write (:meth:`.shards.ShardLinks.execute`, and
    the link's owner for its own commands).
    """

    __slots__ = ("connection", "link")

    def __init__(self) -> None:
        self.link: RedisLink | None = None
        self.connection: Any = None

    def sent(self, link: RedisLink, connection: Any) -> None:
        self.link = link
        self.connection = connection
