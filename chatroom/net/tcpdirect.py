"""Writing straight to a TCP socket when Twisted has nothing queued for it,
and a TCP transport that holds less per idle connection.

This is the only module that reads Twisted's private transport attributes
(``dataBuffer``, ``_tempDataLen``, ``socket``; :class:`LeanServer` also
``logstr``, ``repstr``, ``fileno`` and ``_tempDataBuffer``), so that what
depends on them is in one place and pinned by ``tests/doors/base/test_sendq.py``.
Should a Twisted release rename them, :func:`direct_connection` returns
``None`` and every connection takes the ordinary ``transport.write`` path.

Why bother: with nothing queued, ``transport.write`` appends to the
buffer, registers the socket with epoll for writability, wakes up for it,
sends and unregisters, per member per message; one ``send()`` does the
same work. Profiling showed that bookkeeping was most of the server's time
at high fan-out (benchmarks/results/performance-notebook.md, "A
delivery").
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from twisted.internet import tcp
from twisted.internet.interfaces import IListeningPort

#: Twisted's private attributes this module reads.
PRIVATE_ATTRIBUTES = ("dataBuffer", "_tempDataLen", "socket")


def direct_connection(transport: object) -> tcp.Connection | None:
    """``transport``, if :func:`send_direct` can write to its socket.

    A transport that writes its bytes unchanged to a TCP connection under
    it (the WebSocket door's already-framed stream) names that connection
    as ``direct_transport``, and that connection is the one used.
    ``None`` when the transport is not plain TCP (TLS, a test transport) or
    lacks the attributes read here: then use ``transport.write``.
    """
    transport = getattr(transport, "direct_transport", transport)
    if not isinstance(transport, tcp.Connection) or transport.TLS:
        return None
    if not all(hasattr(transport, name) for name in PRIVATE_ATTRIBUTES):
        return None
    return transport


def send_direct(connection: tcp.Connection, data: bytes) -> bytes:
    """Send what the socket takes now; return the rest for ``transport.write``.

    Only while Twisted has nothing queued for the connection, so the order
    of bytes is kept; otherwise everything is returned.
    """
    if (
        connection._tempDataLen
        or connection.dataBuffer
        or not connection.connected
        or connection.disconnecting
    ):
        return data
    try:
        written = connection.socket.send(data)
    except OSError:  # would block, or the peer is gone: Twisted's own
        return data  # write path finds out and handles it
    return data[written:] if written < len(data) else b""


class TurnWriter:
    """A client connection's writes of one reactor turn, sent together by
    one ``send()`` at the turn's end (a Redis link's commands:
    :mod:`chatroom.redisclient.link`).

    Twisted's ``write`` buffers, asks epoll to report the socket writable
    (a system call), wakes for it in the next turn, sends, and asks epoll
    to stop (another), each readiness event under its log context: a
    node's ``SAY`` paid all of that per command (benchmarks/results/history.md,
    "a Redis link's commands sent at the turn's end"). This sends a turn's
    commands in one ``send()`` from a call at the turn's end on ``clock``,
    so that at high rates they still go together; what the socket does not
    take, or anything while Twisted holds bytes of its own, goes to
    Twisted's ``write`` as before, after what was sent, keeping the order.

    The call is a ``callLater(0)``, which the reactor runs right after the
    turn's events, before its turn loop's ends (the doors' send queues'
    flush, :func:`chatroom.net.pollcap.turn_ends`): a node's commands leave
    before the fan-out's sends to its members, which at 100,000 deliveries
    a second take milliseconds, and the other nodes' copies wait on those
    commands. Made one of the turn's ends instead, after the doors' flush
    of that turn, the two nodes' p99 at 100,000/s read 1.21 x by round
    against 0.91 x as a ``callLater(0)``, their CPU per delivery the same
    (benchmarks/results/performance-notebook.md, "A Redis link's
    commands before the turn's sends").

    It stands in for the transport it wraps: everything but writing and
    closing is the transport's own.
    """

    def __init__(self, transport: tcp.Connection, clock: Any) -> None:
        self._transport = transport
        self._clock = clock
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._clock.callLater(0, self.flush)
        self._pending.append(data)

    def writeSequence(self, data: list[bytes]) -> None:
        for each in data:
            self.write(each)

    def flush(self) -> None:
        """Send what this turn wrote (nothing if it was sent or dropped)."""
        if not self._pending:
            return
        data = b"".join(self._pending)
        self._pending = []
        rest = send_direct(self._transport, data)
        if rest:
            self._transport.write(rest)

    def loseConnection(self) -> None:
        self.flush()
        self._transport.loseConnection()

    def abortConnection(self) -> None:
        self._pending = []
        self._transport.abortConnection()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def _no_descriptor() -> int:
    """A closed transport's descriptor (Twisted's ``FileDescriptor.fileno``)."""
    return -1


def _ignored(transport: object, value: object = None) -> None:
    """What Twisted assigns (or deletes) here is derived when asked instead."""


class LeanServer(tcp.Server):
    """Twisted's server-side TCP transport, less what it stores per connection
    only in case someone asks: its log prefix and ``repr`` (two strings it
    formats at accept), the socket's bound ``fileno`` method, and an empty
    list for bytes queued by ``write`` (made when a write needs one, given
    back once they are sent). Together about 280 bytes of every idle
    connection's; each is derived from what the transport keeps anyway,
    with the same value as Twisted's while the connection is open
    (``tests/doors/base/test_sendq.py``).

    The reactor reads ``logstr`` (its logging context) and ``fileno`` on
    every readiness event of the socket: deriving them then costs one
    short format and a property call per read of the socket (half a
    microsecond on the benchmark's machine), never per delivery, which
    writes straight to the socket (:func:`send_direct`).

    The peer's host is interned: connections from one address (a reverse
    proxy's, a NAT's, the benchmark's) share one string instead of each
    keeping the copy ``accept()`` made (about 60 bytes each). Nor does it
    keep the peer's address as the tuple Twisted keeps (``client``, 56
    bytes): an IPv4 peer's port is kept, and the tuple made from it and
    the host when asked (``getPeer``), the same as Twisted's.
    """

    def __init__(
        self,
        sock: Any,
        protocol: Any,
        client: tuple[object, ...],
        server: tcp.Port,
        sessionno: int,
        reactor: Any,
    ) -> None:
        super().__init__(sock, protocol, client, server, sessionno, reactor)
        host = client[0]
        if isinstance(host, str):
            self.hostname = sys.intern(host)

    #: The bytes ``write`` queued (None: none, and no list held).
    _queue: list[bytes] | None = None
    #: An IPv4 peer's port; another peer's address as Twisted keeps it.
    _peer: int | tuple[object, ...]

    # (Never ``self.__dict__``: reading it makes a dict object of the
    # instance's attributes, kept for good, more than this saves.)

    def _logstr(self) -> str:
        # Twisted's _getLogPrefix asks zope.interface first: 1 µs more.
        protocol = getattr(self, "protocol", None)
        log_prefix = getattr(protocol, "logPrefix", None)
        prefix = type(protocol).__name__ if log_prefix is None else log_prefix()
        return f"{prefix},{self.sessionno},{self.hostname}"

    def _repstr(self) -> str:
        name = type(getattr(self, "protocol", None)).__name__
        return f"<{name} #{self.sessionno} on {self.server._realPortNumber}>"

    def _fileno(self) -> Callable[[], int]:
        socket = getattr(self, "socket", None)
        return _no_descriptor if socket is None else socket.fileno

    def _queued(self) -> list[bytes]:
        """The bytes ``write`` queued, in a list made on first use."""
        queued = self._queue
        if queued is None:
            queued = self._queue = []
        return queued

    def _requeue(self, value: list[bytes]) -> None:
        """Twisted empties the queue by assigning a new list: hold none."""
        if value:
            self._queue = value
        elif self._queue is not None:
            self._queue = None

    def _client(self) -> tuple[object, ...]:
        peer = self._peer
        return (self.hostname, peer) if isinstance(peer, int) else peer

    def _keep_client(self, client: tuple[object, ...]) -> None:
        """Twisted's ``client``, (host, port) for IPv4: the port alone is
        kept (the host is ``hostname``)."""
        host = client[0]
        if len(client) == 2 and isinstance(client[1], int):
            self._peer = client[1]
        else:
            self._peer = (
                (sys.intern(host), *client[1:]) if isinstance(host, str) else client
            )

    logstr = property(_logstr, _ignored)
    client = property(_client, _keep_client)
    repstr = property(_repstr, _ignored)
    fileno = property(_fileno, _ignored, _ignored)
    _tempDataBuffer = property(_queued, _requeue)


def lean_transports(port: IListeningPort) -> IListeningPort:
    """Make ``port`` (if a plain ``tcp.Port`` of Twisted's server transport)
    accept its connections as :class:`LeanServer`; returns ``port``."""
    listening: Any = port
    if isinstance(port, tcp.Port) and listening.transport is tcp.Server:
        listening.transport = LeanServer
    return port
