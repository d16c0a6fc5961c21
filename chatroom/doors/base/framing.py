"""Line framing for every line-based door: a LineReceiver that splits linearly.

The design brief asks for a :class:`~twisted.protocols.basic.LineReceiver`,
and we keep its contract: ``lineReceived(bytes)`` once per line,
``MAX_LENGTH``, and ``pauseProducing()`` / ``resumeProducing()`` holding
back and then delivering the lines that follow (which is how a command
that waits on shared state keeps a connection's later lines in order).
The line door's :class:`LineFraming` is one; the IRC door's
:class:`SlottedFraming` keeps the same contract without Twisted's base
classes, so that an idle connection carries no room for an instance dict.

Three things differ, each for a reason:

- **Linear splitting.** ``LineReceiver.dataReceived`` splits one line at a
  time off the front of its buffer, copying the rest each time: quadratic
  in a chunk full of short lines (Twisted issue #6357), which a client can
  send on purpose. Here each chunk is scanned once with ``find`` and the
  remainder is kept once at the end. (``LineOnlyReceiver`` splits once per
  chunk too, but cannot pause.)
- **LF ends a line, one CR before it is stripped**, so ``nc`` and telnet
  users (CRLF) and scripts (bare LF) are both served.
- **An over-long line is refused, not fatal.** LineReceiver's default
  ``lineLengthExceeded`` drops the connection; here the line is discarded
  and :meth:`lineLengthExceeded` reports it while the session goes on. Only
  a line still without its end after ``max_unterminated`` bytes closes the
  connection (:meth:`unterminatedLine`), since reading on would mean
  buffering without bound.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.internet.interfaces import ILoggingContext, IProtocol
from twisted.internet.protocol import connectionDone
from twisted.protocols.basic import LineReceiver
from twisted.python.failure import Failure
from zope.interface import implementer

#: :attr:`Splitting.paused` while a command waits and the socket is still
#: read (:meth:`Splitting.hold`): a truthy value that is not True.
HELD = 2


class Splitting:
    """The splitting, shared by :class:`LineFraming` and :class:`SlottedFraming`.

    It owns the framing's state and sets it in :meth:`__init__`; a slotted
    subclass (every door's protocol, so that an idle connection carries no
    instance dict) names each of these attributes among its slots."""

    if not TYPE_CHECKING:  # mypy would take the state's names for dict-less
        __slots__ = ()

    MAX_LENGTH = 4096
    #: Bytes of one line, without its end, after which the connection closes.
    max_unterminated = 64 * 1024

    def __init__(self) -> None:
        #: The connection's transport, once Twisted makes the connection.
        self.transport: Any = None
        #: False (lines delivered as they come), :data:`HELD` (the lines after
        #: a waiting command held back, the socket still read: :meth:`hold`)
        #: or True (held, and the socket's reading stopped). LineReceiver's
        #: is a bool.
        self.paused: Any = False
        #: What was read and not yet split (bytes that came from inside a
        #: ``lineReceived``, or a line's start).
        self._buffer = b""
        #: Whether :meth:`dataReceived` is splitting now (a handler's
        #: call of it only adds to ``_buffer``).
        self._busyReceiving = False
        #: The chunk being split, from ``_offset`` on (see :meth:`_split`).
        self._pending = b""
        self._offset = 0
        #: Bytes of an over-long line discarded so far.
        self._skipping = 0

    def dataReceived(self, data: bytes) -> None:
        """Deliver every whole line of ``data`` (and what was held back)."""
        if self.paused is HELD and data:  # bytes came while a command waits
            self.paused = True
            self.transport.pauseProducing()
        if self._busyReceiving:  # called from a lineReceived: handled below
            self._buffer += data
            return
        self._busyReceiving = True
        try:
            self._split(data)
        finally:
            self._busyReceiving = False

    def _split(self, data: bytes) -> None:
        # The chunk being split is kept as ``_pending`` from ``_offset`` on,
        # so a handler can see (and trim) what waits after its line without
        # the rest being copied per line; bytes that arrive from inside a
        # handler are appended to ``_buffer`` and joined in.
        self._pending = self._buffer + data if self._buffer else data
        self._offset = 0
        self._buffer = b""
        while not self.paused:
            end = self._pending.find(b"\n", self._offset)
            if end < 0:
                break
            line = self._pending[self._offset : end]
            self._offset = end + 1
            if self._skipping:  # the tail of a line already refused
                self._skipping = 0
                continue
            if line[-1:] == b"\r":
                line = line[:-1]
            if len(line) > self.MAX_LENGTH:
                self.lineLengthExceeded(line)
            else:
                self.lineReceived(line)
            if getattr(self.transport, "disconnecting", True):
                self._pending, self._offset = b"", 0
                return
            if self._buffer:  # more arrived from inside lineReceived
                self._pending = self._pending[self._offset :] + self._buffer
                self._offset = 0
                self._buffer = b""
        rest = self._pending[self._offset :] if self._offset else self._pending
        self._buffer = rest + self._buffer
        self._pending, self._offset = b"", 0
        overlong = self._skipping or len(self._buffer) > self.MAX_LENGTH
        if self._buffer and overlong and not self.paused:
            self._discard_partial_line()

    def unprocessed(self) -> bytes:
        """What has been read but not yet delivered as lines."""
        return self._pending[self._offset :] + self._buffer

    def replace_unprocessed(self, data: bytes) -> None:
        """Put ``data`` in place of :meth:`unprocessed` (e.g. lines answered
        out of turn removed)."""
        if self._busyReceiving:
            self._pending, self._offset = data, 0
            self._buffer = b""
        else:
            self._buffer = data

    def _discard_partial_line(self) -> None:
        """Refuse a line as soon as it is too long, then skip to its end."""
        if not self._skipping:
            self.lineLengthExceeded(self._buffer[: self.MAX_LENGTH + 1])
        self._skipping += len(self._buffer)
        self._buffer = b""
        if self._skipping > self.max_unterminated:
            self.unterminatedLine()

    # Pausing, as LineReceiver's (twisted.protocols.basic._PauseableMixin),
    # and holding, its cheaper form for a command that waits.

    def pauseProducing(self) -> None:
        """Hold back the lines after this one and stop reading the socket."""
        self.paused = True
        self.transport.pauseProducing()

    def hold(self) -> None:
        """Hold back the lines after this one (a command waits on Redis),
        but read on until bytes come meanwhile, and only then stop reading
        (:meth:`dataReceived`). A cluster node's command waits a round trip
        to Redis, a millisecond or so, and its client seldom sends its next
        line that soon: stopping and restarting the socket's reading for
        every such command (``pauseProducing``) cost two ``epoll_ctl``
        system calls and a dozen of the reactor's calls for each message a
        node's user sent (benchmarks/results/performance-notebook.md, "The
        cluster's per-node cost"). What a client sends meanwhile is read
        once (a read's worth more than a pause would have kept), then
        waits in the socket; the flood limit's and the sign-on slots'
        pauses still stop reading at once."""
        if not self.paused:
            self.paused = HELD

    def resumeProducing(self) -> None:
        """Deliver the lines held back, and read on (again)."""
        held = self.paused is HELD
        self.paused = False
        if held:  # the socket was never stopped: nothing to restart
            if self._buffer:
                self.dataReceived(b"")
            return
        self.transport.resumeProducing()
        self.dataReceived(b"")

    def stopProducing(self) -> None:
        self.paused = True
        self.transport.stopProducing()

    def lineReceived(self, line: bytes) -> None:
        """One line, without its end."""

    def lineLengthExceeded(self, line: bytes) -> None:
        """A line longer than ``MAX_LENGTH`` was discarded; the session goes on."""

    def unterminatedLine(self) -> None:
        """A line ran past ``max_unterminated`` bytes: close the connection."""
        if self.transport is not None:
            self.transport.loseConnection()


class LineFraming(Splitting, LineReceiver):
    """Splits input into lines; subclasses handle :meth:`lineReceived`.
    A :class:`~twisted.protocols.basic.LineReceiver`, as the design brief
    asks of the line door."""

    delimiter = b"\n"


@implementer(IProtocol, ILoggingContext)
class SlottedFraming(Splitting):
    """The same framing, and what Twisted asks of a protocol, without
    Twisted's ``Protocol`` and ``LineReceiver`` as base classes: they have no
    ``__slots__``, so each instance of a class built on them carries room
    for a ``__dict__``, a ``__weakref__`` and the array of values CPython
    makes for the dict at once (40 bytes per connection). A subclass
    declares every attribute as a slot: ``transport``, ``connected``,
    ``paused``, ``_buffer``, ``_busyReceiving``, ``_pending``, ``_offset``,
    ``_skipping``, ``max_unterminated``, ``factory`` and its own, and
    calls this ``__init__``, which sets the framing's."""

    if not TYPE_CHECKING:  # as Splitting's
        __slots__ = ()

    def __init__(self) -> None:
        super().__init__()
        self.connected = 0
        #: The factory that built it, as Twisted's ``Protocol.factory`` (typed
        #: as Twisted types it).
        self.factory: Any = None

    def makeConnection(self, transport: Any) -> None:
        """As Twisted's ``BaseProtocol.makeConnection``."""
        self.connected = 1
        self.transport = transport
        self.connectionMade()

    def connectionMade(self) -> None:
        """The connection is open."""

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """The connection is closed."""

    def logPrefix(self) -> str:
        return type(self).__name__
